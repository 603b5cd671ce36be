import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CYCLE_RESULTS, operationsMetrics, type ProgressBoard } from './operations.js';

/**
 * Every metric the connector exposes on `/metrics`, in one registry of its own (never
 * prom-client's global one, so two daemons in one test process never share counts).
 * Metrics are only declared here; the observers in this folder feed them from the
 * events the cycle report and the HTTP clients already emit.
 */
export interface ConnectorMetrics {
  registry: Registry;
  syncDuration: Histogram<'tenant' | 'result'>;
  syncOverlapsSkipped: Counter<'tenant'>;
  cycleRunning: Gauge<'tenant'>;
  scanDuration: Histogram<'tenant'>;
  attachmentUploadDuration: Histogram<'tenant' | 'result'>;
  pagesProcessed: Counter<'tenant' | 'result'>;
  attachmentsProcessed: Counter<'tenant' | 'result'>;
  contentDeleted: Counter<'tenant' | 'result'>;
  fileDiffEvents: Counter<'tenant' | 'diff_result_type'>;
  orphanedScopesCleaned: Counter<'tenant'>;
  pagesRestricted: Counter<'tenant'>;
  pagesRestrictionUnknown: Counter<'tenant'>;
  referencesRefused: Counter<'tenant'>;
  itemsRecovered: Counter<'tenant'>;
  leaseSkipped: Counter<'tenant'>;
  confluenceRequestDuration: Histogram<'tenant' | 'endpoint' | 'result'>;
  confluenceThrottleEvents: Counter<'tenant' | 'endpoint'>;
  confluenceErrors: Counter<'tenant' | 'http_status_class'>;
  uniqueRequests: Counter<'tenant' | 'target' | 'endpoint' | 'result'>;
  uniqueRequestDuration: Histogram<'tenant' | 'target' | 'endpoint' | 'result'>;
  uniqueErrors: Counter<'tenant' | 'target' | 'http_status_class'>;
  confluenceRequests: Counter<'tenant' | 'endpoint' | 'result'>;
  uniqueThrottleEvents: Counter<'tenant' | 'target' | 'endpoint'>;
  buildInfo: Gauge<'version' | 'node'>;
  lastSuccessfulSync: Gauge<'tenant'>;
  consecutiveFailures: Gauge<'tenant'>;
  syncFailures: Counter<'tenant' | 'code'>;
  scheduleInterval: Gauge<'tenant'>;
  /** 1 for the last finished cycle's result (succeeded, partial, failed), 0 for the others. */
  cycleResult: Gauge<'tenant' | 'result'>;
  cycleItems: Gauge<'tenant' | 'outcome'>;
  phaseDuration: Histogram<'tenant' | 'phase'>;
  /** The running cycles whose progress the progress gauges show at each scrape. */
  progress: ProgressBoard;
}

/**
 * Seconds: a cycle takes from under a second (nothing changed) to hours (the first sync
 * of a large wiki at a modest rate limit); the scale-out CronJobs allow 6 h, so the
 * buckets go past that and a run at the deadline still lands in a finite bucket.
 */
