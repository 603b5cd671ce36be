/**
 * A Confluence that hands out hostile links and bytes (issue 10, findings 3, 4 and 5),
 * end to end through a sync cycle against the simulators:
 * - credentials go only to the configured origins: an absolute download link, an image
 *   source or a `_links.next` on another host is refused, never sent the PAT;
 * - a download is cut while it streams at its declared size plus a margin;
 * - a download trickling below the throughput floor fails in bounded time.
 */
import t from 'tap';
import { LABELS, startCycleHarness } from '../helpers/cycle-harness.js';
import { startServer, type TestServer } from '../helpers/http-servers.js';
import type { ScenarioAttachment, ScenarioContent, ScenarioSpace } from '../simulators/confluence/index.js';

const SPACES: ScenarioSpace[] = [{ id: 4101, key: 'ENG', name: 'Engineering', type: 'global' }];
const PARTIAL = 'acme/4101_ENG';
const WHEN = '2026-01-05T08:00:00.000Z';

function page(id: string, extra: Partial<ScenarioContent> = {}): ScenarioContent {
  return { id, type: 'page', title: `Page ${id}`, spaceKey: 'ENG', labels: [LABELS.single], body: `<p>Body ${id}</p>`, version: { number: 1, when: WHEN }, ...extra };
}

/** Another host that would happily take a token and serve bytes. */
async function elsewhere(t: { teardown(fn: () => unknown): void }): Promise<TestServer> {
  const server = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('bytes from elsewhere'));
  t.teardown(() => server.close());
  return server;
}

t.test('an absolute download link on another origin is refused: no credential leaves, the attachment is skipped with a WARN naming it', async (t) => {
  const evil = await elsewhere(t);
  const attachments: ScenarioAttachment[] = [
    { id: 'att901', title: 'fine.txt', mediaType: 'text/plain', size: 30 },
    { id: 'att902', title: 'lure.txt', mediaType: 'text/plain', size: 20, downloadLink: `${evil.url}/download/attachments/5001/lure.txt` },
  ];
  const h = await startCycleHarness({ spaces: SPACES, content: [page('5001', { attachments })] }, { attachments: true });
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(evil.received.length, 0, 'the other origin was never contacted');
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att901`], 'the page and the honest attachment are ingested');
  t.equal(result.summary.failed, 1);
  const warning = h.logs.lines().find((l) => l.level === 40 && String(l.key ?? '').endsWith('::att902'));
  t.ok(warning, 'a WARN names the skipped attachment');
  t.match(String(warning?.error), /refused: credentials are only sent to/);
});

t.test('an image source on another origin is refused and the image not inlined; the page is still ingested', async (t) => {
  const evil = await elsewhere(t);
  const body = '<p>See <ac:image><ri:attachment ri:filename="chart.png" /></ac:image></p>';
  const attachments: ScenarioAttachment[] = [{ id: 'att911', title: 'chart.png', mediaType: 'image/png', size: 50, downloadLink: `${evil.url}/chart.png` }];
  const h = await startCycleHarness({ spaces: SPACES, content: [page('5001', { body, attachments })] }, { attachments: true, inlineImages: true });
  t.teardown(h.close);
  await h.sync();
  t.equal(evil.received.length, 0);
  t.same(h.storedKeys(), [`${PARTIAL}/5001`]);
  const warning = h.logs.lines().find((l) => l.level === 40 && l.attachmentId === 'att911');
  t.ok(warning, 'a WARN names the image');
  t.match(String(warning?.error), /refused/);
});

t.test('a next link on another origin fails discovery before it is followed: nothing is deleted or written', async (t) => {
  const evil = await elsewhere(t);
  const h = await startCycleHarness({ spaces: SPACES, content: [page('5001'), page('5002')] });
  t.teardown(h.close);
  await h.sync();
  const first = h.confluence.requests.length;
  t.ok(first > 0);
  const item = (id: string) => ({ id, type: 'page', status: 'current', title: `Page ${id}`, space: { id: 4101, key: 'ENG', name: 'Engineering', type: 'global' }, version: { number: 1, when: WHEN }, metadata: { labels: { results: [{ name: LABELS.single }] } } });
  h.confluence.faults.add({
    path: /\/rest\/api\/content\/search$/,
    status: 200,
    body: JSON.stringify({ results: [item('5001')], start: 0, limit: 1, size: 1, _links: { base: 'x', next: `${evil.url}/rest/api/content/search?start=1` } }),
    times: 1,
  });
  h.unique.clearRequests();
  await t.rejects(h.sync(), { code: 'HTTP_ORIGIN_REFUSED' });
  t.equal(evil.received.length, 0, 'the PAT never went to the other origin');
  t.same(h.uniqueWrites(), [], 'nothing written, nothing deleted');
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5002`]);
});

t.test('an image declared small that streams without end is cut a margin past its declared size', async (t) => {
  const body = '<p><ac:image><ri:attachment ri:filename="huge.png" /></ac:image></p>';
  // Declared 100 KB, served 64 MiB: only about 1.1 MB may be read before the download is cut.
  const attachments: ScenarioAttachment[] = [{ id: 'att921', title: 'huge.png', mediaType: 'image/png', size: 100_000, servedSize: 64 * 1024 * 1024 }];
  const h = await startCycleHarness({ spaces: SPACES, content: [page('5001', { body, attachments })] }, { attachments: true, inlineImages: true });
  t.teardown(h.close);
  await h.sync();
  t.same(h.storedKeys(), [`${PARTIAL}/5001`], 'the page is ingested without the image');
  const warning = h.logs.lines().find((l) => l.level === 40 && l.attachmentId === 'att921');
  t.match(String(warning?.error), /answered more than 1148576 bytes/, 'cut at 100 000 + 1 MiB, not at maxFileSizeMb');
});

t.test('an attachment download trickling below the throughput floor fails in bounded time; the rest of the cycle goes on', async (t) => {
  const attachments: ScenarioAttachment[] = [
    { id: 'att931', title: 'slow.txt', mediaType: 'text/plain', size: 20_000 },
    { id: 'att932', title: 'fast.txt', mediaType: 'text/plain', size: 200 },
  ];
  // The floor: 10 000 bytes/s over 200 ms windows. The trickle: 1 byte every 20 ms, for
  // 20 000 bytes that is 400 s; its idle gaps never reach the 60 s body timeout.
  const h = await startCycleHarness(
    { spaces: SPACES, content: [page('5001', { attachments })] },
    { attachments: true, tuning: { timeouts: { minBytesPerSecond: 10_000, throughputWindowMs: 200 } } },
  );
  t.teardown(h.close);
  h.confluence.faults.add({ path: /\/download\/attachments\/5001\/slow\.txt$/, trickle: { bytes: 1, everyMs: 20 } });
  const result = await h.sync();
  t.equal(result.summary.failed, 1);
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att932`]);
  const warning = h.logs.lines().find((l) => l.level === 40 && String(l.key ?? '').endsWith('::att931'));
  t.match(String(warning?.error), /CFC_BODY_TOO_SLOW/);
});
