import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Clock } from './clock.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Supplies credentials per request. The client calls `headers()` before every attempt
 * (so a refreshed token is picked up) and sends them only to the request's own origin.
 * `invalidate()` drops a cached token; it is called once after a 401.
 */
export interface AuthProvider {
  headers(): Promise<Record<string, string>>;
  invalidate?(): void;
  /**
   * The origins (`scheme://host[:port]`) these credentials may be sent to. A request
   * with this provider to any other origin is refused before anything is sent
   * (HTTP_ORIGIN_REFUSED); redirects elsewhere are followed without credentials.
   * Absent: the request's own origin, whatever it is.
   */
  origins?: readonly string[];
}

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** Wait before the first retry; later waits grow by `factor`. */
  minTimeoutMs: number;
  factor: number;
  /** Cap for one wait, also applied to a server's Retry-After. */
  maxTimeoutMs: number;
}

export interface Timeouts {
  connectMs: number;
  headersMs: number;
  /** Longest pause between two body chunks. */
  bodyIdleMs: number;
  /**
   * Deadline of one attempt whose sizes are unknown, from sending to the end of its
   * body; known sizes (a request body, a declared or capped response) add the time
   * they take at `minBytesPerSecond`.
   */
  totalMs: number;
  /** A body slower than this while it waits on the server fails after `throughputWindowMs`. */
  minBytesPerSecond: number;
  throughputWindowMs: number;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer | NodeJS.ReadableStream;
  auth?: AuthProvider;
  /** Default: GET true, others false. An object enables retries with these overrides. */
  retry?: boolean | Partial<RetryOptions>;
  /** Statuses returned to the caller instead of thrown (after retries). */
  allowStatus?: number[];
  /** Normalised name for hooks; default is the URL path with digit runs as ':id'. */
  endpoint?: string;
  bypassRateLimit?: boolean;
  signal?: AbortSignal;
  /**
   * Read the whole answer inside the attempt (JSON answers; never a download), so that
   * a connection lost mid-body is retried like one lost before the headers.
   */
  buffer?: boolean;
  /**
   * False: a retry only follows an answer (429, 5xx) or a connection never made, not a
   * timeout or reset after sending. For a write that a late-arriving first attempt
   * would undo (a Unique registration issues a new upload key).
   */
  retryUnanswered?: boolean;
  /**
   * The response body fails (HTTP_RESPONSE_TOO_LARGE) once more bytes than this have
   * arrived, counted while it streams.
   */
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Final URL after redirects (unredacted: callers may need its query). */
  url: string;
  /** The undici body: stream it, or call json()/text() once. */
  body: Readable;
  json<T = unknown>(): Promise<T>;
  text(): Promise<string>;
}

export type RequestOutcome = 'ok' | 'retry' | 'error';

/** One per attempt (every attempt that was sent or failed to connect). */
export interface RequestEvent {
  target: string;
  endpoint: string;
  method: HttpMethod;
  /** Redacted. */
  url: string;
  status?: number;
  /** From sending the request to the response headers (or the failure). */
  durationMs: number;
  /** Time spent waiting for a rate-limit slot before this attempt. */
  queuedMs: number;
  /** 1-based count of attempts of this request, including an auth refresh. */
  attempt: number;
  outcome: RequestOutcome;
  /** Low-level code of a failure without a response (ECONNRESET, UND_ERR_HEADERS_TIMEOUT...). */
  errorCode?: string;
  /** Wait before the next attempt when outcome is 'retry'. */
  retryAfterMs?: number;
  /** True for a real 429. */
  throttled: boolean;
}

export interface HttpClientOptions {
  /** Names the target in hook events, e.g. 'confluence' or 'unique-ingestion'. */
  target: string;
  /** Client-side limit; no limit when absent. */
  ratePerMinute?: number;
  /** Window of the limit; only tests change it. Default 60 000. */
  rateWindowMs?: number;
  /** E.g. a ProxyAgent. Not closed by close(): the caller owns it. */
  dispatcher?: Dispatcher;
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryOptions>;
  onRequest?: (event: RequestEvent) => void;
  /** Default `confluence-connector/{version}` (src/http/user-agent.ts). */
  userAgent?: string;
  /** Deadlines and throughput windows run on it; tests pass a manual clock. */
  clock?: Clock;
}
