/**
 * What Unique holds under one space's partial key, read in pages of 100
 * (`paginatedContent` with `key startsWith "{partialKey}/"`, contract §4.9: at most one
 * request per 100 stored items), as a map from content key to the fields a stage may
 * act on. Read ONCE per space and cycle (`listStoredBySpace`, in the diff phase, spaces
 * side by side) and shared by the included-page change detection and the crash
 * recovery, so recovery adds no request to a cycle.
 */
import highland from 'highland';
import type { TenantConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { PipelineRecord } from '../records.js';
import { eachWithLimit } from '../streams.js';
import type { ContentApi } from './content.js';
import { partialKey } from './keys.js';

export interface StoredContentInfo {
  id: string;
  /** As stored at the last upsert (object or null). */
  metadata: Record<string, unknown> | null;
  ingestionState: string | null;
  byteSize: number | null;
}

/**
 * Partial key → that space's stored contents. A space whose listing failed is absent:
 * readers treat it as "not known this cycle" (no recovery, included pages unchecked),
 * never as empty, and the next cycle reads it again.
 */
export type StoredBySpace = ReadonlyMap<string, ReadonlyMap<string, StoredContentInfo>>;

export async function listStoredContents(content: Pick<ContentApi, 'listByPrefix'>, partialKey: string): Promise<Map<string, StoredContentInfo>> {
  const stored = new Map<string, StoredContentInfo>();
  for (const node of await content.listByPrefix(partialKey)) {
    const metadata = node.metadata !== null && typeof node.metadata === 'object' && !Array.isArray(node.metadata) ? (node.metadata as Record<string, unknown>) : null;
    stored.set(node.key, { id: node.id, metadata, ingestionState: node.ingestionState ?? null, byteSize: node.byteSize ?? null });
  }
  return stored;
}

/** One listing per space the records belong to; a failed one is warned about and left out. */
export async function listStoredBySpace(
  records: readonly PipelineRecord[],
  deps: { tenant: TenantConfig; content: Pick<ContentApi, 'listByPrefix'>; logger: Logger },
): Promise<StoredBySpace> {
  const { tenant } = deps;
  const partials = new Set(records.map((record) => partialKey(tenant.name, record.space, tenant.ingestion.useV1KeyFormat)));
  const bySpace = new Map<string, Map<string, StoredContentInfo>>();
  // Spaces side by side, `processing.concurrency` at a time: a tenant of many small spaces pays a few round trips, not one a space.
  await eachWithLimit(highland([...partials]), tenant.processing.concurrency, async (partial) => {
    try {
      bySpace.set(partial, await listStoredContents(deps.content, partial));
    } catch (error) {
      deps.logger.warn({ partialKey: partial, error: errorMessage(error) }, 'Stored contents not listed, recovery and included pages unchecked for the space this cycle');
    }
  });
  return bySpace;
}
