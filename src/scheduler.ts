import { createTask, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { TenantConfig } from './config/types.js';
import { thrownOutcome, type CycleObserver } from './cycle-report.js';
import { UNEXPECTED, errorCode, errorMessage } from './errors.js';
import type { SyncHistory } from './health/index.js';
import type { Logger } from './log.js';
import { cycleMetrics } from './metrics/observers.js';
import { recordCycleItems, recordCycleResult } from './metrics/operations.js';
import type { ConnectorMetrics } from './metrics/registry.js';
import { runDeletedTenantCleanup } from './deleted-tenant-cycle.js';
import { runSyncCycle } from './pipeline.js';
import { CycleProgress } from './progress.js';
import type { TerminalProgress } from './progress-bar.js';
import type { TenantRuntime } from './tenant-runtime.js';

/**
 * One node-cron task per tenant that has work (active: sync; deleted: clean-up), one
 * run at start-up, and never two runs of one tenant at once: a tick that finds the
 * previous run still going is skipped, logged and counted (our own guard, because
 * node-cron's `noOverlap` does not see the start-up run). A tenant's failure is
 * caught here and recorded; it never reaches another tenant's task.
 */

export interface SchedulerOptions {
  logger: Logger;
  metrics: ConnectorMetrics;
  history: SyncHistory;
  /** Progress line interval of a running cycle; default 30 s (PROGRESS_INTERVAL_SECONDS). */
  progressIntervalMs?: number;
  /** A progress bar on a terminal instead of progress lines (stderr is a TTY). */
  terminal?: TerminalProgress;
}

/** Runs looked at to find the longest gap of a schedule (a weekday cron's is the weekend). */
const INTERVAL_SAMPLE_RUNS = 100;

/** The longest gap between two runs of a cron task: what "N intervals without a success" is measured in. */
export function scheduleIntervalSeconds(task: Pick<ScheduledTask, 'getNextRuns'>): number | undefined {
  const runs = task.getNextRuns(INTERVAL_SAMPLE_RUNS);
  let longest = 0;
  for (let i = 1; i < runs.length; i += 1) longest = Math.max(longest, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return longest > 0 ? longest / 1000 : undefined;
}

interface Entry {
  tenant: TenantConfig;
  runtime: TenantRuntime;
  task?: ScheduledTask;
  running?: Promise<void>;
}

export type RunTrigger = 'startup' | 'schedule';

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #entries: Entry[] = [];
  /** Aborted on stop: running cycles start no new phase or item. */
  readonly #stop = new AbortController();

  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /** Adds an active or deleted tenant; its runtime is used for every run and closed on stop. */
  add(tenant: TenantConfig, runtime: TenantRuntime): void {
    this.#entries.push({ tenant, runtime });
    this.#options.history.register(tenant.name);
  }

  /** Starts every tenant's cron task and its start-up run; resolves once all are scheduled. */
  async start(): Promise<void> {
    for (const entry of this.#entries) {
      const { tenant, runtime } = entry;
      const cron = tenant.processing.scanIntervalCron;
      // The task returns at once: node-cron must not track our long runs (its overlap handling would warn on every tick).
      const tick = (): void => void this.#trigger(entry, 'schedule');
      entry.task = createTask(cron, tick, { name: `tenant:${tenant.name}`, logger: cronLogger(runtime.logger) });
      await entry.task.start();
      this.#options.metrics.consecutiveFailures.set({ tenant: tenant.name }, 0);
      const interval = scheduleIntervalSeconds(entry.task);
      if (interval !== undefined) this.#options.metrics.scheduleInterval.set({ tenant: tenant.name }, interval);
      runtime.logger.info({ cron, status: tenant.status, nextRun: entry.task.getNextRun()?.toISOString() }, 'Tenant scheduled');
    }
    for (const entry of this.#entries) void this.#trigger(entry, 'startup');
  }

  /** Runs one cycle of the tenant unless one is already running (then the tick is skipped). */
  #trigger(entry: Entry, trigger: RunTrigger): Promise<void> {
    const { logger } = entry.runtime;
    if (this.#stop.signal.aborted) return Promise.resolve();
    if (entry.running) {
      this.#options.metrics.syncOverlapsSkipped.inc({ tenant: entry.tenant.name });
      logger.warn({ trigger }, 'Cycle skipped: the previous one is still running');
      return entry.running;
    }
    entry.running = this.#run(entry, trigger).finally(() => {
      entry.running = undefined;
    });
    return entry.running;
  }

  async #run(entry: Entry, trigger: RunTrigger): Promise<void> {
    const { tenant, runtime } = entry;
    const { metrics, history } = this.#options;
    const progress = new CycleProgress({ logger: runtime.logger, tenant: tenant.name, intervalMs: this.#options.progressIntervalMs, terminal: this.#options.terminal });
    const observers: CycleObserver[] = [cycleMetrics(metrics, tenant.name), progress];
    const cycle = { observers, signal: this.#stop.signal };
    const started = Date.now();
    let result: 'succeeded' | 'partial' | 'failed' | 'stopped' | 'lease-held' = 'succeeded';
    let code: string | undefined;
    metrics.cycleRunning.set({ tenant: tenant.name }, 1);
    metrics.progress.track(tenant.name, progress);
    runtime.logger.debug({ trigger }, 'Cycle triggered');
    progress.start();
    try {
      if (tenant.status === 'deleted') await runDeletedTenantCleanup(runtime, cycle);
      else {
        const finished = await runSyncCycle(runtime, cycle);
        if (finished.outcome === 'partial') result = 'partial';
      }
    } catch (error) {
      code = errorCode(error);
      result = thrownOutcome(code);
      // runSyncCycle logs its own failure with the summary; the clean-up and a stop are logged here.
      if (result === 'stopped') runtime.logger.info({ trigger }, 'Cycle stopped for shutdown');
      else if (tenant.status === 'deleted' && result === 'failed') runtime.logger.error({ code, error: errorMessage(error) }, 'Deleted tenant clean-up failed');
    } finally {
      progress.stop();
      metrics.progress.untrack(tenant.name);
      metrics.cycleRunning.set({ tenant: tenant.name }, 0);
    }
    // Another process is syncing the tenant (runSyncCycle logged the WARN): this tick is skipped, not failed.
    if (result === 'lease-held') {
      metrics.leaseSkipped.inc({ tenant: tenant.name });
      return;
    }
    const durationMs = Date.now() - started;
    metrics.syncDuration.observe({ tenant: tenant.name, result }, durationMs / 1000);
    // A run cut short by a shutdown says nothing about the tenant's health.
    if (result === 'stopped') return;
    recordOutcome(metrics, tenant.name, result, code, progress.counts);
    const failedItems = result === 'partial' ? (progress.counts.failed ?? 0) + (progress.counts.deleteFailed ?? 0) : undefined;
    history.record(tenant.name, { result, at: new Date().toISOString(), durationMs, ...(code ? { code } : {}), ...(failedItems === undefined ? {} : { failedItems }) });
  }

  /**
   * Stops scheduling at once, asks running cycles to stop between items, and waits for
   * them until `graceMs` has passed. Items in flight finish (or clean up) meanwhile;
   * a cycle still discovering or diffing has written nothing, so it may be left.
   */
  async stop(graceMs: number): Promise<{ unfinished: string[] }> {
    this.#stop.abort();
    await Promise.all(this.#entries.map((entry) => entry.task?.destroy()));
    const running = this.#entries.filter((entry) => entry.running !== undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), graceMs);
    });
    await Promise.race([Promise.all(running.map((entry) => entry.running)), deadline]);
    clearTimeout(timer);
    const unfinished = this.#entries.filter((entry) => entry.running !== undefined).map((entry) => entry.tenant.name);
    await Promise.all(this.#entries.filter((entry) => entry.running === undefined).map((entry) => entry.runtime.close()));
    return { unfinished };
  }

  /** Whether a tenant's cycle is running now (tests and the overlap guard). */
  isRunning(tenant: string): boolean {
    return this.#entries.some((entry) => entry.tenant.name === tenant && entry.running !== undefined);
  }
}

/**
 * The alerting metrics of a finished (not stopped) run: last success, failures in a row
 * and by code, the cycle's items by outcome. A partial cycle ran every phase, so it ends
 * a run of failed cycles, but it is no success: the last-success time stays where it
 * was (its failed items raise `ConfluenceConnectorItemsFailing`).
 */
function recordOutcome(metrics: ConnectorMetrics, tenant: string, result: 'succeeded' | 'partial' | 'failed', code: string | undefined, counts: Record<string, number>): void {
  if (result === 'succeeded') {
    metrics.lastSuccessfulSync.set({ tenant }, Date.now() / 1000);
    metrics.consecutiveFailures.set({ tenant }, 0);
  } else if (result === 'partial') {
    metrics.consecutiveFailures.set({ tenant }, 0);
  } else {
    metrics.consecutiveFailures.inc({ tenant });
    metrics.syncFailures.inc({ tenant, code: code ?? UNEXPECTED });
  }
  recordCycleItems(metrics.cycleItems, tenant, counts);
  recordCycleResult(metrics.cycleResult, tenant, result);
}

/** node-cron prints coloured lines to the console by default; this routes them into bunyan. */
export function cronLogger(logger: Logger): CronLogger {
  const fields = (message: string | Error, error?: Error) =>
    message instanceof Error ? { detail: message.message, err: message } : { detail: message, ...(error ? { err: error } : {}) };
  return {
    info: (message) => logger.info({ detail: message }, 'node-cron message'),
    warn: (message) => logger.warn({ detail: message }, 'node-cron warning'),
    error: (message, error) => logger.error({ code: UNEXPECTED, ...fields(message, error) }, 'node-cron error'),
    debug: (message, error) => logger.debug(fields(message, error), 'node-cron debug'),
  };
}
