/**
 * Read restrictions on the wire (Confluence contract §17): the expansion discovery
 * adds, reading `restrictions.read` from a content object or from the per-content
 * endpoint, the batched `id IN (…)` lookup for ancestors outside the discovered set,
 * and the per-content fallback for servers that ignore the expansion on search.
 * Knows HTTP and JSON; what a restriction means for a page is the restrictions stage's.
 */
import { errorMessage, isConnectorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ReadRestriction } from '../records.js';
import type { ConfluenceApi } from './api.js';
import { READ_RESTRICTIONS_EXPAND, batches, idsCql } from './cql.js';
import { DEFAULT_MAX_PAGES, followListing, idOfItem } from './listing.js';
import type { RawContent } from './raw.js';

/** §17: at most this many ids a lookup request. */
export const RESTRICTION_LOOKUP_BATCH_SIZE = 100;

/** What a lookup learnt about one content item; `restriction` undefined: the server left it out. */
export interface LookedUpContent {
  id: string;
  title: string;
  type: string;
  restriction: ReadRestriction | undefined;
}

/**
 * The read restriction of a content object asked for the expansion, or undefined when
 * the answer does not say (the expansion was ignored, or the lists are missing).
 */
export function readRestrictionOf(item: RawContent): ReadRestriction | undefined {
  const restrictions = item.restrictions;
  if (restrictions === null || typeof restrictions !== 'object') return undefined;
  return parseReadOperation(restrictions.read);
}

/**
 * A `restrictions.read` object (the search expansion, or the per-content endpoint's
 * whole answer). A non-empty user or group list is a restriction even when the other
 * list is missing; "not restricted" needs both lists, empty. Anything else is undefined.
 */
export function parseReadOperation(read: unknown): ReadRestriction | undefined {
  if (read === null || typeof read !== 'object') return undefined;
  const lists = (read as { restrictions?: unknown }).restrictions;
  if (lists === null || typeof lists !== 'object') return undefined;
  const users = entryCount((lists as Record<string, unknown>).user);
  const groups = entryCount((lists as Record<string, unknown>).group);
  if ((users ?? 0) + (groups ?? 0) > 0) return { users: users ?? 0, groups: groups ?? 0 };
  if (users === undefined || groups === undefined) return undefined;
  return { users: 0, groups: 0 };
}

/** Entries of a restriction list: the larger of `results.length` and `size` (a paged list says more in `size`). */
function entryCount(list: unknown): number | undefined {
  if (list === null || typeof list !== 'object') return undefined;
  const { results, size } = list as { results?: unknown; size?: unknown };
  const listed = Array.isArray(results) ? results.length : undefined;
  const declared = typeof size === 'number' && Number.isFinite(size) && size >= 0 ? size : undefined;
  if (listed === undefined && declared === undefined) return undefined;
  return Math.max(listed ?? 0, declared ?? 0);
}

/**
 * §17: content items by id, with their read restriction and no body, 100 ids a search.
 * Ids the answer does not hold (deleted meanwhile, not visible) are absent from the map.
 * A failing search throws: the lookup belongs to discovery, and a cycle that cannot
 * tell what is restricted must not act on a partial picture.
 */
export async function lookUpRestrictions(api: ConfluenceApi, ids: readonly string[]): Promise<Map<string, LookedUpContent>> {
  const found = new Map<string, LookedUpContent>();
  for (const batch of batches([...new Set(ids)], RESTRICTION_LOOKUP_BATCH_SIZE)) {
    const pages = followListing({
      firstUrl: api.urls.contentSearch(idsCql(batch), READ_RESTRICTIONS_EXPAND, RESTRICTION_LOOKUP_BATCH_SIZE),
      what: 'read restriction lookup',
      endpoint: 'content/search',
      maxPages: DEFAULT_MAX_PAGES,
      fetchPage: (url) => api.fetchListingPage(url, 'content/search', true),
      resolveNext: (link) => api.urls.resolveNext(link),
      idOf: idOfItem,
    });
    for await (const results of pages) {
      for (const raw of results as RawContent[]) {
        const id = idOfItem(raw);
        if (id === undefined) continue;
        found.set(id, {
          id,
          title: typeof raw.title === 'string' ? raw.title : '',
          type: typeof raw.type === 'string' ? raw.type : 'page',
          restriction: readRestrictionOf(raw),
        });
      }
    }
  }
  return found;
}

/**
 * §17 fallback: `GET {R}{W}/rest/api/content/{id}/restriction/byOperation/read`. Any
 * failure (error status after retries, a network error, an answer without the lists)
 * is undefined: the state is unknown, and the caller withholds.
 */
export async function fetchReadRestriction(api: ConfluenceApi, id: string, logger: Logger): Promise<ReadRestriction | undefined> {
  const url = `${api.urls.v1}/content/${encodeURIComponent(id)}/restriction/byOperation/read`;
  try {
    const response = await api.request(url, { endpoint: 'content/restriction', buffer: true });
    const restriction = parseReadOperation(await response.json());
    if (restriction === undefined) logger.debug({ contentId: id }, 'Read restriction answer without user and group lists');
    return restriction;
  } catch (error) {
    // A stop request is not a Confluence answer: let it end the cycle.
    if (isConnectorError(error, 'HTTP_ABORTED')) throw error;
    logger.debug({ contentId: id, status: isConnectorError(error) ? error.details.status : undefined, error: errorMessage(error) }, 'Read restriction request failed');
    return undefined;
  }
}
