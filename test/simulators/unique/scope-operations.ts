/**
 * Scope operations (§4.1–§4.7). All but `me` are served by the ingestion endpoint.
 */
import {
  badInput, isRecord, onlyKeys, optionalBoolean, requireCount, requireRecord, requireString, requireStringArray,
} from './errors.js';
import type { OperationContext, OperationDef, Shape } from './graphql.js';
import type { ScopeRecord } from './scope-store.js';
import type { ScopeAccess } from './types.js';

const scopeAccessShape: Shape = { type: 'ScopeAccess', fields: { entityId: 'leaf', type: 'leaf', accessType: 'leaf', entityType: 'leaf' } };
export const scopeShape: Shape = {
  type: 'Scope',
  fields: { id: 'leaf', name: 'leaf', parentId: 'leaf', externalId: 'leaf', scopeAccess: scopeAccessShape },
};
const folderShape: Shape = { type: 'DeleteFolderResult', fields: { id: 'leaf', name: 'leaf', path: 'leaf', failReason: 'leaf' } };

const ACCESS_TYPES = ['MANAGE', 'READ', 'WRITE'];
const ENTITY_TYPES = ['USER', 'GROUP'];
const MAX_PATHS = 100;

function scopeNode(scope: ScopeRecord) {
  return {
    id: scope.id,
    name: scope.name,
    parentId: scope.parentId,
    externalId: scope.externalId,
    scopeAccess: [...scope.accesses.values()].map((a) => ({ ...a, type: a.accessType })),
  };
}

function parseAccesses(value: unknown): ScopeAccess[] {
  if (!Array.isArray(value) || value.length === 0) throw badInput('scopeAccesses must be a non-empty list');
  return value.map((entry, i) => {
    if (!isRecord(entry)) throw badInput(`scopeAccesses[${i}] must be an object`);
    // §14.20: the client sends `accessType`; the platform docs show `type`.
    const accessType = entry.accessType ?? entry.type;
    if (typeof accessType !== 'string' || !ACCESS_TYPES.includes(accessType)) throw badInput(`scopeAccesses[${i}].accessType must be one of ${ACCESS_TYPES}`);
    if (typeof entry.entityType !== 'string' || !ENTITY_TYPES.includes(entry.entityType)) throw badInput(`scopeAccesses[${i}].entityType must be USER or GROUP`);
    const entityId = requireString(entry.entityId, `scopeAccesses[${i}].entityId`);
    return { accessType, entityType: entry.entityType, entityId } as ScopeAccess;
  });
}

/** `{ equals: x }` → x; absent → undefined. */
function equalsFilter(where: Record<string, unknown>, field: string): string | null | undefined {
  if (!(field in where)) return undefined;
  const filter = requireRecord(where[field], `where.${field}`);
  onlyKeys(filter, ['equals'], `where.${field}`);
  const value = filter.equals;
  if (value !== null && typeof value !== 'string') throw badInput(`where.${field}.equals must be a string or null`);
  return value;
}

function paginatedScope(args: Record<string, unknown>, ctx: OperationContext) {
  const skip = requireCount(args.skip, 'skip');
  const take = requireCount(args.take, 'take');
  const where = requireRecord(args.where, 'where');
  onlyKeys(where, ['id', 'externalId', 'parentId', 'name'], 'where');
  const { scopes } = ctx.store;
  const id = equalsFilter(where, 'id');
  const externalId = equalsFilter(where, 'externalId');
  const parentId = equalsFilter(where, 'parentId');
  const name = equalsFilter(where, 'name');
  let candidates: Iterable<ScopeRecord>;
  if (id !== undefined) candidates = [scopes.get(id ?? '')].filter((s): s is ScopeRecord => s !== undefined);
  else if (externalId !== undefined) candidates = [externalId === null ? undefined : scopes.byExternalId(externalId)].filter((s): s is ScopeRecord => s !== undefined);
  else if (parentId !== undefined) candidates = [...scopes.childIds(parentId)].map((childId) => scopes.get(childId)!);
  else candidates = scopes.all();
  const matches = [...candidates].filter(
    (s) =>
      (id === undefined || s.id === id) &&
      (externalId === undefined || s.externalId === externalId) &&
      (parentId === undefined || s.parentId === parentId) &&
      (name === undefined || s.name === name) &&
      (!ctx.store.scenario.enforceScopeReadAccess || scopes.hasAccess(s.id, ctx.userId, 'READ')),
  );
  return { totalCount: matches.length, nodes: matches.slice(skip, skip + take).map(scopeNode) };
}

function updateScope(args: Record<string, unknown>, ctx: OperationContext) {
  const id = requireString(args.id, 'id');
  const input = requireRecord(args.input, 'input');
  onlyKeys(input, ['externalId', 'name', 'parrentScope'], 'input');
  const { scopes } = ctx.store;
  const scope = scopes.require(id);
  if ('externalId' in input) {
    const externalId = input.externalId;
    if (externalId !== null && (typeof externalId !== 'string' || externalId.length === 0)) {
      throw badInput('input.externalId must be a non-empty string or null');
    }
    scopes.setExternalId(id, externalId);
  }
  if (input.name !== undefined) scopes.rename(id, requireString(input.name, 'input.name'));
  if (input.parrentScope !== undefined) {
    const connect = requireRecord(requireRecord(input.parrentScope, 'input.parrentScope').connect, 'input.parrentScope.connect');
    scopes.reparent(id, requireString(connect.id, 'input.parrentScope.connect.id'));
  }
  return scopeNode(scope);
}

