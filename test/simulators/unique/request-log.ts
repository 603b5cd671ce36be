/**
 * Request log entries for assertions. Credentials never reach the log: authorization
 * headers keep only their scheme and cookies are dropped.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestLogEntry } from './types.js';

const SCHEME_ONLY = new Set(['authorization', 'proxy-authorization']);
const DROPPED = new Set(['cookie', 'set-cookie']);

export function loggableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name)) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = SCHEME_ONLY.has(name) ? (text.split(/\s+/)[0] ?? '') : text;
  }
  return out;
}

export function logEntry(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  status: number,
  detail: { operation?: string; variables?: unknown },
): RequestLogEntry {
  return {
    method,
    path,
    ...(detail.operation === undefined ? {} : { operation: detail.operation }),
    ...(detail.variables === undefined ? {} : { variables: detail.variables }),
    headers: loggableHeaders(headers),
    status,
    at: Date.now(),
  };
}
