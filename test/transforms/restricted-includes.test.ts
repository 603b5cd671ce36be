/**
 * Read restrictions reach into included pages (Confluence contract §17 applied to
 * `include` and `excerpt-include`): an open page never carries the body or excerpt of a
 * page a reader of it may not view (own restriction, inherited from an ancestor nobody
 * discovered, unknown state); it keeps the "[Included page: …]" marker instead. `ingest`
 * mode includes everything; a restriction lifted or added later re-ingests the including
 * page; and the common case costs no request beyond the title search. Cloud and DC.
 */
import t, { type Test } from 'tap';
import { startCycleHarness, type CycleHarness, type CycleHarnessOptions } from '../helpers/cycle-harness.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';
import { ENG, FLAVOURS, SINGLE, confluenceCalls, logged, page } from './support/restrictions-scenario.js';

const macro = (name: string, title: string): string =>
  `<ac:structured-macro ac:name="${name}"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="${title}" /></ac:link></ac:parameter></ac:structured-macro>`;
const excerpt = (text: string): string => `<ac:structured-macro ac:name="excerpt"><ac:rich-text-body><p>${text}</p></ac:rich-text-body></ac:structured-macro>`;

/**
 * Under an open, unlabelled home page: the labelled Onboarding page includes an open FAQ
 * (which itself includes Salaries), the own-restricted Salaries page, and the excerpt
 * of a policy whose parent (never discovered) is restricted to a group.
 */
function content(overrides: Partial<Record<string, Partial<ScenarioContent>>> = {}): ScenarioContent[] {
  const pages = [
    page('5000', 'ENG', { title: 'Home' }),
    page('5001', 'ENG', {
      parentId: '5000', labels: SINGLE, title: 'Onboarding',
      body: `<p>Welcome.</p>${macro('include', 'Shared FAQ')}${macro('include', 'Salaries')}${macro('excerpt-include', 'Pay policy')}`,
    }),
    page('5010', 'ENG', { parentId: '5000', title: 'Salaries', body: '<p>SALARY-TABLE-TEXT</p>', readRestrictions: { users: ['ana'] } }),
    page('5020', 'ENG', { parentId: '5000', title: 'Vault', readRestrictions: { groups: ['hr-team'] } }),
    page('5021', 'ENG', { parentId: '5020', title: 'Pay policy', body: `${excerpt('PAY-EXCERPT-TEXT')}<p>Rest of the policy.</p>` }),
    page('5030', 'ENG', { parentId: '5000', title: 'Shared FAQ', body: `<p>OPEN-FAQ-TEXT</p>${macro('include', 'Salaries')}` }),
  ];
  return pages.map((item) => ({ ...item, ...overrides[item.id] }));
}

async function harness(t: Test, options: CycleHarnessOptions & { content?: ScenarioContent[] } = {}): Promise<CycleHarness> {
  const h = await startCycleHarness({ spaces: [ENG], content: options.content ?? content() }, options);
  t.teardown(h.close);
  return h;
}

function onboarding(h: CycleHarness): { html: string; metadata: { includedPageIds?: string[]; refusedPageIds?: string[] } } {
  const stored = h.unique.state.content('acme/4101_ENG/5001')!;
  return { html: stored.uploaded!.text!, metadata: stored.metadata as { includedPageIds?: string[]; refusedPageIds?: string[] } };
}

const REFUSED = 'Content of a read-restricted page refused';

