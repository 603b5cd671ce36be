import { ConnectorError } from '../errors.js';
import { createLogger } from '../log.js';
import type { Command } from './command.js';
import { TENANT_HELP, TENANT_OPTIONS, selectTenants } from './select-tenants.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'say why one Confluence page is (or is not) synced, rule by rule, and what Unique holds for it',
  usage: 'confluence-connector explain PAGE_ID [--config GLOB] [--tenant NAME] [--offline] [--json]',
  help: [
    ...TENANT_HELP,
    '  --offline       do not ask Unique whether it holds the page and its attachments',
    '  --json          one JSON object on stdout instead of text',
    '',
    'Fetches the page and applies the rules sync applies, in the same order: tenant status, content',
    'type and status, space type, the sync labels on the page or an ancestor, the content-type filter,',
    'an empty body, then each attachment. --tenant is needed when more than one tenant is configured.',
    'Exits 0 when the page is synced, 1 when it is not (or the lookup failed), 2 on a usage error.',
  ].join('\n'),
  options: { ...TENANT_OPTIONS, offline: { type: 'boolean' }, json: { type: 'boolean' } },
  allowPositionals: true,
  async run({ values, positionals, env, stdout, stderr }) {
    const [pageId, ...extra] = positionals;
    if (pageId === undefined || extra.length > 0 || !/^\d+$/.test(pageId)) {
      throw new ConnectorError('USAGE', 'explain takes exactly one numeric PAGE_ID');
    }
    const { tenants, problems } = await selectTenants(values, env);
    if (problems.length > 0) {
      for (const problem of problems) stderr.write(`${problem}\n`);
      return 1;
    }
    if (tenants.length !== 1) {
      throw new ConnectorError('USAGE', `${tenants.length} tenants are configured (${tenants.map((t) => t.name).join(', ')}): pass --tenant NAME`);
    }
    // Logs are for trouble only: the answer is the output.
    const logger = createLogger({ stream: stderr, level: env.LOG_LEVEL ?? 'warn', policy: env.LOGS_DIAGNOSTICS_DATA_POLICY });
    // Loaded here, not at start-up: only this command needs them.
    const [{ createTenantRuntime }, { explainPage }, { formatExplanation }] = await Promise.all([
      import('../tenant-runtime.js'),
      import('../explain/explain.js'),
      import('../explain/format.js'),
    ]);
    const runtime = createTenantRuntime(tenants[0]!, { logger, env });
    try {
      const explanation = await explainPage(runtime, pageId, { offline: values.offline === true });
      stdout.write(values.json === true ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
      // Scripts can branch on the verdict: 0 synced, 1 not synced (the output says why).
      return explanation.synced ? 0 : 1;
    } finally {
      await runtime.close();
    }
  },
};
