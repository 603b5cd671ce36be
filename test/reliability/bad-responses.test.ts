/**
 * Bad input from Confluence (contract §5, §11): truncated JSON, an HTML error page
 * with status 200, envelopes and items with missing fields or wrong types, and pages
 * that vanish between discovery and the body fetch. Every one of them is an item-level
 * skip or a failed cycle with a clear log line; none crashes the process, and none
 * deletes anything a previous good cycle stored.
 */
import t, { type Test } from 'tap';
import { startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import type { FaultRule, ScenarioContent } from '../simulators/confluence/index.js';
import { ENG, SINGLE, later, page } from '../pipeline/support/scenario.js';
import { logLines, settle, storedSnapshot, v1Envelope, v1Item, watchUnhandledRejections } from './support/hostile.js';

const SEARCH = /\/rest\/api\/content\/search$/;
const MANIFEST = /\/rest\/applinks\/1\.0\/manifest$/;
const IDS = ['5001', '5002', '5003'];
const HTML_ERROR_PAGE = '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Confluence is down for maintenance</h1></body></html>';

function scenario(): { spaces: (typeof ENG)[]; content: ScenarioContent[] } {
  return { spaces: [ENG], content: IDS.map((id) => page(id, 'ENG', { labels: SINGLE })) };
}

/** A harness after one good cycle that stored the three pages. */
async function afterGoodCycle(t: Test, flavour: 'data-center' | 'cloud' = 'data-center'): Promise<{ h: CycleHarness; before: string[] }> {
  const h = await startCycleHarness(scenario(), { flavour });
  t.teardown(h.close);
  const first = await h.sync();
  t.equal(first.summary.ingested, 3, 'the good cycle stores all pages');
  h.unique.clearRequests();
  h.logs.chunks.length = 0;
  return { h, before: storedSnapshot(h) };
}

/** Nothing deleted, nothing changed in what Unique stores. */
function assertIntact(t: Test, h: CycleHarness, before: string[]): void {
  t.same(h.contentDeletions(), [], 'nothing was deleted');
  t.same(storedSnapshot(h), before, 'stored content is intact');
  h.unique.state.checkInvariants();
}


interface CycleFailureCase {
  name: string;
  rule: FaultRule;
  code: string;
  /** Part of the error message that says what was wrong. */
  problem: RegExp;
}

const json200 = (body: string): Pick<FaultRule, 'status' | 'body'> => ({ status: 200, body });

const DISCOVERY_FAILURES: CycleFailureCase[] = [
  { name: 'truncated JSON', rule: { path: SEARCH, ...json200('{"results":[{"id":"5001","type":"page","tit') }, code: 'CONFLUENCE_RESPONSE_INVALID', problem: /is not JSON/ },
  { name: 'an HTML error page with status 200', rule: { path: SEARCH, ...json200(HTML_ERROR_PAGE), headers: { 'content-type': 'text/html;charset=UTF-8' } }, code: 'CONFLUENCE_RESPONSE_INVALID', problem: /is not JSON/ },
  { name: 'an empty 200 body', rule: { path: SEARCH, ...json200('') }, code: 'CONFLUENCE_RESPONSE_INVALID', problem: /is not JSON/ },
  // A cut body is a network failure (retried, then reported as such), not a parse error.
  { name: 'a body cut off by a connection reset, every time', rule: { path: SEARCH, resetMidBody: true, times: 10 }, code: 'CONFLUENCE_HTTP_ERROR', problem: /UND_ERR_SOCKET|ECONNRESET|other side closed|terminated/ },
  { name: 'JSON null', rule: { path: SEARCH, ...json200('null') }, code: 'CONFLUENCE_RESPONSE_INVALID', problem: /has no results array/ },
  { name: 'a JSON string', rule: { path: SEARCH, ...json200('"ok"') }, code: 'CONFLUENCE_RESPONSE_INVALID', problem: /has no results array/ },
  { name: 'results that are not an array', rule: { path: SEARCH, ...json200(v1Envelope({ 0: v1Item('5001') })) }, code: 'CONFLUENCE_RESPONSE_INVALID', problem: /has no results array/ },
  { name: 'results without _links', rule: { path: SEARCH, ...json200(v1Envelope(IDS.map((id) => v1Item(id)), false)) }, code: 'CONFLUENCE_RESPONSE_INVALID', problem: /has no _links object/ },
  { name: '_links that is a string', rule: { path: SEARCH, ...json200(JSON.stringify({ results: IDS.map((id) => v1Item(id)), _links: 'next' })) }, code: 'CONFLUENCE_RESPONSE_INVALID', problem: /has no _links object/ },
  { name: 'a 404 on the search', rule: { path: SEARCH, status: 404 }, code: 'CONFLUENCE_HTTP_ERROR', problem: /HTTP 404/ },
];

t.test('a broken discovery answer fails the cycle with a clear log line and deletes nothing', async (t) => {
  for (const flavour of ['data-center', 'cloud'] as const) {
    for (const c of DISCOVERY_FAILURES) {
      t.test(`${c.name} (${flavour})`, async (t) => {
        const unhandled = watchUnhandledRejections(t);
        const { h, before } = await afterGoodCycle(t, flavour);
        h.confluence.faults.add(c.rule);
        const { error } = await settle(h.sync());
        t.equal(error?.code, c.code, 'the cycle fails with the stable code');
        t.match(error?.message, c.problem);
        t.match(error?.message, /content\/search/, 'the message names the endpoint');
        const failed = logLines(h, 'Sync cycle failed');
        t.equal(failed.length, 1, 'one failure line');
        t.match(failed[0], { level: 50, tenant: 'acme', code: c.code, outcome: 'failed', error: c.problem });
        t.notOk(JSON.stringify(failed[0]).includes('at ConfluenceApi'), 'no stack trace in the log line');
        t.same(h.uniqueWrites(), [], 'no content write at all');
        assertIntact(t, h, before);
        t.same(unhandled, [], 'no unhandled rejection');
      });
    }
  }
});

t.test('a manifest answered with an HTML page fails the cycle before discovery', async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const { h, before } = await afterGoodCycle(t);
  h.confluence.faults.add({ path: MANIFEST, ...json200(HTML_ERROR_PAGE), headers: { 'content-type': 'text/html' } });
  h.confluence.clearRequests();
  const { error } = await settle(h.sync());
  t.equal(error?.code, 'CONFLUENCE_RESPONSE_INVALID');
  t.match(logLines(h, 'Sync cycle failed')[0], { code: 'CONFLUENCE_RESPONSE_INVALID', error: /applinks\/manifest/ });
  t.notOk(h.confluence.requests.some((r) => SEARCH.test(r.path)), 'discovery never started');
  assertIntact(t, h, before);
  t.same(unhandled, []);
});

