/**
 * Whole-service outages in the middle of a cycle (Confluence contract §11 failure
 * scope, Unique contract §11): a discovery cut off half-way aborts the cycle with an
 * ERROR before any Unique write, so a partial listing never turns into deletions; a
 * Unique that is down for a whole cycle fails that cycle cleanly, and the next one
 * catches up.
 */
import { createServer } from 'node:net';
import t, { type Test } from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { runSyncCycle } from '../../src/pipeline.js';
import { createTenantRuntime } from '../../src/tenant-runtime.js';
import { startCycleHarness, LABELS, type CycleHarness } from '../helpers/cycle-harness.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';
import { contentWrites } from './soak-helpers.js';

const ENG = { id: 8101, key: 'ENG', name: 'Engineering', type: 'global' as const };
const OPS = { id: 8102, key: 'OPS', name: 'Operations', type: 'global' as const };
const T0 = '2026-01-05T08:00:00.000Z';
const PAGES = 30;

function page(index: number, extra: Partial<ScenarioContent> = {}): ScenarioContent {
  const spaceKey = index % 2 === 0 ? 'ENG' : 'OPS';
  return { id: String(810000 + index), type: 'page', title: `Page ${index}`, spaceKey, labels: [LABELS.single], body: `<p>Body ${index}</p>`, version: { number: 1, when: T0 }, ...extra };
}

async function harness(t: Test): Promise<CycleHarness> {
  // Small result pages, so discovery takes several requests and can be cut off half-way.
  const h = await startCycleHarness({ spaces: [ENG, OPS], content: Array.from({ length: PAGES }, (_, i) => page(i)), caps: { withBody: 4, withExpansions: 4, bare: 4 } });
  t.teardown(h.close);
  const first = await h.sync();
  t.equal(first.summary.ingested, PAGES, 'the first cycle ingests everything');
  return h;
}

/** What Unique holds, content by content, to prove a failed cycle left it untouched. */
const snapshot = (h: CycleHarness) => h.unique.state.contents().map((c) => `${c.key} ${c.id} ${c.updatedAt} ${c.uploaded?.sha256}`);

/** Changes that a partial listing would turn into writes and deletions if it were diffed. */
function changeConfluence(h: CycleHarness): void {
  h.confluence.state.addContent(page(100, { version: { number: 1, when: new Date(Date.now() + 60_000).toISOString() } }));
  h.confluence.state.updateContent(page(3).id, { body: '<p>edited</p>', version: { number: 2, when: new Date(Date.now() + 60_000).toISOString() } });
}

const errorLines = (h: CycleHarness) => h.logs.lines().filter((line) => line.level === 50 && line.msg === 'Sync cycle failed');

async function failedCycle(run: Promise<unknown>): Promise<{ code?: string }> {
  try {
    await run;
  } catch (error) {
    return { code: isConnectorError(error) ? error.code : `not a connector error: ${String(error)}` };
  }
  throw new Error('the cycle succeeded');
}

t.test('discovery answered with 500 from half-way on: the cycle aborts with an ERROR and Unique is untouched', async (t) => {
  const h = await harness(t);
  changeConfluence(h);
  const before = snapshot(h);
  const deletionsBefore = h.contentDeletions().length;
  h.unique.clearRequests();
  h.confluence.clearRequests();
  h.confluence.faults.add({ path: /\/rest\/api\/content\/search$/, status: 500, after: 3 });

  const failure = await failedCycle(h.sync());
  t.match(failure.code, /^CONFLUENCE_/, 'a Confluence error, not an unexpected one');
  t.ok(h.confluence.requests.filter((r) => r.path.endsWith('/content/search') && r.status === 200).length >= 3, 'discovery got part of the listing first');
  t.equal(errorLines(h).length, 1, 'one ERROR line names the failed cycle');
  t.notOk('diff' in ((errorLines(h)[0]?.phasesMs as object | undefined) ?? {}), 'the cycle stopped before its diff');
  t.equal(contentWrites(h.unique.requests, h.unique), 0, 'no content written or deleted');
  t.same(snapshot(h), before, 'Unique holds exactly what it held');
  t.equal(h.contentDeletions().length, deletionsBefore, 'nothing deleted');

  h.confluence.faults.clear();
  const next = await h.sync();
  t.equal(next.summary.ingested, 2, 'the next cycle catches up with the new and the edited page');
  t.equal(next.summary.deleted, 0);
});

