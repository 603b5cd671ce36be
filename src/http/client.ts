import { Agent, type Dispatcher } from 'undici';
import { ConnectorError } from '../errors.js';
import { RateLimiter } from './rate-limiter.js';
import { isReplayable } from './redirects.js';
import { HopFailure, headerValue, originOf, sendFollowingRedirects, type Exchange } from './exchange.js';
import { excerpt, redactUrl } from './redact.js';
import { abortedError, discard, httpError, networkError, originRefusedError, readStart, tooLargeError, wrapResponse } from './response.js';
import { systemClock, type Clock } from './clock.js';
import { FinalFailure, RetryableFailure, runWithRetries } from './retry-loop.js';
import { RetryPlans } from './retry-plans.js';
import { declaredLength, requestBodyBytes, withJsonCap } from './sizes.js';
import { AttemptGuard, type TransferError } from './transfer-guard.js';
import {
  isNeverSentCode,
  isRetryableNetworkCode,
  isRetryableStatus,
  networkErrorCode,
  parseRetryAfter,
  retryDelayMs,
  type RetryPlan,
} from './retry-policy.js';
import type { HttpClientOptions, HttpRequest, HttpResponse, RequestEvent, Timeouts } from './types.js';
import { USER_AGENT } from './user-agent.js';

/**
 * Connect, headers and body idle per contract §10/§11. The deadline and the throughput
 * floor are ours: 5 minutes for an answer of unknown size, and at least 1 KiB/s over
 * every minute a body waits on the server (a 1 byte/s trickle fails within a minute).
 */
export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 15_000,
  headersMs: 30_000,
  bodyIdleMs: 60_000,
  totalMs: 300_000,
  minBytesPerSecond: 1024,
  throughputWindowMs: 60_000,
};

interface RequestState {
  req: HttpRequest;
  plan: RetryPlan;
  /** The caller's endpoint name; derived from the URL only when an event needs it. */
  endpoint: string | undefined;
  /** Origin of `req.url` ('null' when it does not parse), parsed once, when first needed. */
  origin: string | undefined;
  attempts: number;
  authRefreshed: boolean;
}

/** What an attempt does with a guard when it returns: keep it for a streamed body, or end it. */
type GuardUse = 'streamed' | 'done';

/**
 * The one HTTP client of the connector: a client-side rate limit, retries with
 * backoff, manual redirects that keep credentials on their origin, one token refresh
 * on 401, and errors that never carry a secret. Build one per tenant and target.
 */
export class HttpClient {
  readonly target: string;
  readonly #options: HttpClientOptions;
  readonly #timeouts: Timeouts;
  readonly #limiter: RateLimiter | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownAgent: Agent | undefined;
  readonly #clock: Clock;
  readonly #plans: RetryPlans;

