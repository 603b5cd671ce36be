/**
 * A server-side rate limit as a count in a sliding window, shared by both simulators'
 * strict modes: a request is admitted while fewer than the limit were admitted in the
 * window before it.
 */
/** Strict mode: more than `perMinute` answered requests in any window (60 s unless a test shrinks it) get 429. */
export class SlidingWindowLimit {
  private readonly stamps: number[] = [];
  private head = 0;

  constructor(
    private readonly perMinute: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds to wait, or 0 when the request may pass (and is then counted). */
  admit(now = Date.now()): number {
    while (this.head < this.stamps.length && (this.stamps[this.head] as number) <= now - this.windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
    if (this.stamps.length - this.head >= this.perMinute) {
      const oldest = this.stamps[this.head] as number;
      return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
    }
    this.stamps.push(now);
    return 0;
  }
}
