/**
 * Content operations (§4.8–§4.10): register/finalize through `contentUpsert`, listing
 * and counting through `paginatedContent`, deletion by ids.
 */
import type { ContentRecord } from './content-store.js';
import {
  badInput, notFound, onlyKeys, optionalBoolean, optionalString, requireCount, requireRecord, requireString,
  requireStringArray,
} from './errors.js';
import type { OperationContext, OperationDef, Shape } from './graphql.js';

const contentShape: Shape = {
  type: 'Content',
  fields: Object.fromEntries(
    ['id', 'key', 'title', 'byteSize', 'mimeType', 'ownerType', 'ownerId', 'writeUrl', 'readUrl', 'createdAt', 'updatedAt',
      'internallyStoredAt', 'url', 'metadata', 'ingestionState', 'fileAccess', 'expiresAt']
      .map((f) => [f, 'leaf' as Shape])
      .concat([['source', { type: 'ContentSource', fields: { kind: 'leaf', name: 'leaf' } }]]),
  ),
};

const INPUT_FIELDS = ['key', 'title', 'mimeType', 'ownerType', 'url', 'byteSize', 'metadata', 'ingestionConfig', 'fileAccess', 'expiresAt'];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function contentNode(record: ContentRecord, ctx: OperationContext) {
  return {
    id: record.id,
    key: record.key,
    title: record.title,
    byteSize: record.byteSize,
    mimeType: record.mimeType,
    ownerType: 'SCOPE',
    ownerId: record.ownerId,
    writeUrl: record.uploadKey === null ? null : `${ctx.store.ingestionBaseUrl}/scoped/upload?key=${encodeURIComponent(record.uploadKey)}`,
    readUrl: record.readUrl,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    internallyStoredAt: iso(record.internallyStoredAt),
    url: record.url,
    metadata: record.metadata,
    ingestionState: record.ingestionState,
    fileAccess: [],
    expiresAt: null,
    source: record.sourceKind === null && record.sourceName === null ? null : { kind: record.sourceKind, name: record.sourceName },
  };
}

function optionalObject(value: unknown, name: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  return requireRecord(value, name);
}

/** Validates everything both roles of contentUpsert require (§13) and returns the new field values. */
function readUpsert(args: Record<string, unknown>, ctx: OperationContext) {
  const input = requireRecord(args.input, 'input');
  onlyKeys(input, INPUT_FIELDS, 'input');
  const fields = {
    key: requireString(input.key, 'input.key'),
    title: requireString(input.title, 'input.title'),
    mimeType: requireString(input.mimeType, 'input.mimeType'),
    byteSize: requireCount(input.byteSize, 'input.byteSize'),
    url: optionalString(input.url, 'input.url'),
    metadata: optionalObject(input.metadata, 'input.metadata'),
    ingestionConfig: optionalObject(input.ingestionConfig, 'input.ingestionConfig'),
    ownerId: requireString(args.scopeId, 'scopeId'),
    sourceOwnerType: optionalString(args.sourceOwnerType, 'sourceOwnerType'),
    sourceKind: optionalString(args.sourceKind, 'sourceKind'),
    sourceName: optionalString(args.sourceName, 'sourceName'),
    storeInternally: optionalBoolean(args.storeInternally, 'storeInternally'),
    baseUrl: optionalString(args.baseUrl, 'baseUrl'),
  };
  if (input.ownerType !== 'SCOPE') throw badInput('input.ownerType must be SCOPE');
  ctx.store.scopes.require(fields.ownerId);
  if (ctx.store.scenario.rejectedMimeTypes?.includes(fields.mimeType.toLowerCase())) {
    throw badInput(`Unsupported mime type ${fields.mimeType}`);
  }
  return { fields, fileUrl: optionalString(args.fileUrl, 'fileUrl') };
}

function contentUpsert(args: Record<string, unknown>, ctx: OperationContext) {
  const { fields, fileUrl } = readUpsert(args, ctx);
  const { contents } = ctx.store;
  const existing = contents.get(fields.key);
  const { ownerId, ...rest } = fields;
  const now = Date.now();

  if (fileUrl === null) {
    if (existing) {
      // Re-registration keeps the id, replaces metadata and owner, and invalidates the previous write URL.
      Object.assign(existing, rest);
      contents.setOwner(existing, ownerId);
      existing.lastUpsertAt = now;
      contents.issueUpload(existing, ctx.store.ingestionBaseUrl);
      return contentNode(existing, ctx);
    }
    const record: ContentRecord = {
      id: contents.newId(), ...rest, ownerId, ingestionState: 'REGISTERED', createdAt: now, updatedAt: null, lastUpsertAt: now,
      internallyStoredAt: null, uploadKey: null, readUrl: null, uploaded: null, reofferedAt: null,
    };
    contents.insert(record);
    contents.issueUpload(record, ctx.store.ingestionBaseUrl);
    return contentNode(record, ctx);
  }

  if (!existing) throw notFound(`Content ${fields.key} is not registered`);
  if (fileUrl !== existing.readUrl) throw badInput('fileUrl does not match the readUrl issued at registration');
  if (existing.uploaded === null) throw badInput('No bytes were uploaded to the current writeUrl');
  if (existing.uploaded.size !== fields.byteSize) throw badInput(`byteSize ${fields.byteSize} differs from the uploaded ${existing.uploaded.size} bytes`);
  Object.assign(existing, rest);
  contents.setOwner(existing, ownerId);
  existing.updatedAt = now;
  existing.lastUpsertAt = now;
  existing.internallyStoredAt = fields.storeInternally === false ? null : now;
  existing.reofferedAt = null;
  if (ctx.ingestionDelayMs > 0) {
    existing.ingestionState = 'QUEUED';
    ctx.later(ctx.ingestionDelayMs, () => {
      if (contents.getById(existing.id) === existing && existing.ingestionState === 'QUEUED' && existing.updatedAt === now) {
        existing.ingestionState = 'FINISHED';
      }
    });
  } else existing.ingestionState = 'FINISHED';
  return contentNode(existing, ctx);
}

