import { type Infer, array, nullable, number, optional, string, type, unknown } from 'superstruct';
import { ConnectorError, errorMessage, isConnectorError } from '../errors.js';
import type { GraphqlClient } from './graphql.js';
import { type SourceKind, contentKeyPrefix } from './keys.js';
import { contentTitle } from './titles.js';

/**
 * Content operations of Unique contract §4.8–§4.10, all on the ingestion GraphQL
 * endpoint: register/finalize (one upsert mutation in two roles), key and prefix
 * queries, and deletion by id.
 */

/** Unique contract §4.9 and §4.10: page size of content queries, ids per delete call. */
export const CONTENT_PAGE_SIZE = 100;
export const KEYS_PER_QUERY = 100;
/** Listing pages asked for at once once the first page gave the count (see `#all`). */
const LISTING_PAGES_IN_FLIGHT = 4;
export const DELETE_BATCH_SIZE = 20;

/** `ContentCreateInput` as the connector fills it (§9). */
export interface ContentInput {
  key: string;
  title: string;
  mimeType: string;
  ownerType: 'SCOPE';
  url: string;
  byteSize: number;
  metadata: Record<string, unknown>;
  /** Omitted from the request when undefined. */
  ingestionConfig?: Record<string, unknown>;
}

/** The other contentUpsert arguments; identical on register and finalize. */
export interface UpsertTarget {
  scopeId: string;
  sourceKind: SourceKind;
  /** The Confluence base URL. */
  sourceName: string;
  storeInternally: boolean;
  /** The Confluence base URL. */
  baseUrl: string;
}

export interface UpsertRequest extends UpsertTarget {
  input: ContentInput;
}

/**
 * What the connector reads of an upsert's answer, checked on every register and
 * finalize (twice per item): only these fields, since checking the dozen others the
 * document selects cost more than the rest of the response handling.
 */
const UpsertedShape = type({
  id: string(),
  writeUrl: optional(nullable(string())),
  readUrl: optional(nullable(string())),
});
export type UpsertedContent = Infer<typeof UpsertedShape>;

export interface RegisteredContent extends UpsertedContent {
  writeUrl: string;
  readUrl: string;
}

const ContentNodeShape = type({
  id: string(),
  key: string(),
  fileAccess: optional(nullable(array(string()))),
  ownerType: optional(nullable(string())),
  ownerId: optional(nullable(string())),
  metadata: optional(unknown()),
  byteSize: optional(nullable(number())),
  expiresAt: optional(nullable(string())),
  ingestionState: optional(nullable(string())),
});
export type ContentNode = Infer<typeof ContentNodeShape>;

export interface DeleteResult {
  deleted: string[];
  /** Requested but not returned as deleted, including every id of a batch that failed. */
  failed: string[];
  /** The errors of failed batches (their ids are in `failed`). */
  errors: ConnectorError[];
}

const UPSERT = `mutation ContentUpsert($input: ContentCreateInput!, $fileUrl: String, $scopeId: String, $sourceOwnerType: String, $sourceName: String, $sourceKind: String, $storeInternally: Boolean, $baseUrl: String) {
  contentUpsert(input: $input, fileUrl: $fileUrl, scopeId: $scopeId, sourceOwnerType: $sourceOwnerType, sourceName: $sourceName, sourceKind: $sourceKind, storeInternally: $storeInternally, baseUrl: $baseUrl) { id key title byteSize mimeType ownerType ownerId writeUrl readUrl createdAt internallyStoredAt source { kind name } }
}`;
const PAGINATED = `query PaginatedContent($skip: Int!, $take: Int!, $where: ContentWhereInput) {
  paginatedContent(skip: $skip, take: $take, where: $where) { nodes { id fileAccess key ownerType ownerId metadata byteSize expiresAt ingestionState } totalCount }
}`;
const PAGINATED_IDS = `query PaginatedContent($skip: Int!, $take: Int!, $where: ContentWhereInput) {
  paginatedContent(skip: $skip, take: $take, where: $where) { nodes { id } totalCount }
}`;
/** `explain` only: when a key was last written. Content's `updatedAt` is outside §4.9's node list but on the Content type (§4.8 returns createdAt). */
const STORED = `query PaginatedContent($skip: Int!, $take: Int!, $where: ContentWhereInput) {
  paginatedContent(skip: $skip, take: $take, where: $where) { nodes { id key ingestionState updatedAt metadata } totalCount }
}`;
const COUNT = `query PaginatedContentCount($skip: Int!, $take: Int!, $where: ContentWhereInput) {
  paginatedContent(skip: $skip, take: $take, where: $where) { totalCount }
}`;
const DELETE_BY_IDS = `mutation ContentDeleteByContentIds($contentIds: [String!]!) {
  contentDeleteByContentIds(contentIds: $contentIds) { id }
}`;