interface ItemCase {
  name: string;
  /** The listing: item 5001 stays good, 5002 (and 5003) are damaged. */
  results: unknown[];
  /** Reasons logged for the skipped items. */
  reasons: string[];
}

const broken = (id: string, edit: (item: Record<string, unknown>) => void): Record<string, unknown> => {
  const item = v1Item(id);
  edit(item);
  return item;
};

const ITEM_CASES: ItemCase[] = [
  {
    name: 'items without id, space or version',
    results: [v1Item('5001'), broken('5002', (i) => delete i.id), broken('5002', (i) => delete i.space), broken('5003', (i) => delete i.version)],
    reasons: ['missing id', 'missing space', 'missing or invalid version.when'],
  },
  {
    name: 'version.when that is not a time',
    results: [v1Item('5001'), v1Item('5002', { when: 'yesterday' }), broken('5003', (i) => (i.version = { number: 2, when: 1767600000000 }))],
    reasons: ['missing or invalid version.when', 'missing or invalid version.when'],
  },
  {
    name: 'a space id that is not a number',
    results: [v1Item('5001'), v1Item('5002', { spaceId: 'ENG' }), broken('5003', (i) => (i.space = { id: { value: 4101 }, key: 'ENG' }))],
    reasons: ['invalid space id', 'missing space'],
  },
  {
    name: 'null, a string and an array among the results',
    results: [v1Item('5001'), null, 'page 5002', [v1Item('5003')]],
    reasons: ['not an object', 'not an object', 'missing id'],
  },
];

t.test('unusable items in the listing are skipped with a warning and, because the listing is incomplete, nothing is deleted', async (t) => {
  for (const c of ITEM_CASES) {
    t.test(c.name, async (t) => {
      const unhandled = watchUnhandledRejections(t);
      const { h, before } = await afterGoodCycle(t);
      h.confluence.faults.add({ path: SEARCH, times: 1, ...json200(v1Envelope(c.results)) });
      const result = await h.sync();
      t.equal(result.outcome, 'succeeded', 'the cycle goes on with the usable items');
      const skipped = logLines(h, 'Skipped a Confluence content item the client cannot use.');
      t.same(skipped.map((line) => line.reason), c.reasons, 'one warning per unusable item, with its reason');
      t.ok(skipped.every((line) => line.level === 40 && line.endpoint === 'content/search' && line.tenant === 'acme'));
      t.match(logLines(h, 'Confluence discovery skipped unusable items; the listing is incomplete.'), [{ level: 40, invalidItems: c.reasons.length }]);
      t.equal(result.summary.deleted, 0);
      assertIntact(t, h, before);
      t.same(unhandled, []);
    });
  }
});

