import t from 'tap';
import { runCli } from '../../src/cli.js';
import type { TenantConfig } from '../../src/config/types.js';
import { parseTenantFile } from '../../src/config/load.js';
import { ConfluenceAuthProbe, ConnectivityProbe, HealthService, SyncHistory } from '../../src/health/index.js';
import { Capture, capturedLogger } from '../helpers/capture.js';
import { tenantYaml, writeTenants } from './support/daemon-process.js';
import { PAT, simulators, tenantEnv, type Simulators } from './support/simulated-tenants.js';

/**
 * Wrong credentials, as an operator meets them: their own error codes naming the tenant
 * field and the environment variable to check, `/health` down for an authenticated
 * 401/403, and `validate --check` finding them before the first sync, writing nothing.
 */

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { env, stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function tenant(name: string, sims: Simulators, options: { pat?: string } = {}): TenantConfig {
  const env = tenantEnv('ACME', sims, options);
  const result = parseTenantFile(`/app/tenant-configs/${name}-tenant-config.yaml`, tenantYaml({ name, cron: '*/15 * * * *', env: 'ACME' }), env);
  if (!result.config) throw new Error(result.problems.join('\n'));
  return result.config;
}

/** Unique GraphQL root fields that change state; `validate --check` must send none. */
const UNIQUE_WRITES = /^(create|update|delete|generate|bulk|content(Upsert|Delete))/;

t.test('a wrong PAT fails the sync with CONFLUENCE_AUTH_FAILED naming the field and the variable, in a short message', async (t) => {
  const sims = await simulators(t);
  const env = { TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'acme', cron: '*/15 * * * *', env: 'ACME' }]), ...tenantEnv('ACME', sims, { pat: 'wrong-pat-0000000' }) };
  const { code, stdout } = await cli(['sync'], env);
  t.equal(code, 1);
  const failed = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, string>)
    .find((line) => line.msg === 'Sync cycle failed');
  t.equal(failed?.code, 'CONFLUENCE_AUTH_FAILED');
  t.match(failed?.error, /Confluence refused the credentials of tenant acme \(HTTP 401/);
  t.match(failed?.error, /check confluence\.auth\.token \(environment variable ACME_PAT\) in acme-tenant-config\.yaml/);
  t.ok((failed?.error.length ?? 0) < 300, `no URL soup: ${failed?.error.length} characters`);
  t.notMatch(stdout, /wrong-pat-0000000/, 'the wrong value is never shown');
});

t.test('/health: an authenticated 401 or 403 from Confluence is unhealthy connectivity, a good PAT is healthy', async (t) => {
  const sims = await simulators(t);
  const { logger } = capturedLogger('error');
  const health = (config: TenantConfig) => {
    const connectivity = new ConnectivityProbe({ timeoutMs: 2000, env: {} });
    const auth = new ConfluenceAuthProbe(config, { timeoutMs: 2000, env: {}, logger });
    t.teardown(() => Promise.all([connectivity.close(), auth.close()]));
    return new HealthService({
      history: new SyncHistory({ windowSize: 5, failureThreshold: 0.5 }),
      connectivity,
      connectivityTenants: [config],
      uniqueProbes: new Map(),
      confluenceAuthProbes: new Map([[config.name, auth]]),
    });
  };

  const good = (await health(tenant('acme', sims)).check()).details.connectivity.tenants.acme!;
  t.equal(good.status, 'up');
  t.equal(good.credentials?.httpStatus, 200);
  t.equal(good.credentials?.labelledContentVisible, true);
  t.ok(sims.confluence.requests.some((r) => r.path.endsWith('/content/search') && r.authScheme !== null), 'the check is authenticated');

  const report = await health(tenant('acme', sims, { pat: 'wrong-pat-0000000' })).check();
  const wrong = report.details.connectivity.tenants.acme!;
  t.equal(report.status, 'down');
  t.ok(report.error.connectivity, 'connectivity is in error');
  t.equal(wrong.confluence.reachable, true, 'the network path is fine');
  t.equal(wrong.credentials?.httpStatus, 401);
  t.equal(wrong.credentials?.code, 'AUTH_FAILURE');
  t.match(wrong.credentials?.error, /ACME_PAT/);

  sims.confluence.faults.add({ path: /\/content\/search$/, status: 403 });
  const denied = (await health(tenant('acme', sims)).check()).details.connectivity.tenants.acme!;
  t.equal(denied.status, 'down', 'a 403 (no permission) is down too');
  t.equal(denied.credentials?.code, 'AUTH_FAILURE');
});

