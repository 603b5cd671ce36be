import { errorCode, errorMessage, isConnectorError } from '../errors.js';
import type { TenantConfig } from '../config/types.js';
import { thrownOutcome } from '../cycle-report.js';
import { createLogger, type Logger } from '../log.js';
import { runDeletedTenantCleanup } from '../deleted-tenant-cycle.js';
import { runSyncCycle } from '../pipeline.js';
import { CycleProgress, progressIntervalFromEnv } from '../progress.js';
import { TerminalProgress } from '../progress-bar.js';
import { formatRunSummary, summarizeRun, type TenantRunResult } from '../run-summary.js';
import { createTenantRuntime } from '../tenant-runtime.js';
import type { ChangePlan } from '../transforms/diff.js';
import type { WithheldPage } from '../transforms/restrictions.js';
import type { Command } from './command.js';
import { TENANT_HELP, TENANT_OPTIONS, logConfigWarnings, selectTenants } from './select-tenants.js';
import { listenForStop, SIGNAL_EXIT } from './stop-signals.js';
import { isTerminal } from './terminal.js';

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
    'Logs go to stdout (stderr with --dry-run, whose plan goes to stdout).',
    'Exit codes: 0 every cycle succeeded; 1 a cycle failed; 2 usage or configuration error;',
    '3 a cycle was partial (items failed); 4 a tenant was skipped because another process holds it',
    '(its lease in Unique). Across tenants the worst wins: 1, then 3, then 4, then 0.',
    'SIGTERM or SIGINT stops gracefully: items in flight finish, nothing new starts, the tenant lease',
    'is released, later tenants are not started; the exit code is then 143 (SIGTERM) or 130 (SIGINT).',
    'A second signal exits at once.',
    'A running cycle logs "Sync progress" every $PROGRESS_INTERVAL_SECONDS (default 30) and at each phase end;',
    'when stderr is a terminal, a progress bar there instead. The run ends with "Sync run finished",',
    'a summary across tenants (and a table on a terminal).',
  ].join('\n'),
  options: { ...TENANT_OPTIONS, 'dry-run': { type: 'boolean' } },
  async run({ values, env, stdout, stderr }) {
    const dryRun = values['dry-run'] === true;
    let selection;
    try {
      selection = await selectTenants(values, env);
    } catch (error) {
      // No file, no pattern: the run never started, like a usage error (exit 2).
      if (!isConnectorError(error) || !error.code.startsWith('CONFIG_')) throw error;
      stderr.write(`confluence-connector sync: ${errorMessage(error)} [${error.code}]\n`);
      return EXIT.usage;
    }
    const { tenants, problems, warnings } = selection;
    if (problems.length > 0) {
      for (const problem of problems) stderr.write(`${problem}\n`);
      return EXIT.usage;
    }
    const logger = createLogger({ stream: dryRun ? stderr : stdout, level: env.LOG_LEVEL, policy: env.LOGS_DIAGNOSTICS_DATA_POLICY });
    logConfigWarnings(logger, warnings);
    const intervalMs = progressIntervalFromEnv(env);
    const terminal = isTerminal(stderr) ? new TerminalProgress(stderr as NodeJS.WriteStream) : undefined;
    const runStarted = Date.now();
    const results: TenantRunResult[] = [];
    const skip = (name: string, why: string, message: string) => {
      logger.info({ tenant: name, reason: why }, message);
      results.push({ tenant: name, outcome: 'skipped', durationMs: 0, counts: {} });
    };
    const run: TenantRun = { logger, env, dryRun, intervalMs, terminal, stdout };
    const stop = listenForStop(logger);
    try {
      for (const tenant of tenants) {
        if (stop.signal.aborted) {
          skip(tenant.name, 'stopped', 'Stop requested, tenant not started');
          continue;
        }
        if (tenant.status === 'inactive') skip(tenant.name, 'inactive', 'Tenant inactive, skipped');
        else if (dryRun && tenant.status === 'deleted') skip(tenant.name, 'deleted', 'Deleted tenant: clean-up not run in a dry run');
        else results.push(await syncTenant(tenant, run, stop.signal));
      }
    } finally {
      stop.dispose();
    }
    const summary = summarizeRun(results, Date.now() - runStarted);
    logger.info({ ...summary }, 'Sync run finished');
    if (terminal) stderr.write(`\n${formatRunSummary(summary)}`);
    if (stop.received !== undefined) return SIGNAL_EXIT[stop.received];
    return runExitCode(results.map((result) => (result.code === 'TENANT_LEASE_HELD' ? 'lease-held' : result.outcome)));
  },
};

