import { ConnectorError, errorMessage, isConnectorError } from '../../errors.js';
import { stageLogger } from '../../log.js';
import { rootOwnershipMark } from '../../unique/keys.js';
import { STAGE, type ScopeFlowContext } from './context.js';

export interface DeletedTenantResult {
  /** Why nothing was done: the root does not exist, or its mark is already cleared. */
  skipped?: 'root-absent' | 'already-clean';
  children: number;
  deletedContents: number;
  failedContents: number;
  deletedScopes: number;
  failedScopes: number;
  /** True when this run cleared the root's mark (the "done" marker). */
  markCleared: boolean;
  /** Child scopes not started because the run was stopped (its deadline, SIGTERM). */
  notStarted?: number;
}

/**
 * Unique contract §10.6, for a tenant with `status: deleted`: empty every child of the
 * root (its content in batches of 20, then the child subtree) and keep the root. The
 * root's mark is cleared only after a run without any failure, so a set mark means
 * "retry me" and a cleared one "nothing to do".
 */
export interface DeletedTenantOptions {
  instanceId?: string;
  /** Runs once there is something to delete (the tenant lease). */
  beforeWrites?: () => Promise<void>;
  /** Once aborted, no further child scope is started; the mark stays, the next run goes on. */
  signal?: AbortSignal;
}

export async function cleanupDeletedTenant(ctx: ScopeFlowContext, options: DeletedTenantOptions = {}): Promise<DeletedTenantResult> {
  const log = stageLogger(ctx.log, STAGE);
  const { scopes, content } = ctx.clients;
  const rootScopeId = ctx.tenant.ingestion.scopeId;
  const result: DeletedTenantResult = { children: 0, deletedContents: 0, failedContents: 0, deletedScopes: 0, failedScopes: 0, markCleared: false };

  const root = await scopes.byId(rootScopeId);
  if (root === undefined || root.externalId === null) {
    const skipped = root === undefined ? 'root-absent' : 'already-clean';
    log.info({ rootScopeId, skipped }, 'Deleted tenant clean-up skipped');
    return { ...result, skipped };
  }

  // The contract only asks for a set mark; checking that it is this instance's mark
  // too keeps a stale tenant file from emptying a root another connector now owns.
  if (options.instanceId !== undefined) {
    const expected = rootOwnershipMark(ctx.tenant.confluence.instanceType, options.instanceId);
    if (root.externalId !== expected) {
      throw new ConnectorError('OWNERSHIP_MISMATCH', `root scope ${rootScopeId} is marked ${root.externalId}, not ${expected}: refusing to clean it up`, {
        details: { rootScopeId, expected, actual: root.externalId },
      });
    }
  }

  // Only when there is something to delete: the tenant lease (a second process must not clean up alongside).
  await options.beforeWrites?.();
  const children = await scopes.children(rootScopeId);
  result.children = children.length;
  for (const [index, child] of children.entries()) {
    if (options.signal?.aborted) {
      result.notStarted = children.length - index;
      log.warn({ rootScopeId, notStarted: result.notStarted }, 'Deleted tenant clean-up stopped before every scope was emptied');
      break;
    }
    try {
      const ids = await content.idsByOwner(child.id);
      const deletion = await content.deleteByIds(ids);
      result.deletedContents += deletion.deleted.length;
      result.failedContents += deletion.failed.length;
      if (deletion.failed.length > 0) {
        log.warn({ scopeId: child.id, failed: deletion.failed.length, reason: deletion.errors[0]?.message }, 'Some content of a deleted tenant could not be deleted');
      }
      const folder = await scopes.deleteFolder(child.id, true);
      if (folder.failedFolders.length > 0) {
        result.failedScopes += 1;
        log.warn({ scopeId: child.id, failedFolders: folder.failedFolders.length, failReason: folder.failedFolders[0]?.failReason }, 'A scope of a deleted tenant could not be deleted');
      } else {
        result.deletedScopes += 1;
      }
    } catch (error) {
      result.failedScopes += 1;
      log.warn({ scopeId: child.id, code: isConnectorError(error) ? error.code : undefined, reason: errorMessage(error) }, 'Deleted tenant clean-up of a scope failed');
    }
  }

  if (result.failedContents === 0 && result.failedScopes === 0 && result.notStarted === undefined) {
    const updated = await scopes.updateExternalId(rootScopeId, null);
    if (updated.externalId !== null) {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', `Clearing the mark of root scope ${rootScopeId} did not stick`, {
        details: { rootScopeId, actual: updated.externalId },
      });
    }
    result.markCleared = true;
  }
  log.info({ rootScopeId, ...result }, 'Deleted tenant clean-up finished');
  return result;
}
