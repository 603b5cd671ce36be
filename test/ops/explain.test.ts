import t from 'tap';
import { explainPage } from '../../src/explain/explain.js';
import { formatExplanation } from '../../src/explain/format.js';
import { demoScenario } from '../fixtures/demo-scenario.js';
import { runCli } from '../../src/cli.js';
import { Capture } from '../helpers/capture.js';
import { PAT, startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import { writeTenants } from './support/daemon-process.js';

/**
 * `explain` must agree with `sync` on every page of one scenario: after a real cycle,
 * a page (or attachment) is in Unique exactly when explain says sync takes it.
 */
const when = '2026-10-20T10:00:00.000Z';
const scenario = {
  ...demoScenario,
  content: [
    ...demoScenario.content.map((content) =>
      content.id === '65606'
        ? {
            ...content,
            attachments: [
              { id: 'att90001', title: 'spec.pdf', mediaType: 'application/pdf', size: 2048, versionWhen: when },
              { id: 'att90002', title: 'movie.mp4', mediaType: 'video/mp4', size: 4096, versionWhen: when },
              { id: 'att90003', title: 'empty.txt', mediaType: 'text/plain', size: 0, versionWhen: when },
            ],
          }
        : content,
    ),
    // A labelled page with an empty body: in the diff, never uploaded.
    { id: '65610', type: 'page', title: 'Empty page', spaceKey: 'ENG', version: { number: 1, when }, labels: ['ai-ingest'], body: '   ' },
    // An attachment on an unselected page: accepted by the rules, not synced.
    { id: '65611', type: 'page', title: 'Unlabelled with file', spaceKey: 'ENG', version: { number: 1, when }, labels: [], body: '<p>x</p>', attachments: [{ id: 'att90004', title: 'a.pdf', mediaType: 'application/pdf', size: 10, versionWhen: when }] },
  ],
};

let harness: CycleHarness;
t.before(async () => {
  harness = await startCycleHarness(scenario, { attachments: true });
  const result = await harness.sync();
  t.equal(result.outcome, 'succeeded');
});
t.teardown(() => harness.close());

t.test('explain agrees with sync on every page and attachment of the scenario', async (t) => {
  const stored = new Set(harness.storedKeys());
  t.ok(stored.size > 0, 'the cycle stored something');
  const runtime = harness.runtime();
  t.teardown(() => runtime.close());
  for (const content of scenario.content) {
    const e = await explainPage(runtime, content.id);
    t.equal(e.synced, stored.has(e.pageKey ?? ''), `page ${content.id} (${content.title}): ${e.reason}`);
    for (const att of e.attachments) t.equal(att.synced, stored.has(att.key), `attachment ${att.id} of ${content.id}`);
    // Unique's answer and the verdict match too: what sync takes is what Unique holds.
    const pageState = e.unique?.find((state) => state.key === e.pageKey);
    t.equal(pageState?.stored ?? false, e.synced, `Unique state of ${content.id}`);
  }
});

t.test('a page selected through a labelled ancestor names that ancestor', async (t) => {
  const runtime = harness.runtime();
  t.teardown(() => runtime.close());
  const e = await explainPage(runtime, '65605');
  t.ok(e.synced);
  t.same(e.selectingAncestors.map((a) => a.id), ['65601']);
  t.match(formatExplanation(e), /ancestor 65601 \(Operations handbook\) carries the "ai-ingest-all" label/);
  const state = e.unique?.find((s) => s.key === e.pageKey);
  t.equal(state?.stored, true);
  t.ok(state?.updatedAt, 'when Unique last wrote it');
});

t.test('unselected, skipped-type, personal-space and empty pages say why', async (t) => {
  const runtime = harness.runtime();
  t.teardown(() => runtime.close());
  const reasons = async (id: string) => (await explainPage(runtime, id, { offline: true })).reason;
  t.match(await reasons('65609'), /^selected by label: neither it nor any ancestor carries/);
  t.match(await reasons('65608'), /^content type ingested: content type whiteboard has no body to ingest/);
  t.match(await reasons('70004'), /^content type ingested: content type database/);
  t.match(await reasons('80001'), /^space type scanned: space ~mara is personal/);
  t.match(await reasons('65610'), /^body not empty: the storage body is empty/);
  t.match(await reasons('99999'), /^found: /);
  const offline = await explainPage(runtime, '65606', { offline: true });
  t.equal(offline.unique, undefined, 'offline asks Unique nothing');
});

t.test('rejected attachments carry the rule that rejected them', async (t) => {
  const runtime = harness.runtime();
  t.teardown(() => runtime.close());
  const e = await explainPage(runtime, '65606');
  const byId = new Map(e.attachments.map((att) => [att.id, att]));
  t.equal(byId.get('att90001')?.synced, true);
  t.match(byId.get('att90002')?.reason, /media type video\/mp4 is not in allowedMimeTypes/);
  t.match(byId.get('att90003')?.reason, /zero-byte/);
  const text = formatExplanation(e);
  t.match(text, /verdict: SYNCED/);
  t.match(text, /att90002 "movie\.mp4" \(video\/mp4, 4096 bytes\): rejected: media type video\/mp4/);
  const unselected = await explainPage(runtime, '65611');
  t.equal(unselected.attachments[0]?.accepted, true);
  t.equal(unselected.attachments[0]?.synced, false);
});

t.test('the explain command prints text, or JSON with --json, for a tenant file', async (t) => {
  const env = {
    ACME_CONFLUENCE_URL: harness.confluence.baseUrl,
    ACME_PAT: PAT,
    ACME_USER: harness.unique.scenario.serviceUserId,
    ACME_INGESTION_URL: harness.unique.ingestionBaseUrl,
    ACME_SCOPE_URL: harness.unique.scopeManagementBaseUrl,
  };
  const config = writeTenants([{ name: 'acme', cron: '*/15 * * * *', env: 'ACME' }]);
  const run = async (args: string[]) => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['explain', ...args, '--config', config], { env, stdout, stderr });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };
  const text = await run(['65602']);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /^page 65602 "Database failover runbook"/);
  t.match(text.stdout, /verdict: SYNCED/);
  t.match(text.stdout, /acme\/98305_ENG\/65602  in Unique \(FINISHED, last written /);
  const json = await run(['65609', '--json', '--offline']);
  t.equal(json.code, 1, 'a page that is not synced exits 1, so scripts can branch on the verdict');
  const parsed = JSON.parse(json.stdout);
  t.equal(parsed.synced, false);
  t.equal(parsed.checks.find((c: { passed: boolean }) => !c.passed).rule, 'selected by label');
  t.equal((await run(['not-a-number'])).code, 2, 'a bad page id is a usage error');
});