for (const flavour of FLAVOURS) {
  t.test(`${flavour}: an open page including read-restricted pages keeps their markers, never their text`, async (t) => {
    const h = await harness(t, { flavour });
    const result = await h.sync();
    const { html, metadata } = onboarding(h);
    t.match(html, 'OPEN-FAQ-TEXT', 'the open included page is shown');
    t.notMatch(html, 'SALARY-TABLE-TEXT', 'own restriction: not shown, neither directly nor through the FAQ');
    t.notMatch(html, 'PAY-EXCERPT-TEXT', 'excerpt of a page under a restricted, undiscovered ancestor: not shown');
    t.match(html, /\[Included page: <a [^>]*>Salaries<\/a>\]/, 'the include keeps its marker');
    t.match(html, /\[Excerpt included from: <a [^>]*>Pay policy<\/a>\]/, 'the excerpt-include keeps its marker');
    t.notMatch(html, '[End of included page: Salaries]');
    t.same(metadata.includedPageIds, ['5030']);
    t.same(metadata.refusedPageIds, ['5010', '5021'], 'the refused pages are recorded for later cycles');
    t.equal(result.summary.refusedReferences, 2, 'counted once per including page and refused page');
    const lines = logged(h, REFUSED);
    t.equal(lines.length, 2, 'one INFO line per refused page');
    const byPage = new Map(lines.map((line) => [(line.refusedPage as { id: string }).id, line]));
    t.match(byPage.get('5010'), { level: 30, stage: 'resolve-references', pageId: '5001', title: 'Onboarding', via: 'include', refusedPage: { id: '5010', title: 'Salaries' }, restriction: 'own' });
    t.match(byPage.get('5021'), { pageId: '5001', refusedPage: { id: '5021', title: 'Pay policy' }, restriction: 'inherited from 5020', restrictingPage: { id: '5020', title: 'Vault' } });
    const lookups = h.confluence.requests.filter((r) => /^id IN/.test(r.query.cql ?? '') && !r.query.expand?.includes('body'));
    t.same(lookups.map((r) => r.query.cql), ['id IN (5000)', 'id IN (5020)'], 'discovery\'s ancestor, then the one ancestor nobody had asked about');
  });

  t.test(`${flavour}: the common case costs no request beyond the title search`, async (t) => {
    // Salaries (own restriction) and the FAQ (open) hang under the home page discovery already asked about.
    const body = `${macro('include', 'Shared FAQ')}${macro('include', 'Salaries')}`;
    const skip = await harness(t, { flavour, content: content({ 5001: { body } }) });
    await skip.sync();
    t.notMatch(onboarding(skip).html, 'SALARY-TABLE-TEXT');
    const ingest = await harness(t, { flavour, content: content({ 5001: { body } }), restrictedPages: 'ingest' });
    await ingest.sync();
    t.match(onboarding(ingest).html, 'SALARY-TABLE-TEXT');
    const calls = confluenceCalls(skip);
    t.equal(calls.lookups, 1, 'only discovery\'s own ancestor lookup');
    t.equal(calls.perContent, 0);
    t.equal(calls.total, confluenceCalls(ingest).total + 1, 'the same requests as without restriction checks, plus that lookup');
    const titleSearch = skip.confluence.requests.find((r) => (r.query.cql ?? '').includes('title="Salaries"'));
    t.match(titleSearch?.query.expand, /ancestors,restrictions\.read\.restrictions\.user,restrictions\.read\.restrictions\.group$/, 'the title search brings what the verdict needs');
  });

  t.test(`${flavour}: lifting a restriction re-ingests the including page with the content; adding one takes it out again`, async (t) => {
    const h = await harness(t, { flavour });
    await h.sync();
    t.notMatch(onboarding(h).html, 'SALARY-TABLE-TEXT');

    // Confluence changes restrictions without a new version of either page.
    h.confluence.state.setReadRestrictions('5010', undefined);
    h.confluence.state.setReadRestrictions('5020', undefined);
    const lifted = await h.sync();
    t.equal(lifted.summary.updated, 1, 'the including page is re-ingested');
    t.match(onboarding(h).html, 'SALARY-TABLE-TEXT');
    t.match(onboarding(h).html, 'PAY-EXCERPT-TEXT');
    t.same(onboarding(h).metadata.includedPageIds, ['5010', '5021', '5030']);
    t.notOk(onboarding(h).metadata.refusedPageIds, 'nothing refused any more');
    t.equal(lifted.summary.refusedReferences, 0);

    const again = await h.sync();
    t.equal(again.summary.updated, 0, 'stable the cycle after');

    h.confluence.state.setReadRestrictions('5020', { users: ['ana'] });
    const restricted = await h.sync();
    t.equal(restricted.summary.updated, 1, 'a restriction added to an included page\'s ancestor re-ingests the including page');
    t.notMatch(onboarding(h).html, 'PAY-EXCERPT-TEXT', 'the stored copy no longer carries the excerpt');
    t.match(onboarding(h).html, 'SALARY-TABLE-TEXT');
    t.same(onboarding(h).metadata.refusedPageIds, ['5021']);
    t.equal((await h.sync()).summary.updated, 0, 'stable again');
  });
}

t.test('an included page whose restriction state cannot be read is refused (fail closed)', async (t) => {
  // The server ignores the expansion; the per-content endpoint answers for everything but the FAQ.
  const h = await harness(t, { content: content({ 5001: { body: macro('include', 'Shared FAQ') } }) });
  h.confluence.state.setRestrictionBehaviour({ ignoreExpansion: true });
  h.confluence.faults.add({ path: /\/content\/5030\/restriction\/byOperation\/read$/, status: 403 });
  const result = await h.sync();
  t.equal(result.summary.restricted, 0, 'the including page itself is open');
  t.notMatch(onboarding(h).html, 'OPEN-FAQ-TEXT');
  t.match(onboarding(h).html, '[Included page: ');
  t.same(onboarding(h).metadata.refusedPageIds, ['5030']);
  t.match(logged(h, REFUSED), [{ refusedPage: { id: '5030' }, restriction: 'unknown' }]);
  t.equal(logged(h, 'Read restriction state unknown: content of other pages refused').length, 1, 'one WARN a cycle');

  h.confluence.faults.clear();
  const recovered = await h.sync();
  t.equal(recovered.summary.updated, 1, 'readable again: re-ingested with the content');
  t.match(onboarding(h).html, 'OPEN-FAQ-TEXT');
});

t.test('ingest mode includes restricted pages and asks for no restriction', async (t) => {
  const h = await harness(t, { restrictedPages: 'ingest' });
  const result = await h.sync();
  const { html, metadata } = onboarding(h);
  t.match(html, 'SALARY-TABLE-TEXT');
  t.match(html, 'PAY-EXCERPT-TEXT');
  t.same(metadata.includedPageIds, ['5010', '5021', '5030']);
  t.notOk(metadata.refusedPageIds);
  t.equal(result.summary.refusedReferences, 0);
  t.notOk(h.confluence.requests.some((r) => (r.query.expand ?? '').includes('restrictions') || r.path.endsWith('/byOperation/read')), 'no restriction is read');
});

t.test('dump shows the refusal, not the content', async (t) => {
  const h = await harness(t);
  const records = await h.dump();
  const dumped = records.find((record) => record.id === '5001')!;
  t.notMatch(dumped.html, 'SALARY-TABLE-TEXT');
  t.same(dumped.refusedPageIds, ['5010', '5021']);
});
