/**
 * What Unique holds under one space's partial key, read in pages of 100
 * (`paginatedContent` with `key startsWith "{partialKey}/"`, contract §4.9: at most one
 * request per 100 stored items), as a map from content key to the fields a stage may
 * act on. Reused by the included-page change detection and by crash recovery.
 */
import type { ContentApi } from './content.js';

export interface StoredContentInfo {
  id: string;
  /** As stored at the last registration (object or null). */
  metadata: Record<string, unknown> | null;
  ingestionState: string | null;
  byteSize: number | null;
}

export async function listStoredContents(content: Pick<ContentApi, 'listByPrefix'>, partialKey: string): Promise<Map<string, StoredContentInfo>> {
  const stored = new Map<string, StoredContentInfo>();
  for (const node of await content.listByPrefix(partialKey)) {
    const metadata = node.metadata !== null && typeof node.metadata === 'object' && !Array.isArray(node.metadata) ? (node.metadata as Record<string, unknown>) : null;
    stored.set(node.key, { id: node.id, metadata, ingestionState: node.ingestionState ?? null, byteSize: node.byteSize ?? null });
  }
  return stored;
}
