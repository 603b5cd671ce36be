/**
 * Current version times of content by id, without bodies: `id IN (…)` with only the
 * `version` expansion (DC allows 200 such results a response; 100 ids a search keeps
 * the URL short). Used to notice that a page another page includes has changed.
 */
import type { ConfluenceApi } from './api.js';
import { batches, idsCql } from './cql.js';
import { toUtcIso } from './map-content.js';

export const IDS_PER_VERSION_SEARCH = 100;

/** Version times (UTC ISO) by id; ids Confluence no longer shows are absent. */
export async function contentVersions(api: Pick<ConfluenceApi, 'searchContent'>, ids: readonly string[]): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  const valid = [...new Set(ids)].filter((id) => /^\d+$/.test(id));
  for (const batch of batches(valid, IDS_PER_VERSION_SEARCH)) {
    for await (const items of api.searchContent(idsCql(batch), 'version,space', { limit: IDS_PER_VERSION_SEARCH })) {
      for (const item of items) versions.set(item.id, toUtcIso(item.version.when));
    }
  }
  return versions;
}
