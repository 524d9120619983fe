/**
 * Thinking-block signatures the simulator issues and verifies, like the real API's opaque ones: an HMAC over
 * the model, the thinking text and — on models whose rule says so (5.5) — the conversation, so a block
 * replayed to another model, edited, or moved into another conversation is refused.
 *
 * The conversation is identified by the text of its first user turn: stable across the proxy re-encoding the
 * history (cache_control added, strings turned into blocks), different for another conversation.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sim1';

export interface SignatureScope {
  /** The canonical model id (aliases resolved). */
  readonly model: string;
  /** Conversation digest, or '' when the model binds signatures to the model only. */
  readonly conversation: string;
}

export class Signer {
  readonly #key: Buffer;
  constructor(key: Buffer = randomBytes(32)) {
    this.#key = key;
  }

  sign(scope: SignatureScope, thinking: string): string {
    const payload = Buffer.from(
      JSON.stringify({ m: scope.model, c: scope.conversation, t: digest(thinking).slice(0, 24) }),
    ).toString('base64url');
    return `${PREFIX}.${payload}.${this.#mac(payload)}`;
  }

  verify(scope: SignatureScope, thinking: string, signature: string): boolean {
    const parts = signature.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX) return false;
    const payload = parts[1] ?? '';
    const expected = Buffer.from(this.#mac(payload));
    const given = Buffer.from(parts[2] ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
    let claims: { m?: unknown; c?: unknown; t?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return false;
    }
    return (
      claims.m === scope.model &&
      claims.c === scope.conversation &&
      claims.t === digest(thinking).slice(0, 24)
    );
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
