/**
 * "No secret in the output" checks any end-to-end test can call: a secret must not
 * appear in logs, error messages or dump output in any of the forms it takes on the
 * wire (as is, base64 as in a Basic header or a JWT segment, percent-encoded as in a
 * form body or a query string). Not a test file (tap excludes test/helpers/**).
 */
import type { Test } from 'tap';

/** The spellings of one secret worth looking for; short secrets are skipped (they match by chance). */
export function secretForms(secret: string): string[] {
  const forms = new Set([
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
    // application/x-www-form-urlencoded encodes a space as '+'.
    new URLSearchParams({ s: secret }).toString().slice(2),
  ]);
  return [...forms].filter((form) => form.length >= 6);
}

/** Each leak as `label: form`, for a readable failure. */
export function findSecrets(texts: Record<string, string>, secrets: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      for (const [label, text] of Object.entries(texts)) {
        if (text.includes(form)) leaks.push(`${label} contains ${form === secret ? 'the secret' : `an encoded form (${form.slice(0, 4)}…)`} of a secret starting ${secret.slice(0, 3)}…`);
      }
    }
  }
  return leaks;
}

/**
 * Asserts that none of `secrets` (in any form) occurs in any of the texts. Pass
 * captured log text, error messages (with their `cause` chain and details, e.g.
 * via `errorText`), dump output and whatever else the test produced.
 */
export function assertNoSecrets(t: Test, texts: Record<string, string>, secrets: readonly string[], message = 'no secret in any output'): void {
  t.same(findSecrets(texts, secrets), [], message);
}

/** An error's message, code, details and cause chain as one text, for `assertNoSecrets`. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth += 1) {
    if (current instanceof Error) {
      parts.push(current.name, current.message, current.stack ?? '');
      const details = (current as { details?: unknown }).details;
      if (details !== undefined) parts.push(JSON.stringify(details));
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current));
      break;
    }
  }
  return parts.join('\n');
}
