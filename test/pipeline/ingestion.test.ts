/**
 * What reaches Unique for a page and how: the registration fields of contract §9,
 * clean-up after a failed upload, batched body fetches and bounded concurrency.
 */
import t from 'tap';
import { LABELS, ROOT_SCOPE, startCycleHarness } from '../helpers/cycle-harness.js';
import type { RequestLogEntry as UniqueRequest } from '../simulators/unique/index.js';
import { ENG, SINGLE, bodyRequests, later, page, registrations, storedIds } from './support/scenario.js';

function pendingMarkOf(request: UniqueRequest | undefined): unknown {
  return (request?.variables as { input?: { metadata?: Record<string, unknown> } } | undefined)?.input?.metadata?.pendingIngestionAttempt;
}

t.test('the registration of a page carries exactly the contract §9 fields', async (t) => {
  const body = '<p>Zürich café — naïve “quotes” ✓</p>';
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [page('5001', 'ENG', { title: 'Release plan', labels: ['zeta', LABELS.single, 'alpha', LABELS.all, 'mid'], body })],
  });
  t.teardown(h.close);
  await h.sync();
  const key = 'acme/4101_ENG/5001';
  const stored = h.unique.state.content(key)!;
  const spaceScope = h.unique.state.scopes().find((s) => s.externalId === 'confc:acme:4101:ENG')!;
  t.equal(spaceScope.path, '/Company KB/Confluence/ENG');
  const html = stored.uploaded!.text!;
  t.match(html, /Zürich café — naïve “quotes” ✓/);

  const [register] = registrations(h, key);
  t.same(register?.variables, {
    input: {
      key,
      title: 'Release plan',
      mimeType: 'text/html',
      ownerType: 'SCOPE',
      url: `${h.confluence.baseUrl}/pages/viewpage.action?pageId=5001`,
      byteSize: Buffer.byteLength(html, 'utf8'),
      metadata: { confluenceLabels: ['alpha', 'mid', 'zeta'], spaceKey: 'ENG', spaceName: 'Engineering', pendingIngestionAttempt: pendingMarkOf(register) },
    },
    scopeId: spaceScope.id,
    sourceOwnerType: 'COMPANY',
    sourceKind: 'ATLASSIAN_CONFLUENCE_ONPREM',
    sourceName: h.confluence.baseUrl,
    storeInternally: true,
    baseUrl: h.confluence.baseUrl,
  });
  t.not(Buffer.byteLength(html, 'utf8'), html.length, 'the body has multi-byte characters, so byteSize is bytes, not characters');
  t.equal(stored.byteSize, stored.uploaded!.size, 'declared size = uploaded size');
  t.equal(stored.uploaded!.contentType, 'text/html');
  const finalize = h.unique.requests.find((r) => r.operation === 'contentUpsert' && (r.variables as { fileUrl?: string }).fileUrl !== undefined);
  const { fileUrl, ...rest } = finalize!.variables as Record<string, unknown>;
  const registered = register!.variables as { input: { metadata: Record<string, unknown> } };
  const { pendingIngestionAttempt: _mark, ...unmarked } = registered.input.metadata;
  t.match(pendingMarkOf(register), /^att-/, 'the registration carries the attempt\'s pending mark');
  t.same(rest, { ...registered, input: { ...registered.input, metadata: unmarked } }, 'finalize repeats the registration arguments, without the pending mark');
  t.same(stored.metadata, unmarked, 'the stored metadata is the finalized one');
  t.type(fileUrl, 'string');
  t.equal(stored.ownerId, spaceScope.id);
  t.equal(stored.ingestionState, 'FINISHED');
});

t.test('a page without other labels has an empty label list, and the page ingestion config is sent verbatim', async (t) => {
  const pageIngestionConfig = { htmlConfig: { imageContentExtraction: { enabled: false } }, uniqueIngestionMode: 'INGESTION' };
  const h = await startCycleHarness(
    { spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE })] },
    {
      tenant: (config) => {
        config.ingestion.pageIngestionConfig = pageIngestionConfig;
        config.ingestion.storeInternally = false;
      },
    },
  );
  t.teardown(h.close);
  await h.sync();
  const stored = h.unique.state.content('acme/4101_ENG/5001');
  t.same(stored?.metadata, { confluenceLabels: [], spaceKey: 'ENG', spaceName: 'Engineering' });
  t.same(stored?.ingestionConfig, pageIngestionConfig);
  t.equal(stored?.storeInternally, false);
});

t.test('a failed upload deletes the registered content, counts a failure, and the next cycle ingests the page', async (t) => {
  const h = await startCycleHarness(
    { spaces: [ENG], content: ['5001', '5002', '5003'].map((id) => page(id, 'ENG', { labels: SINGLE })) },
    { concurrency: 1 },
  );
  t.teardown(h.close);
  h.unique.faults.add({ path: '/scoped/upload', after: 1, times: 1, status: 500 });
  const first = await h.sync();
  t.equal(first.outcome, 'partial', 'one failed item makes the cycle partial, not failed');
  t.equal(first.summary.failed, 1);
  t.equal(first.summary.ingested, 2);
  t.equal(storedIds(h).length, 2, 'the failed page is not left registered');
  const deleted = h.contentDeletions();
  t.equal(deleted.length, 1, 'its registration was deleted');
  t.equal(deleted[0]?.via, 'contentDeleteByContentIds');
  for (const content of h.unique.state.contents()) {
    t.ok(content.uploaded !== null && content.updatedAt !== null, `${content.key} is complete, nothing half-written`);
  }
  const failedKey = deleted[0]!.key;

  h.unique.clearRequests();
  const second = await h.sync();
  t.equal(second.summary.new, 1);
  t.equal(second.summary.ingested, 1);
  t.equal(second.summary.failed, 0);
  t.ok(h.storedKeys().includes(failedKey), 'ingested on the next cycle');
  t.equal(storedIds(h).length, 3);
});

