import { type Infer, array, boolean, nullable, number, optional, string, type } from 'superstruct';
import { ConnectorError } from '../errors.js';
import type { GraphqlClient } from './graphql.js';

/**
 * Scope operations of Unique contract §4.1–§4.7. All of them go to the ingestion
 * GraphQL endpoint except `me`, which the scope-management endpoint serves (§1).
 * Documents are spelled exactly as the contract lists arguments and selections.
 */

const ScopeNodeShape = type({ id: string(), name: string(), parentId: nullable(string()), externalId: nullable(string()) });
export type ScopeNode = Infer<typeof ScopeNodeShape>;

export type AccessType = 'MANAGE' | 'READ' | 'WRITE';
export type EntityType = 'USER' | 'GROUP';

export interface ScopeAccessChange {
  accessType: AccessType;
  entityId: string;
  entityType: EntityType;
}

export interface GrantOptions {
  applyToSubScopes: boolean;
  skipFileAccessPropagation: boolean;
}

const FolderShape = type({ id: string(), name: optional(nullable(string())), path: optional(nullable(string())) });
const FailedFolderShape = type({ id: string(), name: optional(nullable(string())), failReason: optional(nullable(string())), path: optional(nullable(string())) });
const DeleteFolderShape = type({ successFolders: array(FolderShape), failedFolders: array(FailedFolderShape) });
export type DeleteFolderResult = Infer<typeof DeleteFolderShape>;

const BulkMoveShape = type({
  scopeIds: optional(nullable(array(string()))),
  asyncMetadataRebuild: optional(nullable(boolean())),
  jobId: optional(nullable(string())),
  affectedFiles: optional(nullable(number())),
  message: optional(nullable(string())),
});
export type BulkMoveResult = Infer<typeof BulkMoveShape>;

/** Unique contract §4.3 and §4.5: one page of children, and the most paths per generate call. */
export const SCOPE_PAGE_SIZE = 100;
export const MAX_PATHS_PER_CALL = 100;

const ME = 'query User { me { user { id } } }';
const CREATE_SCOPE_ACCESSES = `mutation CreateScopeAccesses($scopeId: String!, $scopeAccesses: [ScopeAccessChangeDto!]!, $applyToSubScopes: Boolean, $skipFileAccessPropagation: Boolean) {
  createScopeAccesses(scopeId: $scopeId, scopeAccesses: $scopeAccesses, applyToSubScopes: $applyToSubScopes, skipFileAccessPropagation: $skipFileAccessPropagation)
}`;
const PAGINATED_SCOPE = `query PaginatedScope($skip: Int!, $take: Int!, $where: ScopeWhereInput!) {
  paginatedScope(skip: $skip, take: $take, where: $where) { totalCount nodes { id name parentId externalId } }
}`;
const UPDATE_SCOPE = `mutation UpdateScope($id: String!, $input: ScopeUpdateInput!) {
  updateScope(id: $id, input: $input) { id name externalId parentId }
}`;
const GENERATE_SCOPES = `mutation GenerateScopesBasedOnPaths($paths: [String!]!, $inheritAccess: Boolean) {
  generateScopesBasedOnPaths(paths: $paths, inheritAccess: $inheritAccess) { id name parentId externalId }
}`;
const DELETE_FOLDER = `mutation DeleteFolder($scopeId: String!, $recursive: Boolean!) {
  deleteFolder(scopeId: $scopeId, recursive: $recursive) { successFolders { id name path } failedFolders { id name failReason path } }
}`;
const BULK_MOVE = `mutation BulkMove($input: BulkMoveInput!) {
  bulkMove(input: $input) { scopeIds asyncMetadataRebuild jobId affectedFiles message }
}`;

const MeShape = type({ me: type({ user: type({ id: string() }) }) });
const GrantShape = type({ createScopeAccesses: optional(nullable(boolean())) });
const PageShape = type({ paginatedScope: type({ totalCount: optional(nullable(number())), nodes: array(ScopeNodeShape) }) });
const UpdateShape = type({ updateScope: ScopeNodeShape });
const GenerateShape = type({ generateScopesBasedOnPaths: array(ScopeNodeShape) });
const DeleteShape = type({ deleteFolder: DeleteFolderShape });
const MoveShape = type({ bulkMove: BulkMoveShape });

export interface ScopeApiOptions {
  /** Ingestion GraphQL: every scope operation. */
  ingestion: GraphqlClient;
  /** Scope-management GraphQL: only `me`. */
  scopeManagement: GraphqlClient;
}

export class ScopeApi {
  readonly #ingestion: GraphqlClient;
  readonly #scopeManagement: GraphqlClient;

