import { checkTenantSet, configPattern, loadTenants } from '../config/load.js';
import { createLogger } from '../log.js';
import type { Command } from './command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check every tenant configuration file (and with --check, both sides\' credentials) and print one line per tenant',
  usage: 'confluence-connector validate [--config GLOB] [--check]',
  help: [
    '  --config GLOB   tenant files to check (default: $TENANT_CONFIG_PATH_PATTERN)',
    '  --check         also reach Confluence and Unique with each active or deleted tenant\'s credentials:',
    '                  reachability, credentials, both Unique APIs and the root scope. Writes nothing.',
    '',
    'Prints "<tenant>: ok" or one line per problem, naming the file and the field; "<tenant>: WARN …"',
    'for what works but should change (a secret written in the file). With --check, one line per check:',
    '"<tenant>: check <what>: ok …" or "FAILED [CODE] …" (docs/runbook.md explains each code).',
    'Exits 1 if any tenant is invalid or any check failed. Secrets are resolved from the environment but never printed.',
  ].join('\n'),
  options: { config: { type: 'string' }, check: { type: 'boolean' } },
  async run({ values, env, stdout, stderr }) {
    const results = await loadTenants(configPattern(values.config as string | undefined, env), env);
    let invalid = false;
    for (const result of results) {
      for (const warning of result.warnings) stdout.write(`${result.name}: WARN ${warning}\n`);
      if (result.problems.length === 0 && result.config) {
        const { status, confluence, unique } = result.config;
        stdout.write(`${result.name}: ok (${status}, ${confluence.instanceType}, ${confluence.auth.mode}, unique ${unique.serviceAuthMode})\n`);
        continue;
      }
      invalid = true;
      for (const problem of result.problems) stdout.write(`${result.name}: ${problem}\n`);
    }
    for (const problem of checkTenantSet(results)) {
      invalid = true;
      stdout.write(`${problem}\n`);
    }
    if (values.check !== true) return invalid ? 1 : 0;

    // Loaded here, not at start-up: only `validate --check` talks to the servers.
    const { checkTenant } = await import('../health/tenant-check.js');
    // Logs are for trouble only: the check lines are the answer.
    const logger = createLogger({ stream: stderr, level: env.LOG_LEVEL ?? 'warn', policy: env.LOGS_DIAGNOSTICS_DATA_POLICY });
    let failed = false;
    for (const tenant of results.flatMap((result) => (result.config ? [result.config] : []))) {
      if (tenant.status === 'inactive') {
        stdout.write(`${tenant.name}: check skipped: the tenant is inactive\n`);
        continue;
      }
      for (const check of await checkTenant(tenant, { env, logger: logger.child({ tenant: tenant.name }) })) {
        failed ||= !check.ok;
        const verdict = check.ok ? 'ok' : `FAILED${check.code ? ` [${check.code}]` : ''}`;
        stdout.write(`${tenant.name}: check ${check.name}: ${verdict} ${check.detail}\n`);
      }
    }
    return invalid || failed ? 1 : 0;
  },
};
