import { ConnectorError } from './errors.js';
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
  | 'orphanedSpaces'
  /** Keys the file diff reported as gone from Confluence. */
  | 'vanished'
  /** Pages withheld by the restrictions stage: read-restricted (own or inherited) or state unknown. */
  | 'restricted'
  /** Of those, the pages withheld because their restriction state could not be read. */
  | 'restrictionUnknown';

/** What an ingested item was: the metrics keep pages and attachments apart. */
export type ItemKind = 'page' | 'attachment';

/**
 * Something that wants every event the report records (metrics, progress lines).
 * The report is the one place that counts, so logs, metrics and progress never drift.
 */
export interface CycleObserver {
  counted?(counter: Counter, by: number): void;
  /** One item through register → upload → finalize (or rejected before it). */
  item?(kind: ItemKind, outcome: string, durationMs: number): void;
  phaseStarted?(name: string): void;
  phaseFinished?(name: string, durationMs: number): void;
}

export interface CycleReportOptions {
  observers?: readonly CycleObserver[];
  /** Once aborted, no further phase starts (a graceful stop between writes). */
  signal?: AbortSignal;
}

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
    vanished: 0,
    restricted: 0,
    restrictionUnknown: 0,
  };
  readonly phases: Record<string, number> = {};
  readonly #startedAt = Date.now();
  readonly #logger: Logger;
  readonly #observers: readonly CycleObserver[];
  readonly #signal: AbortSignal | undefined;

  constructor(logger: Logger, options: CycleReportOptions = {}) {
    this.#logger = logger;
    this.#observers = options.observers ?? [];
    this.#signal = options.signal;
  }

  /** True once a stop was requested: stages start no new item. */
  get stopping(): boolean {
    return this.#signal?.aborted === true;
  }

  add(counter: Counter, by = 1): void {
    this.counts[counter] += by;
    if (by !== 0) for (const observer of this.#observers) observer.counted?.(counter, by);
  }

  /**
   * One item's outcome: counted under its outcome (when that is a counter) and timed.
   * Observers get it as an item only, not also as a count, so nothing counts it twice.
   */
  item(kind: ItemKind, outcome: Counter | string, durationMs: number): void {
    if (outcome in this.counts) this.counts[outcome as Counter] += 1;
    for (const observer of this.#observers) observer.item?.(kind, outcome, durationMs);
  }

  /** Runs one phase, records its duration and logs its end with the given fields. */
  async phase<T>(name: string, run: () => Promise<T>, fields?: (result: T) => Record<string, unknown>): Promise<T> {
    if (this.stopping) {
      throw new ConnectorError('CYCLE_STOPPED', `cycle stopped before phase ${name}`, { details: { phase: name } });
    }
    const started = Date.now();
    this.#logger.debug({ phase: name }, 'Phase started');
    for (const observer of this.#observers) observer.phaseStarted?.(name);
    const result = await run();
    const durationMs = Date.now() - started;
    this.phases[name] = (this.phases[name] ?? 0) + durationMs;
    this.#logger.info({ phase: name, durationMs, ...(fields ? fields(result) : {}) }, 'Phase finished');
    for (const observer of this.#observers) observer.phaseFinished?.(name, durationMs);
    return result;
  }

  summary(outcome: 'succeeded' | 'failed' | 'dry-run'): Record<string, unknown> {
    return { outcome, ...this.counts, durationMs: Date.now() - this.#startedAt, phasesMs: { ...this.phases } };
  }
}
