/**
 * The tests' self-signed certificate for 127.0.0.1 and localhost, made with node:crypto alone (no openssl
 * binary, no package). One implementation, shared with the benchmark's TLS rows: bench/lib/test-cert.mjs.
 */
export { makeTestCertificate, type TestCertificate } from '../../bench/lib/test-cert.mjs';
