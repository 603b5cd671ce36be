/**
 * Looks up what a page's body refers to and the converter cannot know without I/O,
 * and attaches it to the record for convert-body: the pages its `include` and
 * `excerpt-include` macros name (with their bodies, and the pages those include, at
 * most MAX_INCLUDE_DEPTH deep) and the display names of the users it mentions.
 *
 * Batched across pages (a batch of records at a time, one title search per batch of
 * titles, one bulk user call per batch of Cloud ids) and cached for the cycle: the
 * pipeline builds this stage once per cycle. Best effort: a failed lookup leaves the
 * include's marker or the "@user" text, with one WARN per kind per cycle; a 401/403 on
 * users (the credentials lack the user permission or scope) stops user lookups for the
 * rest of the cycle.
 *
 * Read restrictions (contract §17): Confluence shows an included page to a reader only
 * if the reader may view it, and the connector's account views everything. So an
 * included page is used only when it passes the cycle's read access (own restriction,
 * a restricted ancestor or an unknown state refuse it, in `skip` mode): a refused page
 * is not attached (its include keeps the marker, its own includes are not followed),
 * its id goes to `refusedPageIds`, and the refusal is counted and logged. The title
 * search asks for the ancestors and restrictions, so the verdict needs a request only
 * for ancestors no one has asked about this cycle.
 */
import highland from 'highland';
import { bodyTooLarge } from '../body-limits.js';
import { includeKey, type IncludedPage } from '../convert/context.js';
import { MAX_INCLUDE_DEPTH } from '../convert/includes.js';
import { findReferences, type StorageReferences, type UserReference } from '../convert/references.js';
import type { ConfluenceApi } from '../confluence/api.js';
import { findPagesByTitles, type FoundPage, type TitleReference } from '../confluence/titles.js';
import { isPermissionDenied, lookUpUsers } from '../confluence/users.js';
import { errorMessage } from '../errors.js';
import { type Logger, stageLogger } from '../log.js';
import { refusalOf, type ReadAccess, type Refused } from '../read-restrictions/access.js';
import { mergeIds, type PageWithStorage } from '../records.js';
import { untilStopped } from '../streams.js';

/** Records resolved together: their lookups share requests. */
export const REFERENCE_BATCH_SIZE = 50;
/** How long a batch waits for more pages: only for those already on their way. */
const BATCH_GATHER_MS = 1;

export interface ResolveReferencesDeps {
  api: Pick<ConfluenceApi, 'searchContent' | 'flavour' | 'request' | 'urls'>;
  logger: Logger;
  /** The cycle's read access (contract §17): an included page a reader may not see keeps its marker. */
  access: Pick<ReadAccess, 'enforced' | 'verdicts' | 'refuse'>;
  /** Look up user display names (default true). */
  mentions?: boolean;
  /** Once aborted, no further batch is looked up. */
  signal?: AbortSignal;
  /**
   * `processing.maxPageBodyMb`: an included page with a larger body keeps its marker, as
   * it would not be synced itself (its body is cached for the cycle and copied into
   * every page that includes it). Absent: no limit.
   */
  maxPageBodyMb?: number;
}

/** A stream stage: records in, the same records with `includes` / `users` attached when they have any. */
export function resolveReferences(deps: ResolveReferencesDeps): (stream: Highland.Stream<PageWithStorage>) => Highland.Stream<PageWithStorage> {
  const resolve = resolveReferencesWith(deps);
  return (stream) =>
    stream
      .through(untilStopped(deps.signal))
      // What is ready now (a fetched body batch arrives at once), up to a batch: never
      // waits for more pages to arrive, so it holds no page back from the stages after it.
      .batchWithTimeOrCount(BATCH_GATHER_MS, REFERENCE_BATCH_SIZE)
      .flatMap((batch) => highland(resolve(batch)))
      .sequence();
}

