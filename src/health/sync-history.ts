/**
 * The `sync` indicator of `/health`: a sliding window of the last runs of every tenant.
 * A tenant is down when the share of failed runs in its window exceeds the threshold;
 * the window is evaluated from the first run on, so a tenant whose only run failed is
 * down at once rather than after N cycles. Skipped overlapping ticks are not runs.
 */
/** `partial`: the cycle ran every phase but items failed (not a failure of the tenant, not a success either). */
export type RunResult = 'succeeded' | 'partial' | 'failed';

export interface SyncRun {
  result: RunResult;
  /** UTC ISO time the run ended. */
  at: string;
  durationMs: number;
  /** Error code of a failed run. */
  code?: string;
  /** Items that failed in a partial run. */
  failedItems?: number;
}

export interface TenantSyncHealth {
  status: 'up' | 'down';
  /** Runs in the window (at most the window size). */
  runs: number;
  failures: number;
  /** Runs in the window that finished with failed items. */
  partials: number;
  failureRatio: number;
  lastRunAt?: string;
  lastResult?: RunResult;
  lastErrorCode?: string;
  message?: string;
}

export interface SyncHealth {
  status: 'up' | 'down';
  windowSize: number;
  failureThreshold: number;
  message?: string;
  tenants: Record<string, TenantSyncHealth>;
}

export interface SyncHistoryOptions {
  /** HEALTH_SYNC_HISTORY_SIZE, default 5. */
  windowSize: number;
  /** HEALTH_SYNC_TENANT_FAILURE_THRESHOLD, default 0.5. */
  failureThreshold: number;
}

export const NO_SYNC_RECORDS = 'No sync records yet';

export class SyncHistory {
  readonly #options: SyncHistoryOptions;
  readonly #runs = new Map<string, SyncRun[]>();

  constructor(options: SyncHistoryOptions) {
    this.#options = options;
  }

  /** A tenant that will run: listed with "No sync records yet" until its first run ends. */
  register(tenant: string): void {
    if (!this.#runs.has(tenant)) this.#runs.set(tenant, []);
  }

  record(tenant: string, run: SyncRun): void {
    const runs = this.#runs.get(tenant) ?? [];
    runs.push(run);
    if (runs.length > this.#options.windowSize) runs.splice(0, runs.length - this.#options.windowSize);
    this.#runs.set(tenant, runs);
  }

  health(): SyncHealth {
    const { windowSize, failureThreshold } = this.#options;
    const tenants: Record<string, TenantSyncHealth> = {};
    for (const [tenant, runs] of [...this.#runs].sort(([a], [b]) => a.localeCompare(b))) {
      const last = runs[runs.length - 1];
      if (last === undefined) {
        tenants[tenant] = { status: 'up', runs: 0, failures: 0, partials: 0, failureRatio: 0, message: NO_SYNC_RECORDS };
        continue;
      }
      const failures = runs.filter((run) => run.result === 'failed').length;
      const partials = runs.filter((run) => run.result === 'partial').length;
      const failureRatio = failures / runs.length;
      const down = failureRatio > failureThreshold;
      const message = down
        ? `${failures} of the last ${runs.length} runs failed`
        : last.result === 'partial'
          ? `the last run was partial: ${last.failedItems ?? 'some'} items failed`
          : undefined;
      tenants[tenant] = {
        status: down ? 'down' : 'up',
        runs: runs.length,
        failures,
        partials,
        failureRatio: Math.round(failureRatio * 1000) / 1000,
        lastRunAt: last.at,
        lastResult: last.result,
        ...(last.code === undefined ? {} : { lastErrorCode: last.code }),
        ...(message === undefined ? {} : { message }),
      };
    }
    const status = Object.values(tenants).some((tenant) => tenant.status === 'down') ? 'down' : 'up';
    const empty = Object.values(tenants).every((tenant) => tenant.runs === 0);
    return { status, windowSize, failureThreshold, ...(empty ? { message: NO_SYNC_RECORDS } : {}), tenants };
  }
}
