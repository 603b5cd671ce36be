import { ConnectorError } from '../../errors.js';
import { type Logger, stageLogger } from '../../log.js';
import { rootOwnershipMark } from '../../unique/keys.js';
import type { ScopeApi, ScopeNode } from '../../unique/scopes.js';
import { STAGE, type ScopeFlowContext } from './context.js';

/** A guard against a parent chain that loops (the platform forbids it; a bug must not hang a cycle). */
const MAX_ANCESTORS = 64;

export interface InitOptions {
  /**
   * The Confluence instance id of the mark: cloud id (default: the tenant's `cloudId`) or
   * the DC manifest id. A promise is awaited after `me`, which only reads, and before the
   * first write: the manifest's round trip overlaps it.
   */
  instanceId?: string | Promise<string>;
  /** `sync --dry-run`: reads only; grants, migration and claim are reported in `planned`. */
  dryRun?: boolean;
}

export type PlannedAction =
  | { action: 'grant-access'; scopeId: string; accessTypes: string[] }
  | { action: 'migrate'; fromScopeId: string; childScopeIds: string[] }
  | { action: 'claim-mark'; scopeId: string; externalId: string };

export interface InitResult {
  userId: string;
  rootScopeId: string;
  /** `/` + scope names from the top-level ancestor down to the root. */
  rootPath: string;
  /** True when this run set the ownership mark on the root. */
  claimed: boolean;
  /** The old root whose children moved here in this run. */
  migratedFrom?: string;
  /** The mutations a dry run skipped, in order; empty otherwise. */
  planned: PlannedAction[];
}

/**
 * Unique contract §10.1 and §10.2, run before discovery every cycle: self-grant on the
 * root before reading it (the platform hides scopes the user cannot read), verify or
 * claim the root's ownership mark (migrating an old root that holds it), then walk up
 * the ancestors, granting READ before each read, to build the root path. Any failure
 * throws: the cycle must not write into a root it does not own.
 */
export async function initRootScope(ctx: ScopeFlowContext, options: InitOptions = {}): Promise<InitResult> {
  const log = stageLogger(ctx.log, STAGE);
  const { scopes } = ctx.clients;
  const dryRun = options.dryRun === true;
  const rootScopeId = ctx.tenant.ingestion.scopeId;
  const planned: PlannedAction[] = [];
  const grant = async (scopeId: string, userId: string, accessTypes: ('MANAGE' | 'READ' | 'WRITE')[]): Promise<void> => {
    if (dryRun) planned.push({ action: 'grant-access', scopeId, accessTypes });
    else await scopes.grantUser(scopeId, userId, accessTypes);
  };

  const markOf = (instanceId: string | undefined) => rootOwnershipMark(ctx.tenant.confluence.instanceType, instanceIdOf(ctx, instanceId));
  // An id at hand is checked before any call; one still being read is awaited after `me`
  // (its failure reported there: until then nobody listens).
  const { instanceId } = options;
  if (instanceId instanceof Promise) instanceId.catch(() => undefined);
  const knownMark = instanceId instanceof Promise ? undefined : markOf(instanceId);
  const userId = await scopes.me();
  const expectedMark = knownMark ?? markOf(await instanceId);
  await grant(rootScopeId, userId, ['MANAGE', 'READ', 'WRITE']);
  const root = await requireScope(scopes, rootScopeId, 'root');

  let claimed = false;
  let migratedFrom: string | undefined;
  if (root.externalId !== expectedMark) {
    if (root.externalId !== null) {
      throw new ConnectorError('OWNERSHIP_MISMATCH', `Root scope ${rootScopeId} is marked ${root.externalId}, not ${expectedMark}: it belongs to another Confluence instance`, {
        details: { rootScopeId, expected: expectedMark, actual: root.externalId },
      });
    }
    migratedFrom = await migrateFromOldRoot(scopes, log, root, expectedMark, dryRun, planned);
    if (dryRun) {
      planned.push({ action: 'claim-mark', scopeId: rootScopeId, externalId: expectedMark });
    } else {
      const updated = await scopes.updateExternalId(rootScopeId, expectedMark);
      if (updated.externalId !== expectedMark) {
        throw new ConnectorError('OWNERSHIP_MISMATCH', `Claiming root scope ${rootScopeId} with ${expectedMark} did not stick`, {
          details: { rootScopeId, expected: expectedMark, actual: updated.externalId },
        });
      }
      claimed = true;
    }
  }

  const names = [root.name];
  const seen = new Set([root.id]);
  for (let current = root; current.parentId !== null; ) {
    const parentId = current.parentId;
    if (seen.has(parentId) || seen.size > MAX_ANCESTORS) {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', `The ancestors of root scope ${rootScopeId} form a loop or are too deep`, {
        details: { rootScopeId, parentId, depth: seen.size },
      });
    }
    seen.add(parentId);
    await grant(parentId, userId, ['READ']);
    current = await requireScope(scopes, parentId, 'ancestor');
    names.unshift(current.name);
  }
  const rootPath = `/${names.join('/')}`;

  log.info({ rootScopeId, rootPath, ancestors: names.length - 1, claimed, migratedFrom, dryRun, planned: planned.length }, 'Root scope initialised');
  return { userId, rootScopeId, rootPath, claimed, ...(migratedFrom === undefined ? {} : { migratedFrom }), planned };
}

