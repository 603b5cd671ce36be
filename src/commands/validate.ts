import { checkTenantSet, configPattern, loadTenants } from '../config/load.js';
import type { Command } from './command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check every tenant configuration file and print one line per tenant',
  usage: 'confluence-connector validate [--config GLOB]',
  help: [
    '  --config GLOB   tenant files to check (default: $TENANT_CONFIG_PATH_PATTERN)',
    '',
    'Prints "<tenant>: ok" or one line per problem, naming the file and the field.',
    'Exits 1 if any tenant is invalid. Secrets are resolved from the environment but never printed.',
  ].join('\n'),
  options: { config: { type: 'string' } },
  async run({ values, env, stdout }) {
    const results = await loadTenants(configPattern(values.config as string | undefined, env), env);
    let invalid = false;
    for (const result of results) {
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
    return invalid ? 1 : 0;
  },
};