type KeySource = { total: number; page(skip: number, take: number): string[] };

function paginatedContent(args: Record<string, unknown>, ctx: OperationContext) {
  const skip = requireCount(args.skip, 'skip');
  const take = requireCount(args.take, 'take');
  const where = args.where === undefined || args.where === null ? {} : requireRecord(args.where, 'where');
  onlyKeys(where, ['key', 'ownerId', 'ownerType', 'id'], 'where');
  const { contents } = ctx.store;
  const checks: ((r: ContentRecord) => boolean)[] = [];
  let source: KeySource | null = null;
  const fromList = (keys: string[]): KeySource => ({ total: keys.length, page: (s, t) => keys.slice(s, s + t) });

  for (const [field, raw] of Object.entries(where)) {
    const filter = requireRecord(raw, `where.${field}`);
    const ops = Object.keys(filter);
    if (ops.length !== 1) throw badInput(`where.${field} needs exactly one operator`);
    const op = ops[0]!;
    const value = filter[op];
    if (field === 'key' && op === 'startsWith') {
      const prefix = requireString(value, 'where.key.startsWith');
      const [start, end] = contents.keys.prefixRange(prefix);
      source ??= { total: end - start, page: (s, t) => contents.keys.slice(start + s, Math.min(end, start + s + t)) };
      checks.push((r) => r.key.startsWith(prefix));
    } else if ((field === 'key' || field === 'id') && op === 'in') {
      const wanted = new Set(requireStringArray(value, `where.${field}.in`));
      const lookup = (v: string) => (field === 'key' ? contents.get(v) : contents.getById(v));
      source ??= fromList([...wanted].map(lookup).filter((r) => r !== undefined).map((r) => r.key).sort());
      checks.push((r) => wanted.has(field === 'key' ? r.key : r.id));
    } else if (op === 'equals' && (field === 'key' || field === 'id' || field === 'ownerId' || field === 'ownerType')) {
      const expected = requireString(value, `where.${field}.equals`);
      if (field === 'ownerType') {
        // Every content is SCOPE-owned here, so SCOPE filters nothing and anything else matches nothing.
        if (expected !== 'SCOPE') checks.push(() => false);
        continue;
      }
      if (field === 'ownerId') {
        const owned = contents.ownedBy(expected);
        source ??= owned ? { total: owned.size, page: (s, t) => owned.slice(s, s + t) } : fromList([]);
      } else {
        const record = field === 'key' ? contents.get(expected) : contents.getById(expected);
        source ??= fromList(record ? [record.key] : []);
      }
      checks.push((r) => r[field] === expected);
    } else throw badInput(`where.${field}.${op} is not supported by the simulator`);
  }

  const all = contents.keys;
  const base = source ?? { total: all.size, page: (s: number, t: number) => all.slice(s, s + t) };
  // The chosen index already satisfies its own filter; anything else is checked on each record.
  const needsFilter = checks.length > (source ? 1 : 0);
  const result = needsFilter
    ? fromList(base.page(0, base.total).filter((key) => checks.every((check) => check(contents.get(key)!))))
    : base;
  return {
    totalCount: result.total,
    nodes: take === 0 ? [] : result.page(skip, take).map((key) => contentNode(contents.get(key)!, ctx)),
  };
}

function contentDeleteByContentIds(args: Record<string, unknown>, ctx: OperationContext) {
  const ids = requireStringArray(args.contentIds, 'contentIds');
  const { contents } = ctx.store;
  const at = Date.now();
  const deleted: { id: string; key: string }[] = [];
  for (const id of new Set(ids)) {
    const record = contents.getById(id);
    if (!record) continue; // §4.10 [U]: unknown ids are simply not returned
    contents.remove(record, 'contentDeleteByContentIds', at);
    deleted.push({ id, key: record.key });
  }
  return deleted;
}

export const contentOperations: Record<string, OperationDef> = {
  contentUpsert: { kind: 'mutation', endpoint: 'ingestion', result: contentShape, resolve: contentUpsert },
  paginatedContent: {
    kind: 'query',
    endpoint: 'ingestion',
    result: { type: 'PaginatedContent', fields: { totalCount: 'leaf', nodes: contentShape } },
    resolve: paginatedContent,
  },
  contentDeleteByContentIds: {
    kind: 'mutation',
    endpoint: 'ingestion',
    result: { type: 'ContentDeleteResult', fields: { id: 'leaf', key: 'leaf' } },
    resolve: contentDeleteByContentIds,
  },
};
