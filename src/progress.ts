import type { CycleObserver } from './cycle-report.js';
import { ConnectorError } from './errors.js';
import type { Logger } from './log.js';
import type { TerminalProgress } from './progress-bar.js';

/** How often a running cycle logs its progress, unless PROGRESS_INTERVAL_SECONDS says otherwise. */
export const PROGRESS_INTERVAL_MS = 30_000;
export const PROGRESS_INTERVAL_ENV = 'PROGRESS_INTERVAL_SECONDS';

/** `PROGRESS_INTERVAL_SECONDS` (default 30; 0: only at the end of each phase). */
export function progressIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env[PROGRESS_INTERVAL_ENV];
  if (raw === undefined || raw.trim() === '') return PROGRESS_INTERVAL_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new ConnectorError('CONFIG_INVALID', `${PROGRESS_INTERVAL_ENV} must be a number of seconds (0 or more), got ${JSON.stringify(raw)}`);
  }
  return Math.round(seconds * 1000);
}

export interface ProgressSnapshot {
  phase: string | undefined;
  /** Time in the current phase. */
  phaseElapsedMs: number;
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

export interface CycleProgressOptions {
  /** The tenant's logger: progress lines carry `tenant`. */
  logger: Logger;
  /** Tenant name, for the terminal bar. */
  tenant: string;
  /** Interval of the progress lines; 0 logs only at phase ends. */
  intervalMs?: number;
  /** When stderr is a terminal: a bar there instead of progress lines. */
  terminal?: TerminalProgress;
}

/**
 * Progress of one cycle, the same in `sync` and `start`: a `Sync progress` line every
 * interval and at each phase end, or a bar on a terminal. It is a cycle observer, so it
 * counts exactly what the cycle report counts, and it keeps every count (`counts`) for
 * the summary and the last-cycle metrics, which see a failed cycle's counts too. Start
 * it before the cycle and stop it in a `finally`, so a failed cycle leaves no timer.
 */
export class CycleProgress implements CycleObserver {
  readonly #options: CycleProgressOptions;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #phase: string | undefined;
  #phaseStartedAt = Date.now();
  #done = 0;
  #failed = 0;
  #total: number | undefined;
  #firstWriteAt: number | undefined;
  /** Every counter and item outcome seen, by name (`ingested`, `failed`, `rejected`, `new`…). */
  readonly counts: Record<string, number> = {};

  constructor(options: CycleProgressOptions) {
    this.#options = options;
  }

  get tenant(): string {
    return this.#options.tenant;
  }

  start(): void {
    const { terminal, intervalMs = PROGRESS_INTERVAL_MS } = this.#options;
    // A terminal bar refreshes every second (its clock and rate move even without items).
    const every = terminal ? 1000 : intervalMs;
    if (every <= 0) return;
    this.#timer = setInterval(() => this.#report(), every);
    // A progress timer alone must never keep the process alive.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#options.terminal?.remove(this.#options.tenant);
  }

  counted(counter: string, by: number): void {
    this.#add(counter, by);
    if (counter === 'new' || counter === 'updated') this.#total = (this.#total ?? 0) + by;
    // Pages lost with a failed body batch never reach ingestion, but they are done with.
    if (counter === 'failed') {
      this.#done += by;
      this.#failed += by;
    }
    this.#options.terminal?.update(this.#options.tenant, this.snapshot());
  }

  item(_kind: string, outcome: string, _durationMs: number): void {
    this.#add(outcome, 1);
    // A rejected attachment was never a write: the plan does not count it either.
    if (outcome === 'rejected') return;
    this.#firstWriteAt ??= Date.now();
    this.#done += 1;
    if (outcome === 'failed') this.#failed += 1;
    this.#options.terminal?.update(this.#options.tenant, this.snapshot());
  }

  phaseStarted(name: string): void {
    this.#phase = name;
    this.#phaseStartedAt = Date.now();
    this.#options.terminal?.update(this.#options.tenant, this.snapshot());
  }

  phaseFinished(): void {
    this.#report();
  }

  snapshot(now = Date.now()): ProgressSnapshot {
    const writingMs = this.#firstWriteAt === undefined ? 0 : now - this.#firstWriteAt;
    const ratePerSecond = writingMs > 0 && this.#done > 0 ? this.#done / (writingMs / 1000) : undefined;
    const left = this.#total === undefined ? undefined : Math.max(0, this.#total - this.#done);
    const etaSeconds = left === undefined ? undefined : left === 0 ? 0 : ratePerSecond === undefined ? undefined : Math.round(left / ratePerSecond);
    return {
      phase: this.#phase,
      phaseElapsedMs: now - this.#phaseStartedAt,
      done: this.#done,
      total: this.#total,
      failed: this.#failed,
      ratePerSecond: ratePerSecond === undefined ? undefined : Math.round(ratePerSecond * 100) / 100,
      etaSeconds,
      elapsedMs: now - this.#startedAt,
    };
  }

  log(): void {
    const snapshot = this.snapshot();
    // A cycle that has already lost items can no longer succeed: the line says so as it runs.
    this.#options.logger.info({ ...snapshot, ...(snapshot.failed > 0 ? { partial: true } : {}) }, 'Sync progress');
  }

  #report(): void {
    if (this.#options.terminal) this.#options.terminal.update(this.#options.tenant, this.snapshot());
    else this.log();
  }

  #add(name: string, by: number): void {
    this.counts[name] = (this.counts[name] ?? 0) + by;
  }
}
