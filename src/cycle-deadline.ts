/**
 * Every cycle has a deadline (issue 10, finding 5: a download trickling 1 byte/s kept
 * `sync` running without end). Past it the cycle stops the way SIGTERM stops it, through
 * the same AbortSignal: no new phase, item, body fetch or download starts, searches and
 * downloads in flight are cut, items in flight finish or remove what they registered.
 * The cycle then fails with CYCLE_DEADLINE_EXCEEDED.
 */
import { createTask } from 'node-cron';
import type { ProcessingConfig } from './config/types.js';
import { ConnectorError } from './errors.js';
import { systemClock, type Clock } from './http/clock.js';

/**
 * Bounds of the derived default, in minutes. At least an hour, so a frequent schedule
 * (every 15 minutes) does not cut off a first sync of a large wiki; each cycle keeps
 * what it wrote, so even a cut first sync converges over a few cycles. At most a day.
 */
export const MIN_DERIVED_MINUTES = 60;
export const MAX_DERIVED_MINUTES = 24 * 60;

/** Runs looked at to find a schedule's longest gap (a weekday cron's is the weekend). */
const SAMPLE_RUNS = 100;

/** The longest gap between two runs of `cron`, in minutes (undefined if it never runs twice). */
export function longestGapMinutes(cron: string): number | undefined {
  // A stopped task that is never started: it only computes the next run times.
  const task = createTask(cron, () => undefined);
  try {
    const runs = task.getNextRuns(SAMPLE_RUNS);
    let longest = 0;
    for (let i = 1; i < runs.length; i += 1) longest = Math.max(longest, runs[i]!.getTime() - runs[i - 1]!.getTime());
    return longest > 0 ? longest / 60_000 : undefined;
  } finally {
    void task.destroy();
  }
}

/**
 * `processing.cycleTimeoutMinutes`, or the schedule's longest gap between two runs
 * clamped to [60 min, 24 h]: a cycle still running when the next one would start has
 * stalled or is far behind, and the next cycle picks up where it stopped.
 */
export function cycleDeadlineMinutes(processing: Pick<ProcessingConfig, 'cycleTimeoutMinutes' | 'scanIntervalCron'>): number {
  if (processing.cycleTimeoutMinutes !== undefined) return processing.cycleTimeoutMinutes;
  const gap = longestGapMinutes(processing.scanIntervalCron) ?? MAX_DERIVED_MINUTES;
  return Math.min(MAX_DERIVED_MINUTES, Math.max(MIN_DERIVED_MINUTES, gap));
}

export interface CycleDeadline {
  /** Aborts when the deadline passes (or `stop` aborts): what the pipeline's stages watch. */
  signal: AbortSignal;
  /** True once the deadline, not a stop request, ended the cycle. */
  readonly expired: boolean;
  minutes: number;
  dispose(): void;
  /** The error the cycle fails with once `expired`. */
  error(cause?: unknown): ConnectorError;
}

/** Arms the deadline on `clock` (tests pass a manual one); `stop` is the daemon's shutdown signal, if any. */
export function startCycleDeadline(processing: Pick<ProcessingConfig, 'cycleTimeoutMinutes' | 'scanIntervalCron'>, stop?: AbortSignal, clock: Clock = systemClock): CycleDeadline {
  const minutes = cycleDeadlineMinutes(processing);
  const controller = new AbortController();
  let expired = false;
  const timer = clock.setTimeout(() => {
    expired = true;
    controller.abort(new Error('cycle deadline exceeded'));
  }, minutes * 60_000);
  const signal = stop ? AbortSignal.any([stop, controller.signal]) : controller.signal;
  return {
    signal,
    get expired() {
      return expired;
    },
    minutes,
    dispose: () => clock.clearTimeout(timer),
    error: (cause) =>
      new ConnectorError('CYCLE_DEADLINE_EXCEEDED', `the cycle ran longer than ${minutes} minutes (processing.cycleTimeoutMinutes) and was stopped`, {
        ...(cause === undefined ? {} : { cause }),
        details: { cycleTimeoutMinutes: minutes },
      }),
  };
}

/**
 * Runs `run` under the cycle's deadline (its `signal` is what the stages watch): a run
 * the deadline cut short fails with CYCLE_DEADLINE_EXCEEDED, whatever it returned or
 * threw (the error it threw is kept as the cause).
 */
export async function underCycleDeadline<T>(
  processing: Pick<ProcessingConfig, 'cycleTimeoutMinutes' | 'scanIntervalCron'>,
  options: { signal?: AbortSignal; deadlineClock?: Clock },
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = startCycleDeadline(processing, options.signal, options.deadlineClock);
  try {
    const result = await run(deadline.signal);
    // The deadline passed during the last phase: what it cut short is not a success.
    if (deadline.expired) throw deadline.error();
    return result;
  } catch (caught) {
    throw deadline.expired && !(caught instanceof ConnectorError && caught.code === 'CYCLE_DEADLINE_EXCEEDED') ? deadline.error(caught) : caught;
  } finally {
    deadline.dispose();
  }
}