/**
 * The batch resolver, with the cycle's caches. Exported for tests; never rejects:
 * whatever fails, the records go on (without what could not be looked up).
 */
export function resolveReferencesWith(deps: ResolveReferencesDeps): (pages: PageWithStorage[]) => Promise<PageWithStorage[]> {
  const log = stageLogger(deps.logger, 'resolve-references');
  const pages = new Map<string, FoundPage | null>();
  /** Found pages judged by the read access, and the refused ones with their verdict. */
  const judged = new Set<string>();
  const refused = new Map<string, Refused>();
  // Included pages are parsed once a cycle for the pages they include and the users they mention.
  const parsed = new Map<string, StorageReferences>();
  const referencesOf = (page: FoundPage): StorageReferences => {
    const key = includeKey(page.spaceKey, page.title);
    let refs = parsed.get(key);
    if (refs === undefined) {
      refs = findReferences(page.storage, page.spaceKey);
      parsed.set(key, refs);
    }
    return refs;
  };
  const includesOf = (page: FoundPage): TitleReference[] => referencesOf(page).includes;
  const names = new Map<string, string | null>();
  let usersDenied = deps.mentions === false;
  const warned = new Set<string>();
  const warnOnce = (kind: string, fields: Record<string, unknown>, message: string): void => {
    if (warned.has(kind)) return;
    warned.add(kind);
    log.warn(fields, message);
  };

  /** Fetches the titles not yet in the cache; a failed search leaves them unresolved this cycle. */
  const fetchTitles = async (references: TitleReference[]): Promise<void> => {
    const missing = references.filter((ref) => !pages.has(includeKey(ref.spaceKey, ref.title)));
    if (missing.length === 0) return;
    try {
      const found = await findPagesByTitles(deps.api, missing, { readRestrictions: deps.access.enforced });
      for (const ref of missing) {
        let page = found.get(includeKey(ref.spaceKey, ref.title)) ?? null;
        if (page !== null && deps.maxPageBodyMb !== undefined && bodyTooLarge(page.storage, deps.maxPageBodyMb)) {
          log.warn({ includedPage: page.id, bodySize: `${Buffer.byteLength(page.storage, 'utf8')} bytes`, maxPageBodyMb: deps.maxPageBodyMb }, 'Included page body larger than processing.maxPageBodyMb, its includes keep their marker');
          page = null;
        }
        pages.set(includeKey(ref.spaceKey, ref.title), page);
      }
    } catch (error) {
      for (const ref of missing) pages.set(includeKey(ref.spaceKey, ref.title), null);
      warnOnce('includes', { titles: missing.length, error: errorMessage(error) }, 'Included page lookup failed, those includes keep their marker this cycle');
    }
  };

  /** Verdicts for found pages not judged yet this cycle; refused ones are remembered with their verdict. */
  const judge = async (reached: FoundPage[]): Promise<void> => {
    const fresh = new Map<string, FoundPage>();
    for (const page of reached) if (!judged.has(keyOf(page))) fresh.set(keyOf(page), page);
    if (fresh.size === 0) return;
    const verdicts = await deps.access.verdicts([...fresh.values()]);
    for (const [key, page] of fresh) {
      judged.add(key);
      const refusal = refusalOf(verdicts, page.id);
      if (refusal) refused.set(key, refusal);
    }
  };

  const fetchUsers = async (users: UserReference[]): Promise<void> => {
    const missing = uniqueUsers(users.filter((user) => !names.has(user.id)));
    if (missing.length === 0 || usersDenied) return;
    try {
      const found = await lookUpUsers(deps.api, missing);
      for (const user of missing) names.set(user.id, found.get(user.id) ?? null);
    } catch (error) {
      if (isPermissionDenied(error)) usersDenied = true;
      else for (const user of missing) names.set(user.id, null);
      warnOnce('users', { users: missing.length, permissionDenied: isPermissionDenied(error), error: errorMessage(error) }, 'User lookup failed, mentions show as @user this cycle');
    }
  };

  return async (batch) => {
    try {
      const found = batch.map((page) => findReferences(page.storage ?? '', page.space.key));
      // Level by level: the pages named by this batch, then the pages those name, and so on.
      const users = found.flatMap((refs) => refs.users);
      let frontier = found.flatMap((refs) => refs.includes);
      for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length > 0; depth++) {
        await fetchTitles(frontier);
        const reached = frontier.map((ref) => pages.get(includeKey(ref.spaceKey, ref.title))).filter((page): page is FoundPage => Boolean(page));
        await judge(reached);
        // A refused page's body is never shown: neither its mentions nor its own includes are looked up.
        const shown = reached.filter((page) => !refused.has(keyOf(page)));
        for (const page of shown) users.push(...referencesOf(page).users);
        frontier = shown.flatMap(includesOf);
      }
      // Mentions in included bodies are shown too, so they are named with the page's own.
      await fetchUsers(users);
      const refuse = (page: PageWithStorage, other: FoundPage, verdict: Refused): void =>
        deps.access.refuse(log, { page: { id: page.id, title: page.title }, refused: { id: other.id, title: other.title, type: other.type }, verdict, via: 'include' });
      return batch.map((page, i) => attach(page, found[i]!.includes, found[i]!.users, { pages, names, referencesOf, refused, refuse }));
    } catch (error) {
      log.warn({ pages: batch.length, error: errorMessage(error) }, 'Reference resolution failed, pages converted without it');
      return batch;
    }
  };
}

