import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProgressSnapshot } from '../progress.js';
import { connectorVersion } from '../version.js';

/**
 * The metrics an on-call person alerts and builds dashboards on (k8s/monitoring/): the
 * last success, failures in a row and by code, what the last cycle did by outcome, the
 * progress of running cycles, build info. Declared here so registry.ts stays the list of
 * the pipeline's own counters; fed by the scheduler and the request hook.
 */

/** Values of the `result` label of `cfc_sync_duration_seconds` (a cycle with failed items will be `partial`). */
export const CYCLE_RESULTS = ['succeeded', 'partial', 'failed', 'stopped'] as const;

/**
 * Values of the `outcome` label of `cfc_cycle_items`: the cycle report's counters and the
 * item outcomes, snake_case. Always exported (0 when nothing happened) so alerts on them
 * have a series to compare. `withheld`: pages kept out because of read restrictions.
 */
export const ITEM_OUTCOMES = [
  'discovered',
  'skipped',
  'withheld',
  'new',
  'updated',
  'unchanged',
  'vanished',
  'ingested',
  'failed',
  'rejected',
  'deleted',
  'delete_failed',
  'orphaned_spaces',
] as const;

/** Report counters whose label is not their snake_case name. */
const OUTCOME_ALIASES: Record<string, string> = { restricted: 'withheld' };

export function outcomeLabel(counter: string): string {
  return OUTCOME_ALIASES[counter] ?? counter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Something whose progress can be read at scrape time: a running cycle's CycleProgress. */
export interface ProgressSource {
  snapshot(): ProgressSnapshot;
}

/** The running cycles, by tenant; the progress gauges read them at each scrape, so they are never stale. */
export class ProgressBoard {
  readonly #running = new Map<string, ProgressSource>();

  track(tenant: string, source: ProgressSource): void {
    this.#running.set(tenant, source);
  }

  untrack(tenant: string): void {
    this.#running.delete(tenant);
  }

  entries(): [string, ProgressSnapshot][] {
    return [...this.#running].map(([tenant, source]) => [tenant, source.snapshot()]);
  }
}

export function operationsMetrics(registers: Registry[]) {
  const progress = new ProgressBoard();
  const buildInfo = new Gauge({
    name: 'cfc_build_info',
    help: 'Always 1; the labels say which connector version runs on which Node.js.',
    labelNames: ['version', 'node'],
    registers,
  });
  buildInfo.set({ version: connectorVersion(), node: process.version }, 1);
  const progressGauge = (name: string, help: string, value: (s: ProgressSnapshot) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['tenant'],
      registers,
      collect() {
        this.reset();
        for (const [tenant, snapshot] of progress.entries()) {
          const v = value(snapshot);
          if (v !== undefined) this.set({ tenant }, v);
        }
      },
    });
  progressGauge('cfc_sync_progress_done_items', 'Items written (ingested or failed) so far by the running cycle.', (s) => s.done);
  progressGauge('cfc_sync_progress_planned_items', 'Items the running cycle will write (new and updated); absent until its diff ran.', (s) => s.total);
  progressGauge('cfc_sync_progress_eta_seconds', 'Seconds the running cycle needs to write the rest at its current rate; absent while unknown.', (s) => s.etaSeconds);
  new Gauge({
    name: 'cfc_sync_progress_phase',
    help: 'Phase of the running cycle: 1 for the phase it is in.',
    labelNames: ['tenant', 'phase'],
    registers,
    collect() {
      this.reset();
      for (const [tenant, snapshot] of progress.entries()) this.set({ tenant, phase: snapshot.phase ?? 'init' }, 1);
    },
  });
  return {
    progress,
    buildInfo,
    confluenceRequests: new Counter({
      name: 'cfc_confluence_api_requests_total',
      help: 'Confluence API attempts, by normalised endpoint and result (ok, retry, error).',
      labelNames: ['tenant', 'endpoint', 'result'] as const,
      registers,
    }),
    uniqueThrottleEvents: new Counter({
      name: 'cfc_unique_api_throttle_events_total',
      help: 'HTTP 429 answers received from Unique, by client target and endpoint.',
      labelNames: ['tenant', 'target', 'endpoint'] as const,
      registers,
    }),
    lastSuccessfulSync: new Gauge({
      name: 'cfc_last_successful_sync_timestamp_seconds',
      help: 'Unix time the last successful cycle (or clean-up) of the tenant ended; absent until the first one since start.',
      labelNames: ['tenant'] as const,
      registers,
    }),
    consecutiveFailures: new Gauge({
      name: 'cfc_sync_consecutive_failures',
      help: 'Failed cycles of the tenant in a row (0 after a success).',
      labelNames: ['tenant'] as const,
      registers,
    }),
    syncFailures: new Counter({
      name: 'cfc_sync_failures_total',
      help: 'Failed cycles, by error code (docs/runbook.md explains each).',
      labelNames: ['tenant', 'code'] as const,
      registers,
    }),
    scheduleInterval: new Gauge({
      name: 'cfc_sync_schedule_interval_seconds',
      help: 'Longest gap between two runs of the tenant\'s processing.scanIntervalCron.',
      labelNames: ['tenant'] as const,
      registers,
    }),
    cycleResult: new Gauge({
      name: 'cfc_cycle_result',
      help: `1 for the result of the tenant's last finished cycle (${CYCLE_RESULTS.filter((result) => result !== 'stopped').join(', ')}), 0 for the others.`,
      labelNames: ['tenant', 'result'] as const,
      registers,
    }),
    cycleItems: new Gauge({
      name: 'cfc_cycle_items',
      help: `Items of the tenant's last finished cycle, by outcome: ${ITEM_OUTCOMES.join(', ')}.`,
      labelNames: ['tenant', 'outcome'] as const,
      registers,
    }),
    phaseDuration: new Histogram({
      name: 'cfc_sync_phase_duration_seconds',
      help: 'Duration of each phase of a cycle (init, discovery, lease, diff, space-scopes, ingest, delete, orphans; deleted-tenant).',
      labelNames: ['tenant', 'phase'] as const,
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 21600],
      registers,
    }),
  };
}

/** `cfc_cycle_result`: the last finished cycle's result is 1, every other 0 (so a dashboard shows one value a tenant). */
export function recordCycleResult(gauge: Gauge<'tenant' | 'result'>, tenant: string, result: (typeof CYCLE_RESULTS)[number]): void {
  for (const each of CYCLE_RESULTS) if (each !== 'stopped') gauge.set({ tenant, result: each }, each === result ? 1 : 0);
}

/** Sets the last-cycle gauges from a cycle's counts: every known outcome (0 when absent), and any other the cycle had. */
export function recordCycleItems(gauge: Gauge<'tenant' | 'outcome'>, tenant: string, counts: Readonly<Record<string, number>>): void {
  const values = new Map<string, number>(ITEM_OUTCOMES.map((outcome) => [outcome, 0]));
  for (const [counter, value] of Object.entries(counts)) {
    const label = outcomeLabel(counter);
    values.set(label, (values.get(label) ?? 0) + value);
  }
  for (const [outcome, value] of values) gauge.set({ tenant, outcome }, value);
}