/** Exported, with `isUpsert`, for the test that the two agree. */
export const UpsertShape = type({ contentUpsert: UpsertedShape });

/** `UpsertShape` by hand (same rules: any object, extra fields allowed), for the hot path; see `RunOptions.accepts`. */
export function isUpsert(data: unknown): boolean {
  if (!isObject(data)) return false;
  const content = data.contentUpsert;
  if (!isObject(content) || typeof content.id !== 'string') return false;
  return isOptionalText(content.writeUrl) && isOptionalText(content.readUrl);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isOptionalText(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}
const PageShape = type({ paginatedContent: type({ nodes: array(ContentNodeShape), totalCount: optional(nullable(number())) }) });
const IdsShape = type({ paginatedContent: type({ nodes: array(type({ id: string() })), totalCount: optional(nullable(number())) }) });
const StoredShape = type({
  paginatedContent: type({
    nodes: array(type({ id: string(), key: string(), ingestionState: optional(nullable(string())), updatedAt: optional(nullable(string())), metadata: optional(unknown()) })),
  }),
});
export interface StoredContent {
  id: string;
  key: string;
  ingestionState?: string | null;
  updatedAt?: string | null;
  metadata?: unknown;
}
const CountShape = type({ paginatedContent: type({ totalCount: number() }) });
const DeleteShape = type({ contentDeleteByContentIds: array(type({ id: string() })) });

export class ContentApi {
  readonly #graphql: GraphqlClient;

  constructor(graphql: GraphqlClient) {
    this.#graphql = graphql;
  }

  /** Registration (§7 step 1): no fileUrl; the answer must carry writeUrl and readUrl. */
  async register(request: UpsertRequest): Promise<RegisteredContent> {
    const content = await this.#upsert(request, undefined);
    const { writeUrl, readUrl } = content;
    if (typeof writeUrl !== 'string' || writeUrl === '' || typeof readUrl !== 'string' || readUrl === '') {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', 'Unique contentUpsert registration returned no writeUrl or readUrl', {
        details: { operation: 'ContentUpsert', id: content.id },
      });
    }
    return { ...content, writeUrl, readUrl };
  }

  /** Finalization (§7 step 3): the same arguments plus `fileUrl` = the registration's readUrl. */
  async finalize(request: UpsertRequest, readUrl: string): Promise<UpsertedContent> {
    return this.#upsert(request, readUrl);
  }

  /** Resolves stored keys to content ids; keys that are not stored are absent from the map. */
  async idsByKeys(keys: string[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const unique = [...new Set(keys)];
    for (let start = 0; start < unique.length; start += KEYS_PER_QUERY) {
      const nodes = await this.#all({ key: { in: unique.slice(start, start + KEYS_PER_QUERY) } });
      for (const node of nodes) ids.set(node.key, node.id);
    }
    return ids;
  }

  /** The stored content under one key with its metadata, or undefined (a `key in` query, §4.9). */
  async nodeByKey(key: string): Promise<ContentNode | undefined> {
    const data = await this.#graphql.query('PaginatedContent', PAGINATED, { skip: 0, take: KEYS_PER_QUERY, where: { key: { in: [key] } } }, PageShape);
    return data.paginatedContent.nodes.find((node) => node.key === key);
  }

  /** What Unique holds under these keys (at most 100), with state and last write time; for `explain`. */
  async storedByKeys(keys: string[]): Promise<StoredContent[]> {
    const where = { key: { in: [...new Set(keys)].slice(0, KEYS_PER_QUERY) } };
    const data = await this.#graphql.query('PaginatedContent', STORED, { skip: 0, take: KEYS_PER_QUERY, where }, StoredShape);
    return data.paginatedContent.nodes;
  }

  /** Every stored content of a space (`key startsWith "{partialKey}/"`). */
  listByPrefix(partial: string): Promise<ContentNode[]> {
    return this.listByKeyPrefix(contentKeyPrefix(partial));
  }

  /** Every stored content whose key starts with `prefix` as given (the tenant lease's claims). */
  listByKeyPrefix(prefix: string): Promise<ContentNode[]> {
    return this.#all({ key: { startsWith: prefix } });
  }

  /** §14.18: `skip: 0, take: 0`, selecting only totalCount. */
  async countByPrefix(partial: string): Promise<number> {
    const where = { key: { startsWith: contentKeyPrefix(partial) } };
    const data = await this.#graphql.query('PaginatedContentCount', COUNT, { skip: 0, take: 0, where }, CountShape);
    return data.paginatedContent.totalCount;
  }

  /** Ids of the content owned by one scope. */
  async idsByOwner(scopeId: string): Promise<string[]> {
    const where = { ownerId: { equals: scopeId }, ownerType: { equals: 'SCOPE' } };
    const ids: string[] = [];
    for (let skip = 0; ; skip += CONTENT_PAGE_SIZE) {
      const nodes = await this.#idsPage(where, skip);
      ids.push(...nodes);
      if (nodes.length < CONTENT_PAGE_SIZE) return ids;
    }
  }

  /**
   * Deletes in batches of 20. A batch that fails counts all its ids as failed and the
   * next batch still runs: one bad batch must not keep the rest of a space alive.
   */
  async deleteByIds(ids: string[]): Promise<DeleteResult> {
    const result: DeleteResult = { deleted: [], failed: [], errors: [] };
    for (let start = 0; start < ids.length; start += DELETE_BATCH_SIZE) {
      const batch = ids.slice(start, start + DELETE_BATCH_SIZE);
      try {
        const data = await this.#graphql.mutate('ContentDeleteByContentIds', DELETE_BY_IDS, { contentIds: batch }, DeleteShape);
        const returned = new Set(data.contentDeleteByContentIds.map((node) => node.id));
        for (const id of batch) (returned.has(id) ? result.deleted : result.failed).push(id);
      } catch (error) {
        result.failed.push(...batch);
        result.errors.push(asConnectorError(error));
      }
    }
    return result;
  }

  /**
   * Unique contract §4.9 delete-by-prefix loop: always `skip 0, take 100`, delete what
   * came back, repeat until the prefix is empty. A round that deletes nothing would
   * read the same page forever, so it ends the loop with an error.
   */
  async deleteByPrefix(partial: string): Promise<{ deleted: number; failed: number }> {
    const where = { key: { startsWith: contentKeyPrefix(partial) } };
    let deleted = 0;
    for (;;) {
      const ids = await this.#idsPage(where, 0);
      if (ids.length === 0) return { deleted, failed: 0 };
      const round = await this.deleteByIds(ids);
      deleted += round.deleted.length;
      if (round.deleted.length === 0) {
        throw new ConnectorError('UNIQUE_GRAPHQL_ERROR', 'Unique delete by key prefix made no progress', {
          cause: round.errors[0],
          details: { operation: 'ContentDeleteByContentIds', partialKey: partial, deleted, failed: round.failed.length, reason: round.errors[0]?.message },
        });
      }
    }
  }

  async #upsert(request: UpsertRequest, fileUrl: string | undefined): Promise<UpsertedContent> {
    const { input } = request;
    const variables: Record<string, unknown> = {
      input: {
        key: input.key,
        // Every title reaches Unique here, pages and attachments, register and finalize alike.
        title: contentTitle(input.title),
        mimeType: input.mimeType,
        ownerType: input.ownerType,
        url: input.url,
        byteSize: input.byteSize,
        metadata: input.metadata,
        ...(input.ingestionConfig === undefined ? {} : { ingestionConfig: input.ingestionConfig }),
      },
      ...(fileUrl === undefined ? {} : { fileUrl }),
      scopeId: request.scopeId,
      sourceOwnerType: 'COMPANY',
      sourceKind: request.sourceKind,
      sourceName: request.sourceName,
      storeInternally: request.storeInternally,
      baseUrl: request.baseUrl,
    };
    // Found by the fault soak: a registration retried after a timeout let the first,
    // slow attempt land after the retry's upload and finalization; as a re-registration
    // it invalidated the uploaded bytes and left a finalized content without them, which
    // no later diff re-offers. A registration is therefore retried only after an answer;
    // a timed-out one fails the item, and the diff re-offers it next cycle.
    const options = fileUrl === undefined ? { retryUnanswered: false, accepts: isUpsert } : { accepts: isUpsert };
    const data = await this.#graphql.mutate('ContentUpsert', UPSERT, variables, UpsertShape, options);
    if (data.contentUpsert.id === '') {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', 'Unique contentUpsert returned an empty id', { details: { operation: 'ContentUpsert' } });
    }
    return data.contentUpsert;
  }

  /**
   * All nodes for a `where`, 100 a page (contract §4.9: `skip += 100` while a page is
   * full). The first page's `totalCount` says how many pages follow: those are asked for
   * `LISTING_PAGES_IN_FLIGHT` at a time rather than one after the other (the same
   * requests; a no-change cycle of a large space lists its stored contents in a fraction
   * of the round trips), and a last page still full is followed on as before.
   */
  async #all(where: Record<string, unknown>): Promise<ContentNode[]> {
    const page = async (skip: number) => (await this.#graphql.query('PaginatedContent', PAGINATED, { skip, take: CONTENT_PAGE_SIZE, where }, PageShape)).paginatedContent;
    const first = await page(0);
    const nodes = [...first.nodes];
    let last = first.nodes;
    const pages = typeof first.totalCount === 'number' ? Math.ceil(first.totalCount / CONTENT_PAGE_SIZE) : 1;
    let next = 1;
    while (last.length === CONTENT_PAGE_SIZE) {
      // Counted pages a few at once; beyond the count (it grew meanwhile), one at a time.
      const batch = Math.max(1, Math.min(LISTING_PAGES_IN_FLIGHT, pages - next));
      const answers = await Promise.all(Array.from({ length: batch }, (_, i) => page((next + i) * CONTENT_PAGE_SIZE)));
      next += batch;
      for (const answer of answers) {
        nodes.push(...answer.nodes);
        last = answer.nodes;
        // A short page: the end (a shorter page before the counted end means the listing shrank meanwhile).
        if (last.length < CONTENT_PAGE_SIZE) return nodes;
      }
    }
    return nodes;
  }

  async #idsPage(where: Record<string, unknown>, skip: number): Promise<string[]> {
    const data = await this.#graphql.query('PaginatedContent', PAGINATED_IDS, { skip, take: CONTENT_PAGE_SIZE, where }, IdsShape);
    return data.paginatedContent.nodes.map((node) => node.id);
  }
}

function asConnectorError(error: unknown): ConnectorError {
  if (isConnectorError(error)) return error;
  return new ConnectorError('UNIQUE_GRAPHQL_ERROR', `Unique content deletion failed: ${errorMessage(error)}`, { cause: error });
}
