import { randomUUID } from 'node:crypto';

/** A client's X-Request-ID is kept when sane: 1 to 128 printable ASCII characters. */
const SANE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}
