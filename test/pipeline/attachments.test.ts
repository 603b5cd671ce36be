/**
 * Attachments end to end (Confluence contract §6, Unique contract §6, §7, §9):
 * extraction with its accept/reject rules, streamed download → upload with the bytes
 * checked by hash in the Unique simulator, ordering after pages, and deletions.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { PAT, startCycleHarness } from '../helpers/cycle-harness.js';
import { generatedSha256, type ScenarioAttachment } from '../simulators/confluence/index.js';
import { ENG, SINGLE, page, registrations } from './support/scenario.js';

const MB = 1024 * 1024;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const PARTIAL = 'acme/4101_ENG';

function files(): ScenarioAttachment[] {
  return [
    { id: 'att1001', title: 'Runbook.pdf', mediaType: 'application/pdf', size: 300_000, versionWhen: '2026-01-06T08:00:00.000Z' },
    { id: 'att1002', title: 'notes v1.txt', mediaType: 'text/plain; charset=UTF-8', size: 0, bytes: 'plain text notes\n' },
    { id: 'att1003', title: 'bundle.zip', mediaType: 'application/zip', size: 1000 },
    { id: 'att1004', title: 'huge.pdf', mediaType: 'application/pdf', size: 2 * MB },
    { id: 'att1005', title: 'empty.txt', mediaType: 'text/plain', size: 0 },
  ];
}

t.test('PDF and text attachments are streamed into Unique with their keys, types, sizes and bytes; the rest are skipped', async (t) => {
  const h = await startCycleHarness(
    { spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments: files() })] },
    { attachments: true, tenant: (c) => (c.ingestion.attachments.maxFileSizeMb = 1) },
  );
  t.teardown(h.close);
  const result = await h.sync();
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att1001`, `${PARTIAL}/5001::att1002`]);
  t.equal(result.summary.ingested, 3);
  t.equal(result.summary.failed, 0);

  const pdf = h.unique.state.content(`${PARTIAL}/5001::att1001`)!;
  t.match(pdf, { title: 'Runbook.pdf', mimeType: 'application/pdf', byteSize: 300_000, metadata: { spaceKey: 'ENG', spaceName: 'Engineering' }, ingestionState: 'FINISHED' });
  t.same(pdf.metadata, { spaceKey: 'ENG', spaceName: 'Engineering' }, 'attachment metadata holds only the space');
  t.equal(pdf.ingestionConfig, null, 'no OCR config for a PDF');
  t.equal(pdf.url, `${h.confluence.baseUrl}/pages/viewpageattachments.action?pageId=5001&preview=${encodeURIComponent('/5001/att1001/Runbook.pdf')}`);
  t.equal(pdf.uploaded!.sha256, generatedSha256('att1001', 300_000), 'the bytes arrived unchanged');
  t.equal(pdf.uploaded!.contentType, 'application/pdf');

  const text = h.unique.state.content(`${PARTIAL}/5001::att1002`)!;
  t.equal(text.mimeType, 'text/plain; charset=UTF-8', 'the media type as Confluence reports it');
  t.equal(text.uploaded!.sha256, sha256('plain text notes\n'));
  t.equal(text.uploaded!.contentType, 'text/plain; charset=UTF-8');

  const registered = registrations(h).map((r) => (r.variables as { input: { key: string } }).input.key);
  t.same(registered.sort(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att1001`, `${PARTIAL}/5001::att1002`], 'each item registered once (pages and attachments in one stream, in no fixed order)');
  const downloads = h.confluence.requests.filter((r) => r.path.startsWith('/download/attachments/'));
  t.same(downloads.map((r) => decodeURIComponent(r.path.split('/').pop()!)).sort(), ['Runbook.pdf', 'notes v1.txt'], 'rejected files are never downloaded');
  t.ok(downloads.every((r) => r.authScheme === 'Bearer'), 'DC downloads carry the PAT');
  t.ok(h.logs.lines().some((l) => l.msg === 'Attachment skipped' && l.attachmentId === 'att1005' && l.reason === 'zero-byte file' && l.level === 20));

  const second = await h.sync();
  t.equal(second.summary.ingested, 0, 'unchanged attachments are not uploaded again');
  t.equal(second.summary.unchanged, 3);
});

t.test('dump shows every attachment record, rejected ones with their reason', async (t) => {
  const h = await startCycleHarness(
    { spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments: files() })] },
    { attachments: true, tenant: (c) => (c.ingestion.attachments.maxFileSizeMb = 1) },
  );
  t.teardown(h.close);
  const records = await h.dump(false);
  t.same(records.map((r) => `${r.kind}:${r.id}`), ['page:5001', 'attachment:att1001', 'attachment:att1002', 'attachment:att1003', 'attachment:att1004', 'attachment:att1005']);
  const byId = new Map(records.map((r) => [r.id, r]));
  t.equal(byId.get('att1001')!.rejected, undefined);
  t.match(byId.get('att1003')!.rejected, /application\/zip is not in allowedMimeTypes/);
  t.match(byId.get('att1004')!.rejected, /exceeds maxFileSizeMb/);
  t.equal(byId.get('att1005')!.rejected, 'zero-byte file');
  t.match(byId.get('att1002'), { tenant: 'acme', pageId: '5001', mediaType: 'text/plain', reportedMediaType: 'text/plain; charset=UTF-8', fileSize: 17 });
  t.same(h.unique.requests.length, 0, 'dump makes no Unique call');
});

for (const flavour of ['data-center', 'cloud'] as const) {
  t.test(`a page with 60 attachments gets all of them (${flavour} paging)`, async (t) => {
    const attachments = Array.from({ length: 60 }, (_, i): ScenarioAttachment => ({ id: `att${2000 + i}`, title: `file-${i}.txt`, mediaType: 'text/plain', size: 100 + i }));
    const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments })] }, { flavour, attachments: true });
    t.teardown(h.close);
    const result = await h.sync();
    t.equal(result.summary.ingested, 61);
    t.equal(h.storedKeys().length, 61);
    const last = h.unique.state.content(`${PARTIAL}/5001::att2059`)!;
    t.equal(last.uploaded!.sha256, generatedSha256('att2059', 159));
    const listing = flavour === 'cloud' ? /\/wiki\/api\/v2\/pages\/5001\/attachments$/ : /\/rest\/api\/content\/5001\/child\/attachment$/;
    t.ok(h.confluence.requests.some((r) => listing.test(r.path)), 'the listing beyond 25 was followed');
    if (flavour === 'cloud') {
      const media = h.confluence.requests.filter((r) => r.server === 'media');
      t.equal(media.length, 60, 'every download went to the media host');
      t.ok(media.every((r) => r.authScheme === null), 'without Authorization');
    }
  });
}

t.test('an attachment download that breaks off half-way leaves no content behind and is retried next cycle', async (t) => {
  const attachments: ScenarioAttachment[] = [
    { id: 'att3001', title: 'big.pdf', mediaType: 'application/pdf', size: 512 * 1024 },
    { id: 'att3002', title: 'ok.txt', mediaType: 'text/plain', size: 10 },
  ];
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments })] }, { attachments: true, concurrency: 1 });
  t.teardown(h.close);
  h.confluence.faults.add({ path: '/download/attachments/5001/big.pdf', resetMidBody: true, times: 1 });
  const result = await h.sync();
  t.equal(result.summary.failed, 1);
  t.equal(result.summary.ingested, 2);
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att3002`], 'the registered content of the broken download was deleted');
  t.ok(h.contentDeletions().some((d) => d.key === `${PARTIAL}/5001::att3001`));
  t.ok(h.logs.lines().some((l) => l.msg === 'Upload or finalization failed, registered content removed' && l.key === `${PARTIAL}/5001::att3001`));

  const next = await h.sync();
  t.equal(next.summary.ingested, 1);
  t.equal(h.unique.state.content(`${PARTIAL}/5001::att3001`)!.uploaded!.sha256, generatedSha256('att3001', 512 * 1024));
});

t.test('a PNG attachment with inlining off is ingested on its own with jpgReadMode', async (t) => {
  const attachments: ScenarioAttachment[] = [{ id: 'att4001', title: 'diagram.png', mediaType: 'image/png', size: 2048 }];
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments })] }, { attachments: true });
  t.teardown(h.close);
  await h.sync();
  const png = h.unique.state.content(`${PARTIAL}/5001::att4001`)!;
  t.same(png.ingestionConfig, { jpgReadMode: 'DOC_INTELLIGENCE_DEFAULT' });
  t.equal(png.uploaded!.sha256, generatedSha256('att4001', 2048));
});

t.test('a removed attachment is deleted; the attachments of an unlabelled page go with it', async (t) => {
  const attachments: ScenarioAttachment[] = [
    { id: 'att5001', title: 'a.txt', mediaType: 'text/plain', size: 10 },
    { id: 'att5002', title: 'b.txt', mediaType: 'text/plain', size: 20 },
  ];
  const h = await startCycleHarness(
    { spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments }), page('5002', 'ENG', { labels: SINGLE, attachments: [{ id: 'att5003', title: 'c.txt', mediaType: 'text/plain', size: 30 }] })] },
    { attachments: true },
  );
  t.teardown(h.close);
  await h.sync();
  t.equal(h.storedKeys().length, 5);

  h.confluence.state.removeAttachment('5001', 'att5001');
  const removed = await h.sync();
  t.equal(removed.summary.deleted, 1);
  t.notOk(h.storedKeys().includes(`${PARTIAL}/5001::att5001`));
  t.ok(h.storedKeys().includes(`${PARTIAL}/5001::att5002`));

  h.confluence.state.setLabels('5002', []);
  const unlabelled = await h.sync();
  t.equal(unlabelled.summary.deleted, 2);
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att5002`]);
});

t.test('an attachment replaced in Confluence is uploaded again', async (t) => {
  const attachments: ScenarioAttachment[] = [{ id: 'att6001', title: 'a.txt', mediaType: 'text/plain', size: 0, bytes: 'first' }];
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments })] }, { attachments: true });
  t.teardown(h.close);
  await h.sync();
  h.confluence.state.updateAttachment('5001', 'att6001', { bytes: 'second version', versionWhen: new Date(Date.now() + 60_000).toISOString() });
  const result = await h.sync();
  t.equal(result.summary.ingested, 1, 'only the attachment, not its page');
  t.equal(h.unique.state.content(`${PARTIAL}/5001::att6001`)!.uploaded!.sha256, sha256('second version'));
});

t.test('dump with bodies still shows the attachments of a page whose body is empty', async (t) => {
  const h = await startCycleHarness(
    {
      spaces: [ENG],
      content: [
        page('5001', 'ENG', { labels: SINGLE, body: '', attachments: [{ id: 'att7001', title: 'a.txt', mediaType: 'text/plain', size: 10 }] }),
        page('5002', 'ENG', { labels: SINGLE, attachments: [{ id: 'att7002', title: 'b.txt', mediaType: 'text/plain', size: 10 }] }),
      ],
    },
    { attachments: true },
  );
  t.teardown(h.close);
  const records = await h.dump(true);
  t.same(records.map((r) => `${r.kind}:${r.id}`), ['page:5002', 'attachment:att7002', 'attachment:att7001']);
});

t.test('an attachment listed without a file name is not deleted: the cycle skips deletions instead', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments: files().slice(0, 1) })] }, { attachments: true });
  t.teardown(h.close);
  await h.sync();
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att1001`]);

  // Replay the real discovery answer with the attachment's title missing.
  const search = h.confluence.requests.find((request) => request.path.endsWith('/content/search') && request.query.cql?.includes('label'))!;
  const url = new URL(`${h.confluence.baseUrl}/rest/api/content/search`);
  for (const [name, value] of Object.entries(search.query)) url.searchParams.set(name, value);
  const answer = (await (await fetch(url, { headers: { authorization: `Bearer ${PAT}` } })).json()) as {
    results: { children: { attachment: { results: Record<string, unknown>[] } } }[];
  };
  delete answer.results[0]!.children.attachment.results[0]!.title;
  h.confluence.faults.add({ path: /\/content\/search$/, status: 200, body: JSON.stringify(answer), headers: { 'content-type': 'application/json' }, times: 1 });

  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att1001`], 'the stored attachment survives');
  t.same(h.contentDeletions(), []);
  t.ok(h.logs.lines().some((line) => line.msg === 'Confluence discovery skipped unusable attachments; the listing is incomplete.'));
});

t.test('attachments do not wait for the pages: they are ingested while page bodies are still being fetched', async (t) => {
  const h = await startCycleHarness(
    { spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments: files().slice(0, 2) }), page('5002', 'ENG', { labels: SINGLE })] },
    { attachments: true, tenant: (c) => (c.ingestion.attachments.maxFileSizeMb = 1) },
  );
  t.teardown(h.close);
  // Hold the body search: the page leg has nothing to offer until it answers.
  h.confluence.faults.add({ path: /\/content\/search$/, when: ({ query }) => query.get('expand')?.includes('body.storage') === true, latencyMs: 150 });
  const result = await h.sync();
  t.equal(result.summary.ingested, 4);
  const registered = registrations(h).map((r) => (r.variables as { input: { key: string } }).input.key);
  t.same(registered.slice(0, 2).sort(), [`${PARTIAL}/5001::att1001`, `${PARTIAL}/5001::att1002`], 'both attachments were registered before any page');
});