t.test('fields of the wrong type that the connector does not need are tolerated', async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const { h, before } = await afterGoodCycle(t);
  const odd = [
    v1Item('5001', { spaceId: '4101' }),
    broken('5002', (i) => {
      i.id = 5002;
      i.ancestors = 'none';
      i.metadata = { labels: { results: 'ai-ingest' } };
      i._links = null;
    }),
    broken('5003', (i) => {
      i.version = { number: 'one', when: '2026-01-05T09:00:00+01:00' };
      i.children = { attachment: { results: 'none', size: 'x' } };
    }),
  ];
  h.confluence.faults.add({ path: SEARCH, times: 1, ...json200(v1Envelope(odd)) });
  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.equal(result.summary.unchanged, 3, 'a numeric string space id, a numeric id and an offset time map to the same keys and times');
  t.same(logLines(h, 'Skipped a Confluence content item the client cannot use.'), []);
  assertIntact(t, h, before);
  t.same(unhandled, []);
});

interface BodyCase {
  name: string;
  rule: Omit<FaultRule, 'path' | 'after' | 'times'>;
  msg: string;
  fields: Record<string, unknown>;
}

const BODY_CASES: BodyCase[] = [
  { name: 'a page missing from the body answer (vanished)', rule: json200(v1Envelope([])), msg: 'Page vanished since discovery, skipped', fields: { level: 40, pageId: '5002' } },
  { name: 'a 404 on the body fetch', rule: { status: 404 }, msg: 'Body fetch failed, pages skipped', fields: { level: 40, pages: 1, firstPageId: '5002', error: /HTTP 404/ } },
  { name: 'truncated JSON on the body fetch', rule: json200('{"results":[{"id":"5002","body":{"stor'), msg: 'Body fetch failed, pages skipped', fields: { level: 40, firstPageId: '5002', error: /is not JSON/ } },
  { name: 'an HTML page with status 200 on the body fetch', rule: { ...json200(HTML_ERROR_PAGE), headers: { 'content-type': 'text/html' } }, msg: 'Body fetch failed, pages skipped', fields: { level: 40, error: /is not JSON/ } },
  { name: 'a body answer without _links', rule: json200(v1Envelope([v1Item('5002', { body: '<p>x</p>' })], false)), msg: 'Body fetch failed, pages skipped', fields: { level: 40, error: /has no _links object/ } },
  { name: 'a body item without version', rule: json200(v1Envelope([broken('5002', (i) => { delete i.version; i.body = { storage: { value: '<p>x</p>' } }; })])), msg: 'Page vanished since discovery, skipped', fields: { level: 40, pageId: '5002' } },
  { name: 'a body value that is not a string', rule: json200(v1Envelope([broken('5002', (i) => (i.body = { storage: { value: 42 } }))])), msg: 'Page has an empty body, skipped', fields: { level: 20, pageId: '5002' } },
];

t.test('a page listed in discovery whose body fetch goes wrong is skipped with a reason, and stays stored', async (t) => {
  for (const c of BODY_CASES) {
    t.test(c.name, async (t) => {
      const unhandled = watchUnhandledRejections(t);
      const { h, before } = await afterGoodCycle(t);
      h.confluence.state.updateContent('5002', { body: '<p>Edited.</p>', version: { number: 2, when: later() } });
      // The first search is discovery; the second the body batch of the one changed page.
      h.confluence.faults.add({ path: SEARCH, after: 1, times: 1, ...c.rule });
      const result = await h.sync();
      // A failed body fetch makes the cycle partial; a page skipped as vanished or empty does not.
      const expected = c.msg === 'Body fetch failed, pages skipped' ? 'partial' : 'succeeded';
      t.equal(result.outcome, expected, 'a body problem never fails the cycle');
      t.equal(result.summary.updated, 1);
      t.equal(result.summary.ingested, 0);
      t.match(logLines(h, c.msg), [c.fields], 'the skip is logged with its reason');
      assertIntact(t, h, before);
      t.same(unhandled, []);

      // The next cycle, with Confluence healthy again, ingests the edit.
      const next = await h.sync();
      t.equal(next.summary.ingested, 1);
      t.equal(h.unique.state.content('acme/4101_ENG/5002')?.uploaded?.text?.includes('Edited.'), true);
      t.same(h.contentDeletions(), []);
    });
  }
});
