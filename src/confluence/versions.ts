/**
 * Current version times of content by id, without bodies: `id IN (…)` with only the
 * `version` expansion (DC allows 200 such results a response; 100 ids a search keeps
 * the URL short). Used to notice that a page another page includes has changed. With
 * `readRestrictions` the same search brings what a read-restriction verdict needs
 * (`ancestors` and the §17 expansion), so the included pages are judged without a
 * request of their own.
 */
import type { RestrictionSubject } from '../records.js';
import type { ConfluenceApi } from './api.js';
import { READ_RESTRICTIONS_EXPAND, batches, idsCql } from './cql.js';
import { restrictionSubjectOf, toUtcIso } from './map-content.js';

export const IDS_PER_VERSION_SEARCH = 100;

export interface ContentVersion {
  /** The version time, UTC ISO. */
  when: string;
  /** With `readRestrictions`: the item as a verdict needs it. */
  subject?: RestrictionSubject;
}

/** The version search's expand list. */
export function versionsExpand(readRestrictions: boolean): string {
  return readRestrictions ? `version,space,ancestors,${READ_RESTRICTIONS_EXPAND}` : 'version,space';
}

/** Versions by id; ids Confluence no longer shows are absent. */
export async function contentVersions(api: Pick<ConfluenceApi, 'searchContent'>, ids: readonly string[], options: { readRestrictions?: boolean } = {}): Promise<Map<string, ContentVersion>> {
  const versions = new Map<string, ContentVersion>();
  const valid = [...new Set(ids)].filter((id) => /^\d+$/.test(id));
  const withSubjects = options.readRestrictions === true;
  for (const batch of batches(valid, IDS_PER_VERSION_SEARCH)) {
    for await (const items of api.searchContent(idsCql(batch), versionsExpand(withSubjects), { limit: IDS_PER_VERSION_SEARCH })) {
      for (const item of items) {
        versions.set(item.id, withSubjects ? { when: toUtcIso(item.version.when), subject: restrictionSubjectOf(item) } : { when: toUtcIso(item.version.when) });
      }
    }
  }
  return versions;
}
