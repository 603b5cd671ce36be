/**
 * v1 content endpoints: CQL search (E1, E2, Cloud E3), content by id (DC E3) and
 * content by space key and title (E8), all with the v1 envelope of contract §5.2.
 */
import { CqlError } from './cql-parser.js';
import { compareIds } from './cql-eval.js';
import { Expansions, effectiveLimit, parseStart, type SimContext } from './context.js';
import { json, v1Error, type SimRequest, type SimResponse } from './http-io.js';
import { contentObject } from './serialize.js';

/** `expand` goes back into next links with literal commas, as clients send it (§3). */
function expandParam(expand: Expansions): string {
  return expand.raw === '' ? '' : `&expand=${encodeURIComponent(expand.raw).replace(/%2C/gi, ',')}`;
}

interface PageOfIds { ids: readonly string[]; start: number; limit: number; expand: Expansions; selfPath: string; next?: string }

function envelope(ctx: SimContext, req: SimRequest, page: PageOfIds, extra: Record<string, unknown> = {}): SimResponse {
  const results = page.ids.slice(page.start, page.start + page.limit).map((id) => {
    const record = ctx.store.get(id);
    if (!record) throw new Error(`simulator state: search returned unknown id ${id}`);
    return contentObject(ctx, record, page.expand);
  });
  const links: Record<string, string> = {
    base: ctx.linksBase,
    context: ctx.linksContext,
    self: `${ctx.linksBase}${page.selfPath}${req.query.size > 0 ? `?${req.query.toString()}` : ''}`,
  };
  if (page.next !== undefined) links.next = page.next;
  return json(200, { results, start: page.start, limit: page.limit, size: results.length, ...extra, _links: links });
}

/** E1/E2/Cloud E3: `GET …/rest/api/content/search?cql=…`. */
export function searchContent(ctx: SimContext, req: SimRequest): SimResponse {
  const cql = req.query.get('cql');
  if (cql === null || cql.trim() === '') return v1Error(400, 'The cql parameter is required');
  let ids: string[];
  try {
    ids = ctx.search.search(cql);
  } catch (error) {
    if (error instanceof CqlError) return v1Error(400, `Could not parse cql : ${cql} (${error.message})`);
    throw error;
  }
  const expand = new Expansions(req.query.get('expand'));
  const limit = effectiveLimit(req.query.get('limit'), expand, ctx.caps);
  let start = parseStart(req.query.get('start'));
  const cursor = req.query.get('cursor');
  const scope = `search\u0000${cql}`;
  if (ctx.flavour === 'cloud' && cursor !== null) {
    const offset = ctx.cursors.resolve(cursor, scope);
    if (offset === undefined) return v1Error(400, 'The cursor is invalid or was not issued for this query');
    start = offset;
  }
  let next: string | undefined;
  if (start + limit < ids.length) {
    const query = `cql=${encodeURIComponent(cql)}${expandParam(expand)}`;
    // Cloud v1 links are relative to /wiki and carry an opaque cursor; DC links carry offsets (§5.2, §8).
    next = ctx.flavour === 'cloud'
      ? `/rest/api/content/search?next=true&cursor=${ctx.cursors.issue(scope, start + limit)}&limit=${limit}&start=${start + limit}&${query}`
      : `/rest/api/content/search?${query}&limit=${limit}&start=${start + limit}`;
  }
  const extra = ctx.flavour === 'cloud' ? { totalSize: ids.length, cqlQuery: cql, searchDuration: 1 } : {};
  return envelope(ctx, req, { ids, start, limit, expand, selfPath: '/rest/api/content/search', next }, extra);
}

/** DC E3 (served on Cloud too): `GET …/rest/api/content/{id}`. */
export function getContent(ctx: SimContext, req: SimRequest, id: string): SimResponse {
  const record = ctx.store.get(id);
  if (!record || record.status !== 'current') return v1Error(404, `No content found with id: ContentId{id=${id}}`);
  if (ctx.store.spaceById(record.spaceId).denied) return v1Error(403, 'You do not have permission to view this content');
  return json(200, contentObject(ctx, record, new Expansions(req.query.get('expand'))));
}

/** E8: `GET …/rest/api/content?spaceKey=&title=&type=page&expand=`. */
export function listContent(ctx: SimContext, req: SimRequest): SimResponse {
  const spaceKey = req.query.get('spaceKey');
  const title = req.query.get('title');
  const type = (req.query.get('type') ?? 'page').toLowerCase();
  const space = spaceKey === null ? undefined : ctx.store.spaceByKey(spaceKey);
  let candidates: Iterable<string>;
  if (spaceKey !== null && !space) candidates = [];
  else if (space && title !== null) candidates = ctx.store.idsWithTitle(space.id, title);
  else if (space) candidates = ctx.store.bySpace.get(space.id) ?? [];
  else candidates = ctx.store.content.keys();
  const ids: string[] = [];
  for (const id of candidates) {
    const record = ctx.store.get(id);
    if (record && ctx.store.isVisible(record) && record.type === type && (title === null || record.title === title)) ids.push(id);
  }
  ids.sort(compareIds);
  const expand = new Expansions(req.query.get('expand'));
  const limit = effectiveLimit(req.query.get('limit'), expand, ctx.caps);
  const start = parseStart(req.query.get('start'));
  let next: string | undefined;
  if (start + limit < ids.length) {
    const filters = [
      spaceKey === null ? '' : `spaceKey=${encodeURIComponent(spaceKey)}&`,
      title === null ? '' : `title=${encodeURIComponent(title)}&`,
    ].join('');
    next = `/rest/api/content?${filters}type=${encodeURIComponent(type)}${expandParam(expand)}&limit=${limit}&start=${start + limit}`;
  }
  return envelope(ctx, req, { ids, start, limit, expand, selfPath: '/rest/api/content', next });
}
