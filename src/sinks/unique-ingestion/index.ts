/**
 * The Unique ingestion sink: pages and attachments in one stream, each registered,
 * uploaded and finalized (Unique contract §7), `processing.concurrency` items in flight.
 * It owns the concurrency, the per-item timing and counting, the payloads, and the
 * stop: after a stop request it pulls no further record (so nothing upstream is asked
 * for either); items in flight finish, and a transfer still running `STOP_GRACE_MS`
 * later is cut off and its registration removed, so the process exits in time.
 */
import type { ConfluenceApi } from '../../confluence/api.js';
import type { TenantConfig } from '../../config/types.js';
import type { CycleReport } from '../../cycle-report.js';
import { type Logger, stageLogger } from '../../log.js';
import type { IngestRecord } from '../../records.js';
import { eachWithLimit } from '../../streams.js';
import type { ContentApi } from '../../unique/content.js';
import type { UploadClient } from '../../unique/upload.js';
import { ingestItem } from './ingest-item.js';
import { payloadOf } from './payload.js';

export { deleteVanished, type DeletionResult, type SpaceDeletions } from './deletions.js';

/** How long items in flight may keep transferring after a stop request. */
export const STOP_GRACE_MS = 5_000;

export interface IngestionSinkDeps {
  tenant: TenantConfig;
  content: Pick<ContentApi, 'register' | 'finalize' | 'deleteByIds' | 'nodeByKey'>;
  upload: Pick<UploadClient, 'upload'>;
  confluence: Pick<ConfluenceApi, 'downloadAttachment'>;
  /** Space key → the space's scope id (sinks/unique-scopes made sure each exists). */
  scopeIds: ReadonlyMap<string, string>;
  logger: Logger;
  report: Pick<CycleReport, 'item'>;
  /** This cycle's attempt id, the pending mark its registrations carry (unique/pending-marker). */
  attemptId: string;
  signal?: AbortSignal;
}

export function uniqueIngestionSink(deps: IngestionSinkDeps): (records: Highland.Stream<IngestRecord>) => Promise<void> {
  const logger = stageLogger(deps.logger, 'unique-ingestion');
  const itemDeps = { content: deps.content, upload: deps.upload, logger, attemptId: deps.attemptId };
  return async (records) => {
    const abandon = abandonAfterStop(deps.signal, STOP_GRACE_MS);
    const payloadContext = { tenant: deps.tenant, confluence: deps.confluence, abandon: abandon.signal };
    const ingest = async (record: IngestRecord): Promise<void> => {
      const started = performance.now();
      const outcome = await ingestItem(payloadOf(record, scopeOf(deps.scopeIds, record), payloadContext), itemDeps);
      deps.report.item(record.kind, outcome, performance.now() - started);
    };
    try {
      await eachWithLimit(records, deps.tenant.processing.concurrency, ingest, deps.signal);
    } finally {
      abandon.dispose();
    }
  };
}

function scopeOf(scopeIds: ReadonlyMap<string, string>, record: IngestRecord): string {
  const scopeId = scopeIds.get(record.space.key);
  if (scopeId === undefined) throw new Error(`no scope for space ${record.space.key}`);
  return scopeId;
}

/** A signal that aborts `graceMs` after `stop` does (never without a stop). */
function abandonAfterStop(stop: AbortSignal | undefined, graceMs: number): { signal?: AbortSignal; dispose(): void } {
  if (stop === undefined) return { dispose: () => undefined };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onStop = () => {
    timer = setTimeout(() => controller.abort(stop.reason), graceMs);
    timer.unref();
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      stop.removeEventListener('abort', onStop);
      clearTimeout(timer);
    },
  };
}
