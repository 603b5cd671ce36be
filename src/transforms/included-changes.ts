/**
 * Included pages that changed make their including page changed. Confluence dates a
 * page by its own edits only, so a page that shows another page's body (include,
 * excerpt-include) would otherwise stay stale in Unique until someone edits it.
 *
 * At ingestion the including page's content metadata records `includedPageIds` (the
 * pages whose content it shows) and `refusedPageIds` (included pages whose content was
 * refused for their read restrictions, contract §17; sink registration). Before the
 * file-diff, this stage takes each space's stored contents (listed once per cycle for
 * this stage and the diff's recovery: one `paginatedContent` request per 100 stored
 * items, unique/stored-contents), collects those ids, and dates each including page at
 * the latest of its own time and its shown pages' current version times: taken from
 * this cycle's discovery when the included page was discovered, else from one
 * body-less `id IN (…)` search per 100 ids. An included page Confluence no longer
 * shows counts as changed now, so the including page is re-ingested once and its
 * marker (and metadata) brought up to date.
 *
 * Read restrictions change without a new version, so the verdict of every recorded id
 * is checked each cycle with the cycle's read access (the version search brings the
 * ancestors and restrictions it needs; most ancestors are known from discovery): a
 * shown page that is now refused, or a refused one that is now open (its restriction
 * lifted, or `ingest` mode), dates the including page now, so it is rebuilt with the
 * marker or the content. Best effort: a failed listing or search leaves the dates as
 * they were, with a warning; a restriction lookup that fails refuses (fail closed).
 */
import type { TenantConfig } from '../config/types.js';
import type { ConfluenceApi } from '../confluence/api.js';
import { contentVersions, type ContentVersion } from '../confluence/versions.js';
import { errorMessage } from '../errors.js';
import { type Logger, stageLogger } from '../log.js';
import type { ReadAccess } from '../read-restrictions/access.js';
import type { PageRecord, PipelineRecord, RestrictionSubject } from '../records.js';
import { contentKey, pageItemKey, partialKey } from '../unique/keys.js';
import type { StoredBySpace } from '../unique/stored-contents.js';

export interface IncludedChangesDeps {
  tenant: TenantConfig;
  /** Each space's stored contents, listed once this cycle (a space absent: not known). */
  stored: StoredBySpace;
  api: Pick<ConfluenceApi, 'searchContent'>;
  logger: Logger;
  /** The cycle's read access (contract §17): which included pages a reader may see now. */
  access: Pick<ReadAccess, 'enforced' | 'verdicts'>;
  /** The cycle's clock (tests inject it). */
  now?: () => Date;
}

/** What an including page's stored metadata says it showed and refused. */
interface StoredIncludes {
  shown: string[];
  refused: string[];
}

export interface IncludedChangesResult {
  records: PipelineRecord[];
  /** Including pages dated forward because an included page changed. */
  redated: number;
  /** Of those, the ones whose included pages' read access changed. */
  accessChanged: number;
}

export async function applyIncludedChanges(records: readonly PipelineRecord[], deps: IncludedChangesDeps): Promise<IncludedChangesResult> {
  const log = stageLogger(deps.logger, 'included-changes');
  const unchanged = (): IncludedChangesResult => ({ records: [...records], redated: 0, accessChanged: 0 });
  try {
    const discovered = new Map<string, PageRecord>();
    for (const record of records) if (isPage(record)) discovered.set(record.id, record);
    const includedBy = storedIncludes(records, deps);
    if (includedBy.size === 0) return unchanged();
    const recorded = [...new Set([...includedBy.values()].flatMap((refs) => [...refs.shown, ...refs.refused]))];
    const undiscovered = recorded.filter((id) => !discovered.has(id));
    const looked = undiscovered.length > 0 ? await contentVersions(deps.api, undiscovered, { readRestrictions: deps.access.enforced }) : new Map<string, ContentVersion>();
    const readable = await readableIds(recorded, discovered, looked, deps.access);
    const now = (deps.now ?? (() => new Date()))().toISOString();
    const exists = (id: string): boolean => discovered.has(id) || looked.has(id);
    const versionOf = (id: string): string => discovered.get(id)?.updatedAt ?? looked.get(id)!.when;
    let redated = 0;
    let accessChanged = 0;
    const out = records.map((record) => {
      const refs = isPage(record) ? includedBy.get(record.id) : undefined;
      if (!refs || !isPage(record)) return record;
      // A shown page that is now refused, or a refused one now readable: the stored copy shows the wrong thing.
      const access = refs.shown.some((id) => exists(id) && !readable.has(id)) || refs.refused.some((id) => readable.has(id));
      // A shown page Confluence no longer shows: rebuilt once, with the marker.
      const vanished = refs.shown.some((id) => !exists(id));
      const latest = access || vanished ? later(record.updatedAt, now) : refs.shown.map(versionOf).reduce(later, record.updatedAt);
      if (latest === record.updatedAt) return record;
      redated += 1;
      if (access) accessChanged += 1;
      return { ...record, updatedAt: latest };
    });
    log.info({ includingPages: includedBy.size, lookedUp: undiscovered.length, redated, accessChanged }, 'Included page changes checked');
    return { records: out, redated, accessChanged };
  } catch (error) {
    log.warn({ error: errorMessage(error) }, 'Included page changes not checked this cycle');
    return unchanged();
  }
}

/** Shown and refused page ids per including page, from what Unique stored at the last ingestion. */
function storedIncludes(records: readonly PipelineRecord[], deps: IncludedChangesDeps): Map<string, StoredIncludes> {
  const { tenant } = deps;
  const includedBy = new Map<string, StoredIncludes>();
  const partialOf = (page: PageRecord): string => partialKey(tenant.name, page.space, tenant.ingestion.useV1KeyFormat);
  const pages = records.filter(isPage);
  for (const partial of new Set(pages.map(partialOf))) {
    const stored = deps.stored.get(partial);
    if (stored === undefined) continue;
    for (const page of pages) {
      if (partialOf(page) !== partial) continue;
      const metadata = stored.get(contentKey(partial, pageItemKey(page.id)))?.metadata;
      const refs = { shown: idList(metadata?.includedPageIds), refused: idList(metadata?.refusedPageIds) };
      if (refs.shown.length + refs.refused.length > 0) includedBy.set(page.id, refs);
    }
  }
  return includedBy;
}

/** The recorded ids Confluence still shows and a reader may see (every shown one in `ingest` mode). */
async function readableIds(ids: readonly string[], discovered: ReadonlyMap<string, PageRecord>, looked: ReadonlyMap<string, ContentVersion>, access: IncludedChangesDeps['access']): Promise<Set<string>> {
  const existing = ids.filter((id) => discovered.has(id) || looked.has(id));
  if (!access.enforced) return new Set(existing);
  const subjects = existing.map((id) => discovered.get(id) ?? looked.get(id)?.subject).filter((subject): subject is RestrictionSubject => subject !== undefined);
  const verdicts = await access.verdicts(subjects);
  return new Set(existing.filter((id) => verdicts.get(id)?.kind === 'open'));
}

function isPage(record: PipelineRecord): record is PageRecord {
  return record.kind === 'page';
}

function idList(ids: unknown): string[] {
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string' && /^\d+$/.test(id)) : [];
}

/** The later of two instants, as UTC ISO (an unparseable one loses). */
function later(a: string, b: string): string {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(tb)) return a;
  if (Number.isNaN(ta)) return new Date(tb).toISOString();
  return tb > ta ? new Date(tb).toISOString() : a;
}
