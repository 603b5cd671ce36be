import { errorMessage, isConnectorError } from '../errors.js';
import { createLogger } from '../log.js';
import { runDump } from '../pipeline.js';
import { createTenantRuntime } from '../tenant-runtime.js';
import type { Command } from './command.js';
import { TENANT_HELP, TENANT_OPTIONS, logConfigWarnings, selectTenants } from './select-tenants.js';

export const dumpCommand: Command = {
  name: 'dump',
  summary: 'print the records the pipeline would ingest as NDJSON on stdout (no Unique calls)',
  usage: 'confluence-connector dump [--config GLOB] [--tenant NAME] [--no-bodies]',
  help: [
    ...TENANT_HELP,
    '  --no-bodies     metadata only: skip the body fetch and conversion',
    '',
    'One JSON object a line on stdout, with a "tenant" field; logs go to stderr, so',
    '"confluence-connector dump > pages.ndjson" followed by jq just works.',
  ].join('\n'),
  options: { ...TENANT_OPTIONS, 'no-bodies': { type: 'boolean' } },
  async run({ values, env, stdout, stderr }) {
    const { tenants, problems, warnings } = await selectTenants(values, env);
    if (problems.length > 0) {
      for (const problem of problems) stderr.write(`${problem}\n`);
      return 1;
    }
    const logger = createLogger({ stream: stderr, level: env.LOG_LEVEL, policy: env.LOGS_DIAGNOSTICS_DATA_POLICY });
    logConfigWarnings(logger, warnings);
    let failed = 0;
    for (const tenant of tenants.filter((candidate) => candidate.status === 'active')) {
      const runtime = createTenantRuntime(tenant, { logger, env });
      try {
        await runDump(runtime, { out: stdout, bodies: values['no-bodies'] !== true });
      } catch (error) {
        failed += 1;
        runtime.logger.error({ code: isConnectorError(error) ? error.code : 'UNEXPECTED', error: errorMessage(error) }, 'Dump failed');
      } finally {
        await runtime.close();
      }
    }
    return failed === 0 ? 0 : 1;
  },
};

