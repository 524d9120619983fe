export interface TestCertificate {
  /** PEM certificate; also the CA to trust. */
  readonly cert: string;
  /** PEM private key (PKCS#8). */
  readonly key: string;
}
export function makeTestCertificate(): TestCertificate;
/** Writes a new one as `cert.pem` and `key.pem` in `dir`; returns the two paths. */
export function writeTestCertificate(dir: string): { cert: string; key: string };
