import type { CycleObserver } from './cycle-report.js';
import type { Logger } from './log.js';

/** How often a running cycle reports its progress. */
export const PROGRESS_INTERVAL_MS = 30_000;

export interface ProgressSnapshot {
  phase: string | undefined;
  /** Items written (ingested or failed) so far. */
  done: number;
  /** Items the diff marked new or updated; undefined until the diff has run. */
  total: number | undefined;
  failed: number;
  /** Items a second since the first write; undefined before it. */
  ratePerSecond: number | undefined;
  /** Seconds left at the current rate; undefined while unknown. */
  etaSeconds: number | undefined;
  elapsedMs: number;
}

/**
 * Progress lines of one cycle: every `intervalMs` while it runs and at each phase end.
 * It is a cycle observer, so it counts exactly what the cycle report counts. Start it
 * before the cycle and stop it in a `finally`, so a failed cycle leaves no timer.
 */
export class CycleProgress implements CycleObserver {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #phase: string | undefined;
  #done = 0;
  #failed = 0;
  #total: number | undefined;
  #firstWriteAt: number | undefined;

  constructor(logger: Logger, intervalMs = PROGRESS_INTERVAL_MS) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#timer = setInterval(() => this.log(), this.#intervalMs);
    // A progress timer alone must never keep the process alive.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  counted(counter: string, by: number): void {
    if (counter === 'new' || counter === 'updated') this.#total = (this.#total ?? 0) + by;
    // Pages lost with a failed body batch never reach ingestion, but they are done with.
    if (counter === 'failed') {
      this.#done += by;
      this.#failed += by;
    }
  }

  item(_kind: string, outcome: string, _durationMs: number): void {
    this.#firstWriteAt ??= Date.now();
    this.#done += 1;
    if (outcome === 'failed') this.#failed += 1;
  }

  phaseStarted(name: string): void {
    this.#phase = name;
  }

  phaseFinished(): void {
    this.log();
  }

  snapshot(now = Date.now()): ProgressSnapshot {
    const writingMs = this.#firstWriteAt === undefined ? 0 : now - this.#firstWriteAt;
    const ratePerSecond = writingMs > 0 && this.#done > 0 ? this.#done / (writingMs / 1000) : undefined;
    const left = this.#total === undefined ? undefined : Math.max(0, this.#total - this.#done);
    const etaSeconds = left === undefined ? undefined : left === 0 ? 0 : ratePerSecond === undefined ? undefined : Math.round(left / ratePerSecond);
    return {
      phase: this.#phase,
      done: this.#done,
      total: this.#total,
      failed: this.#failed,
      ratePerSecond: ratePerSecond === undefined ? undefined : Math.round(ratePerSecond * 100) / 100,
      etaSeconds,
      elapsedMs: now - this.#startedAt,
    };
  }

  log(): void {
    this.#logger.info({ ...this.snapshot() }, 'Sync progress');
  }
}
