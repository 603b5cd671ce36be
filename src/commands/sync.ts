import { errorMessage, isConnectorError } from '../errors.js';
import { createLogger } from '../log.js';
import { runDeletedTenantCleanup, runSyncCycle } from '../pipeline.js';
import { createTenantRuntime } from '../tenant-runtime.js';
import type { ChangePlan } from '../transforms/diff.js';
import type { WithheldPage } from '../transforms/restrictions.js';
import type { Command } from './command.js';
import { TENANT_HELP, TENANT_OPTIONS, selectTenants } from './select-tenants.js';

/** How many keys of each kind a dry-run plan shows per space. */
const PLAN_SAMPLE = 5;

export const syncCommand: Command = {
  name: 'sync',
  summary: 'run one sync cycle for every selected tenant, then exit',
  usage: 'confluence-connector sync [--config GLOB] [--tenant NAME] [--dry-run]',
  help: [
    ...TENANT_HELP,
    '  --dry-run       discover and diff only: print the plan per space, write nothing to Unique',
    '',
    'Active tenants sync; deleted tenants run their clean-up; inactive tenants are skipped.',
    'Logs go to stdout (stderr with --dry-run, whose plan goes to stdout). Exits 0 only if every cycle succeeded.',
  ].join('\n'),
  options: { ...TENANT_OPTIONS, 'dry-run': { type: 'boolean' } },
  async run({ values, env, stdout, stderr }) {
    const dryRun = values['dry-run'] === true;
    const { tenants, problems } = await selectTenants(values, env);
    if (problems.length > 0) {
      for (const problem of problems) stderr.write(`${problem}\n`);
      return 1;
    }
    const logger = createLogger({ stream: dryRun ? stderr : stdout, level: env.LOG_LEVEL, policy: env.LOGS_DIAGNOSTICS_DATA_POLICY });
    let failed = 0;
    for (const tenant of tenants) {
      if (tenant.status === 'inactive') {
        logger.info({ tenant: tenant.name }, 'Tenant inactive, skipped');
        continue;
      }
      if (dryRun && tenant.status === 'deleted') {
        logger.info({ tenant: tenant.name }, 'Deleted tenant: clean-up not run in a dry run');
        continue;
      }
      const runtime = createTenantRuntime(tenant, { logger, env });
      try {
        if (tenant.status === 'deleted') await runDeletedTenantCleanup(runtime);
        else {
          const result = await runSyncCycle(runtime, { dryRun });
          if (dryRun && result.plan) stdout.write(formatPlan(tenant.name, result.plan, result.withheld));
        }
      } catch (error) {
        failed += 1;
        // runSyncCycle logged the failure with its summary; a deleted-tenant clean-up did not.
        if (tenant.status === 'deleted') {
          runtime.logger.error({ code: isConnectorError(error) ? error.code : 'UNEXPECTED', error: errorMessage(error) }, 'Deleted tenant clean-up failed');
        }
      } finally {
        await runtime.close();
      }
    }
    return failed === 0 ? 0 : 1;
  },
};

/** `withheld`: the pages the restrictions stage held back, shown per space with what restricts them. */
export function formatPlan(tenant: string, plan: ChangePlan, withheld: readonly WithheldPage[] = []): string {
  const withheldBySpace = new Map<string, WithheldPage[]>();
  for (const page of withheld) withheldBySpace.set(page.space.key, [...(withheldBySpace.get(page.space.key) ?? []), page]);
  const restricted = withheld.length > 0 ? `, ${withheld.length} withheld (read restrictions)` : '';
  const lines = [`tenant ${tenant}: ${plan.spaces.length} spaces, ${plan.changed.length} to ingest, ${plan.unchanged} unchanged${restricted}`];
  const withheldLines = (key: string): void => {
    const pages = withheldBySpace.get(key) ?? [];
    withheldBySpace.delete(key);
    if (pages.length === 0) return;
    const more = pages.length > PLAN_SAMPLE ? ` (+${pages.length - PLAN_SAMPLE} more)` : '';
    lines.push(`    withheld: ${pages.slice(0, PLAN_SAMPLE).map((page) => `${page.id} (${page.withheld})`).join(', ')}${more}`);
  };
  for (const space of plan.spaces) {
    const held = withheldBySpace.get(space.space.key)?.length ?? 0;
    lines.push(
      `  space ${space.space.key} (${space.partialKey}): ${space.submitted} submitted, ${space.newKeys.length} new, ${space.updatedKeys.length} updated, ${space.deletedKeys.length} deleted${held > 0 ? `, ${held} withheld` : ''}`,
    );
    for (const [label, keys] of [['new', space.newKeys], ['updated', space.updatedKeys], ['deleted', space.deletedKeys]] as const) {
      if (keys.length === 0) continue;
      const more = keys.length > PLAN_SAMPLE ? ` (+${keys.length - PLAN_SAMPLE} more)` : '';
      lines.push(`    ${label}: ${keys.slice(0, PLAN_SAMPLE).join(', ')}${more}`);
    }
    withheldLines(space.space.key);
  }
  // Spaces where every page is withheld are not diffed: a real cycle cleans their scope up as orphaned.
  for (const [key, pages] of [...withheldBySpace]) {
    lines.push(`  space ${key}: nothing selected, ${pages.length} withheld; an existing space scope is removed as orphaned`);
    withheldLines(key);
  }
  return `${lines.join('\n')}\n`;
}
