/**
 * A clock that moves only when a test says so (src/http/clock.ts): deadlines and
 * throughput floors are proven by advancing it, not by waiting. Not a test file.
 */
import type { Clock } from '../../src/http/clock.js';

interface Timer {
  at: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  #now = 0;
  readonly #timers = new Set<Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { at: this.#now + Math.max(0, ms), fn };
    this.#timers.add(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as Timer);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward in steps of at most `stepMs`, firing due timers in order and
   * letting I/O callbacks run between steps (a step is one macrotask turn).
   */
  async advance(ms: number, stepMs = ms): Promise<void> {
    const end = this.#now + ms;
    while (this.#now < end) {
      this.#now = Math.min(end, this.#now + stepMs);
      for (;;) {
        const due = [...this.#timers].filter((timer) => timer.at <= this.#now).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        this.#timers.delete(due);
        due.fn();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** Resolves once `predicate` holds, checking after each I/O turn: a wait on events, not on time. */
export async function until(predicate: () => boolean, what = 'the condition'): Promise<void> {
  for (let turns = 0; !predicate(); turns += 1) {
    if (turns > 1_000_000) throw new Error(`${what} never held`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
