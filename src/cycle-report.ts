import type { TenantConfig } from './config/types.js';
import { ConnectorError } from './errors.js';
import type { Logger } from './log.js';
import type { PipelineRecord } from './records.js';
import type { DeletedTenantResult } from './sinks/unique-scopes/index.js';
import type { ChangePlan } from './transforms/diff.js';

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
  | 'restrictionUnknown'
  /** Content of another page (included body or excerpt, cross-page image) refused for its read restrictions: one per page and refused page. */
  | 'refusedReferences'
  /** Items the file-diff called unchanged whose stored content was never finalized (a pending mark): re-ingested. */
  | 'recovered';

/** What an ingested item was: the metrics keep pages and attachments apart. */
export type ItemKind = 'page' | 'attachment';

/**
 * How a cycle that ran to its end came out; a cycle that did not throws instead.
 * `partial`: every phase ran (discovery, diff, ingestion, deletions), but items failed
 * to be written or deleted; they are offered again next cycle. Not a success: `sync`
 * exits 3, `/health` and the metrics say `partial`.
 */
export type CycleOutcome = 'succeeded' | 'partial' | 'dry-run';

/** The outcome of a cycle that ran its phases with these counts (the one rule, also for tests). */
export function syncOutcome(counts: Readonly<Record<Counter, number>>): 'succeeded' | 'partial' {
  return counts.failed > 0 || counts.deleteFailed > 0 ? 'partial' : 'succeeded';
}

/**
 * How a cycle that threw ended, from its error code: a stop request (not a failure),
 * another process holding the tenant lease (skipped, not a failure), or a failure.
 */
export function thrownOutcome(code: string | undefined): 'stopped' | 'lease-held' | 'failed' {
  return code === 'CYCLE_STOPPED' ? 'stopped' : code === 'TENANT_LEASE_HELD' ? 'lease-held' : 'failed';
}

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
    refusedReferences: 0,
    recovered: 0,
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

  /**
   * What discovery found: pages counted, rejected attachments counted as items. An
   * empty listing deletes nothing (contract §10.5 skips the orphan clean-up when no
   * space is found); it is said so, since a label typo or lost permission looks the same.
   */
  discovered(records: readonly PipelineRecord[], tenant: TenantConfig, withheld = 0): void {
    let pages = 0;
    for (const record of records) {
      if (record.kind === 'page') pages += 1;
      else if (record.rejected !== undefined) this.item('attachment', 'rejected', 0);
    }
    this.add('discovered', pages);
    // Pages withheld for their read restrictions were found: the listing was not empty.
    if (pages === 0 && withheld === 0) {
      this.#logger.warn({ singleLabel: tenant.confluence.ingestSingleLabel, allLabel: tenant.confluence.ingestAllLabel }, 'Discovery found no page; nothing is deleted this cycle');
    }
  }

  /** What the diff decided, per space. */
  planned(plan: ChangePlan): void {
    for (const space of plan.spaces) {
      this.add('new', space.newKeys.length);
      this.add('updated', space.updatedKeys.length);
      this.add('vanished', space.deletedKeys.length);
      this.add('recovered', space.recoveredKeys.length);
    }
    this.add('unchanged', plan.unchanged);
  }

  /** The one place a finished cycle's outcome is decided; logs the cycle's summary line. */
  finish(kind: 'sync' | 'dry-run'): { outcome: CycleOutcome; summary: Record<string, unknown> } {
    const outcome: CycleOutcome = kind === 'dry-run' ? 'dry-run' : syncOutcome(this.counts);
    const summary = this.summary(outcome);
    // Found: a Unique upload that never answered ended `succeeded` with 0 of 35 items written.
    // Same message, WARN level: a search for the summary line still finds it.
    if (outcome === 'partial') this.#logger.warn(summary, 'Sync cycle finished');
    else this.#logger.info(summary, 'Sync cycle finished');
    return { outcome, summary };
  }

  /**
   * A deleted tenant's clean-up is done when there was nothing to do or the root's mark
   * was cleared. One that left content, scopes or the mark behind is a failed cycle
   * (CLEANUP_INCOMPLETE): `sync` exits 1, `/health` and the metrics count a failure, and
   * the next run retries.
   */
  finishCleanup(result: DeletedTenantResult, tenant: string): DeletedTenantResult {
    if (result.skipped !== undefined || result.markCleared) return result;
    throw new ConnectorError('CLEANUP_INCOMPLETE', `deleted tenant ${tenant}: the clean-up left content or scopes behind, the root keeps its mark`, {
      details: { ...result },
    });
  }

  summary(outcome: CycleOutcome | 'failed'): Record<string, unknown> {
    return { outcome, ...this.counts, durationMs: Date.now() - this.#startedAt, phasesMs: { ...this.phases } };
  }
}
