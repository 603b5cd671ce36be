/**
 * Pages by space key and title, with their bodies, many in one search: CQL
 * `type=page AND ((space="A" AND title="x") OR …)` through the content search (§3.1's
 * title fallback, batched), so an include costs one request per batch of titles
 * instead of a title lookup plus a body fetch each.
 */
import type { ConfluenceApi } from './api.js';
import { BODY_EXPAND, batches, escapeCqlString } from './cql.js';
import { toUtcIso } from './map-content.js';

/** Titles per search: keeps the CQL (and URL) short; a body search returns at most 50 anyway. */
export const TITLES_PER_SEARCH = 20;

export interface TitleReference {
  spaceKey: string;
  title: string;
}

export interface FoundPage {
  id: string;
  title: string;
  spaceKey: string;
  storage: string;
  /** UTC ISO. */
  versionWhen: string;
}

export function titlesCql(references: readonly TitleReference[]): string {
  const clauses = references.map((ref) => `(space="${escapeCqlString(ref.spaceKey)}" AND title="${escapeCqlString(ref.title)}")`);
  return `type=page AND (${clauses.join(' OR ')})`;
}

/** Found pages by `${spaceKey}\n${title}`; titles Confluence does not have (or hides) are absent. */
export async function findPagesByTitles(api: Pick<ConfluenceApi, 'searchContent'>, references: readonly TitleReference[]): Promise<Map<string, FoundPage>> {
  const found = new Map<string, FoundPage>();
  for (const batch of batches(references, TITLES_PER_SEARCH)) {
    for await (const items of api.searchContent(titlesCql(batch), BODY_EXPAND, { limit: 50 })) {
      for (const item of items) {
        const spaceKey = item.space?.key;
        if (!spaceKey || item.type !== 'page') continue;
        const value = item.body?.storage?.value;
        found.set(`${spaceKey}\n${item.title}`, { id: item.id, title: item.title, spaceKey, storage: typeof value === 'string' ? value : '', versionWhen: toUtcIso(item.version.when) });
      }
    }
  }
  return found;
}
