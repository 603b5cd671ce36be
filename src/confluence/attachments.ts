/**
 * The "more than 25" rule (contract §6.2): the `children.attachment` expansion inlines
 * at most 25 attachments. Cloud re-lists via v2 and replaces the inline list (its v1
 * child-attachment paging answers 410); DC follows the expansion's next links and
 * appends. A 404 on either listing means the content was deleted between the search
 * and this call: it has no attachments (§11 [R]), and discovery goes on.
 */
import type { ConfluenceApi } from './api.js';
import { followListing, idOfItem, type ListingLimits } from './listing.js';
import { attachmentsMayBeIncomplete, inlineAttachments } from './map-content.js';
import { v2AttachmentToV1, type RawAttachment, type RawV2Attachment, type ValidContent } from './raw.js';

/** §6.3: the v2 listing takes 1–250 a page. */
const V2_PAGE_SIZE = 250;

export async function listAttachments(api: ConfluenceApi, content: ValidContent, limits: ListingLimits): Promise<RawAttachment[]> {
  const inline = inlineAttachments(content);
  if (!attachmentsMayBeIncomplete(content)) return inline;
  return api.flavour === 'cloud' ? listCloud(api, content, limits) : listDataCenter(api, content, inline, limits);
}

async function listCloud(api: ConfluenceApi, content: ValidContent, limits: ListingLimits): Promise<RawAttachment[]> {
  const endpoint = content.type === 'blogpost' ? 'v2/blogposts/attachments' : 'v2/pages/attachments';
  let gone = false;
  const listed: RawAttachment[] = [];
  const pages = followListing({
    firstUrl: api.urls.v2Attachments(content.id, content.type, V2_PAGE_SIZE),
    what: `v2 attachment listing of content ${content.id}`,
    endpoint,
    limits,
    fetchPage: async (url) => {
      const page = await api.fetchListingPage(url, endpoint, false, true);
      if (page === undefined) gone = true;
      return page;
    },
    resolveNext: (link) => api.urls.resolveNext(link),
    idOf: idOfItem,
  });
  for await (const results of pages) {
    for (const item of results) {
      if (item !== null && typeof item === 'object') listed.push(v2AttachmentToV1(item as RawV2Attachment));
    }
  }
  return gone ? [] : listed;
}

async function listDataCenter(api: ConfluenceApi, content: ValidContent, inline: RawAttachment[], limits: ListingLimits): Promise<RawAttachment[]> {
  const next = content.children?.attachment?._links?.next;
  // §6.2: `size >= limit` without a next link means the inline list is all there is.
  if (typeof next !== 'string' || next === '') return inline;
  const endpoint = 'content/child/attachment';
  let gone = false;
  const all = [...inline];
  const seen = new Set(inline.map((att) => att.id));
  const resolve = (link: string): string => api.urls.resolveNext(withVersionExpand(link));
  const pages = followListing({
    firstUrl: resolve(next),
    what: `attachment listing of content ${content.id}`,
    endpoint,
    limits,
    fetchPage: async (url) => {
      const page = await api.fetchListingPage(url, endpoint, true, true);
      if (page === undefined) gone = true;
      return page;
    },
    resolveNext: resolve,
    idOf: idOfItem,
  });
  for await (const results of pages) {
    for (const item of results) {
      if (item === null || typeof item !== 'object') continue;
      const att = item as RawAttachment;
      if (att.id !== undefined && seen.has(att.id)) continue;
      if (att.id !== undefined) seen.add(att.id);
      all.push(att);
    }
  }
  return gone ? [] : all;
}

/**
 * §6.2 [U]/[R]: a DC next link may drop `expand=version`; without it the attachments
 * lose `version.when`. Adds it, leaving the rest of the link as the server wrote it.
 */
export function withVersionExpand(link: string): string {
  const hashAt = link.indexOf('#');
  const base = hashAt >= 0 ? link.slice(0, hashAt) : link;
  const fragment = hashAt >= 0 ? link.slice(hashAt) : '';
  const match = /([?&])expand=([^&]*)/.exec(base);
  if (!match) return `${base}${base.includes('?') ? '&' : '?'}expand=version${fragment}`;
  const items = safeDecode(match[2]).split(',');
  if (items.includes('version')) return link;
  const value = match[2] === '' ? 'version' : `${match[2]},version`;
  return `${base.slice(0, match.index)}${match[1]}expand=${value}${base.slice(match.index + match[0].length)}${fragment}`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