function generateScopesBasedOnPaths(args: Record<string, unknown>, ctx: OperationContext) {
  const paths = requireStringArray(args.paths, 'paths');
  if (paths.length > MAX_PATHS) throw badInput(`At most ${MAX_PATHS} paths per call`);
  const inheritAccess = optionalBoolean(args.inheritAccess, 'inheritAccess') ?? false;
  const segmentsOf = paths.map((path) => {
    const segments = path.split('/');
    if (segments[0] !== '' || segments.length < 2 || segments.slice(1).some((s) => s.length === 0)) {
      throw badInput(`Path must be absolute with non-empty segments: ${JSON.stringify(path)}`);
    }
    return segments.slice(1);
  });
  const { scopes } = ctx.store;
  return segmentsOf.map((segments) => {
    let parent: ScopeRecord | null = null;
    for (const name of segments) {
      let scope = scopes.findChildByName(parent?.id ?? null, name);
      if (!scope) {
        scope = scopes.create({ name, parentId: parent?.id ?? null });
        if (inheritAccess && parent) scopes.grant(scope.id, [...parent.accesses.values()]);
      }
      parent = scope;
    }
    return scopeNode(parent!);
  });
}

function deleteFolder(args: Record<string, unknown>, ctx: OperationContext) {
  const scopeId = requireString(args.scopeId, 'scopeId');
  if (typeof args.recursive !== 'boolean') throw badInput('recursive must be a boolean');
  const { scopes } = ctx.store;
  const scope = scopes.require(scopeId);
  const failed = (failReason: string) => ({
    successFolders: [],
    failedFolders: [{ id: scope.id, name: scope.name, path: scopes.path(scope.id), failReason }],
  });
  if (ctx.failedFolders) return failed('Injected failure');
  // §4.6 [U]: a non-recursive delete refuses a folder that still has sub-folders.
  if (!args.recursive && scope.children.size > 0) return failed('Folder has sub-folders; delete them first or use recursive');
  const deleted = ctx.store.deleteScopeTree(scopeId, 'deleteFolder');
  return { successFolders: deleted.map(({ id, name, path }) => ({ id, name, path })), failedFolders: [] };
}

function bulkMove(args: Record<string, unknown>, ctx: OperationContext) {
  const input = requireRecord(args.input, 'input');
  const scopeIds = requireStringArray(input.scopeIds, 'input.scopeIds');
  if (scopeIds.length === 0) throw badInput('input.scopeIds must not be empty');
  const targetScopeId = requireString(input.targetScopeId, 'input.targetScopeId');
  const { scopes } = ctx.store;
  scopes.require(targetScopeId);
  for (const id of scopeIds) {
    scopes.require(id);
    if (scopes.isSelfOrAncestor(id, targetScopeId)) throw badInput(`Cannot move scope ${id} into itself or its own subtree`);
  }
  for (const id of scopeIds) scopes.reparent(id, targetScopeId);
  const affectedFiles = scopeIds.reduce((sum, id) => sum + ctx.store.contentCountUnder(id), 0);
  return {
    scopeIds,
    asyncMetadataRebuild: true,
    jobId: ctx.store.nextJobId(),
    affectedFiles,
    message: `Moved ${scopeIds.length} scope(s) to ${targetScopeId}`,
  };
}

export const scopeOperations: Record<string, OperationDef> = {
  me: {
    kind: 'query',
    endpoint: 'scopeManagement',
    result: { type: 'Me', fields: { user: { type: 'User', fields: { id: 'leaf' } } } },
    resolve: (_args, ctx) => ({ user: { id: ctx.userId } }),
  },
  createScopeAccesses: {
    kind: 'mutation',
    endpoint: 'ingestion',
    result: 'leaf',
    resolve(args, ctx) {
      const scopeId = requireString(args.scopeId, 'scopeId');
      const accesses = parseAccesses(args.scopeAccesses);
      const applyToSubScopes = optionalBoolean(args.applyToSubScopes, 'applyToSubScopes') ?? false;
      optionalBoolean(args.skipFileAccessPropagation, 'skipFileAccessPropagation');
      const { scopes } = ctx.store;
      scopes.require(scopeId);
      for (const id of applyToSubScopes ? scopes.subtree(scopeId) : [scopeId]) scopes.grant(id, accesses);
      return true;
    },
  },
  paginatedScope: {
    kind: 'query',
    endpoint: 'ingestion',
    result: { type: 'PaginatedScope', fields: { totalCount: 'leaf', nodes: scopeShape } },
    resolve: paginatedScope,
  },
  updateScope: { kind: 'mutation', endpoint: 'ingestion', result: scopeShape, resolve: updateScope },
  generateScopesBasedOnPaths: { kind: 'mutation', endpoint: 'ingestion', result: scopeShape, resolve: generateScopesBasedOnPaths },
  deleteFolder: {
    kind: 'mutation',
    endpoint: 'ingestion',
    result: { type: 'DeleteFolderResponse', fields: { successFolders: folderShape, failedFolders: folderShape } },
    resolve: deleteFolder,
  },
  bulkMove: {
    kind: 'mutation',
    endpoint: 'ingestion',
    result: {
      type: 'BulkMoveResult',
      fields: { scopeIds: 'leaf', asyncMetadataRebuild: 'leaf', jobId: 'leaf', affectedFiles: 'leaf', message: 'leaf' },
    },
    resolve: bulkMove,
  },
};