t.test('Confluence dying half-way through discovery (connection refused): the cycle aborts with an ERROR and Unique is untouched', async (t) => {
  const h = await harness(t);
  changeConfluence(h);
  const before = snapshot(h);
  const deletionsBefore = h.contentDeletions().length;
  h.unique.clearRequests();
  let searches = 0;
  let closing: Promise<void> | undefined;
  const runtime = createTenantRuntime(h.tenant, {
    logger: h.logger,
    env: { PROXY_AUTH_MODE: 'none' },
    tuning: { retry: { retries: 2, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 50 } },
    // The server goes away after the third listing request: every later one is refused.
    onRequest: (event) => {
      if (event.target === 'confluence' && event.url.includes('/content/search') && ++searches === 3) closing = h.confluence.close();
    },
  });
  t.teardown(() => runtime.close());

  const failure = await failedCycle(runSyncCycle(runtime));
  await closing;
  t.ok(searches >= 3, 'discovery got part of the listing first');
  t.match(failure.code, /^CONFLUENCE_|^HTTP_/, 'a connector error, not an unexpected one');
  t.equal(errorLines(h).length, 1, 'one ERROR line names the failed cycle');
  t.equal(contentWrites(h.unique.requests, h.unique), 0, 'no content written or deleted');
  t.same(snapshot(h), before, 'Unique holds exactly what it held');
  t.equal(h.contentDeletions().length, deletionsBefore, 'nothing deleted');
});

t.test('Unique answering 503 to every request for a whole cycle: the cycle fails cleanly, the next one succeeds', async (t) => {
  const h = await harness(t);
  changeConfluence(h);
  const before = snapshot(h);
  h.unique.faults.add({ status: 503, httpStatus: 503 });

  const failure = await failedCycle(h.sync());
  t.match(failure.code, /^UNIQUE_/, 'a Unique error, not an unexpected one');
  t.equal(errorLines(h).length, 1, 'one ERROR line names the failed cycle');
  t.match(errorLines(h)[0], { code: /^UNIQUE_/, error: /503/ });
  t.same(snapshot(h), before, 'nothing changed in Unique');

  h.unique.faults.clear();
  const next = await h.sync();
  t.equal(next.outcome, 'succeeded');
  t.equal(next.summary.ingested, 2, 'the next cycle ingests what the failed one could not');
  t.equal(next.summary.failed, 0);
  t.equal(next.summary.deleted, 0, 'and deletes nothing');
  t.equal(h.storedKeys().length, PAGES + 1);
});

t.test('Unique refusing connections for a whole cycle: the cycle fails cleanly, the next one succeeds', async (t) => {
  const h = await harness(t);
  changeConfluence(h);
  const before = snapshot(h);
  const closedPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const { ingestionServiceBaseUrl, scopeManagementServiceBaseUrl } = h.tenant.unique;
  const down = (url: string) => url.replace(/:\d+\//, `:${closedPort}/`);
  h.tenant.unique.ingestionServiceBaseUrl = down(ingestionServiceBaseUrl);
  h.tenant.unique.scopeManagementServiceBaseUrl = down(scopeManagementServiceBaseUrl);

  const failure = await failedCycle(h.sync());
  t.match(failure.code, /^UNIQUE_/, 'a Unique error, not an unexpected one');
  t.equal(errorLines(h).length, 1, 'one ERROR line names the failed cycle');
  t.match(errorLines(h)[0], { code: /^UNIQUE_/, error: /ECONNREFUSED/ });
  t.same(snapshot(h), before, 'nothing changed in Unique');

  h.tenant.unique.ingestionServiceBaseUrl = ingestionServiceBaseUrl;
  h.tenant.unique.scopeManagementServiceBaseUrl = scopeManagementServiceBaseUrl;
  const next = await h.sync();
  t.equal(next.outcome, 'succeeded');
  t.equal(next.summary.ingested, 2, 'the next cycle ingests what the failed one could not');
  t.equal(next.summary.deleted, 0);
  t.equal(h.storedKeys().length, PAGES + 1);
});