  constructor(options: ScopeApiOptions) {
    this.#ingestion = options.ingestion;
    this.#scopeManagement = options.scopeManagement;
  }

  /** The id of the user the connector acts as (the `x-user-id` user, or the token's service user). */
  async me(): Promise<string> {
    const data = await this.#scopeManagement.query('User', ME, {}, MeShape);
    return data.me.user.id;
  }

  /** Additive and idempotent. Returns the platform's Boolean (null when it sends none). */
  async createScopeAccesses(scopeId: string, scopeAccesses: ScopeAccessChange[], options: GrantOptions): Promise<boolean | null> {
    const data = await this.#ingestion.mutate(
      'CreateScopeAccesses',
      CREATE_SCOPE_ACCESSES,
      { scopeId, scopeAccesses, applyToSubScopes: options.applyToSubScopes, skipFileAccessPropagation: options.skipFileAccessPropagation },
      GrantShape,
    );
    return data.createScopeAccesses ?? null;
  }

  /** Grants one user the given access types on one scope only, without touching file accesses (§14.1). */
  grantUser(scopeId: string, userId: string, accessTypes: AccessType[]): Promise<boolean | null> {
    const changes = accessTypes.map((accessType): ScopeAccessChange => ({ accessType, entityId: userId, entityType: 'USER' }));
    return this.createScopeAccesses(scopeId, changes, { applyToSubScopes: false, skipFileAccessPropagation: true });
  }

  /** One page of scopes. "Not found" is an empty list. */
  async paginatedScope(where: Record<string, unknown>, skip: number, take: number): Promise<ScopeNode[]> {
    const data = await this.#ingestion.query('PaginatedScope', PAGINATED_SCOPE, { skip, take, where }, PageShape);
    return data.paginatedScope.nodes;
  }

  async byId(id: string): Promise<ScopeNode | undefined> {
    return (await this.paginatedScope({ id: { equals: id } }, 0, 1))[0];
  }

  async byExternalId(externalId: string): Promise<ScopeNode | undefined> {
    return (await this.paginatedScope({ externalId: { equals: externalId } }, 0, 1))[0];
  }

  /** Every direct child, 100 a page until a page comes back short. */
  async children(parentId: string): Promise<ScopeNode[]> {
    const all: ScopeNode[] = [];
    for (let skip = 0; ; skip += SCOPE_PAGE_SIZE) {
      const page = await this.paginatedScope({ parentId: { equals: parentId } }, skip, SCOPE_PAGE_SIZE);
      all.push(...page);
      if (page.length < SCOPE_PAGE_SIZE) return all;
    }
  }

  /** Sets (string) or clears (null) a scope's external id; returns the scope as updated. */
  async updateExternalId(id: string, externalId: string | null): Promise<ScopeNode> {
    const data = await this.#ingestion.mutate('UpdateScope', UPDATE_SCOPE, { id, input: { externalId } }, UpdateShape);
    return data.updateScope;
  }

  /**
   * Creates missing path segments (new scopes inherit their parent's accesses) and
   * returns the leaf of each path, paired by index with the input: at most 100 paths
   * a call, and a call answering with a different count is rejected.
   */
  async generateScopesBasedOnPaths(paths: string[]): Promise<ScopeNode[]> {
    const leaves: ScopeNode[] = [];
    for (let start = 0; start < paths.length; start += MAX_PATHS_PER_CALL) {
      const chunk = paths.slice(start, start + MAX_PATHS_PER_CALL);
      const data = await this.#ingestion.mutate('GenerateScopesBasedOnPaths', GENERATE_SCOPES, { paths: chunk, inheritAccess: true }, GenerateShape);
      const result = data.generateScopesBasedOnPaths;
      if (result.length !== chunk.length) {
        throw new ConnectorError('UNIQUE_RESPONSE_INVALID', 'Unique generateScopesBasedOnPaths returned a different number of scopes than paths sent', {
          details: { operation: 'GenerateScopesBasedOnPaths', sent: chunk.length, received: result.length },
        });
      }
      leaves.push(...result);
    }
    return leaves;
  }

  /** Partial failure comes back in `failedFolders`, not as an error: callers must check it. */
  async deleteFolder(scopeId: string, recursive: boolean): Promise<DeleteFolderResult> {
    const data = await this.#ingestion.mutate('DeleteFolder', DELETE_FOLDER, { scopeId, recursive }, DeleteShape);
    return data.deleteFolder;
  }

  /** Re-parents the scopes (with their content) under the target. */
  async bulkMove(scopeIds: string[], targetScopeId: string): Promise<BulkMoveResult> {
    const data = await this.#ingestion.mutate('BulkMove', BULK_MOVE, { input: { scopeIds, targetScopeId } }, MoveShape);
    return data.bulkMove;
  }
}
