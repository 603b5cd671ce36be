/**
 * Attachment lists beyond the inlined 25: DC v1 child-attachment paging (E5) and the
 * Cloud v2 lists for pages and blog posts (E4). Cloud's v1 child-attachment list is
 * gone (410, contract §6.2).
 */
import { Expansions, effectiveLimit, parseStart, type SimContext } from './context.js';
import { json, v1Error, v2Error, type SimRequest, type SimResponse } from './http-io.js';
import { v1Attachment, v2Attachment } from './serialize.js';
import type { ContentRecord } from './store.js';

const V2_DEFAULT_LIMIT = 50;
const V2_MAX_LIMIT = 250;

type Lookup = { record: ContentRecord } | { status: 403 | 404 };

function lookupVisible(ctx: SimContext, id: string, type?: string): Lookup {
  const record = ctx.store.get(id);
  if (!record || record.status !== 'current' || (type !== undefined && record.type !== type)) return { status: 404 };
  if (ctx.store.spaceById(record.spaceId).denied) return { status: 403 };
  return { record };
}

/** DC E5: `GET {ctx}/rest/api/content/{id}/child/attachment?limit=25&start=25[&expand=version]`. */
export function listChildAttachments(ctx: SimContext, req: SimRequest, id: string): SimResponse {
  if (ctx.flavour === 'cloud') return v1Error(410, 'This endpoint has been removed; use the v2 attachments API');
  const found = lookupVisible(ctx, id);
  if ('status' in found) {
    return found.status === 404 ? v1Error(404, `No content found with id: ContentId{id=${id}}`) : v1Error(403, 'You do not have permission to view this content');
  }
  const expand = new Expansions(req.query.get('expand'));
  const limit = effectiveLimit(req.query.get('limit'), expand, ctx.caps);
  const start = parseStart(req.query.get('start'));
  const all = found.record.attachments;
  // DC always includes `extensions` on this endpoint; `version` only when expanded.
  const results = all.slice(start, start + limit).map((att) => v1Attachment(ctx, att, { version: expand.has('version'), extensions: true }));
  const path = `/rest/api/content/${id}/child/attachment`;
  const links: Record<string, string> = { base: ctx.linksBase, context: ctx.linksContext, self: `${ctx.linksBase}${path}` };
  if (start + limit < all.length) {
    const expandPart = expand.raw === '' ? '' : `&expand=${encodeURIComponent(expand.raw).replace(/%2C/gi, ',')}`;
    links.next = `${path}?limit=${limit}&start=${start + limit}${expandPart}`;
  }
  return json(200, { results, start, limit, size: results.length, _links: links });
}

/** Cloud E4: `GET …/wiki/api/v2/{pages|blogposts}/{id}/attachments?limit=250[&cursor=…]`. */
export function listV2Attachments(ctx: SimContext, req: SimRequest, collection: 'pages' | 'blogposts', id: string): SimResponse {
  const limitParam = req.query.get('limit');
  const limit = limitParam === null ? V2_DEFAULT_LIMIT : Number(limitParam);
  if (!Number.isInteger(limit) || limit < 1 || limit > V2_MAX_LIMIT) {
    return v2Error(400, 'INVALID_REQUEST_PARAMETER', `limit must be between 1 and ${V2_MAX_LIMIT}`);
  }
  const found = lookupVisible(ctx, id, collection === 'pages' ? 'page' : 'blogpost');
  if ('status' in found) return found.status === 404 ? v2Error(404, 'NOT_FOUND', 'Not Found') : v2Error(403, 'FORBIDDEN', 'Forbidden');
  const scope = `v2attachments\u0000${collection}\u0000${id}`;
  let start = 0;
  const cursor = req.query.get('cursor');
  if (cursor !== null) {
    const offset = ctx.cursors.resolve(cursor, scope);
    if (offset === undefined) return v2Error(400, 'INVALID_REQUEST_PARAMETER', 'Invalid cursor');
    start = offset;
  }
  const all = found.record.attachments;
  const results = all.slice(start, start + limit).map((att) => v2Attachment(ctx, att, found.record));
  const links: Record<string, string> = { base: ctx.linksBase };
  const headers: Record<string, string> = {};
  if (start + limit < all.length) {
    // v2 links already carry /wiki (contract §6.3, §8).
    links.next = `/wiki/api/v2/${collection}/${id}/attachments?cursor=${ctx.cursors.issue(scope, start + limit)}&limit=${limit}`;
    headers.link = `<${links.next}>; rel="next", <${ctx.linksBase}>; rel="base"`;
  }
  return json(200, { results, _links: links }, headers);
}
