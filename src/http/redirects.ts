import type { HttpMethod, HttpRequest } from './types.js';

export const MAX_REDIRECTS = 10;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/** scheme + host + port, the unit across which credentials are not forwarded. */
export function sameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}

export interface Hop {
  method: HttpMethod;
  url: string;
  body: HttpRequest['body'];
}

/**
 * The request to send after a redirect, or undefined when it cannot be followed
 * because 307/308 demand the same body again and a stream cannot be replayed.
 * 301/302/303 become a GET without body, as browsers and curl do.
 */
export function nextHop(current: Hop, status: number, location: string): Hop | undefined {
  const url = new URL(location, current.url).toString();
  if (status === 307 || status === 308) {
    if (current.body !== undefined && !isReplayable(current.body)) return undefined;
    return { method: current.method, url, body: current.body };
  }
  return { method: 'GET', url, body: undefined };
}

export function isReplayable(body: HttpRequest['body']): boolean {
  return body === undefined || typeof body === 'string' || Buffer.isBuffer(body);
}

/** Headers describing a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'transfer-encoding'];

/** Caller-supplied headers that carry credentials, never sent to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export interface HopHeaderInput {
  /** Lower-case names. */
  callerHeaders: Record<string, string>;
  /** From the auth provider, lower-case names. */
  authHeaders: Record<string, string>;
  userAgent?: string;
  /** The hop goes to the origin of the original request. */
  home: boolean;
  /** A redirect turned the request into a GET without body. */
  bodyDropped: boolean;
}

/** The headers of one hop: credentials only on the home origin, body headers only with a body. */
export function hopHeaders(input: HopHeaderInput): Record<string, string> {
  const headers: Record<string, string> = input.userAgent ? { 'user-agent': input.userAgent } : {};
  for (const [name, value] of Object.entries(input.callerHeaders)) {
    if (!input.home && CREDENTIAL_HEADERS.includes(name)) continue;
    if (input.bodyDropped && BODY_HEADERS.includes(name)) continue;
    headers[name] = value;
  }
  if (input.home) Object.assign(headers, input.authHeaders);
  return headers;
}

// Plain loops below: these run for every request, and entries/fromEntries allocate an array per header.

export function credentialHeaders(headers: Record<string, string>): Record<string, string> {
  const credentials: Record<string, string> = {};
  for (const name in headers) if (CREDENTIAL_HEADERS.includes(name)) credentials[name] = headers[name]!;
  return credentials;
}

export function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const lower: Record<string, string> = {};
  for (const name in headers) lower[name.toLowerCase()] = headers[name]!;
  return lower;
}
