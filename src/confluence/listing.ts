/**
 * Follows a paged Confluence listing (v1 envelope or v2 cursor list) through its
 * `_links.next` links, verbatim (contract §8), with the loop guards a listing that
 * feeds deletions needs: a server that hands back the same link, the same cursor or
 * the same items again would otherwise loop forever or, worse, end on a listing that
 * looks complete but is not.
 */
import { ConnectorError } from '../errors.js';
import { redactUrl } from '../http/redact.js';

/** A sane bound: 10 000 pages of 100 is a million items, far beyond any tenant. */
export const DEFAULT_MAX_PAGES = 10_000;

export interface ListingLimits {
  maxPages: number;
  /**
   * Items one listing may yield. Discovery holds every record until the diff, so a
   * server that never stops listing new ids must be stopped while memory is still
   * plentiful (the image's heap holds ~40 MB per 20 000 page records): a clear
   * discovery error instead of the process dying out of memory.
   */
  maxItems: number;
  /** Empty pages with a next link followed in a row before the listing counts as broken. */
  maxEmptyPages: number;
}

export const DEFAULT_LISTING_LIMITS: ListingLimits = { maxPages: DEFAULT_MAX_PAGES, maxItems: 100_000, maxEmptyPages: 25 };

export interface ListingPage {
  results: unknown[];
  next: string | undefined;
}

export interface ListingOptions {
  /** Absolute URL of the first page. */
  firstUrl: string;
  /** For messages: which listing this is (`content search for CQL "…"`). */
  what: string;
  /** Endpoint name for messages and error details. */
  endpoint: string;
  /** Fetches and validates one page; undefined ends the listing (e.g. a tolerated 404). */
  fetchPage(url: string): Promise<ListingPage | undefined>;
  resolveNext(link: string): string;
  /** An item's id for the repeated-items guard; undefined ignores the item there. */
  idOf(item: unknown): string | undefined;
  maxPages?: number;
  limits?: Partial<ListingLimits>;
}

/**
 * Yields the results of each non-empty page as they arrive, in order. The listing
 * ends only where the server says it does (no next link) or a tolerated 404 ends it;
 * every other way out is an error, so a listing is never taken as complete when it
 * is not (a complete listing is what deletions are computed from).
 *
 * The next page is requested as soon as its link is known, before the consumer has
 * taken this page's results: a listing's pages follow one another, and the round trip
 * then overlaps the work on the page before. One page is read ahead, no more.
 */
export async function* followListing(options: ListingOptions): AsyncGenerator<unknown[]> {
  const limits: ListingLimits = { ...DEFAULT_LISTING_LIMITS, ...definedOnly(options.limits), ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }) };
  const guard = new ListingGuard(options, limits);
  let fetching: Promise<ListingPage | undefined> | undefined = readAhead(options, options.firstUrl);
  while (fetching !== undefined) {
    const page = await fetching;
    fetching = undefined;
    if (page === undefined) return;
    guard.checkPage(page);
    // The guards run on the link before it is followed; a failing one ends the listing after this page's results.
    let stopped: { error: unknown } | undefined;
    if (page.next !== undefined) {
      try {
        fetching = readAhead(options, guard.follow(options.resolveNext(page.next)));
      } catch (error) {
        stopped = { error };
      }
    }
    if (page.results.length > 0) yield page.results;
    if (stopped !== undefined) throw stopped.error;
  }
}

/** The page's fetch, started now; a failure is reported where it is awaited (or not at all, when the consumer stopped first). */
function readAhead(options: ListingOptions, url: string): Promise<ListingPage | undefined> {
  const fetching = options.fetchPage(url);
  fetching.catch(() => undefined);
  return fetching;
}

/** The loop guards of one listing: page and item bounds, repeated links, cursors and items, runs of empty pages. */
class ListingGuard {
  readonly #options: ListingOptions;
  readonly #limits: ListingLimits;
  readonly #seenLinks: Set<string>;
  readonly #seenCursors = new Set<string>();
  readonly #seenIds = new Set<string>();
  #pages = 0;
  #items = 0;
  #emptyInARow = 0;
  /** The page being checked, for messages. */
  #url = '';

  /** Counts the first page, so a bound of 0 pages fails before any request. */
  constructor(options: ListingOptions, limits: ListingLimits) {
    this.#options = options;
    this.#limits = limits;
    this.#seenLinks = new Set([options.firstUrl]);
    this.#countPage(options.firstUrl);
  }

  #countPage(url: string): void {
    this.#url = url;
    this.#pages += 1;
    if (this.#pages > this.#limits.maxPages) {
      throw guardError(this.#options, `more than ${this.#limits.maxPages} pages; stopping rather than looping`, url);
    }
  }

  checkPage(page: ListingPage): void {
    const url = this.#url;
    if (page.results.length === 0) {
      if (page.next === undefined) return;
      // Contract §8: a next link means more results follow, even after an empty page
      // (ending here once deleted 46 of 60 live pages). Followed, a bounded number of times in a row.
      this.#emptyInARow += 1;
      if (this.#emptyInARow > this.#limits.maxEmptyPages) {
        throw guardError(this.#options, `${this.#emptyInARow} pages in a row were empty but announced more; the listing cannot be trusted to be complete`, url);
      }
      return;
    }
    this.#emptyInARow = 0;
    this.#items += page.results.length;
    if (this.#items > this.#limits.maxItems) {
      throw guardError(this.#options, `more than ${this.#limits.maxItems} items; stopping before memory runs out`, url);
    }
    const ids = page.results.map((item) => this.#options.idOf(item)).filter((id): id is string => id !== undefined);
    if (ids.length > 0 && ids.every((id) => this.#seenIds.has(id))) {
      throw guardError(this.#options, 'a page repeated only items already listed', url);
    }
    for (const id of ids) this.#seenIds.add(id);
  }

  /** The next link, once it passed the guards, counted as the next page. */
  follow(nextUrl: string): string {
    if (this.#seenLinks.has(nextUrl)) throw guardError(this.#options, 'the next link repeated an earlier one', nextUrl);
    const cursor = cursorOf(nextUrl);
    if (cursor !== undefined) {
      if (this.#seenCursors.has(cursor)) throw guardError(this.#options, 'the next cursor repeated an earlier one', nextUrl);
      this.#seenCursors.add(cursor);
    }
    this.#seenLinks.add(nextUrl);
    this.#countPage(nextUrl);
    return nextUrl;
  }
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function cursorOf(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('cursor') ?? undefined;
  } catch {
    return undefined;
  }
}

function guardError(options: ListingOptions, problem: string, link: string): ConnectorError {
  // A hostile server's link may be huge or carry a credential-like parameter: shown redacted and short.
  const shown = redactUrl(link).slice(0, 300);
  return new ConnectorError('DISCOVERY_FAILED', `Confluence ${options.what}: ${problem} (link ${shown})`, {
    details: { endpoint: options.endpoint, link: shown },
  });
}

/** The `_links.next` of a JSON body, when it is a non-empty string. */
export function nextLinkOf(body: Record<string, unknown>): string | undefined {
  const links = body._links;
  if (links === null || typeof links !== 'object') return undefined;
  const next = (links as Record<string, unknown>).next;
  return typeof next === 'string' && next !== '' ? next : undefined;
}

/** The id of a listed item (content or attachment), as a string. */
export function idOfItem(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const id = (item as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
