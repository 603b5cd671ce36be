import { ConnectorError } from '../errors.js';

export interface RateLimiterOptions {
  /** Most request starts in any window. */
  limit: number;
  /** Default 60 000; tests shrink it. */
  windowMs?: number;
  /** Monotonic clock in ms; injectable for tests. */
  now?: () => number;
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
 * and a server enforcing the same limit then answers 429: so the limiter keeps its
 * starts a little more than a window apart (found by the reliability tests: a cycle
 * saturating the limit met a 429 from a server enforcing exactly that limit). 2 % of
 * the window costs 2 % of the throughput: 1.2 s a minute.
 */
const TRANSIT_MARGIN = 0.02;

/**
 * Hands out request starts FIFO, spaced `windowMs / limit` apart (plus the transit
 * margin), and never more than `limit` in any `windowMs` (a sliding-window check over
 * the last `limit` starts backs up the spacing against timers that fire early). A
 * timer exists only while someone waits, so an idle limiter never keeps the process alive.
 */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #interval: number;
  /** `windowMs` plus the transit margin: what the sliding-window check enforces. */
  readonly #guardedWindowMs: number;
  readonly #now: () => number;
  /** Start times of the last `limit` grants, oldest first. */
  readonly #starts: number[] = [];
  readonly #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    if (!Number.isFinite(options.limit) || options.limit <= 0) {
      throw new ConnectorError('CONFIG_INVALID', 'rate limit must be a positive number', { details: { limit: options.limit } });
    }
    this.limit = Math.floor(options.limit) || 1;
    this.windowMs = options.windowMs ?? 60_000;
    this.#guardedWindowMs = this.windowMs * (1 + TRANSIT_MARGIN);
    this.#interval = this.#guardedWindowMs / this.limit;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Resolves with the time waited once the caller may start a request. */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.#now();
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

  #nextStart(): number {
    const count = this.#starts.length;
    if (count === 0) return Number.NEGATIVE_INFINITY;
    const spaced = this.#starts[count - 1]! + this.#interval;
    const windowed = count >= this.limit ? this.#starts[count - this.limit]! + this.#guardedWindowMs : Number.NEGATIVE_INFINITY;
    return Math.max(spaced, windowed);
  }

  #grant(now: number): void {
    this.#starts.push(now);
    if (this.#starts.length > this.limit) this.#starts.splice(0, this.#starts.length - this.limit);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#queue.length === 0) return;
    // Rounded up: Node may fire a timer up to 1 ms early; #pump re-checks anyway.
    const delay = Math.max(1, Math.ceil(this.#nextStart() - this.#now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, delay);
  }

  #pump(): void {
    const now = this.#now();
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
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
