import highland from 'highland';
import { ConnectorError } from '../../errors.js';
import { stageLogger } from '../../log.js';
import type { SpaceRef } from '../../records.js';
import { eachWithLimit } from '../../streams.js';
import { spaceExternalId, spaceScopeName } from '../../unique/keys.js';
import { STAGE, type ScopeFlowContext } from './context.js';

export interface SpaceScopesResult {
  /** Space key -> scope id. */
  scopeIds: Map<string, string>;
  /** How many scopes had their external id (re)written. */
  externalIdsUpdated: number;
}

/**
 * Unique contract §10.3: one scope per space at `{rootPath}/{spaceKey}`, created by
 * path (new scopes inherit the root's accesses) and paired with the spaces by
 * position; a scope whose external id is not `confc:{tenant}:{spaceId}:{spaceKey}`
 * gets it rewritten, so orphan clean-up can recognise it later. Any failure throws:
 * nothing may be ingested into a space without its scope.
 */
export async function ensureSpaceScopes(ctx: ScopeFlowContext, rootPath: string, spaces: SpaceRef[]): Promise<SpaceScopesResult> {
  const log = stageLogger(ctx.log, STAGE);
  const { scopes } = ctx.clients;
  const byKey = new Map<string, SpaceRef>();
  for (const space of spaces) if (!byKey.has(space.key)) byKey.set(space.key, space);
  const unique = [...byKey.values()];
  const scopeIds = new Map<string, string>();
  if (unique.length === 0) return { scopeIds, externalIdsUpdated: 0 };

  const base = rootPath.replace(/\/+$/, '');
  // The key encoded (keys.ts): `A/B` or `..` must name one child of the root, never a path.
  const leaves = await scopes.generateScopesBasedOnPaths(unique.map((space) => `${base}/${spaceScopeName(space.key)}`));
  unique.forEach((space, index) => scopeIds.set(space.key, leaves[index]!.id));
  // Rewritten side by side, `processing.concurrency` at a time: a first sync of many spaces pays a few round trips, not one a space.
  const stale = unique.map((space, index) => ({ space, scope: leaves[index]!, expected: spaceExternalId(ctx.tenant.name, space) })).filter((entry) => entry.scope.externalId !== entry.expected);
  await eachWithLimit(highland(stale), ctx.tenant.processing.concurrency, async ({ space, scope, expected }) => {
    const updated = await scopes.updateExternalId(scope.id, expected);
    if (updated.externalId !== expected) {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', `Setting the external id of space scope ${scope.id} did not stick`, {
        details: { scopeId: scope.id, spaceKey: space.key, expected, actual: updated.externalId },
      });
    }
  });
  // Any write that did not stick threw above: every stale id was rewritten.
  const externalIdsUpdated = stale.length;
  log.info({ spaces: unique.length, externalIdsUpdated }, 'Space scopes ensured');
  return { scopeIds, externalIdsUpdated };
}
