/** Replaces every given secret that occurs in `text`; for provider-written text we pass on to people. */
export function scrub(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== null && secret !== undefined && secret.length >= 4)
      out = out.split(secret).join('[redacted]');
  }
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}
