/**
 * Listing integrity (issue 10, finding 2): a Confluence listing page with no results
 * that still carries a next link means "more follows" (contract §8). Taken as the end,
 * it made the next cycle delete 46 of 60 live pages (30 here, three pages of ten). Every paged listing is checked:
 * the label search, the Cloud v2 attachment list and the DC attachment pages.
 */
import t from 'tap';
import type { ScenarioAttachment, ScenarioContent, ScenarioSpace } from '../simulators/confluence/index.js';
import { LABELS, startCycleHarness } from '../helpers/cycle-harness.js';

const SPACES: ScenarioSpace[] = [{ id: 4101, key: 'ENG', name: 'Engineering', type: 'global' }];
const WHEN = '2026-01-05T08:00:00.000Z';

function pages(count: number, attachments = 0): ScenarioContent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(5000 + i),
    type: 'page',
    title: `Page ${i}`,
    spaceKey: 'ENG',
    labels: [LABELS.single],
    body: `<p>Body ${i}</p>`,
    version: { number: 1, when: WHEN },
    attachments: Array.from({ length: attachments }, (_, a): ScenarioAttachment => ({ id: `att${5000 + i}${100 + a}`, title: `file ${a}.txt`, mediaType: 'text/plain', size: 40 + a })),
  }));
}

for (const flavour of ['data-center', 'cloud'] as const) {
  t.test(`${flavour}: an empty search page with a next link deletes none of the pages listed after it`, async (t) => {
    const h = await startCycleHarness({ spaces: SPACES, content: pages(30), caps: { withExpansions: 10 } }, { flavour });
    t.teardown(h.close);
    await h.sync();
    t.equal(h.storedKeys().length, 30);
    // The second page of the label search comes back empty, with a link to ask again.
    h.confluence.faults.add({ path: /\/rest\/api\/content\/search$/, emptyPage: true, after: 1, times: 1 });
    h.unique.clearRequests();
    const result = await h.sync();
    t.ok(h.confluence.requests.some((r) => r.query.emptyPage !== undefined), 'the empty page was followed');
    t.equal(result.summary.vanished, 0, 'nothing counted as vanished');
    t.equal(h.storedKeys().length, 30, 'every live page is still stored');
    t.notOk(h.uniqueWrites().includes('contentDeleteByContentIds'), 'no deletion was sent');
  });
}

t.test('cloud: an empty v2 attachment page with a next link keeps the attachments listed after it', async (t) => {
  const h = await startCycleHarness({ spaces: SPACES, content: pages(1, 30) }, { flavour: 'cloud', attachments: true });
  t.teardown(h.close);
  await h.sync();
  t.equal(h.storedKeys().length, 31, 'the page and its 30 attachments');
  h.confluence.faults.add({ path: /\/wiki\/api\/v2\/pages\/\d+\/attachments$/, emptyPage: true, times: 1 });
  const result = await h.sync();
  t.ok(h.confluence.requests.some((r) => r.path.includes('/api/v2/') && r.query.emptyPage !== undefined), 'the empty v2 page was followed');
  t.equal(result.summary.vanished, 0);
  t.equal(h.storedKeys().length, 31);
});

t.test('data-center: an empty attachment page with a next link keeps the attachments listed after it', async (t) => {
  const h = await startCycleHarness({ spaces: SPACES, content: pages(1, 30) }, { attachments: true });
  t.teardown(h.close);
  await h.sync();
  t.equal(h.storedKeys().length, 31, 'the page and its 30 attachments');
  h.confluence.faults.add({ path: /\/rest\/api\/content\/\d+\/child\/attachment$/, emptyPage: true, times: 1 });
  const result = await h.sync();
  t.ok(h.confluence.requests.some((r) => r.path.endsWith('/child/attachment') && r.query.emptyPage !== undefined), 'the empty attachment page was followed');
  t.equal(result.summary.vanished, 0);
  t.equal(h.storedKeys().length, 31);
});

t.test('a listing that keeps answering empty pages with next links fails discovery and writes nothing', async (t) => {
  const h = await startCycleHarness({ spaces: SPACES, content: pages(20), caps: { withExpansions: 10 } }, { tuning: { listingLimits: { maxEmptyPages: 4 } } });
  t.teardown(h.close);
  await h.sync();
  h.confluence.faults.add({ path: /\/rest\/api\/content\/search$/, emptyPage: true, after: 1 });
  h.unique.clearRequests();
  await t.rejects(h.sync(), { code: 'DISCOVERY_FAILED', message: /5 pages in a row were empty/ });
  t.same(h.uniqueWrites(), [], 'nothing written, nothing deleted');
  t.equal(h.storedKeys().length, 20);
});

t.test('a discovery listing ever new pages stops at the item bound with a clear error and writes nothing', async (t) => {
  const h = await startCycleHarness({ spaces: SPACES, content: pages(120), caps: { withExpansions: 10 } }, { tuning: { listingLimits: { maxItems: 50 } } });
  t.teardown(h.close);
  h.unique.clearRequests();
  await t.rejects(h.sync(), { code: 'DISCOVERY_FAILED', message: /more than 50 items; stopping before memory runs out/ });
  t.ok(h.confluence.requests.filter((r) => r.path.endsWith('/content/search')).length <= 6, 'stopped after about 50 items, not at the end of the listing');
  t.same(h.uniqueWrites(), []);
});