interface TenantRun {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  intervalMs: number;
  terminal: TerminalProgress | undefined;
  stdout: NodeJS.WritableStream;
}

/** One tenant's cycle (or deleted-tenant clean-up), with progress; `signal` is the run's stop request. */
async function syncTenant(tenant: TenantConfig, run: TenantRun, signal: AbortSignal): Promise<TenantRunResult> {
  const { logger, env, dryRun, intervalMs, terminal, stdout } = run;
  const runtime = createTenantRuntime(tenant, { logger, env });
  // The same progress as the daemon's: lines every interval (or a bar on a terminal).
  const progress = new CycleProgress({ logger: runtime.logger, tenant: tenant.name, intervalMs, terminal });
  const started = Date.now();
  let outcome = 'succeeded';
  let code: string | undefined;
  progress.start();
  try {
    if (tenant.status === 'deleted') await runDeletedTenantCleanup(runtime, { observers: [progress], signal });
    else {
      const result = await runSyncCycle(runtime, { dryRun, observers: [progress], signal });
      outcome = result.outcome;
      if (dryRun && result.plan) stdout.write(formatPlan(tenant.name, result.plan, result.withheld));
    }
  } catch (error) {
    code = errorCode(error);
    // Another process holds the tenant's lease: skipped, not failed (runSyncCycle logged the WARN).
    // A stop request is not a failure either: the run exits with the signal's code.
    const thrown = thrownOutcome(code);
    outcome = thrown === 'lease-held' ? 'skipped' : thrown;
    // runSyncCycle logged the failure with its summary; a deleted-tenant clean-up did not.
    if (tenant.status === 'deleted' && outcome === 'failed') {
      runtime.logger.error({ code, error: errorMessage(error) }, 'Deleted tenant clean-up failed');
    }
  } finally {
    progress.stop();
    await runtime.close();
  }
  return { tenant: tenant.name, outcome, ...(code ? { code } : {}), durationMs: Date.now() - started, counts: progress.counts };
}

/**
 * `sync`'s exit codes (README, docs/runbook.md "Exit codes"): a CronJob must not record
 * success for a run that lost items. 2 is also what the CLI answers to bad flags. 4: a
 * tenant was skipped because another process holds its lease (it synced nothing).
 */
export const EXIT = { succeeded: 0, failed: 1, usage: 2, partial: 3, leaseHeld: 4 } as const;

/** Worst outcome wins across tenants: failed, partial, then skipped for another process's lease; other skips and dry runs count as fine. */
export function runExitCode(outcomes: readonly string[]): number {
  if (outcomes.includes('failed')) return EXIT.failed;
  if (outcomes.includes('partial')) return EXIT.partial;
  if (outcomes.includes('lease-held')) return EXIT.leaseHeld;
  return EXIT.succeeded;
}

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
      `  space ${space.space.key} (${space.partialKey}): ${space.submitted} submitted, ${space.newKeys.length} new, ${space.updatedKeys.length} updated, ${space.deletedKeys.length} deleted${space.recoveredKeys.length > 0 ? `, ${space.recoveredKeys.length} interrupted (re-ingested)` : ''}${held > 0 ? `, ${held} withheld` : ''}`,
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
