/**
 * Withheld pages are visible wherever an operator looks (Confluence contract §17): the
 * `--dry-run` plan per space, `dump` records with a `withheld` reason, the metrics, and
 * `explain` with the verdict and the restricting page, agreeing with sync.
 */
import t, { type Test } from 'tap';
import { formatPlan } from '../../src/commands/sync.js';
import { explainPage } from '../../src/explain/explain.js';
import { formatExplanation } from '../../src/explain/format.js';
import { cycleMetrics } from '../../src/metrics/observers.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { runSyncCycle } from '../../src/pipeline.js';
import { startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';
import { ALL, ENG, HR, SINGLE, page } from './support/restrictions-scenario.js';

const PDF = { id: 'att9001', title: 'plan.pdf', mediaType: 'application/pdf', size: 4, bytes: 'pdf!' };
const CONTENT: ScenarioContent[] = [
  page('5000', 'ENG', { title: 'Leadership', readRestrictions: { users: ['ana'] } }),
  page('5001', 'ENG', { parentId: '5000', labels: SINGLE, attachments: [PDF] }),
  page('5002', 'ENG', { labels: ALL }),
  page('5003', 'ENG', { parentId: '5002', title: 'Payroll', readRestrictions: { groups: ['finance'] } }),
  page('5004', 'ENG', { parentId: '5002' }),
  page('6001', 'HR', { labels: SINGLE, readRestrictions: { users: ['ben'] } }),
];

async function harness(t: Test, flavour: 'cloud' | 'data-center' = 'data-center'): Promise<CycleHarness> {
  const h = await startCycleHarness({ spaces: [ENG, HR], content: CONTENT }, { flavour, attachments: true });
  t.teardown(h.close);
  return h;
}

t.test('the dry-run plan lists the withheld pages per space with what restricts them', async (t) => {
  const h = await harness(t);
  const result = await h.sync({ dryRun: true });
  t.equal(result.outcome, 'dry-run');
  t.equal(result.summary.restricted, 3);
  const text = formatPlan('acme', result.plan!, result.withheld);
  t.match(text, /^tenant acme: 1 spaces, 2 to ingest, 0 unchanged, 3 withheld \(read restrictions\)$/m);
  t.match(text, /^ {2}space ENG \(acme\/4101_ENG\): 2 submitted, 2 new, 0 updated, 0 deleted, 2 withheld$/m);
  t.match(text, /^ {4}withheld: 5001 \(read-restricted: inherited from 5000 "Leadership"\), 5003 \(read-restricted: own\)$/m);
  t.match(text, /^ {2}space HR: nothing selected, 1 withheld; an existing space scope is removed as orphaned$/m);
  t.match(text, /^ {4}withheld: 6001 \(read-restricted: own\)$/m);
  t.same(h.storedKeys(), [], 'a dry run writes nothing');
});

t.test('dump writes withheld pages as records with their reason, and no attachment of theirs', async (t) => {
  const h = await harness(t, 'cloud');
  const records = await h.dump(false);
  const withheld = records.filter((record) => record.withheld !== undefined);
  t.same(withheld.map((record) => record.id).sort(), ['5001', '5003', '6001']);
  t.match(withheld.find((record) => record.id === '5001'), {
    kind: 'page',
    tenant: 'acme',
    withheld: 'read-restricted: inherited from 5000 "Leadership"',
    restriction: { verdict: 'restricted', contentId: '5000', contentTitle: 'Leadership', own: false },
  });
  t.notOk(records.some((record) => record.kind === 'attachment' && record.pageId === '5001'), 'its attachment is not a synced record');
  t.same(records.filter((record) => record.withheld === undefined).map((record) => record.id).sort(), ['5002', '5004']);
});

t.test('the restricted counts reach the metrics', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: CONTENT.slice(0, 5), restrictions: { ignoreExpansion: true } });
  t.teardown(h.close);
  h.confluence.faults.add({ path: /\/content\/5000\/restriction\/byOperation\/read$/, status: 500 });
  const metrics = createMetrics();
  const runtime = h.runtime();
  t.teardown(() => runtime.close());
  const result = await runSyncCycle(runtime, { observers: [cycleMetrics(metrics, 'acme')] });
  t.equal(result.summary.restricted, 2);
  t.equal(result.summary.restrictionUnknown, 1);
  const text = await metrics.registry.metrics();
  t.match(text, /^cfc_pages_restricted_total\{tenant="acme"\} 2$/m);
  t.match(text, /^cfc_pages_restriction_unknown_total\{tenant="acme"\} 1$/m);
});

t.test('explain gives the verdict and the restricting page, and agrees with sync', async (t) => {
  const h = await harness(t);
  await h.sync();
  const stored = new Set(h.storedKeys());
  const runtime = h.runtime();
  t.teardown(() => runtime.close());
  for (const content of CONTENT) {
    const e = await explainPage(runtime, content.id);
    t.equal(e.synced, stored.has(e.pageKey ?? ''), `page ${content.id}: ${e.reason}`);
    for (const att of e.attachments) t.equal(att.synced, stored.has(att.key), `attachment ${att.id} of ${content.id}`);
  }
  const inherited = await explainPage(runtime, '5001', { offline: true });
  t.match(inherited.reason, /^read restrictions: read-restricted: inherited from 5000 "Leadership" \(1 user\(s\), 0 group\(s\)\)/);
  t.same(inherited.restriction?.restrictingPage, { id: '5000', title: 'Leadership', type: 'page', own: false });
  t.equal(inherited.attachments[0]?.synced, false, 'its attachment goes with it');
  t.match(formatExplanation(inherited), /\[FAIL\] read restrictions: read-restricted: inherited from 5000 "Leadership"/);
  const own = await explainPage(runtime, '5003', { offline: true });
  t.equal(own.restriction?.verdict, 'restricted');
  t.match(own.reason, /read-restricted: own \(0 user\(s\), 1 group\(s\)\)/);
  const open = await explainPage(runtime, '5004', { offline: true });
  t.ok(open.synced);
  t.match(formatExplanation(open), /\[pass\] read restrictions: neither the page nor any ancestor is read-restricted/);
});

t.test('explain says when the state is unknown, and when restrictions are ignored', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: CONTENT.slice(0, 2), restrictions: { ignoreExpansion: true, endpointFailureStatus: 503 } }, { restrictedPages: 'skip' });
  t.teardown(h.close);
  const runtime = h.runtime();
  t.teardown(() => runtime.close());
  const unknown = await explainPage(runtime, '5001', { offline: true });
  t.equal(unknown.synced, false);
  t.equal(unknown.restriction?.verdict, 'unknown');
  // Top-down: the ancestor is asked first, and its unreadable state decides.
  t.match(unknown.reason, /^read restrictions: the read restriction of ancestor 5000 "Leadership" could not be read; sync withholds the page \(fail closed/);
  t.same(unknown.restriction?.restrictingPage, { id: '5000', title: 'Leadership', type: 'page', own: false });

  h.tenant.ingestion.restrictedPages = 'ingest';
  const ingestRuntime = h.runtime();
  t.teardown(() => ingestRuntime.close());
  const ignored = await explainPage(ingestRuntime, '5001', { offline: true });
  t.ok(ignored.synced, 'ingest mode takes the page');
  t.match(formatExplanation(ignored), /\[pass\] read restrictions: ingestion.restrictedPages is ingest: read restrictions are not checked/);
});
