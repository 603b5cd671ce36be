import type { Clock } from './clock.js';
import type { HttpMethod, RetryOptions } from './types.js';

export const DEFAULT_RETRY: RetryOptions = { retries: 5, minTimeoutMs: 500, factor: 2, maxTimeoutMs: 30_000 };

/** Statuses worth another try: throttling and transient server or gateway failures. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * Failures without a response that a later attempt may not meet: connection-level
 * errors from the OS and undici's socket and timeout errors.
 */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // The client's own deadline and throughput floor (transfer-guard.ts): timeouts as well.
  'CFC_DEADLINE_EXCEEDED',
  'CFC_BODY_TOO_SLOW',
]);

/** Failures that happen before a request reaches the server: retrying them cannot duplicate it. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export function isNeverSentCode(code: string | undefined): boolean {
  return code !== undefined && NEVER_SENT_CODES.has(code);
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** The most specific code in an error's cause chain (undici wraps OS errors). */
export function networkErrorCode(error: unknown): string | undefined {
  let fallback: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (RETRYABLE_NETWORK_CODES.has(code)) return code;
      fallback ??= code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return fallback;
}

export function isRetryableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/**
 * Retry-After in ms, from delta-seconds or an HTTP date; undefined when absent or
 * unparseable. A date in the past means "now".
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its month; Date.parse would also take '-3' as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * Exponential backoff for the n-th retry (0-based) with up to 25 % added jitter, so
 * that clients failing together do not retry together; never above the cap.
 */
export function backoffMs(retryIndex: number, options: RetryOptions, random: () => number = Math.random): number {
  const base = options.minTimeoutMs * options.factor ** retryIndex;
  return Math.round(Math.min(options.maxTimeoutMs, base * (1 + 0.25 * random())));
}

/** The wait before the next attempt: the server's Retry-After when given, capped. */
export function retryDelayMs(retryIndex: number, options: RetryOptions, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.maxTimeoutMs);
  return backoffMs(retryIndex, options);
}

export interface RetryPlan extends RetryOptions {
  enabled: boolean;
}

/**
 * Whether and how a request is retried. Only GET retries by default because a POST
 * or PUT may have had an effect; callers opt in for idempotent ones. A streamed body
 * was consumed by the first attempt, so it can never be sent again.
 */
export function retryPlan(
  method: HttpMethod,
  requested: boolean | Partial<RetryOptions> | undefined,
  clientDefaults: Partial<RetryOptions> | undefined,
  streamedBody: boolean,
): RetryPlan {
  const perRequest = typeof requested === 'object' ? stripUndefined(requested) : {};
  const options: RetryOptions = { ...DEFAULT_RETRY, ...stripUndefined(clientDefaults), ...perRequest };
  const wanted = requested === undefined ? method === 'GET' : requested !== false;
  const enabled = wanted && !streamedBody && options.retries > 0;
  return { ...options, retries: enabled ? options.retries : 0, enabled };
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A wait that an abort cuts short; no timer outlives it. Runs on `clock` (tests: a manual one). */
export function waitMs(ms: number, signal: AbortSignal | undefined, clock: Pick<Clock, 'setTimeout' | 'clearTimeout'> = realTimers): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Plain timers that keep the process alive while a retry waits, as a pending request would. */
const realTimers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
