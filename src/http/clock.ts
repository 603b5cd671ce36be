/**
 * Time as the HTTP client sees it: a monotonic `now` and one-shot timers. Production
 * uses the process clock; tests pass a manual clock and move it forward by hand, so a
 * deadline or a throughput floor is proven without waiting for it.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // A guard's timer must never keep a finished process alive.
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