export const CYCLE_BUCKETS = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10800, 14400, 21600, 28800, 43200];
/** Seconds: one API call. */
export const REQUEST_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds: one attachment's register → upload → finalize; a 200 MB file at 1 MB/s takes 200 s, on a slow link far more. */
export const UPLOAD_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export function createMetrics(): ConnectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    syncDuration: new Histogram({
      name: 'cfc_sync_duration_seconds',
      help: `Duration of a tenant sync cycle (or deleted-tenant clean-up), by result: ${CYCLE_RESULTS.join(', ')}.`,
      labelNames: ['tenant', 'result'],
      buckets: CYCLE_BUCKETS,
      registers,
    }),
    syncOverlapsSkipped: new Counter({
      name: 'cfc_sync_overlaps_skipped_total',
      help: 'Scheduled ticks skipped because the previous cycle of the tenant was still running.',
      labelNames: ['tenant'],
      registers,
    }),
    cycleRunning: new Gauge({ name: 'cfc_sync_running', help: '1 while a cycle of the tenant runs.', labelNames: ['tenant'], registers }),
    scanDuration: new Histogram({
      name: 'cfc_scan_duration_seconds',
      help: 'Duration of the Confluence discovery (label search and descendants) of a cycle.',
      labelNames: ['tenant'],
      buckets: CYCLE_BUCKETS,
      registers,
    }),
    attachmentUploadDuration: new Histogram({
      name: 'cfc_attachment_upload_duration_seconds',
      help: 'Duration of one attachment register, upload and finalize, by result.',
      labelNames: ['tenant', 'result'],
      buckets: UPLOAD_BUCKETS,
      registers,
    }),
    pagesProcessed: new Counter({
      name: 'cfc_pages_processed_total',
      help: 'Pages handled by the sync, by result: ingested, failed, skipped (content type).',
      labelNames: ['tenant', 'result'],
      registers,
    }),
    attachmentsProcessed: new Counter({
      name: 'cfc_attachments_processed_total',
      help: 'Attachments handled by the sync, by result: ingested, failed, rejected.',
      labelNames: ['tenant', 'result'],
      registers,
    }),
    contentDeleted: new Counter({
      name: 'cfc_content_deleted_total',
      help: 'Contents deleted from Unique because they vanished from Confluence, by result: deleted, failed.',
      labelNames: ['tenant', 'result'],
      registers,
    }),
    fileDiffEvents: new Counter({
      name: 'cfc_file_diff_events_total',
      help: 'Items classified by the Unique file diff: new, updated, unchanged, deleted.',
      labelNames: ['tenant', 'diff_result_type'],
      registers,
    }),
    orphanedScopesCleaned: new Counter({
      name: 'cfc_orphaned_scopes_cleaned_total',
      help: 'Space scopes deleted because their space no longer has synced pages.',
      labelNames: ['tenant'],
      registers,
    }),
    pagesRestricted: new Counter({
      name: 'cfc_pages_restricted_total',
      help: 'Pages withheld because Confluence read-restricts them (own or inherited restriction) or their restriction could not be read.',
      labelNames: ['tenant'],
      registers,
    }),
    pagesRestrictionUnknown: new Counter({
      name: 'cfc_pages_restriction_unknown_total',
      help: 'Of the withheld pages, those whose read restriction (or an ancestor\'s) could not be read: withheld to fail closed.',
      labelNames: ['tenant'],
      registers,
    }),
    referencesRefused: new Counter({
      name: 'cfc_references_refused_total',
      help: 'Content of a read-restricted page (included body or excerpt, cross-page image) kept out of a page that shows it: one per page and refused page.',
      labelNames: ['tenant'],
      registers,
    }),
    itemsRecovered: new Counter({
      name: 'cfc_items_recovered_total',
      help: 'Items found registered but never finalized (a killed or cut-off earlier attempt) and re-ingested although the file-diff called them unchanged.',
      labelNames: ['tenant'],
      registers,
    }),
    leaseSkipped: new Counter({
      name: 'cfc_sync_lease_skipped_total',
      help: 'Cycles skipped because another process held the tenant lease (TENANT_LEASE_HELD).',
      labelNames: ['tenant'],
      registers,
    }),
    confluenceRequestDuration: new Histogram({
      name: 'cfc_confluence_api_request_duration_seconds',
      help: 'Duration of one Confluence API attempt, by normalised endpoint and result (ok, retry, error).',
      labelNames: ['tenant', 'endpoint', 'result'],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    confluenceThrottleEvents: new Counter({
      name: 'cfc_confluence_api_throttle_events_total',
      help: 'HTTP 429 answers received from Confluence.',
      labelNames: ['tenant', 'endpoint'],
      registers,
    }),
    confluenceErrors: new Counter({
      name: 'cfc_confluence_api_errors_total',
      help: 'Failed Confluence API attempts (retried or final), by status class: 4xx, 5xx, network.',
      labelNames: ['tenant', 'http_status_class'],
      registers,
    }),
    uniqueRequests: new Counter({
      name: 'cfc_unique_api_requests_total',
      help: 'Unique API attempts, by client target, endpoint (GraphQL operation or path) and result.',
      labelNames: ['tenant', 'target', 'endpoint', 'result'],
      registers,
    }),
    uniqueRequestDuration: new Histogram({
      name: 'cfc_unique_api_request_duration_seconds',
      help: 'Duration of one Unique API attempt, by client target, endpoint and result.',
      labelNames: ['tenant', 'target', 'endpoint', 'result'],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    uniqueErrors: new Counter({
      name: 'cfc_unique_api_errors_total',
      help: 'Failed Unique API attempts (retried or final), by client target and status class: 4xx, 5xx, network.',
      labelNames: ['tenant', 'target', 'http_status_class'],
      registers,
    }),
    ...operationsMetrics(registers),
  };
}

/** `404` -> `4xx`; no status (reset, timeout, refused) -> `network`. */
export function statusClass(status: number | undefined): string {
  return status === undefined ? 'network' : `${Math.floor(status / 100)}xx`;
}