/**
 * §10.2 step 1 / §14.4: the configured root changed. The old root still holding the
 * mark hands its children over and is deleted, so the mark can move. An old root
 * whose mark was already cleared is left alone.
 */
async function migrateFromOldRoot(
  scopes: ScopeApi,
  log: Logger,
  root: ScopeNode,
  mark: string,
  dryRun: boolean,
  planned: PlannedAction[],
): Promise<string | undefined> {
  const holder = await scopes.byExternalId(mark);
  if (holder === undefined || holder.id === root.id) return undefined;
  // The new root may itself sit under the old one; moving it under itself would loop.
  const children = await scopes.children(holder.id);
  const childIds = children.map((child) => child.id).filter((id) => id !== root.id);
  if (dryRun) {
    planned.push({ action: 'migrate', fromScopeId: holder.id, childScopeIds: childIds });
    return undefined;
  }
  try {
    if (childIds.length > 0) await scopes.bulkMove(childIds, root.id);
    const deletion = await scopes.deleteFolder(holder.id, false);
    if (deletion.failedFolders.length > 0) {
      throw new ConnectorError('UNIQUE_SCOPE_MIGRATION_FAILED', `Deleting the previous root scope ${holder.id} failed`, {
        details: { fromScopeId: holder.id, failReason: deletion.failedFolders[0]?.failReason ?? undefined },
      });
    }
  } catch (error) {
    if (error instanceof ConnectorError && error.code === 'UNIQUE_SCOPE_MIGRATION_FAILED') throw error;
    throw new ConnectorError('UNIQUE_SCOPE_MIGRATION_FAILED', `Moving the content of previous root scope ${holder.id} to ${root.id} failed`, {
      cause: error,
      details: { fromScopeId: holder.id, toScopeId: root.id, reason: error instanceof ConnectorError ? error.code : undefined },
    });
  }
  log.info({ fromScopeId: holder.id, toScopeId: root.id, movedScopes: childIds.length }, 'Migrated the previous root scope');
  return holder.id;
}

async function requireScope(scopes: ScopeApi, id: string, role: 'root' | 'ancestor'): Promise<ScopeNode> {
  const scope = await scopes.byId(id);
  if (scope === undefined) {
    throw new ConnectorError('UNIQUE_SCOPE_NOT_FOUND', `The ${role} scope ${id} does not exist or is not visible to the connector`, { details: { scopeId: id, role } });
  }
  return scope;
}

function instanceIdOf(ctx: ScopeFlowContext, instanceId: string | undefined): string {
  const id = instanceId ?? (ctx.tenant.confluence.instanceType === 'cloud' ? ctx.tenant.confluence.cloudId : undefined);
  if (id === undefined || id === '') {
    throw new ConnectorError('CONFIG_INVALID', `${ctx.tenant.file}: the Confluence instance id for the root scope mark is unknown`, {
      details: { tenant: ctx.tenant.name, instanceType: ctx.tenant.confluence.instanceType },
    });
  }
  return id;
}
