/**
 * `{base}{path}` for a Unique service: the base URL may carry a gateway path prefix
 * (external mode), which is kept; duplicate slashes in the path are collapsed so a
 * base with a trailing slash does not produce `//v2/...` (Unique contract §1).
 */
export function serviceUrl(base: string, path: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname}/${path}`.replace(/\/{2,}/g, '/');
  url.search = '';
  url.hash = '';
  return url.toString();
}
