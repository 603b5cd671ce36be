import t from 'tap';
import { DEMO_INGESTED_PAGE_IDS, demoScenario } from '../fixtures/demo-scenario.js';
import { startCycleHarness } from '../helpers/cycle-harness.js';

t.test('the demo wiki syncs: labelled pages, descendants and the blog post are ingested once; a second cycle changes nothing', async (t) => {
  const h = await startCycleHarness(demoScenario);
  t.teardown(h.close);
  const first = await h.sync();
  t.equal(first.outcome, 'succeeded');
  const pageIds = h.storedKeys().map((key) => key.split('/').pop());
  t.same(pageIds.sort(), [...DEMO_INGESTED_PAGE_IDS].sort());
  t.equal(first.summary.ingested, DEMO_INGESTED_PAGE_IDS.length);
  t.equal(first.summary.failed, 0);

  h.unique.clearRequests();
  h.confluence.clearRequests();
  const second = await h.sync();
  t.equal(second.summary.new, 0);
  t.equal(second.summary.updated, 0);
  t.equal(second.summary.ingested, 0);
  t.same(h.uniqueWrites(), [], 'a no-change cycle writes nothing');
  t.notOk(h.confluence.requests.some((r) => r.query.expand?.includes('body.storage')), 'a no-change cycle fetches no body');
});
