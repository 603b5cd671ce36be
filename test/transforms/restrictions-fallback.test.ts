/**
 * Where the restriction state comes from when the cheap path does not give it
 * (Confluence contract §17): a server that ignores the expansion on search is asked
 * per content and gives the same result; when that fails too the state is unknown
 * and the page is withheld (fail closed) with one WARN, and the cycle still succeeds.
 * And the cost bound: one lookup request per 100 ancestors outside the discovered set.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../src/cli.js';
import { Capture } from '../helpers/capture.js';
import { PAT, startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';
import { ALL, ENG, FLAVOURS, SINGLE, confluenceCalls, logged, page, storedIds } from './support/restrictions-scenario.js';

/** Own, inherited from a discovered parent, inherited from an unlabelled ancestor, user-only and group-only, and open pages. */
const MIXED: ScenarioContent[] = [
  page('5000', 'ENG', { title: 'Board', readRestrictions: { groups: ['board'] } }),
  page('5001', 'ENG', { parentId: '5000', labels: ALL }),
  page('5100', 'ENG', { labels: ALL }),
  page('5101', 'ENG', { parentId: '5100', readRestrictions: { users: ['ana'] } }),
  page('5102', 'ENG', { parentId: '5101' }),
  page('5103', 'ENG', { parentId: '5100' }),
  page('5200', 'ENG', { title: 'Open parent' }),
  page('5201', 'ENG', { parentId: '5200', labels: SINGLE }),
  page('5202', 'ENG', { labels: SINGLE, type: 'blogpost', readRestrictions: { groups: ['staff'] } }),
];
const MIXED_STORED = ['5100', '5103', '5201'];

/** Page id -> the `restriction` field of its INFO line, for comparing two cycles. */
function withheldLines(h: CycleHarness): Record<string, unknown> {
  const lines = [...logged(h, 'Read-restricted page withheld'), ...logged(h, 'Page withheld: its read restriction could not be read')];
  return Object.fromEntries(lines.map((line) => [line.pageId, line.restriction]));
}

for (const flavour of FLAVOURS) {
  t.test(`${flavour}: a server that ignores the expansion gives the same result through the per-content fallback`, async (t) => {
    const normal = await startCycleHarness({ spaces: [ENG], content: MIXED }, { flavour });
    t.teardown(normal.close);
    const expected = await normal.sync();
    t.same(storedIds(normal), MIXED_STORED);

    const ignoring = await startCycleHarness({ spaces: [ENG], content: MIXED, restrictions: { ignoreExpansion: true } }, { flavour });
    t.teardown(ignoring.close);
    const result = await ignoring.sync();
    t.same(storedIds(ignoring), MIXED_STORED, 'the same pages are synced');
    t.equal(result.summary.restricted, expected.summary.restricted);
    t.equal(result.summary.restrictionUnknown, 0);
    t.same(withheldLines(ignoring), withheldLines(normal), 'each withheld page is named the same way');
    t.same(withheldLines(normal), { 5001: 'inherited from 5000', 5101: 'own', 5102: 'inherited from 5101', 5202: 'own' });
    const calls = confluenceCalls(ignoring);
    t.equal(calls.lookups, 0, 'no batched lookup that would be ignored as well');
    t.ok(calls.perContent > 0 && calls.perContent <= 10, `one request per page or ancestor concerned (${calls.perContent})`);
    const paths = ignoring.confluence.requests.filter((r) => r.path.endsWith('/byOperation/read')).map((r) => r.path);
    t.ok(paths.every((path) => (flavour === 'cloud' ? /\/ex\/confluence\/[^/]+\/wiki\/rest\/api\/content\/\d+\/restriction\/byOperation\/read$/ : /^\/rest\/api\/content\/\d+\/restriction\/byOperation\/read$/).test(path)), 'the §17 path of the flavour');
  });
}

t.test('unknown restriction state withholds everything, warns once and the cycle succeeds', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [page('5001', 'ENG', { labels: ALL }), page('5002', 'ENG', { parentId: '5001' }), page('5003', 'ENG', { labels: SINGLE })],
    restrictions: { ignoreExpansion: true, endpointFailureStatus: 500 },
  });
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.same(h.storedKeys(), [], 'nothing ingested');
  t.equal(result.summary.restricted, 3);
  t.equal(result.summary.restrictionUnknown, 3);
  const warnings = logged(h, 'Read restriction state unknown: pages withheld');
  t.equal(warnings.length, 1, 'one WARN for the cycle');
  t.match(warnings[0], { level: 40, pages: 3, stage: 'restrictions' });
  t.match(logged(h, 'Page withheld: its read restriction could not be read').find((line) => line.pageId === '5002'), { restriction: 'unknown' });
});

t.test('the fallback goes top-down: a restricted ancestor spares the requests for the pages below it', async (t) => {
  const content: ScenarioContent[] = [page('5000', 'ENG', { labels: ALL }), page('5001', 'ENG', { parentId: '5000', readRestrictions: { users: ['ana'] } })];
  for (let i = 0; i < 20; i += 1) content.push(page(String(5100 + i), 'ENG', { parentId: '5001' }));
  const h = await startCycleHarness({ spaces: [ENG], content, restrictions: { ignoreExpansion: true } });
  t.teardown(h.close);
  const result = await h.sync();
  t.same(storedIds(h), ['5000']);
  t.equal(result.summary.restricted, 21);
  const asked = h.confluence.requests.filter((r) => r.path.endsWith('/byOperation/read')).map((r) => r.path.split('/').at(-4)).sort();
  t.same(asked, ['5000', '5001'], 'the root, then the restricted page; none of its 20 children');
});

