import type { Counter as CycleCounter, CycleObserver } from '../cycle-report.js';
import type { RequestEvent } from '../http/types.js';
import { statusClass, type ConnectorMetrics } from './registry.js';

/**
 * The two bridges from events the connector already has to Prometheus: the cycle
 * report's counts and phases, and the HTTP clients' per-attempt `onRequest` events.
 * Nothing else increments a metric, so a count in the logs and on `/metrics` come
 * from the same event.
 */

/** Which cycle-report counter feeds which metric series. Counters not listed have no metric. */
const COUNTER_SERIES: Partial<Record<CycleCounter, (m: ConnectorMetrics, tenant: string, by: number) => void>> = {
  skipped: (m, tenant, by) => m.pagesProcessed.inc({ tenant, result: 'skipped' }, by),
  // Pages whose body batch could not be fetched; items that reach ingestion arrive through `item`.
  failed: (m, tenant, by) => m.pagesProcessed.inc({ tenant, result: 'failed' }, by),
  new: (m, tenant, by) => m.fileDiffEvents.inc({ tenant, diff_result_type: 'new' }, by),
  updated: (m, tenant, by) => m.fileDiffEvents.inc({ tenant, diff_result_type: 'updated' }, by),
  unchanged: (m, tenant, by) => m.fileDiffEvents.inc({ tenant, diff_result_type: 'unchanged' }, by),
  vanished: (m, tenant, by) => m.fileDiffEvents.inc({ tenant, diff_result_type: 'deleted' }, by),
  deleted: (m, tenant, by) => m.contentDeleted.inc({ tenant, result: 'deleted' }, by),
  deleteFailed: (m, tenant, by) => m.contentDeleted.inc({ tenant, result: 'failed' }, by),
  orphanedSpaces: (m, tenant, by) => m.orphanedScopesCleaned.inc({ tenant }, by),
  restricted: (m, tenant, by) => m.pagesRestricted.inc({ tenant }, by),
  restrictionUnknown: (m, tenant, by) => m.pagesRestrictionUnknown.inc({ tenant }, by),
  refusedReferences: (m, tenant, by) => m.referencesRefused.inc({ tenant }, by),
  recovered: (m, tenant, by) => m.itemsRecovered.inc({ tenant }, by),
};

/** The discovery phase is the scan. */
const SCAN_PHASE = 'discovery';

export function cycleMetrics(metrics: ConnectorMetrics, tenant: string): CycleObserver {
  return {
    counted: (counter, by) => COUNTER_SERIES[counter]?.(metrics, tenant, by),
    item: (kind, outcome, durationMs) => {
      if (kind === 'page') {
        metrics.pagesProcessed.inc({ tenant, result: outcome });
        return;
      }
      metrics.attachmentsProcessed.inc({ tenant, result: outcome });
      // A rejected attachment was never uploaded: it has no upload duration.
      if (outcome !== 'rejected') metrics.attachmentUploadDuration.observe({ tenant, result: outcome }, durationMs / 1000);
    },
    phaseFinished: (name, durationMs) => {
      metrics.phaseDuration.observe({ tenant, phase: name }, durationMs / 1000);
      if (name === SCAN_PHASE) metrics.scanDuration.observe({ tenant }, durationMs / 1000);
    },
  };
}

/** The `onRequest` hook of a tenant's HTTP clients: Confluence targets and Unique targets feed their own series. */
export function requestMetrics(metrics: ConnectorMetrics, tenant: string): (event: RequestEvent) => void {
  return (event) => {
    const seconds = event.durationMs / 1000;
    const failed = event.outcome !== 'ok';
    if (event.target === 'confluence') {
      metrics.confluenceRequests.inc({ tenant, endpoint: event.endpoint, result: event.outcome });
      metrics.confluenceRequestDuration.observe({ tenant, endpoint: event.endpoint, result: event.outcome }, seconds);
      if (event.throttled) metrics.confluenceThrottleEvents.inc({ tenant, endpoint: event.endpoint });
      if (failed) metrics.confluenceErrors.inc({ tenant, http_status_class: statusClass(event.status) });
      return;
    }
    const labels = { tenant, target: event.target, endpoint: event.endpoint, result: event.outcome };
    metrics.uniqueRequests.inc(labels);
    metrics.uniqueRequestDuration.observe(labels, seconds);
    if (event.throttled) metrics.uniqueThrottleEvents.inc({ tenant, target: event.target, endpoint: event.endpoint });
    if (failed) metrics.uniqueErrors.inc({ tenant, target: event.target, http_status_class: statusClass(event.status) });
  };
}