t.test('a failed upload of an edited page removes the old version, and the next cycle re-ingests it', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE })] });
  t.teardown(h.close);
  await h.sync();
  h.confluence.state.updateContent('5001', { body: '<p>v2</p>', version: { number: 2, when: later() } });
  h.unique.faults.add({ path: '/scoped/upload', times: 1, status: 503 });
  const failed = await h.sync();
  t.equal(failed.summary.failed, 1);
  t.same(h.storedKeys(), [], 'contract §14.9: the previous version goes with the failed registration');
  const again = await h.sync();
  t.equal(again.summary.new, 1);
  t.match(h.unique.state.content('acme/4101_ENG/5001')?.uploaded?.text, /v2/);
});

t.test('bodies are fetched in batches of 50, not one call a page', async (t) => {
  const ids = Array.from({ length: 60 }, (_, i) => String(5001 + i));
  const h = await startCycleHarness({ spaces: [ENG], content: ids.map((id) => page(id, 'ENG', { labels: SINGLE })) }, { concurrency: 8 });
  t.teardown(h.close);
  const first = await h.sync();
  t.equal(first.summary.ingested, 60);
  t.equal(bodyRequests(h), Math.ceil(60 / 50), 'two body searches for 60 changed pages');

  h.confluence.clearRequests();
  for (const id of ['5001', '5030', '5060']) h.confluence.state.updateContent(id, { body: `<p>edit ${id}</p>`, version: { number: 2, when: later() } });
  const second = await h.sync();
  t.equal(second.summary.ingested, 3);
  t.equal(bodyRequests(h), 1, 'one body search for three changed pages');
  const cql = h.confluence.requests.find((r) => r.query.expand?.includes('body.storage'))?.query.cql;
  t.equal(cql, 'id IN (5001,5030,5060)');
});

t.test('no more pages are ingested at once than processing.concurrency', async (t) => {
  const ids = Array.from({ length: 8 }, (_, i) => String(5001 + i));
  const h = await startCycleHarness({ spaces: [ENG], content: ids.map((id) => page(id, 'ENG', { labels: SINGLE })) }, { concurrency: 3 });
  t.teardown(h.close);
  let inFlight = 0;
  let peak = 0;
  // Each upload is held 40 ms; the counter drops just before the held answer goes out.
  h.unique.faults.add({
    path: '/scoped/upload',
    latencyMs: 40,
    when: () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => (inFlight -= 1), 40);
      return true;
    },
  });
  const result = await h.sync();
  t.equal(result.summary.ingested, 8);
  t.ok(peak <= 3, `at most 3 uploads in flight (peak ${peak})`);
  t.ok(peak >= 2, `pages are ingested in parallel (peak ${peak})`);
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId?.startsWith('confc:data-center:'), true);
});

t.test('a failed finalization deletes the registered content and counts a failure', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: ['5001', '5002'].map((id) => page(id, 'ENG', { labels: SINGLE })) }, { concurrency: 1 });
  t.teardown(h.close);
  h.unique.faults.add({ operation: 'contentUpsert', when: (req) => (req.variables as { fileUrl?: string }).fileUrl !== undefined, times: 1, graphqlError: 'ingestion queue unavailable' });
  const result = await h.sync();
  t.equal(result.summary.failed, 1);
  t.equal(result.summary.ingested, 1);
  t.equal(h.unique.state.contents().length, 1);
  t.equal(h.contentDeletions().length, 1);
  await h.sync();
  t.same(storedIds(h), ['5001', '5002']);
});

t.test('a body search Confluence cannot answer at all skips its pages as failed, unsplit, and the next cycle ingests them', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: ['5001', '5002'].map((id) => page(id, 'ENG', { labels: SINGLE })) });
  t.teardown(h.close);
  // Unavailable (503) on the first attempt and its three retries: smaller searches would fare no better.
  h.confluence.faults.add({ path: /\/rest\/api\/content\/search$/, when: ({ query }) => query.get('expand')?.includes('body.storage') === true, times: 4, status: 503 });
  const result = await h.sync();
  t.equal(result.outcome, 'partial');
  t.equal(result.summary.failed, 2);
  t.equal(bodyRequests(h), 4, 'one search and its retries, not split');
  t.same(h.storedKeys(), []);
  t.same(h.uniqueWrites().filter((w) => w === 'contentUpsert'), [], 'nothing registered for pages without a body');
  t.ok(h.logs.lines().some((l) => l.msg === 'Body fetch failed, pages skipped' && l.pages === 2 && l.level === 40));
  await h.sync();
  t.same(storedIds(h), ['5001', '5002']);
});
