import { errorMessage, isConnectorError } from '../../errors.js';
import { stageLogger } from '../../log.js';
import { legacyPartialKey, parseSpaceExternalId, partialKey } from '../../unique/keys.js';
import { STAGE, type ScopeFlowContext } from './context.js';

export interface OrphanCleanupResult {
  /** True when discovery found no space: nothing was looked at (§10.5). */
  skipped: boolean;
  /** Root children looked at. */
  checked: number;
  /** Children recognised as space scopes of a space no longer discovered. */
  orphaned: number;
  deletedContents: number;
  deletedScopes: number;
  /** Orphaned spaces whose clean-up failed; they are retried next cycle. */
  failed: number;
}

/**
 * Unique contract §10.5, at the end of a cycle: a root child whose external id is a
 * space mark (§8) for a space key that discovery no longer found loses its content
 * (by key prefix) and then the scope itself. Foreign or unparseable external ids are
 * never touched; matching is by space key only, so a renamed key reads as "old space
 * orphaned, new space new". One failing space does not stop the others.
 */
export async function cleanupOrphanedSpaces(
  ctx: ScopeFlowContext,
  rootScopeId: string,
  discoveredSpaceKeys: Iterable<string>,
  options: { allWithheld?: boolean } = {},
): Promise<OrphanCleanupResult> {
  const log = stageLogger(ctx.log, STAGE);
  const result: OrphanCleanupResult = { skipped: false, checked: 0, orphaned: 0, deletedContents: 0, deletedScopes: 0, failed: 0 };
  const discovered = new Set(discoveredSpaceKeys);
  // `allWithheld`: discovery listed pages but every one is read-restricted (Confluence
  // contract §17), which is no outage: their spaces must not stay published.
  if (discovered.size === 0 && options.allWithheld !== true) {
    // An empty discovery is more likely an outage or a permissions change than a
    // deliberate "delete everything"; that is what status: deleted is for.
    log.info({ ...result, skipped: true }, 'Orphaned space clean-up skipped: no space discovered');
    return { ...result, skipped: true };
  }

  const { scopes, content } = ctx.clients;
  const children = await scopes.children(rootScopeId);
  result.checked = children.length;
  for (const child of children) {
    const parsed = parseSpaceExternalId(child.externalId);
    if (parsed === undefined) continue;
    // A mark this version would not write came from an older one that put an odd space
    // key verbatim into keys and paths; the space now lives under its encoded key, so
    // that copy is stale whether or not the space is still discovered.
    const stale = !parsed.canonical;
    if (!stale && discovered.has(parsed.spaceKey)) continue;
    result.orphaned += 1;
    const { useV1KeyFormat } = ctx.tenant.ingestion;
    const partial = stale ? legacyPartialKey(parsed, useV1KeyFormat) : partialKey(parsed.tenant, { id: parsed.spaceId, key: parsed.spaceKey }, useV1KeyFormat);
    if (stale) log.info({ scopeId: child.id, partialKey: partial }, 'Removing a space scope an older version wrote under an unencoded space key');
    try {
      const deleted = await content.deleteByPrefix(partial);
      result.deletedContents += deleted.deleted;
      const folder = await scopes.deleteFolder(child.id, false);
      if (folder.failedFolders.length > 0) {
        result.failed += 1;
        log.warn({ scopeId: child.id, spaceKey: parsed.spaceKey, failReason: folder.failedFolders[0]?.failReason }, 'Orphaned space scope could not be deleted');
        continue;
      }
      result.deletedScopes += 1;
    } catch (error) {
      result.failed += 1;
      log.warn(
        { scopeId: child.id, spaceKey: parsed.spaceKey, partialKey: partial, code: isConnectorError(error) ? error.code : undefined, reason: errorMessage(error) },
        'Orphaned space clean-up failed',
      );
    }
  }
  log.info({ ...result }, 'Orphaned space clean-up finished');
  return result;
}
