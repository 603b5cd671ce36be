/**
 * What a sync cycle selects from Confluence: the single label, the all label with its
 * descendants, one ingestion per page however it was found, blog posts, and the
 * content types that are skipped while their descendants are not.
 */
import t from 'tap';
import { LABELS, startCycleHarness } from '../helpers/cycle-harness.js';
import { ALL, ENG, HR, SINGLE, page, registrations, storedIds } from './pipeline-helpers.js';

t.test('a page with the single label is ingested and an unlabelled page is not', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [page('5001', 'ENG', { labels: SINGLE }), page('5002', 'ENG'), page('5003', 'ENG', { parentId: '5001' })],
  });
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.same(h.storedKeys(), ['acme/4101_ENG/5001'], 'only the labelled page, not its child nor its sibling');
  t.equal(result.summary.ingested, 1);
});

t.test('an all-labelled page is ingested together with its descendants two levels down', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [
      page('5001', 'ENG', { labels: ALL }),
      page('5002', 'ENG', { parentId: '5001' }),
      page('5003', 'ENG', { parentId: '5002' }),
      page('5004', 'ENG'),
    ],
  });
  t.teardown(h.close);
  await h.sync();
  t.same(storedIds(h), ['5001', '5002', '5003'], 'the labelled root itself, its child and its grandchild');
});

t.test('a page carrying both labels under two all-labelled ancestors is ingested once', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [
      page('5001', 'ENG', { labels: ALL }),
      page('5002', 'ENG', { parentId: '5001', labels: ALL }),
      page('5003', 'ENG', { parentId: '5002', labels: [LABELS.single, LABELS.all] }),
    ],
  });
  t.teardown(h.close);
  const result = await h.sync();
  t.same(storedIds(h), ['5001', '5002', '5003']);
  t.equal(registrations(h, 'acme/4101_ENG/5003').length, 1, 'registered once although found by E1 and by two E2 roots');
  t.equal(result.summary.discovered, 3);
  t.equal(result.summary.ingested, 3);
  const diff = h.unique.requests.find((r) => r.path.endsWith('/file-diff'));
  const fileList = (diff?.variables as { fileList: { key: string }[] }).fileList.map((item) => item.key).sort();
  t.same(fileList, ['5001', '5002', '5003'], 'the diff lists each page once');
});

t.test('a blog post is ingested like a page', async (t) => {
  const h = await startCycleHarness({
    spaces: [HR],
    content: [page('7001', 'HR', { type: 'blogpost', title: 'We moved', labels: SINGLE, body: '<p>New office on the 4th floor.</p>' })],
  });
  t.teardown(h.close);
  await h.sync();
  const stored = h.unique.state.content('acme/4103_HR/7001');
  t.ok(stored, 'the blog post is stored');
  t.equal(stored?.title, 'We moved');
  t.match(stored?.uploaded?.text, /New office on the 4th floor/);
});

t.test('database, whiteboard and folder items are skipped while their descendants are ingested', async (t) => {
  const h = await startCycleHarness(
    {
      spaces: [ENG],
      content: [
        page('5001', 'ENG', { type: 'database', labels: ALL, body: '' }),
        page('5002', 'ENG', { parentId: '5001' }),
        page('5003', 'ENG', { labels: ALL }),
        page('5004', 'ENG', { type: 'whiteboard', parentId: '5003', body: '' }),
        page('5005', 'ENG', { type: 'folder', parentId: '5003', body: '' }),
        page('5006', 'ENG', { parentId: '5004' }),
        page('5007', 'ENG', { parentId: '5005' }),
      ],
    },
    { flavour: 'cloud' },
  );
  t.teardown(h.close);
  const result = await h.sync();
  t.same(storedIds(h), ['5002', '5003', '5006', '5007']);
  t.equal(result.summary.skipped, 3, 'the database, the whiteboard and the folder');
  const diff = h.unique.requests.find((r) => r.path.endsWith('/file-diff'));
  const fileList = (diff?.variables as { fileList: { key: string }[] }).fileList.map((item) => item.key).sort();
  t.same(fileList, ['5002', '5003', '5006', '5007'], 'skipped types never reach the diff, so they are not new every cycle');

  h.unique.clearRequests();
  const second = await h.sync();
  t.equal(second.summary.new, 0, 'nothing is reported new on the next cycle');
  t.equal(second.summary.ingested, 0);
});
