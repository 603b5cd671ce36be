import type { Logger } from './log.js';

export type Counter =
  | 'discovered'
  | 'skipped'
  | 'new'
  | 'updated'
  | 'unchanged'
  | 'ingested'
  | 'failed'
  | 'deleted'
  | 'deleteFailed'
  | 'orphanedSpaces';

/**
 * What one tenant cycle did: counters and per-phase durations. Each phase logs one
 * line when it ends; the cycle logs one summary line. Nothing is logged per page at
 * info level, so a healthy cycle stays a handful of lines however large the wiki.
 */
export class CycleReport {
  readonly counts: Record<Counter, number> = {
    discovered: 0,
    skipped: 0,
    new: 0,
    updated: 0,
    unchanged: 0,
    ingested: 0,
    failed: 0,
    deleted: 0,
    deleteFailed: 0,
    orphanedSpaces: 0,
  };
  readonly phases: Record<string, number> = {};
  readonly #startedAt = Date.now();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  add(counter: Counter, by = 1): void {
    this.counts[counter] += by;
  }

  /** Runs one phase, records its duration and logs its end with the given fields. */
  async phase<T>(name: string, run: () => Promise<T>, fields?: (result: T) => Record<string, unknown>): Promise<T> {
    const started = Date.now();
    this.#logger.debug({ phase: name }, 'Phase started');
    const result = await run();
    const durationMs = Date.now() - started;
    this.phases[name] = (this.phases[name] ?? 0) + durationMs;
    this.#logger.info({ phase: name, durationMs, ...(fields ? fields(result) : {}) }, 'Phase finished');
    return result;
  }

  summary(outcome: 'succeeded' | 'failed' | 'dry-run'): Record<string, unknown> {
    return { outcome, ...this.counts, durationMs: Date.now() - this.#startedAt, phasesMs: { ...this.phases } };
  }
}
