/**
 * Image inlining end to end (Confluence contract §14.1, §16.14; Unique contract §9,
 * §14.11): same-page, cross-page, external and unreferenced images with inlining on,
 * the same page with it off, and a replaced image re-ingesting its page.
 */
import t from 'tap';
import { startCycleHarness, type CycleHarness, type CycleHarnessOptions } from '../helpers/cycle-harness.js';
import { generatedBytes, type ScenarioAttachment, type ScenarioSpace } from '../simulators/confluence/index.js';
import { ENG, SINGLE, page } from './support/scenario.js';

const MKT: ScenarioSpace = { id: 4104, key: 'MKT', name: 'Marketing', type: 'global' };
const PARTIAL = 'acme/4101_ENG';

async function base64Of(id: string, size: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of generatedBytes(id, size) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('base64');
}

/** E8 lookups of the "Brand assets" page (DC: content by title; Cloud: the CQL fallback). */
function lookups(h: CycleHarness): number {
  return h.confluence.requests.filter((r) => r.query.title === 'Brand assets' || (r.query.cql ?? '').includes('Brand assets')).length;
}

const BODY = [
  '<p>Intro.</p>',
  '<p><ac:image ac:alt="Deployment overview" ac:width="640"><ri:attachment ri:filename="deploy.png" /><ac:caption>The deploy <strong>flow</strong></ac:caption></ac:image></p>',
  '<p><ac:image><ri:attachment ri:filename="logo.jpg"><ri:page ri:space-key="MKT" ri:content-title="Brand assets" /></ri:attachment></ac:image></p>',
  '<p><ac:image><ri:attachment ri:filename="q3.png"><ri:page ri:content-title="Quarterly numbers" /></ri:attachment></ac:image></p>',
  '<p><ac:image ac:height="120"><ri:url ri:value="https://cdn.example.org/banner.png" /></ac:image></p>',
  '<p><ac:image><ri:attachment ri:filename="nowhere.png" /></ac:image></p>',
  '<p>Outro.</p>',
].join('');

const OWN: ScenarioAttachment[] = [
  { id: 'att7001', title: 'deploy.png', mediaType: 'image/png', size: 700 },
  { id: 'att7002', title: 'orphan.png', mediaType: 'image/png; charset=binary', size: 300 },
  { id: 'att7003', title: 'spec.pdf', mediaType: 'application/pdf', size: 900 },
];

function scenario() {
  return {
    spaces: [ENG, MKT],
    content: [
      page('5001', 'ENG', { title: 'Architecture', labels: SINGLE, body: BODY, attachments: OWN }),
      page('6001', 'MKT', { title: 'Brand assets', attachments: [{ id: 'att8001', title: 'logo.jpg', mediaType: 'image/jpeg', size: 400 }] }),
      page('5002', 'ENG', { title: 'Quarterly numbers', attachments: [{ id: 'att8002', title: 'q3.png', mediaType: 'image/png', size: 500 }] }),
    ],
  };
}

