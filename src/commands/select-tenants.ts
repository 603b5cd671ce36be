import { checkTenantSet, configPattern, loadTenants } from '../config/load.js';
import type { TenantConfig } from '../config/types.js';
import { ConnectorError } from '../errors.js';
import type { Logger } from '../log.js';

export interface Selection {
  tenants: TenantConfig[];
  /** Problems that stop the command: printed one a line, exit 1. */
  problems: string[];
  /** What works but should change (a secret written in the file): logged as WARN by the commands that run. */
  warnings: { tenant: string; warning: string }[];
}

/** Logs each configuration warning once, as WARN, with its tenant. */
export function logConfigWarnings(logger: Logger, warnings: Selection['warnings']): void {
  for (const { tenant, warning } of warnings) logger.warn({ tenant, warning }, 'Tenant configuration warning');
}

/**
 * Loads the tenant files and picks the ones a command works on: all of them, or the
 * one named by `--tenant`. Any problem in a selected tenant, or in the set as a
 * whole, stops the command before it touches anything.
 */
export async function selectTenants(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Selection> {
  const results = await loadTenants(configPattern(values.config as string | undefined, env), env);
  const wanted = values.tenant as string | undefined;
  const chosen = wanted === undefined ? results : results.filter((result) => result.name === wanted);
  if (wanted !== undefined && chosen.length === 0) {
    throw new ConnectorError('USAGE', `no tenant named ${wanted} (known: ${results.map((r) => r.name).join(', ') || 'none'})`);
  }
  const problems = [...chosen.flatMap((result) => result.problems.map((problem) => `${result.name}: ${problem}`)), ...checkTenantSet(results)];
  const tenants = chosen.flatMap((result) => (result.config ? [result.config] : []));
  const warnings = chosen.flatMap((result) => result.warnings.map((warning) => ({ tenant: result.name, warning })));
  return { tenants, problems, warnings };
}

export const TENANT_OPTIONS = {
  config: { type: 'string' },
  tenant: { type: 'string' },
} as const;

export const TENANT_HELP = [
  '  --config GLOB   tenant files (default: $TENANT_CONFIG_PATH_PATTERN)',
  '  --tenant NAME   only this tenant (the file name without -tenant-config.yaml)',
];
