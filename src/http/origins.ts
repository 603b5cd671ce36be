import type { AuthProvider } from './types.js';

/** `scheme://host[:port]` of a URL, or undefined when it does not parse. */
export function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * The same credentials, allowed only on `origins` (the origins of these URLs): the
 * HTTP client refuses a request with them anywhere else. The binding sits where a
 * client is given its credentials, so every call site is covered by one rule.
 */
export function boundToOrigins(auth: AuthProvider, urls: readonly string[]): AuthProvider {
  const origins = [...new Set(urls.map(originOf).filter((origin): origin is string => origin !== undefined))];
  const invalidate = auth.invalidate;
  return {
    headers: () => auth.headers(),
    ...(invalidate === undefined ? {} : { invalidate: () => invalidate.call(auth) }),
    origins,
  };
}