function uniqueUsers(users: UserReference[]): UserReference[] {
  const seen = new Set<string>();
  return users.filter((user) => (seen.has(user.id) ? false : (seen.add(user.id), true)));
}

/** The record with the included pages it reaches (transitively) and its users' names. */
interface Looked {
  pages: Map<string, FoundPage | null>;
  names: Map<string, string | null>;
  referencesOf: (page: FoundPage) => StorageReferences;
  refused: ReadonlyMap<string, Refused>;
  refuse: (page: PageWithStorage, other: FoundPage, verdict: Refused) => void;
}

function attach(page: PageWithStorage, includes: TitleReference[], ownUsers: UserReference[], { pages, names, referencesOf, refused, refuse }: Looked): PageWithStorage {
  const users = [...ownUsers];
  const reached: Record<string, IncludedPage> = {};
  const ids = new Set<string>();
  const refusedIds = new Set<string>();
  let frontier = includes;
  for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length > 0; depth++) {
    const next: TitleReference[] = [];
    for (const ref of frontier) {
      const key = includeKey(ref.spaceKey, ref.title);
      const found = pages.get(key);
      if (!found || key in reached || refusedIds.has(found.id)) continue;
      const refusal = refused.get(key);
      if (refusal) {
        // Not attached: the converter keeps the include's marker, never the content.
        refusedIds.add(found.id);
        refuse(page, found, refusal);
        continue;
      }
      reached[key] = { id: found.id, title: found.title, spaceKey: found.spaceKey, storage: found.storage };
      if (found.id !== page.id) ids.add(found.id);
      const refs = referencesOf(found);
      next.push(...refs.includes);
      users.push(...refs.users);
    }
    frontier = next;
  }
  const userNames: Record<string, string> = {};
  for (const user of users) {
    const name = names.get(user.id);
    if (name) userNames[user.id] = name;
  }
  const withIncludes = ids.size > 0 || Object.keys(reached).length > 0 ? { includes: reached, includedPageIds: mergeIds([...ids]) } : {};
  const withRefused = refusedIds.size > 0 ? { refusedPageIds: mergeIds([...refusedIds]) } : {};
  const withUsers = Object.keys(userNames).length > 0 ? { users: userNames } : {};
  return { ...page, ...withIncludes, ...withRefused, ...withUsers };
}

function keyOf(page: FoundPage): string {
  return includeKey(page.spaceKey, page.title);
}
