/**
 * `dump`: the same discovery and transforms as a sync, ending in NDJSON instead of
 * Unique. In-process through the harness, and once through the built CLI with a real
 * tenant file whose URLs and secrets come from the environment.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { glob } from 'tinyglobby';
import t, { type Test } from 'tap';
import { startConfluenceSimulator } from '../simulators/confluence/index.js';
import { startUniqueSimulator } from '../simulators/unique/index.js';
import { LABELS, startCycleHarness } from '../helpers/cycle-harness.js';
import { ALL, ENG, page } from './support/scenario.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const scenario = () => ({
  spaces: [ENG],
  content: [
    page('5001', 'ENG', { labels: [LABELS.single, 'guide'], body: '<h1>Install guide</h1><p>Run the installer.</p>' }),
    page('5002', 'ENG', { labels: ALL, body: '<p>Handbook root.</p>' }),
    page('5003', 'ENG', { parentId: '5002', body: '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Child note.</p></ac:rich-text-body></ac:structured-macro>' }),
    page('5004', 'ENG', { type: 'folder', parentId: '5002', body: '' }),
  ],
});

t.test('dump writes one parseable JSON page record a line, with converted html, and calls no Unique API', async (t) => {
  const h = await startCycleHarness(scenario());
  t.teardown(h.close);
  const records = await h.dump(true);
  t.same(records.map((r) => r.id).sort(), ['5001', '5002', '5003'], 'the folder is skipped as in a sync');
  for (const record of records) {
    t.equal(record.kind, 'page');
    t.equal(record.tenant, 'acme');
    t.type(record.html, 'string');
  }
  const guide = records.find((r) => r.id === '5001')!;
  t.match(guide.html, /Install guide/);
  t.same(guide.labels, ['guide'], 'labels cleaned as for Unique');
  t.match(records.find((r) => r.id === '5003')?.html, /Child note\./);
  t.notMatch(records.find((r) => r.id === '5003')?.html, /ac:structured-macro/, 'storage format was converted');
  t.same(h.unique.requests, [], 'no Unique call at all');
  h.confluence.assertReadOnly();
});

t.test('dump without bodies carries no html and fetches no body', async (t) => {
  const h = await startCycleHarness(scenario());
  t.teardown(h.close);
  const records = await h.dump(false);
  t.equal(records.length, 3);
  t.ok(records.every((r) => r.html === undefined && r.storage === undefined));
  t.notOk(h.confluence.requests.some((r) => r.query.expand?.includes('body.storage')));
});

/** Builds dist/ with `npm run build` unless dist/cli.js is newer than every source file. */
async function ensureBuilt(t: Test): Promise<string> {
  const cli = join(ROOT, 'dist', 'cli.js');
  const built = await stat(cli).then((s) => s.mtimeMs, () => 0);
  const sources = await glob('src/**/*.ts', { cwd: ROOT, absolute: true });
  const newest = Math.max(...(await Promise.all(sources.map(async (file) => (await stat(file)).mtimeMs))));
  if (built < newest) {
    t.comment('dist/ is older than src/: npm run build');
    await run('npm', ['run', 'build'], { cwd: ROOT }).catch((error: { stdout?: string }) => {
      throw new Error(`npm run build failed, the CLI cannot be tested:\n${(error.stdout ?? '').trim().split('\n').slice(-12).join('\n')}`);
    });
  }
  return cli;
}

t.test('the built CLI dumps NDJSON on stdout and logs on stderr from a tenant file resolved from the environment', async (t) => {
  const confluence = await startConfluenceSimulator({ flavour: 'data-center', pats: ['pat-cli-0123456789'], ...scenario() });
  const unique = await startUniqueSimulator({ authMode: 'cluster_local' });
  const dir = await mkdtemp(join(tmpdir(), 'connector-dump-'));
  t.teardown(async () => {
    await Promise.all([confluence.close(), unique.close(), rm(dir, { recursive: true, force: true })]);
  });
  await writeFile(
    join(dir, 'clitest-tenant-config.yaml'),
    [
      'confluence:',
      '  instanceType: data-center',
      '  baseUrl: os.environ/CLI_CONFLUENCE_URL',
      '  auth:',
      '    mode: pat',
      '    token: os.environ/CLI_CONFLUENCE_PAT',
      '  apiRateLimitPerMinute: 6000',
      `  ingestSingleLabel: ${LABELS.single}`,
      `  ingestAllLabel: ${LABELS.all}`,
      'unique:',
      '  serviceAuthMode: cluster_local',
      '  serviceExtraHeaders:',
      '    x-company-id: company_1',
      '    x-user-id: user_service',
      '  ingestionServiceBaseUrl: os.environ/CLI_UNIQUE_INGESTION_URL',
      '  scopeManagementServiceBaseUrl: os.environ/CLI_UNIQUE_SCOPE_URL',
      '  apiRateLimitPerMinute: 6000',
      'processing:',
      '  concurrency: 2',
      'ingestion:',
      '  scopeId: scope_root',
      '',
    ].join('\n'),
  );
  const cli = await ensureBuilt(t);
  const env = {
    PATH: process.env.PATH ?? '',
    LOG_LEVEL: 'info',
    CLI_CONFLUENCE_URL: confluence.baseUrl,
    CLI_CONFLUENCE_PAT: 'pat-cli-0123456789',
    CLI_UNIQUE_INGESTION_URL: unique.ingestionBaseUrl,
    CLI_UNIQUE_SCOPE_URL: unique.scopeManagementBaseUrl,
  };
  const config = join(dir, '*-tenant-config.yaml');
  const [withBodies, withoutBodies] = await Promise.all([
    run(process.execPath, [cli, 'dump', '--config', config], { env }),
    run(process.execPath, [cli, 'dump', '--config', config, '--no-bodies'], { env }),
  ]);

  const lines = withBodies.stdout.split('\n').filter((line) => line !== '');
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  t.same(records.map((r) => r.id).sort(), ['5001', '5002', '5003']);
  t.ok(records.every((r) => r.tenant === 'clitest' && typeof r.html === 'string' && (r.html as string).length > 0), 'every line names its tenant and carries html');
  const logs = withBodies.stderr.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.ok(logs.some((log) => log.msg === 'Dump finished' && log.records === 3), 'logs are JSON lines on stderr');
  t.notMatch(withBodies.stderr + withBodies.stdout, /pat-cli-0123456789/, 'the PAT never shows up');

  const bare = withoutBodies.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.equal(bare.length, 3);
  t.ok(bare.every((r) => r.html === undefined), '--no-bodies: no html');
  t.same(unique.requests, [], 'dump never calls Unique');
  confluence.assertReadOnly();
});