t.test('a failing restriction endpoint is given up on after five failures in a row', async (t) => {
  const content = Array.from({ length: 30 }, (_, i) => page(String(5100 + i), 'ENG', { labels: SINGLE }));
  const h = await startCycleHarness({ spaces: [ENG], content, restrictions: { ignoreExpansion: true, endpointFailureStatus: 404 } }, { concurrency: 1 });
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(result.summary.restrictionUnknown, 30, 'everything withheld');
  t.equal(h.confluence.requests.filter((r) => r.path.endsWith('/byOperation/read')).length, 5, 'not 30 requests');
});

t.test('a restriction state unknown for one ancestor withholds only the pages below it', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [page('5000', 'ENG'), page('5001', 'ENG', { parentId: '5000', labels: ALL }), page('5002', 'ENG', { parentId: '5001' }), page('5003', 'ENG', { labels: SINGLE })],
  });
  t.teardown(h.close);
  // The lookup answers without 5000 (deleted meanwhile, say); its own endpoint then fails.
  h.confluence.faults.add({ path: /\/content\/search$/, after: 2, times: 1, status: 200, body: JSON.stringify({ results: [], start: 0, limit: 100, size: 0, _links: {} }) });
  h.confluence.faults.add({ path: /\/content\/5000\/restriction\/byOperation\/read$/, status: 404 });
  const result = await h.sync();
  t.same(storedIds(h), ['5003']);
  t.equal(result.summary.restrictionUnknown, 2);
  t.match(logged(h, 'Page withheld: its read restriction could not be read').find((line) => line.pageId === '5002'), { restriction: 'unknown (ancestor 5000)' });
});

t.test('a failing ancestor lookup fails the cycle before anything is written', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5000', 'ENG'), page('5001', 'ENG', { parentId: '5000', labels: SINGLE })] });
  t.teardown(h.close);
  h.confluence.faults.add({ path: /\/content\/search$/, after: 1, status: 503 });
  await t.rejects(h.sync(), { code: 'CONFLUENCE_HTTP_ERROR' });
  t.same(h.uniqueWrites(), []);
});

t.test('ancestors outside the discovered set cost one request per 100', async (t) => {
  // 101 labelled pages, each under its own unlabelled parent: 101 outside ancestors.
  const content: ScenarioContent[] = [];
  for (let i = 0; i < 101; i += 1) {
    content.push(page(String(6000 + i), 'ENG'), page(String(7000 + i), 'ENG', { parentId: String(6000 + i), labels: SINGLE }));
  }
  content[0] = page('6000', 'ENG', { readRestrictions: { users: ['ana'] } });
  const h = await startCycleHarness({ spaces: [ENG], content });
  t.teardown(h.close);
  // A dry run: discovery and the diff are what this is about, ingesting 100 pages is not.
  const result = await h.sync({ dryRun: true });
  t.equal(result.summary.new, 100);
  t.equal(result.summary.restricted, 1);
  const calls = confluenceCalls(h);
  t.equal(calls.lookups, 2, 'ceil(101 / 100) lookups');
  t.equal(calls.perContent, 0);
});

t.test('the sync command (and its dry run) exits 0 with unknown restriction state, and warns', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE })], restrictions: { ignoreExpansion: true, endpointFailureStatus: 403 } });
  t.teardown(h.close);
  const dir = mkdtempSync(join(tmpdir(), 'cfc-restrictions-'));
  writeFileSync(join(dir, 'acme-tenant-config.yaml'), [
    'confluence:',
    '  instanceType: data-center',
    `  baseUrl: ${h.confluence.baseUrl}`,
    '  auth: { mode: pat, token: os.environ/ACME_PAT }',
    '  apiRateLimitPerMinute: 100000',
    '  ingestSingleLabel: ai-ingest',
    '  ingestAllLabel: ai-ingest-all',
    'unique:',
    '  serviceAuthMode: cluster_local',
    `  serviceExtraHeaders: { x-company-id: ${h.unique.scenario.companyId}, x-user-id: ${h.unique.scenario.serviceUserId} }`,
    `  ingestionServiceBaseUrl: ${h.unique.ingestionBaseUrl}`,
    `  scopeManagementServiceBaseUrl: ${h.unique.scopeManagementBaseUrl}`,
    '  apiRateLimitPerMinute: 100000',
    'ingestion:',
    '  scopeId: scope_root',
    '  attachments: { mode: disabled }',
    '',
  ].join('\n'));
  const plan = new Capture();
  const dryRun = await runCli(['sync', '--dry-run', '--config', join(dir, '*-tenant-config.yaml')], { env: { ACME_PAT: PAT }, stdout: plan, stderr: new Capture() });
  t.equal(dryRun, 0);
  t.match(plan.text(), /^ {2}space ENG: nothing selected, 1 withheld; .*\n {4}withheld: 5001 \(read restriction unknown \(own\)\)$/m, 'the plan on stdout names the withheld page');
  const stdout = new Capture();
  const code = await runCli(['sync', '--config', join(dir, '*-tenant-config.yaml')], { env: { ACME_PAT: PAT }, stdout, stderr: new Capture() });
  t.equal(code, 0);
  const lines = stdout.lines();
  t.ok(lines.some((line) => line.msg === 'Read restriction state unknown: pages withheld' && line.level === 40));
  t.match(lines.find((line) => line.msg === 'Sync cycle finished'), { outcome: 'succeeded', restricted: 1, restrictionUnknown: 1, ingested: 0 });
  t.same(h.storedKeys(), []);
});
