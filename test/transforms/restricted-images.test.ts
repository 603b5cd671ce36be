/**
 * Read restrictions reach into cross-page images (Confluence contract §17 applied to
 * §14.1): an image attached to a page a reader may not view is never downloaded nor
 * inlined into an open page that shows it; the macro's text stays. The page lookup (E8)
 * carries what the verdict needs, lifting the restriction re-ingests the page with the
 * image, and `ingest` mode inlines it as before. Cloud and DC.
 */
import t, { type Test } from 'tap';
import { startCycleHarness, type CycleHarness, type CycleHarnessOptions } from '../helpers/cycle-harness.js';
import { generatedBytes } from '../simulators/confluence/index.js';
import { ENG, FLAVOURS, SINGLE, confluenceCalls, logged, page } from './support/restrictions-scenario.js';

const image = (filename: string, title: string): string =>
  `<p><ac:image><ri:attachment ri:filename="${filename}"><ri:page ri:content-title="${title}" /></ri:attachment></ac:image></p>`;

function content() {
  return [
    page('5000', 'ENG', { title: 'Home' }),
    page('5001', 'ENG', { parentId: '5000', labels: SINGLE, title: 'Architecture', body: `<p>Intro.</p>${image('chart.png', 'Salaries')}${image('logo.png', 'Brand')}${image('chart.png', 'Salaries')}` }),
    page('5010', 'ENG', { parentId: '5000', title: 'Salaries', readRestrictions: { users: ['ana'] }, attachments: [{ id: 'att8010', title: 'chart.png', mediaType: 'image/png', size: 300 }] }),
    page('5030', 'ENG', { parentId: '5000', title: 'Brand', attachments: [{ id: 'att8030', title: 'logo.png', mediaType: 'image/png', size: 200 }] }),
  ];
}

async function harness(t: Test, options: CycleHarnessOptions = {}): Promise<CycleHarness> {
  const h = await startCycleHarness({ spaces: [ENG], content: content() }, { attachments: true, inlineImages: true, ...options });
  t.teardown(h.close);
  return h;
}

async function base64Of(id: string, size: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of generatedBytes(id, size) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('base64');
}

function architecture(h: CycleHarness): { html: string; metadata: { includedPageIds?: string[]; refusedPageIds?: string[] } } {
  const stored = h.unique.state.content('acme/4101_ENG/5001')!;
  return { html: stored.uploaded!.text!, metadata: stored.metadata as { includedPageIds?: string[]; refusedPageIds?: string[] } };
}

/** Downloads of the restricted page's attachment: DC `/download/attachments/5010/…`, Cloud `…/content/5010/child/attachment/…/download` and the media host. */
const chartDownloads = (h: CycleHarness): number => h.confluence.requests.filter((r) => /\/5010\/|att8010/.test(r.path) && /download|file/.test(r.path)).length;

for (const flavour of FLAVOURS) {
  t.test(`${flavour}: an image attached to a read-restricted page keeps its macro text and is never downloaded`, async (t) => {
    const h = await harness(t, { flavour });
    const result = await h.sync();
    const { html, metadata } = architecture(h);
    t.match(html, await base64Of('att8030', 200), 'the open page\'s image is inlined');
    t.notMatch(html, await base64Of('att8010', 300), 'the restricted page\'s image is not');
    t.match(html, '[image: chart.png]', 'its macro keeps its text');
    t.equal(chartDownloads(h), 0, 'no download of it');
    t.same(metadata.includedPageIds, ['5030'], 'the page whose image is shown is recorded');
    t.same(metadata.refusedPageIds, ['5010'], 'the refused page too');
    t.equal(result.summary.refusedReferences, 1, 'one refusal for the page, however many of its images');
    t.match(logged(h, 'Content of a read-restricted page refused'), [
      { level: 30, stage: 'inline-images', pageId: '5001', via: 'image', refusedPage: { id: '5010', title: 'Salaries' }, restriction: 'own' },
    ]);
    const lookup = h.confluence.requests.find((r) => r.query.title === 'Salaries' || (r.query.cql ?? '').includes('title="Salaries"'));
    t.match(lookup?.query.expand, /ancestors,restrictions\.read\.restrictions\.user,restrictions\.read\.restrictions\.group$/, 'the page lookup brings what the verdict needs');
    const calls = confluenceCalls(h);
    t.equal(calls.lookups, 1, 'only discovery\'s ancestor lookup: the image pages sit under the same home page');
    t.equal(calls.perContent, 0);
  });

  t.test(`${flavour}: lifting the restriction re-ingests the page with the image`, async (t) => {
    const h = await harness(t, { flavour });
    await h.sync();
    h.confluence.state.setReadRestrictions('5010', undefined);
    const lifted = await h.sync();
    t.equal(lifted.summary.updated, 1);
    t.match(architecture(h).html, await base64Of('att8010', 300));
    t.same(architecture(h).metadata.includedPageIds, ['5010', '5030']);
    t.notOk(architecture(h).metadata.refusedPageIds);
    t.equal((await h.sync()).summary.updated, 0, 'stable the cycle after');
  });
}

for (const flavour of FLAVOURS) t.test(`${flavour}: ingest mode inlines the image of a restricted page`, async (t) => {
  const h = await harness(t, { flavour, restrictedPages: 'ingest' });
  const result = await h.sync();
  t.match(architecture(h).html, await base64Of('att8010', 300));
  t.ok(chartDownloads(h) > 0, 'downloaded (and seen as such by the request filter the other tests use)');
  t.equal(result.summary.refusedReferences, 0);
  t.notOk(h.confluence.requests.some((r) => (r.query.expand ?? '').includes('restrictions')), 'no restriction is read');
});