  constructor(options: HttpClientOptions) {
    this.target = options.target;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#plans = new RetryPlans(options.retry);
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#limiter =
      options.ratePerMinute === undefined ? undefined : new RateLimiter({ limit: options.ratePerMinute, windowMs: options.rateWindowMs });
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
    } else {
      this.#ownAgent = new Agent({
        connect: { timeout: this.#timeouts.connectMs },
        headersTimeout: this.#timeouts.headersMs,
        bodyTimeout: this.#timeouts.bodyIdleMs,
      });
      this.#dispatcher = this.#ownAgent;
    }
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    // Found: an endless listing aborted out of memory; no JSON answer may fill the heap.
    const req = withJsonCap(request);
    const plan = this.#plans.of(req);
    const state: RequestState = { req, plan, endpoint: req.endpoint, origin: undefined, attempts: 0, authRefreshed: false };
    try {
      return await runWithRetries(
        async (attemptNumber) => {
          const response = await this.#attempt(state, attemptNumber);
          req.signal?.throwIfAborted();
          return response;
        },
        { retries: plan.retries, ...(req.signal ? { signal: req.signal } : {}), ...(this.#options.clock ? { clock: this.#options.clock } : {}) },
      );
    } catch (error) {
      if (error instanceof FinalFailure) throw error.error;
      if (error instanceof RetryableFailure) throw error.error;
      if (error instanceof ConnectorError) throw error;
      if (req.signal?.aborted) throw abortedError(req.method, req.url, req.signal.reason);
      throw error;
    }
  }

  async getJson<T = unknown>(url: string, options: Omit<HttpRequest, 'method' | 'url' | 'body'> = {}): Promise<T> {
    const response = await this.request({ ...options, method: 'GET', url, headers: { accept: 'application/json', ...options.headers } });
    return response.json<T>();
  }

  async postJson<T = unknown>(url: string, body: unknown, options: Omit<HttpRequest, 'method' | 'url' | 'body'> = {}): Promise<T> {
    const headers = { accept: 'application/json', 'content-type': 'application/json', ...options.headers };
    const response = await this.request({ ...options, method: 'POST', url, headers, body: JSON.stringify(body) });
    return response.json<T>();
  }

  /** Closes the client's own connection pool; a dispatcher passed in stays open. */
  async close(): Promise<void> {
    await this.#ownAgent?.close();
  }

  /** One attempt; a 401 refresh sends once more inside the same attempt. */
  async #attempt(state: RequestState, attemptNumber: number): Promise<HttpResponse> {
    const { req, plan } = state;
    const canRetry = plan.enabled && attemptNumber <= plan.retries;
    for (;;) {
      this.#checkOrigin(req, state);
      // Credentials first, so a slow token fetch does not sit on a rate-limit slot.
      const authHeaders = req.auth ? await req.auth.headers() : {};
      const queuedMs = req.bypassRateLimit || !this.#limiter ? 0 : await this.#acquire(req);
      state.attempts += 1;
      const started = performance.now();
      const attempt = state.attempts;
      // `url` is the hop's raw URL: it is redacted only when there is a hook to see it.
      const event = (fields: Partial<RequestEvent> & Pick<RequestEvent, 'outcome' | 'url'>): void => {
        if (this.#options.onRequest === undefined) return;
        this.#emit({
          target: this.target,
          endpoint: endpointOf(state),
          method: req.method,
          durationMs: performance.now() - started,
          queuedMs,
          attempt,
          throttled: false,
          ...fields,
          url: redactUrl(fields.url),
        });
      };

      const guard = new AttemptGuard(this.#timeouts, this.#clock, req.signal, requestBodyBytes(req));
      let use: GuardUse = 'done';
      try {
        const outcome = await this.#send(req, state, authHeaders, guard, canRetry, attemptNumber, event);
        if (outcome === 'refreshed') continue;
        use = outcome.use;
        return outcome.response;
      } finally {
        if (use === 'done') guard.dispose();
      }
    }
  }

  /** One exchange under its guard: the response, or 'refreshed' after a 401 that dropped the token. */
  async #send(
    req: HttpRequest,
    state: RequestState,
    authHeaders: Record<string, string>,
    guard: AttemptGuard,
    canRetry: boolean,
    attemptNumber: number,
    event: (fields: Partial<RequestEvent> & Pick<RequestEvent, 'outcome' | 'url'>) => void,
  ): Promise<{ response: HttpResponse; use: GuardUse } | 'refreshed'> {
    const { plan } = state;
    let exchange: Exchange;
    try {
      exchange = await sendFollowingRedirects({
        req,
        origin: requestOrigin(state),
        authHeaders,
        userAgent: this.#options.userAgent ?? USER_AGENT,
        dispatcher: this.#dispatcher,
        timeouts: this.#timeouts,
        signal: guard.signal,
      });
    } catch (error) {
      const hop = error instanceof HopFailure ? error.hop : { method: req.method, url: req.url, body: req.body };
      const cause = guard.failure ?? (error instanceof HopFailure ? error.cause : error);
      if (req.signal?.aborted) {
        event({ outcome: 'error', url: hop.url, errorCode: 'ABORTED' });
        throw new FinalFailure(abortedError(hop.method, hop.url, req.signal.reason));
      }
      if (cause instanceof ConnectorError) {
        event({ outcome: 'error', url: hop.url, errorCode: cause.code });
        throw new FinalFailure(cause);
      }
      const code = networkErrorCode(cause);
      const failure = networkError(hop.method, hop.url, code, cause);
      // A timeout or reset after sending leaves the first attempt possibly still on its
      // way: `retryUnanswered: false` requests are then not sent a second time.
      const unanswered = req.retryUnanswered === false && !isNeverSentCode(code);
      if (canRetry && isRetryableNetworkCode(code) && !unanswered) {
        const delay = retryDelayMs(attemptNumber - 1, plan, undefined);
        event({ outcome: 'retry', url: hop.url, errorCode: code, retryAfterMs: delay });
        throw new RetryableFailure(failure, delay);
      }
      event({ outcome: 'error', url: hop.url, errorCode: code });
      throw new FinalFailure(failure);
    }

    const { data, hop, secrets } = exchange;
    const status = data.statusCode;
    const throttled = status === 429;
    // Only the request's own origin saw the credentials; a 401 elsewhere says nothing about them.
    const home = exchange.home;
    if (status === 401 && home && req.auth?.invalidate && !state.authRefreshed && isReplayable(req.body)) {
      await discard(data.body);
      event({ outcome: 'retry', url: hop.url, status, retryAfterMs: 0 });
      state.authRefreshed = true;
      req.auth.invalidate();
      return 'refreshed';
    }
    const delivered = (status >= 200 && status < 300) || req.allowStatus?.includes(status) === true;
    if (delivered) {
      guard.allowBytes(Math.min(declaredLength(data.headers) ?? Infinity, req.maxResponseBytes ?? Infinity));
      const watch = {
        maxBytes: req.maxResponseBytes,
        tooLarge: (maxBytes: number) => tooLargeError(hop.method, hop.url, maxBytes),
        toError: (failure: TransferError) => networkError(hop.method, hop.url, failure.code, failure),
      };
      const context = { method: hop.method, url: hop.url, secrets };
      if (status >= 200 && status < 300 && req.buffer) {
        // Found by the fault soak: a connection reset mid-body used to surface after the
        // retries, from the caller's json(), as "not JSON" and failed a whole discovery.
        // Reading a JSON answer inside the attempt makes it one more retryable failure.
        let buffered: string;
        try {
          buffered = await guard.readText(data.body, watch);
        } catch (error) {
          const cause = guard.failure ?? error;
          if (cause instanceof ConnectorError) {
            event({ outcome: 'error', url: hop.url, status, errorCode: cause.code });
            throw new FinalFailure(cause);
          }
          const code = networkErrorCode(cause);
          const failure = networkError(hop.method, hop.url, code, cause);
          if (canRetry && isRetryableNetworkCode(code)) {
            const delay = retryDelayMs(attemptNumber - 1, plan, undefined);
            event({ outcome: 'retry', url: hop.url, status, errorCode: code, retryAfterMs: delay });
            throw new RetryableFailure(failure, delay);
          }
          event({ outcome: 'error', url: hop.url, status, errorCode: code });
          throw new FinalFailure(failure);
        }
        event({ outcome: 'ok', url: hop.url, status });
        return { response: wrapResponse(data, data.body, context, buffered), use: 'done' };
      }
      const body = guard.watchBody(data.body, watch);
      event({ outcome: 'ok', url: hop.url, status, throttled });
      // The guard lives on with the body: its deadline and floor apply while the caller reads.
      return { response: wrapResponse(data, body, context), use: 'streamed' };
    }
    if (canRetry && isRetryableStatus(status)) {
      const delay = retryDelayMs(attemptNumber - 1, plan, parseRetryAfter(headerValue(data.headers['retry-after'])));
      await discard(data.body);
      event({ outcome: 'retry', url: hop.url, status, retryAfterMs: delay, throttled });
      throw new RetryableFailure(httpError(hop.method, hop.url, status, ''), delay);
    }
    const bodyExcerpt = excerpt(await readStart(data.body), secrets);
    event({ outcome: 'error', url: hop.url, status, throttled });
    throw new FinalFailure(httpError(hop.method, hop.url, status, bodyExcerpt));
  }

  /**
   * Credentials go only where their provider allows (Confluence: the configured site and
   * the documented Atlassian origins). A link elsewhere (an absolute download link, a
   * `_links.next` on another host) is refused before anything is sent.
   */
  #checkOrigin(req: HttpRequest, state: RequestState): void {
    const allowed = req.auth?.origins;
    if (allowed === undefined) return;
    const origin = requestOrigin(state);
    if (allowed.includes(origin)) return;
    const error = originRefusedError(req.method, req.url, origin, allowed);
    this.#emit({
      target: this.target,
      endpoint: endpointOf(state),
      method: req.method,
      url: redactUrl(req.url),
      durationMs: 0,
      queuedMs: 0,
      attempt: state.attempts + 1,
      outcome: 'error',
      errorCode: error.code,
      throttled: false,
    });
    throw new FinalFailure(error);
  }

  async #acquire(req: HttpRequest): Promise<number> {
    try {
      return await this.#limiter!.acquire(req.signal);
    } catch (reason) {
      throw new FinalFailure(abortedError(req.method, req.url, reason));
    }
  }

  #emit(event: RequestEvent): void {
    try {
      this.#options.onRequest?.(event);
    } catch {
      // A failing metrics or log hook must not fail the request it observes.
    }
  }
}

function requestOrigin(state: RequestState): string {
  state.origin ??= originOf(state.req.url);
  return state.origin;
}

function endpointOf(state: RequestState): string {
  state.endpoint ??= defaultEndpoint(state.req.url);
  return state.endpoint;
}

/** `/wiki/rest/api/content/65601/child` -> `/wiki/rest/api/content/:id/child`. */
export function defaultEndpoint(url: string): string {
  try {
    return new URL(url).pathname.replace(/\d+/g, ':id');
  } catch {
    return 'invalid-url';
  }
}
