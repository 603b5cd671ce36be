/**
 * A minimal client for the simulator's own tests: the GraphQL documents the connector
 * sends (§4), auth headers per mode and a register → upload → finalize helper.
 */
import { request } from 'undici';
import type { UniqueSimulator } from './types.js';

export const DOCS = {
  me: 'query User { me { user { id } } }',
  createScopeAccesses: `mutation CreateScopeAccesses($scopeId: String!, $scopeAccesses: [ScopeAccessChangeDto!]!, $applyToSubScopes: Boolean, $skipFileAccessPropagation: Boolean) {
    createScopeAccesses(scopeId: $scopeId, scopeAccesses: $scopeAccesses, applyToSubScopes: $applyToSubScopes, skipFileAccessPropagation: $skipFileAccessPropagation) }`,
  paginatedScope: `query PaginatedScope($skip: Int!, $take: Int!, $where: ScopeWhereInput!) {
    paginatedScope(skip: $skip, take: $take, where: $where) { totalCount nodes { id name parentId externalId } } }`,
  updateScope: `mutation UpdateScope($id: String!, $input: ScopeUpdateInput!) { updateScope(id: $id, input: $input) { id name externalId parentId } }`,
  generateScopesBasedOnPaths: `mutation GenerateScopesBasedOnPaths($paths: [String!]!, $inheritAccess: Boolean) {
    generateScopesBasedOnPaths(paths: $paths, inheritAccess: $inheritAccess) { id name parentId externalId } }`,
  deleteFolder: `mutation DeleteFolder($scopeId: String!, $recursive: Boolean!) {
    deleteFolder(scopeId: $scopeId, recursive: $recursive) { successFolders { id name path } failedFolders { id name failReason path } } }`,
  bulkMove: `mutation BulkMove($input: BulkMoveInput!) { bulkMove(input: $input) { scopeIds asyncMetadataRebuild jobId affectedFiles message } }`,
  contentUpsert: `mutation ContentUpsert($input: ContentCreateInput!, $fileUrl: String, $chatId: String, $scopeId: String, $sourceOwnerType: String, $sourceName: String, $sourceKind: String, $storeInternally: Boolean, $baseUrl: String) {
    contentUpsert(input: $input, fileUrl: $fileUrl, chatId: $chatId, scopeId: $scopeId, sourceOwnerType: $sourceOwnerType, sourceName: $sourceName, sourceKind: $sourceKind, storeInternally: $storeInternally, baseUrl: $baseUrl) {
      id key title byteSize mimeType ownerType ownerId writeUrl readUrl createdAt internallyStoredAt source { kind name } } }`,
  paginatedContent: `query PaginatedContent($skip: Int!, $take: Int!, $where: ContentWhereInput) {
    paginatedContent(skip: $skip, take: $take, where: $where) { nodes { id fileAccess key ownerType ownerId metadata byteSize expiresAt ingestionState } totalCount } }`,
  paginatedContentCount: `query PaginatedContentCount($skip: Int!, $take: Int!, $where: ContentWhereInput) {
    paginatedContent(skip: $skip, take: $take, where: $where) { totalCount } }`,
  contentDeleteByContentIds: `mutation ContentDeleteByContentIds($contentIds: [String!]!) { contentDeleteByContentIds(contentIds: $contentIds) { id } }`,
} as const;

export const SOURCE = { sourceKind: 'ATLASSIAN_CONFLUENCE_CLOUD', sourceName: 'https://acme.atlassian.net' };

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export function clusterHeaders(sim: UniqueSimulator): Record<string, string> {
  return { 'x-service-id': 'confluence-connector', 'x-company-id': sim.scenario.companyId, 'x-user-id': sim.scenario.serviceUserId };
}

async function send(method: 'POST' | 'PUT', url: string, headers: Record<string, string>, body: string | Buffer): Promise<Answer> {
  const res = await request(url, { method, headers, body });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.statusCode, headers: res.headers, body: parsed };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send('POST', url, { 'content-type': 'application/json', ...headers }, typeof body === 'string' ? body : JSON.stringify(body));
}

export function put(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return send('PUT', url, { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'text/html', ...headers }, body);
}

export interface GqlOptions {
  endpoint?: 'ingestion' | 'scopeManagement';
  headers?: Record<string, string>;
}

/** Posts a GraphQL document with cluster_local headers unless `headers` replaces them. */
export function gql(sim: UniqueSimulator, query: string, variables: Record<string, unknown> = {}, options: GqlOptions = {}) {
  const base = options.endpoint === 'scopeManagement' ? sim.scopeManagementBaseUrl : sim.ingestionBaseUrl;
  return postJson(`${base}/graphql`, { query, variables }, options.headers ?? clusterHeaders(sim));
}

export function upsertVariables(key: string, scopeId: string, byteSize: number, extra: Record<string, unknown> = {}) {
  return {
    input: {
      key, title: `Title of ${key}`, mimeType: 'text/html', ownerType: 'SCOPE', url: `https://acme.atlassian.net/wiki/${key}`,
      byteSize, metadata: { confluenceLabels: [], spaceKey: 'ENG', spaceName: 'Engineering' },
    },
    scopeId, sourceOwnerType: 'COMPANY', ...SOURCE, storeInternally: true, baseUrl: SOURCE.sourceName, ...extra,
  };
}

/** Register, upload and finalize one text content, failing loudly on any step. */
export async function ingest(sim: UniqueSimulator, key: string, scopeId: string, text: string): Promise<string> {
  const variables = upsertVariables(key, scopeId, Buffer.byteLength(text));
  const registered = await gql(sim, DOCS.contentUpsert, variables);
  const content = registered.body?.data?.contentUpsert;
  if (!content) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
  const uploaded = await put(content.writeUrl, text);
  if (uploaded.status !== 201) throw new Error(`upload failed: ${uploaded.status}`);
  const finalized = await gql(sim, DOCS.contentUpsert, { ...variables, fileUrl: content.readUrl });
  if (!finalized.body?.data?.contentUpsert?.id) throw new Error(`finalize failed: ${JSON.stringify(finalized.body)}`);
  return content.id;
}
