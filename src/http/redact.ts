import { REDACTED, knownSecretValues, secretSpellings } from '../secret.js';

/**
 * Query parameter names whose values are credentials: signed media URLs carry a
 * `token`, upload URLs a `key`, OAuth redirects a `code`. Matching the name's ending
 * catches `access_token`, `X-Amz-Signature`, `client_secret` and `apiKey` too; the cost
 * is that harmless names such as `spaceKey` get masked as well.
 */
const SECRET_PARAM = /(token|key|signature|sig|password|passwd|secret|code|credentials?)$/i;

/** The URL without userinfo, fragment or secret-looking query values. Never throws. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[invalid url]';
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  if (url.search === '') return url.toString();
  // Rebuilt by hand so that '[redacted]' stays readable instead of percent-encoded.
  const parts: string[] = [];
  for (const [name, value] of url.searchParams) {
    const shown = SECRET_PARAM.test(name) ? REDACTED : encodeURIComponent(value);
    parts.push(`${encodeURIComponent(name)}=${shown}`);
  }
  url.search = '';
  return `${url.toString()}?${parts.join('&')}`;
}

const SECRET_JSON_FIELD = /("(?:access_token|refresh_token|id_token|client_secret|password|token)"\s*:\s*)"[^"]*"/gi;
const SECRET_QUERY_PAIR = /\b((?:access_token|token|key|signature|sig|password|secret|code)=)[^&\s"']+/gi;

/**
 * Masks secrets in free text taken from a response body: the given values (this
 * request's credentials), every Secret of the process, and token-looking fields.
 */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let result = text;
  // This request's credentials in every wire spelling (the process' Secrets are remembered with theirs).
  const own = [...secrets].filter((secret) => secret.length >= 4).flatMap(secretSpellings);
  // Longest first, so a secret inside a longer remembered value does not leave that value's rest behind.
  const all = [...new Set([...own, ...knownSecretValues()])].sort((a, b) => b.length - a.length);
  for (const secret of all) {
    if (secret.length >= 4 && result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result.replace(SECRET_JSON_FIELD, `$1"${REDACTED}"`).replace(SECRET_QUERY_PAIR, `$1${REDACTED}`);
}

export const EXCERPT_CHARS = 300;

/** A single-line, redacted excerpt of at most EXCERPT_CHARS characters. */
export function excerpt(text: string, secrets: Iterable<string> = []): string {
  const line = redactText(text, secrets).replace(/\s+/g, ' ').trim();
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS - 1)}…` : line;
}

/** Every value worth scrubbing from a body: whole header values and their token part. */
export function secretHeaderValues(headers: Record<string, string>): string[] {
  const values: string[] = [];
  for (const value of Object.values(headers)) {
    values.push(value);
    const space = value.indexOf(' ');
    if (space > 0) values.push(value.slice(space + 1));
  }
  return values;
}
