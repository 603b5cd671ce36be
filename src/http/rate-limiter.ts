import { ConnectorError } from '../errors.js';

/** Time as the limiter sees it; tests inject a manual clock so they are exact and take no real time. */
export interface LimiterClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimer(run: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

export interface RateLimiterOptions {
  /** Most request starts in any window. */
  limit: number;
  /** Default 60 000; tests shrink it. */
  windowMs?: number;
  /** Default: `performance.now()` and Node timers. */
  clock?: LimiterClock;
}

interface Waiter {
  resolve: (queuedMs: number) => void;
  reject: (error: unknown) => void;
  enqueuedAt: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * The server counts arrivals by its own clock. Two requests that left exactly one
 * window apart arrive closer together whenever the earlier one was slower in transit,
 * and a server enforcing the same limit then answers 429: so the limiter counts its
 * starts over a window a little longer than the configured one (found by the
 * reliability tests: a cycle saturating the limit met a 429 from a server enforcing
 * exactly that limit). 2 % of the window costs 2 % of a sustained load's throughput.
 */
const TRANSIT_MARGIN = 0.02;

const SYSTEM_CLOCK: LimiterClock = {
  now: () => performance.now(),
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/**
 * At most `limit` request starts in any sliding window of `windowMs` (plus the transit
 * margin), handed out first in, first out. There is no spacing between starts: a
 * per-minute limit is a count in a window, so a burst below the limit runs at full
 * speed and a sustained load runs at the limit. A timer exists only while someone
 * waits, so an idle limiter never keeps the process alive.
 */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** `windowMs` plus the transit margin: the window the starts are counted in. */
  readonly #guardedWindowMs: number;
  readonly #clock: LimiterClock;
  /** Start times still inside the window, oldest first, from `#head` on (at most `limit` of them). */
  #starts: number[] = [];
  #head = 0;
  readonly #queue: Waiter[] = [];
  #timer: unknown;

  constructor(options: RateLimiterOptions) {
    if (!Number.isFinite(options.limit) || options.limit <= 0) {
      throw new ConnectorError('CONFIG_INVALID', 'rate limit must be a positive number', { details: { limit: options.limit } });
    }
    this.limit = Math.floor(options.limit) || 1;
    this.windowMs = options.windowMs ?? 60_000;
    this.#guardedWindowMs = this.windowMs * (1 + TRANSIT_MARGIN);
    this.#clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Resolves with the time waited once the caller may start a request. */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.#clock.now();
    if (this.#queue.length === 0 && now >= this.#nextStart()) {
      this.#grant(now);
      return Promise.resolve(0);
    }
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, enqueuedAt: now, signal };
      if (signal) {
        waiter.onAbort = () => this.#cancel(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#schedule();
    });
  }

  /** Number of callers waiting for a slot. */
  get pending(): number {
    return this.#queue.length;
  }

  /** When the next start may happen: at once below the limit, else when the oldest counted start leaves the window. */
  #nextStart(): number {
    if (this.#starts.length - this.#head < this.limit) return Number.NEGATIVE_INFINITY;
    return this.#starts[this.#head]! + this.#guardedWindowMs;
  }

  #grant(now: number): void {
    this.#starts.push(now);
    // Forget starts that no longer count: the oldest beyond `limit`, and any that left the window.
    const since = now - this.#guardedWindowMs;
    while (this.#starts.length - this.#head > this.limit || this.#starts[this.#head]! <= since) this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#starts.length) {
      this.#starts = this.#starts.slice(this.#head);
      this.#head = 0;
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#queue.length === 0) return;
    // Rounded up: a timer may fire a fraction of a millisecond early; #pump re-checks anyway.
    const delay = Math.max(1, Math.ceil(this.#nextStart() - this.#clock.now()));
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      this.#pump();
    }, delay);
  }

  #pump(): void {
    const now = this.#clock.now();
    while (this.#queue.length > 0 && now >= this.#nextStart()) {
      const waiter = this.#queue.shift()!;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.#grant(now);
      waiter.resolve(now - waiter.enqueuedAt);
    }
    this.#schedule();
  }

  #cancel(waiter: Waiter): void {
    const index = this.#queue.indexOf(waiter);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    waiter.reject(waiter.signal?.reason);
    if (this.#queue.length === 0 && this.#timer !== undefined) {
      this.#clock.clearTimer(this.#timer);
      this.#timer = undefined;
    }
  }
}
