import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ConnectorError } from '../errors.js';
import { excerpt, redactText, redactUrl } from './redact.js';
import { networkErrorCode } from './retry-policy.js';
import { readAll } from './sizes.js';
import type { HttpMethod, HttpResponse } from './types.js';

type UndiciBody = Dispatcher.ResponseData['body'];

/** How much of an error body is read for its excerpt; the rest is not waited for. */
const EXCERPT_READ_BYTES = 8 * 1024;

/** Builds the error for a non-2xx answer: method, redacted URL, status, excerpt. */
export function httpError(method: HttpMethod, url: string, status: number, bodyExcerpt: string): ConnectorError {
  const shown = redactUrl(url);
  return new ConnectorError('HTTP_ERROR', `${method} ${shown} failed with HTTP ${status}`, {
    details: { method, url: shown, status, bodyExcerpt },
  });
}

/** Builds the error for a failure without a usable response. */
export function networkError(method: HttpMethod, url: string, code: string | undefined, cause: unknown): ConnectorError {
  const shown = redactUrl(url);
  const proxyStatus = proxyStatusOf(cause);
  if (proxyStatus !== undefined) {
    return new ConnectorError('HTTP_PROXY_ERROR', `${method} ${shown} failed: the proxy answered HTTP ${proxyStatus}`, {
      cause,
      details: { method, url: shown, proxyStatus },
    });
  }
  const reason = cause instanceof Error ? redactText(cause.message).slice(0, 200) : undefined;
  return new ConnectorError('HTTP_NETWORK_ERROR', `${method} ${shown} failed: ${code ?? 'network error'}${reason ? ` (${reason})` : ''}`, {
    cause,
    details: { method, url: shown, errorCode: code },
  });
}

/** A request whose credentials may not go to its origin (AuthProvider.origins). */
export function originRefusedError(method: HttpMethod, url: string, origin: string, allowed: readonly string[]): ConnectorError {
  const shown = redactUrl(url);
  return new ConnectorError(
    'HTTP_ORIGIN_REFUSED',
    `${method} ${shown} refused: credentials are only sent to ${allowed.join(', ')}, not to ${origin}`,
    { details: { method, url: shown, origin, allowedOrigins: [...allowed] } },
  );
}

/** A response body that grew past `HttpRequest.maxResponseBytes` while it streamed. */
export function tooLargeError(method: HttpMethod, url: string, maxBytes: number): ConnectorError {
  const shown = redactUrl(url);
  return new ConnectorError('HTTP_RESPONSE_TOO_LARGE', `${method} ${shown} answered more than ${maxBytes} bytes; the rest was not read`, {
    details: { method, url: shown, maxBytes },
  });
}

/** Whether `error`, or an error it wraps, is an answer cut for its size. */
export function isTooLargeError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (current instanceof ConnectorError && current.code === 'HTTP_RESPONSE_TOO_LARGE') return true;
  }
  return false;
}

export function abortedError(method: HttpMethod, url: string, reason: unknown): ConnectorError {
  const shown = redactUrl(url);
  return new ConnectorError('HTTP_ABORTED', `${method} ${shown} was aborted`, { cause: reason, details: { method, url: shown } });
}

/** undici reports a refused CONNECT or a 407 from a plain forward proxy only in text. */
function proxyStatusOf(cause: unknown): number | undefined {
  if (!(cause instanceof Error)) return undefined;
  const match = /Proxy response \((\d{3})\)|Proxy Authentication Required \((\d{3})\)/.exec(cause.message);
  if (!match) return undefined;
  return Number(match[1] ?? match[2]);
}

/** Reads the start of an error body for its excerpt and releases the connection. */
export async function readStart(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      chunks.push(buffer);
      size += buffer.length;
      if (size >= EXCERPT_READ_BYTES) break;
    }
  } catch {
    // A body that fails half-way still gives a useful excerpt of what arrived.
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, EXCERPT_READ_BYTES).toString('utf8');
}

/** Throws a body away (retries, redirects) without letting its errors escape. */
export async function discard(body: UndiciBody): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    body.destroy();
  }
}

export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

export interface WrapContext {
  method: HttpMethod;
  url: string;
  /** Values scrubbed from excerpts: this request's credentials. */
  secrets: string[];
}

/**
 * `body`: what the caller reads (the client's watched stream, not undici's raw body).
 * `buffered`: the body already read in full (`HttpRequest.buffer`); it is then served from memory.
 */
export function wrapResponse(data: Dispatcher.ResponseData, body: Readable, context: WrapContext, buffered?: string): HttpResponse {
  const { method, url, secrets } = context;
  const status = data.statusCode;
  const text = async (): Promise<string> => {
    if (buffered !== undefined) return buffered;
    try {
      return await readAll(body);
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      throw networkError(method, url, networkErrorCode(error), error);
    }
  };
  const json = async <T>(): Promise<T> => {
    const raw = await text();
    try {
      return JSON.parse(raw) as T;
    } catch {
      const shown = redactUrl(url);
      throw new ConnectorError('HTTP_ERROR', `${method} ${shown} answered HTTP ${status} but the response is not JSON`, {
        details: { method, url: shown, status, bodyExcerpt: excerpt(raw, secrets) },
      });
    }
  };
  // Made when first asked for: most callers only read json() or text() (a buffered
  // answer's stream is then never needed) and never look at the headers.
  let stream: Readable | undefined;
  let headers: Record<string, string> | undefined;
  return {
    status,
    get headers(): Record<string, string> {
      return (headers ??= flattenHeaders(data.headers));
    },
    url,
    get body(): Readable {
      return (stream ??= buffered === undefined ? body : Readable.from([Buffer.from(buffered, 'utf8')]));
    },
    json,
    text,
  };
}