t.test('validate --check tests reachability and credentials of both sides and the root scope, writing nothing', async (t) => {
  const sims = await simulators(t);
  const env = {
    TENANT_CONFIG_PATH_PATTERN: writeTenants([
      { name: 'good', cron: '*/15 * * * *', env: 'GOOD' },
      { name: 'wiki', cron: '*/15 * * * *', env: 'WIKI' },
      { name: 'bad', cron: '*/15 * * * *', env: 'BAD' },
      { name: 'idle', cron: '*/15 * * * *', env: 'GOOD', status: 'inactive' },
    ]),
    ...tenantEnv('GOOD', sims),
    ...tenantEnv('WIKI', sims, { pat: 'wrong-pat-0000000' }),
    ...tenantEnv('BAD', sims, { user: 'user_unknown' }),
  };
  const { code, stdout } = await cli(['validate', '--check'], env);
  t.equal(code, 1, 'a failed check fails the command');
  const lines = stdout.trim().split('\n');
  for (const name of ['confluence reachable', 'confluence credentials', 'unique ingestion api', 'unique scope management api', 'unique root scope']) {
    t.ok(lines.some((line) => line.startsWith(`good: check ${name}: ok `)), `good: ${name} ok`);
  }
  t.match(stdout, /^good: check unique root scope: ok scope_good is \/Company KB\/good; not claimed yet: the first sync claims it$/m);
  t.match(stdout, /^wiki: check confluence credentials: FAILED \[CONFLUENCE_AUTH_FAILED\] .*check confluence\.auth\.token \(environment variable WIKI_PAT\)/m);
  t.match(stdout, /^bad: check unique ingestion api: FAILED \[AUTH_FAILURE\] /m);
  t.match(stdout, /^idle: check skipped: the tenant is inactive$/m);
  t.notOk(lines.some((line) => line.startsWith('wiki: check unique root scope')), 'no root-scope check once a side failed');

  t.same(sims.confluence.nonGetRequests(), [], 'Confluence saw only GETs');
  const operations = [...new Set(sims.unique.requests.map((r) => r.operation ?? `${r.method} ${r.path}`))];
  t.same(operations.filter((op) => UNIQUE_WRITES.test(op) || op.startsWith('PUT')), [], `Unique saw only reads: ${operations.join(', ')}`);
  t.equal(sims.unique.state.scope('scope_good')?.externalId, null, 'the mark is not claimed');
  t.notMatch(stdout, new RegExp(`${PAT}|wrong-pat-0000000`), 'no credential in the output');
});

t.test('validate warns about a secret written in the file and suggests the field a misspelt key meant', async (t) => {
  const sims = await simulators(t);
  const pattern = writeTenants([{ name: 'acme', cron: '*/15 * * * *', env: 'ACME' }]);
  const file = pattern.replace('*', 'acme');
  const { writeFileSync, readFileSync } = await import('node:fs');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, original.replace('token: os.environ/ACME_PAT', 'token: literal-pat-value-123'));
  const literal = await cli(['validate', '--config', pattern], tenantEnv('ACME', sims));
  t.equal(literal.code, 0, 'a literal secret works');
  t.match(literal.stdout, /^acme: WARN \S+acme-tenant-config\.yaml: confluence\.auth\.token: secret is written in the file; prefer os\.environ\/NAME$/m);
  t.notMatch(literal.stdout, /literal-pat-value-123/);

  writeFileSync(file, original.replace('scanIntervalCron', 'scanIntervallCron').replace('  ingestSingleLabel', '  ingestsinglelabel'));
  const misspelt = await cli(['validate', '--config', pattern], tenantEnv('ACME', sims));
  t.equal(misspelt.code, 1);
  t.match(misspelt.stdout, /processing\.scanIntervallCron: unknown field \(did you mean scanIntervalCron\?\)/);
  t.match(misspelt.stdout, /confluence\.ingestsinglelabel: unknown field \(did you mean ingestSingleLabel\?\)/);
});
