/**
 * Follows a paged Confluence listing (v1 envelope or v2 cursor list) through its
 * `_links.next` links, verbatim (contract §8), with the loop guards a listing that
 * feeds deletions needs: a server that hands back the same link, the same cursor or
 * the same items again would otherwise loop forever or, worse, end on a listing that
 * looks complete but is not.
 */
import { ConnectorError } from '../errors.js';

/** A sane bound: 10 000 pages of 100 is a million items, far beyond any tenant. */
export const DEFAULT_MAX_PAGES = 10_000;

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
}

/** Yields the results of each page as they arrive, in order. */
export async function* followListing(options: ListingOptions): AsyncGenerator<unknown[]> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const seenLinks = new Set<string>([options.firstUrl]);
  const seenCursors = new Set<string>();
  const seenIds = new Set<string>();
  let url: string | undefined = options.firstUrl;
  let pages = 0;
  while (url !== undefined) {
    pages += 1;
    if (pages > maxPages) {
      throw guardError(options, `more than ${maxPages} pages; stopping rather than looping`, url);
    }
    const page = await options.fetchPage(url);
    // An empty page ends the listing even when it carries a next link: nothing more can follow it sensibly.
    if (page === undefined || page.results.length === 0) return;
    const ids = page.results.map((item) => options.idOf(item)).filter((id): id is string => id !== undefined);
    if (ids.length > 0 && ids.every((id) => seenIds.has(id))) {
      throw guardError(options, 'a page repeated only items already listed', url);
    }
    for (const id of ids) seenIds.add(id);
    yield page.results;
    if (page.next === undefined) return;
    const nextUrl = options.resolveNext(page.next);
    if (seenLinks.has(nextUrl)) throw guardError(options, 'the next link repeated an earlier one', nextUrl);
    const cursor = cursorOf(nextUrl);
    if (cursor !== undefined) {
      if (seenCursors.has(cursor)) throw guardError(options, 'the next cursor repeated an earlier one', nextUrl);
      seenCursors.add(cursor);
    }
    seenLinks.add(nextUrl);
    url = nextUrl;
  }
}

function cursorOf(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('cursor') ?? undefined;
  } catch {
    return undefined;
  }
}

function guardError(options: ListingOptions, problem: string, link: string): ConnectorError {
  return new ConnectorError('DISCOVERY_FAILED', `Confluence ${options.what}: ${problem} (link ${link})`, {
    details: { endpoint: options.endpoint, link },
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
