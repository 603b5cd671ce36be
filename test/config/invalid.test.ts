import t from 'tap';
import { parseTenantFile } from '../../src/config/load.js';
import { CANARY, ENV, INVALID_CASES, SECRET_LEAK_CASES, type InvalidCase } from '../fixtures/config/cases.js';

function check(c: InvalidCase) {
  const file = c.file ?? 'acme-tenant-config.yaml';
  const result = parseTenantFile(file, c.text, { ...ENV, ...c.env });
  return { file, result };
}

t.test('each invalid file is rejected with its path and a message naming the file', async (t) => {
  t.ok(INVALID_CASES.length >= 30, `${INVALID_CASES.length} cases`);
  for (const c of INVALID_CASES) {
    const { file, result } = check(c);
    const prefix = c.path === '' ? `${file}: ` : `${file}: ${c.path}`;
    t.equal(result.config, undefined, `${c.name}: no config`);
    t.ok(
      result.problems.some((line) => line.startsWith(prefix) && line.includes(c.message)),
      `${c.name}: ${JSON.stringify(prefix)} … ${JSON.stringify(c.message)}`,
      { problems: result.problems },
    );
    t.ok(result.problems.every((line) => line.startsWith(`${file}: `)), `${c.name}: every line names the file`);
    t.notOk(result.problems.some((line) => /\n|\bat .*\.ts:\d+/.test(line)), `${c.name}: one line each, no stack trace`);
  }
});

t.test('a secret value never appears in a problem message', async (t) => {
  for (const c of [...INVALID_CASES, ...SECRET_LEAK_CASES]) {
    const { file, result } = check(c);
    t.ok(result.problems.length > 0, `${c.name}: rejected`);
    t.notOk(result.problems.some((line) => line.includes(CANARY)), `${c.name}: no secret in ${JSON.stringify(result.problems)}`);
    if (SECRET_LEAK_CASES.includes(c)) {
      const prefix = `${file}: ${c.path}`;
      t.ok(result.problems.some((line) => line.startsWith(prefix) && line.includes(c.message)), `${c.name}: reported at ${c.path}`);
    }
  }
});

t.test('all problems of a file are reported, sorted by path', async (t) => {
  const text = [
    'status: paused',
    'confluence:',
    '  instanceType: cloud',
    '  baseUrl: https://x/',
    '  auth: { mode: pat, token: os.environ/CONFLUENCE_PAT }',
    '  apiRateLimitPerMinute: 0',
    '  ingestSingleLabel: a',
    '  ingestAllLabel: b',
    '  spaces: [ENG]',
    'unique:',
    '  serviceAuthMode: cluster_local',
    '  serviceExtraHeaders: { x-company-id: c }',
    '  ingestionServiceBaseUrl: http://a',
    '  scopeManagementServiceBaseUrl: http://b',
    'processing: { scanIntervalCron: every day }',
    'ingestion: { scopeId: s }',
  ].join('\n');
  const { problems } = parseTenantFile('acme-tenant-config.yaml', text, ENV);
  const paths = problems.map((line) => line.split(': ')[1]);
  t.same(paths, [
    'confluence.apiRateLimitPerMinute',
    'confluence.auth.mode',
    'confluence.baseUrl',
    'confluence.cloudId',
    'confluence.spaces',
    'processing.scanIntervalCron',
    'status',
    'unique.serviceExtraHeaders.x-user-id',
  ]);
});

t.test('environment problems are all reported together', async (t) => {
  const { BASES } = await import('../fixtures/config/cases.js');
  const { problems } = parseTenantFile('acme-tenant-config.yaml', BASES.cloud, { ZITADEL_PROJECT_ID: '' });
  t.same(problems, [
    'acme-tenant-config.yaml: confluence.auth.clientSecret: environment variable CONFLUENCE_CLIENT_SECRET is not set',
    'acme-tenant-config.yaml: unique.zitadelClientSecret: environment variable ZITADEL_CLIENT_SECRET is not set',
    'acme-tenant-config.yaml: unique.zitadelProjectId: environment variable ZITADEL_PROJECT_ID is empty',
  ]);
});

t.test('a label from the environment equal to the other label is caught after resolution', async (t) => {
  const { edited } = await import('../fixtures/config/cases.js');
  const text = edited('dc', (doc) => doc.setIn(['confluence', 'ingestAllLabel'], 'os.environ/ALL_LABEL'));
  const { problems } = parseTenantFile('acme-tenant-config.yaml', text, { ...ENV, ALL_LABEL: 'ki' });
  t.match(problems, [/confluence\.ingestAllLabel: must differ from ingestSingleLabel/]);
  t.ok(parseTenantFile('acme-tenant-config.yaml', text, { ...ENV, ALL_LABEL: 'ki-all' }).config);
});

t.test('a complex key holding a secret is reported without echoing it', async (t) => {
  const text = [
    'confluence:',
    '  instanceType: data-center',
    '  baseUrl: https://wiki.example.com',
    '  auth:',
    '    mode: pat',
    `    ? clientSecret: ${CANARY}-complex`,
    '  apiRateLimitPerMinute: 100',
    '  ingestSingleLabel: a',
    '  ingestAllLabel: b',
  ].join('\n');
  const { problems } = parseTenantFile('acme-tenant-config.yaml', text, ENV);
  t.ok(problems.some((line) => line.startsWith('acme-tenant-config.yaml: confluence.auth.{complex key}: unknown field')), JSON.stringify(problems));
  t.notOk(problems.some((line) => line.includes(CANARY)), 'no secret in any problem');
});