for (const flavour of ['data-center', 'cloud'] as const) {
  t.test(`with inlining on, same-page, cross-page and unreferenced images are inlined; external ones left alone (${flavour})`, async (t) => {
    const h = await startCycleHarness(scenario(), { flavour, attachments: true, inlineImages: true });
    t.teardown(h.close);
    const result = await h.sync();
    t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att7003`], 'the page and its PDF; no image stands alone');
    t.equal(result.summary.failed, 0);
    const [space] = result.plan!.spaces;
    t.equal(space!.submitted, 2, 'image attachments are left out of the diff');
    t.same([...space!.newKeys].sort(), ['5001', '5001::att7003']);

    const html = h.unique.state.content(`${PARTIAL}/5001`)!.uploaded!.text!;
    t.match(html, `src="data:image/png;base64,${await base64Of('att7001', 700)}"`, 'same-page image');
    t.match(html, /alt="Deployment overview"[^>]*width="640"|width="640"[^>]*alt="Deployment overview"/);
    t.match(html, /The deploy <strong>flow<\/strong>/, 'the caption is kept');
    t.match(html, `src="data:image/jpeg;base64,${await base64Of('att8001', 400)}"`, 'cross-page image with a space key');
    t.match(html, `src="data:image/png;base64,${await base64Of('att8002', 500)}"`, 'cross-page image of the own space');
    t.match(html, `src="data:image/png;base64,${await base64Of('att7002', 300)}"`, 'unreferenced image appended');
    t.ok(html.indexOf(await base64Of('att7002', 300)) > html.indexOf('Outro.'), 'appended at the end');
    t.match(html, 'src="https://cdn.example.org/banner.png"', 'external image stays a URL');
    t.match(html, '[image: nowhere.png]', 'an image that cannot be found keeps its macro (as a marker)');
    t.notOk(html.includes('spec.pdf'), 'a non-image attachment is not inlined');
    t.notOk(h.confluence.requests.some((r) => r.path.includes('banner')), 'the external image is never fetched');
    t.equal(lookups(h), 1, 'the other space\'s page is looked up once');
    const registration = h.unique.requests.find((r) => r.operation === 'contentUpsert' && (r.variables as { input: { key: string } }).input.key === `${PARTIAL}/5001`);
    t.same((registration!.variables as { input: { ingestionConfig: unknown } }).input.ingestionConfig, {
      htmlConfig: { imageContentExtraction: { enabled: true, languageModel: 'harness-vision-model' } },
    });
  });
}

t.test('with inlining off, the same images are ingested on their own with jpgReadMode and the page keeps markers', async (t) => {
  const h = await startCycleHarness(scenario(), { attachments: true });
  t.teardown(h.close);
  await h.sync();
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att7001`, `${PARTIAL}/5001::att7002`, `${PARTIAL}/5001::att7003`]);
  for (const id of ['att7001', 'att7002']) {
    t.same(h.unique.state.content(`${PARTIAL}/5001::${id}`)!.ingestionConfig, { jpgReadMode: 'DOC_INTELLIGENCE_DEFAULT' }, `${id} asks for OCR`);
  }
  t.equal(h.unique.state.content(`${PARTIAL}/5001::att7003`)!.ingestionConfig, null);
  const html = h.unique.state.content(`${PARTIAL}/5001`)!.uploaded!.text!;
  t.notOk(html.includes('data:image'), 'nothing inlined');
  t.match(html, '[image: deploy.png – Deployment overview]');
  t.equal(lookups(h), 0, 'no cross-page lookup');
});

t.test('an image replaced without editing the page re-ingests the page', async (t) => {
  const h = await startCycleHarness(scenario(), { attachments: true, inlineImages: true } satisfies CycleHarnessOptions);
  t.teardown(h.close);
  await h.sync();
  const before = h.unique.state.content(`${PARTIAL}/5001`)!.uploaded!.sha256;

  const unchanged = await h.sync();
  t.equal(unchanged.summary.ingested, 0, 'nothing changed, nothing uploaded');

  h.confluence.state.updateAttachment('5001', 'att7001', { size: 800, versionWhen: new Date(Date.now() + 60_000).toISOString() });
  const result = await h.sync();
  t.equal(result.summary.ingested, 1, 'the page, and only the page');
  t.equal(h.confluence.state.get('5001')!.versionNumber, 1, 'the page itself was not edited');
  const html = h.unique.state.content(`${PARTIAL}/5001`)!.uploaded!.text!;
  t.not(h.unique.state.content(`${PARTIAL}/5001`)!.uploaded!.sha256, before);
  t.match(html, await base64Of('att7001', 800), 'the new image is inlined');
  t.same(h.storedKeys(), [`${PARTIAL}/5001`, `${PARTIAL}/5001::att7003`]);
});

t.test('an image whose download fails keeps its macro and the page is still ingested', async (t) => {
  const h = await startCycleHarness(scenario(), { attachments: true, inlineImages: true });
  t.teardown(h.close);
  h.confluence.faults.add({ path: '/download/attachments/5001/deploy.png', status: 404 });
  const result = await h.sync();
  t.equal(result.summary.failed, 0);
  const html = h.unique.state.content(`${PARTIAL}/5001`)!.uploaded!.text!;
  t.match(html, '[image: deploy.png – Deployment overview]');
  t.match(html, await base64Of('att7002', 300), 'the other images are still inlined');
  t.notOk(h.storedKeys().includes(`${PARTIAL}/5001::att7001`), 'and it is not ingested elsewhere');
});

t.test('dump with inlining on shows the inlined page and the images as records left to their page', async (t) => {
  const h = await startCycleHarness(scenario(), { attachments: true, inlineImages: true });
  t.teardown(h.close);
  const records = await h.dump(true);
  t.same(records.map((r) => `${r.kind}:${r.id}`), ['page:5001', 'attachment:att7001', 'attachment:att7002', 'attachment:att7003']);
  t.match(records[0]!.html, await base64Of('att7001', 700));
  t.match(records[1]!.rejected, /inlined into its page/);
  t.equal(records[3]!.rejected, undefined, 'the PDF stays an attachment');
  t.equal(h.unique.requests.length, 0);
});
