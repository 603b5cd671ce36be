/**
 * Pages by space key and title, with their bodies, many in one search: CQL
 * `type=page AND ((space="A" AND title="x") OR …)` through the content search (§3.1's
 * title fallback, batched), so an include costs one request per batch of titles
 * instead of a title lookup plus a body fetch each. With `readRestrictions` the same
 * search also brings what a read-restriction verdict needs (§17: the `ancestors` and
 * restriction expansions), so judging an included page costs no request of its own.
 */
import type { RestrictionSubject } from '../records.js';
import type { ConfluenceApi } from './api.js';
import { BODY_EXPAND, READ_RESTRICTIONS_EXPAND, batches, escapeCqlString } from './cql.js';
import { restrictionSubjectOf, toUtcIso } from './map-content.js';

/** Titles per search: keeps the CQL (and URL) short; a body search returns at most 50 anyway. */
export const TITLES_PER_SEARCH = 20;

export interface TitleReference {
  spaceKey: string;
  title: string;
}

/** A found page: with `readRestrictions`, its ancestors and (when the server gives it) its own restriction. */
export interface FoundPage extends RestrictionSubject {
  spaceKey: string;
  storage: string;
  /** UTC ISO. */
  versionWhen: string;
}

export interface FindPagesOptions {
  /** Ask for `ancestors` and the §17 read restrictions too (restricted pages are skipped). */
  readRestrictions?: boolean;
}

export function titlesCql(references: readonly TitleReference[]): string {
  const clauses = references.map((ref) => `(space="${escapeCqlString(ref.spaceKey)}" AND title="${escapeCqlString(ref.title)}")`);
  return `type=page AND (${clauses.join(' OR ')})`;
}

/** The title search's expand list: the body search's, plus the verdict's expansions when asked. */
export function titlesExpand(options: FindPagesOptions = {}): string {
  return options.readRestrictions === true ? `${BODY_EXPAND},ancestors,${READ_RESTRICTIONS_EXPAND}` : BODY_EXPAND;
}

/** Found pages by `${spaceKey}\n${title}`; titles Confluence does not have (or hides) are absent. */
export async function findPagesByTitles(
  api: Pick<ConfluenceApi, 'searchContent'>,
  references: readonly TitleReference[],
  options: FindPagesOptions = {},
): Promise<Map<string, FoundPage>> {
  const found = new Map<string, FoundPage>();
  const expand = titlesExpand(options);
  for (const batch of batches(references, TITLES_PER_SEARCH)) {
    for await (const items of api.searchContent(titlesCql(batch), expand, { limit: 50 })) {
      for (const item of items) {
        const spaceKey = item.space?.key;
        if (!spaceKey || item.type !== 'page') continue;
        const value = item.body?.storage?.value;
        found.set(`${spaceKey}\n${item.title}`, {
          ...restrictionSubjectOf(item),
          spaceKey,
          storage: typeof value === 'string' ? value : '',
          versionWhen: toUtcIso(item.version.when),
        });
      }
    }
  }
  return found;
}
