/**
 * Included pages across cycles: an including page is re-ingested when only the page it
 * includes changed (found through the ids its Unique metadata records), without
 * fetching every body each cycle; nothing more happens when nothing changed.
 */
import t, { type Test } from 'tap';
import { versionsExpand } from '../../src/confluence/versions.js';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import { ENG, SINGLE, later, page, registrations } from '../pipeline/support/scenario.js';

/** Just after the last cycle's writes, but not in the future (the cycle after must see it as old). */
const justNow = (): string => new Date(Date.now() + 2).toISOString();

const includeFaq = '<ac:structured-macro ac:name="include"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="Shared FAQ" /></ac:link></ac:parameter></ac:structured-macro>';

async function synced(t: Test, faqLabelled: boolean) {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [
      page('5001', 'ENG', { labels: SINGLE, title: 'Onboarding', body: `<p>Welcome.</p>${includeFaq}` }),
      page('5002', 'ENG', { labels: SINGLE }),
      page('5099', 'ENG', { labels: faqLabelled ? SINGLE : [], title: 'Shared FAQ', body: '<p>First FAQ answer.</p>' }),
    ],
  });
  t.teardown(h.close);
  await h.sync();
  return h;
}

t.test('the including page stores the included page ids and shows the included body', async (t) => {
  const h = await synced(t, false);
  const stored = h.unique.state.content('acme/4101_ENG/5001')!;
  t.same((stored.metadata as { includedPageIds?: string[] }).includedPageIds, ['5099']);
  t.match(stored.uploaded?.text, 'First FAQ answer.');
  t.match(stored.uploaded?.text, '[End of included page: Shared FAQ]');
  t.notOk('includedPageIds' in (h.unique.state.content('acme/4101_ENG/5002')!.metadata as object), 'a page without includes has no such field');
});

t.test('an included page that is not itself synced changes: the including page is re-ingested, nothing else', async (t) => {
  const h = await synced(t, false);
  h.unique.clearRequests();
  h.confluence.clearRequests();
  h.confluence.state.updateContent('5099', { body: '<p>Second FAQ answer.</p>', version: { number: 2, when: justNow() } });
  const result = await h.sync();
  t.equal(result.summary.updated, 1);
  t.same(registrations(h).map((r) => (r.variables as { input: { key: string } }).input.key), ['acme/4101_ENG/5001']);
  t.match(h.unique.state.content('acme/4101_ENG/5001')!.uploaded?.text, 'Second FAQ answer.');
  const versionSearches = h.confluence.requests.filter((r) => r.query.cql === 'id IN (5099)' && r.query.expand === versionsExpand(true));
  t.equal(versionSearches.length, 1, 'one body-less version search for the included page, with what its read-restriction verdict needs');
  t.notOk(h.confluence.requests.some((r) => r.path.endsWith('/restriction/byOperation/read')), 'no per-content restriction request');
  const listings = h.unique.requests.filter((r) => r.operation === 'paginatedContent');
  t.ok(listings.length >= 1, 'the stored contents of the space were read');

  h.unique.clearRequests();
  const again = await h.sync();
  t.equal(again.summary.updated, 0, 'unchanged the cycle after');
  t.equal(registrations(h).length, 0);
});

t.test('an included page that is synced too re-dates its includer from discovery, with no extra Confluence request', async (t) => {
  const h = await synced(t, true);
  h.confluence.clearRequests();
  h.confluence.state.updateContent('5099', { body: '<p>Third FAQ answer.</p>', version: { number: 2, when: later() } });
  const result = await h.sync();
  t.equal(result.summary.updated, 2, 'the FAQ and the page including it');
  t.match(h.unique.state.content('acme/4101_ENG/5001')!.uploaded?.text, 'Third FAQ answer.');
  t.equal(h.confluence.requests.filter((r) => r.query.expand === 'version,space').length, 0);
});

t.test('an included page that vanished re-ingests its includer once, which then keeps the marker', async (t) => {
  const h = await synced(t, false);
  h.confluence.state.removeContent('5099');
  const result = await h.sync();
  t.equal(result.summary.updated, 1);
  const stored = h.unique.state.content('acme/4101_ENG/5001')!;
  t.match(stored.uploaded?.text, '[Included page: ');
  t.notOk((stored.metadata as { includedPageIds?: string[] }).includedPageIds);
  const again = await h.sync();
  t.equal(again.summary.updated, 0, 'stable afterwards');
});
