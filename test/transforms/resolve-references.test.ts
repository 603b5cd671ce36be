import t from 'tap';
import type { PageWithStorage } from '../../src/records.js';
import { convertBodyWith } from '../../src/transforms/convert-body.js';
import { ReadAccess } from '../../src/read-restrictions/access.js';
import { resolveReferencesWith, type ResolveReferencesDeps } from '../../src/transforms/resolve-references.js';
import { startHarness, WHEN, type Harness } from '../confluence/harness.js';
import type { ConfluenceScenario } from '../simulators/confluence/index.js';

/**
 * resolve-references against the Confluence simulator: included pages come with their
 * bodies in one title search per batch (nested ones level by level, cycles and depth
 * bounded), mentions get display names from one bulk call (Cloud) or one call a user
 * (DC), everything is cached for the cycle, and a refused or failed lookup leaves the
 * marker or "@user" with a single warning.
 */
const SPACE = { id: 98305, key: 'ENG', name: 'Engineering' };

function record(id: string, title: string, storage: string, spaceKey = 'ENG'): PageWithStorage {
  return {
    kind: 'page', id, type: 'page', title, space: { id: '98305', key: spaceKey, name: 'Engineering' },
    version: { number: 1, when: WHEN }, updatedAt: WHEN, labels: [], rawLabels: [], selection: { singleLabel: true, allLabel: false, viaAncestors: [] },
    ancestors: [{ id: '10', title: 'Handbook', type: 'page' }], webUrl: `https://x/pages/viewpage.action?pageId=${id}`, attachments: [], storage,
  };
}

/** The stage's dependencies as the pipeline builds them, read restrictions checked (`skip`, the default). */
const deps = (h: Harness): ResolveReferencesDeps => ({ api: h.api, logger: h.logger, access: new ReadAccess({ mode: 'skip', api: h.api, logger: h.logger, concurrency: 2 }) });

const include = (title: string, space = ''): string =>
  `<ac:structured-macro ac:name="include"><ac:parameter ac:name=""><ac:link><ri:page ${space ? `ri:space-key="${space}" ` : ''}ri:content-title="${title}" /></ac:link></ac:parameter></ac:structured-macro>`;
const mention = (attribute: string, id: string): string => `<ac:link><ri:user ${attribute}="${id}" /></ac:link>`;

function scenario(flavour: ConfluenceScenario['flavour']): ConfluenceScenario {
  return {
    flavour,
    spaces: [SPACE],
    content: [
      { id: '201', type: 'page', title: 'Shared FAQ', spaceKey: 'ENG', body: `<p>FAQ answer text.</p>${include('Level two')}` },
      { id: '202', type: 'page', title: 'Level two', spaceKey: 'ENG', body: `<p>Second level text.</p>${include('Shared FAQ')}` },
      { id: '203', type: 'page', title: 'Policy', spaceKey: 'ENG', body: '<ac:structured-macro ac:name="excerpt"><ac:rich-text-body><p>Policy summary.</p></ac:rich-text-body></ac:structured-macro><p>Long policy.</p>' },
      { id: '204', type: 'page', title: 'Team page', spaceKey: 'ENG', body: `<p>Team lead: ${mention('ri:account-id', '5b10ac8d82e05b22cc7d4ef5')}</p>` },
    ],
    users: [
      { accountId: '5b10a2844c20165700ede21g', userKey: 'key-ada', username: 'ada', displayName: 'Ada Lovelace' },
      { accountId: '5b10ac8d82e05b22cc7d4ef5', userKey: 'key-grace', username: 'grace', displayName: 'Grace Hopper' },
    ],
  };
}

async function withHarness(flavour: ConfluenceScenario['flavour'], run: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness(scenario(flavour));
  try {
    await run(h);
  } finally {
    await h.close();
  }
}

t.test('included pages arrive with their bodies and are converted in place, nested ones too, cycles stopped', async (t) => {
  await withHarness('data-center', async (h) => {
    const resolve = resolveReferencesWith(deps(h));
    const pages = [
      record('1', 'Onboarding', `<p>Start.</p>${include('Shared FAQ')}<ac:structured-macro ac:name="excerpt-include"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="Policy" /></ac:link></ac:parameter></ac:structured-macro>${include('Missing page')}`),
      record('2', 'Plain', '<p>No references here.</p>'),
    ];
    const [onboarding, plain] = await resolve(pages);
    t.same(Object.keys(onboarding!.includes ?? {}).sort(), ['ENG\nLevel two', 'ENG\nPolicy', 'ENG\nShared FAQ']);
    t.same(onboarding!.includedPageIds, ['201', '202', '203']);
    t.equal(plain!.includes, undefined, 'a page without includes gets nothing attached');
    const searches = h.apiRequests().filter((r) => r.path.endsWith('/content/search'));
    t.equal(searches.length, 2, 'one title search per include level (the second finds the nested page)');
    const html = convertBodyWith({ baseUrl: h.sim.baseUrl, instanceType: 'data-center' })(onboarding!).html!;
    t.match(html, '[Included page: ');
    t.match(html, 'FAQ answer text.');
    t.match(html, 'Second level text.');
    t.match(html, '[End of included page: Shared FAQ]');
    t.match(html, 'Policy summary.');
    t.notMatch(html, 'Long policy.', 'an excerpt-include brings only the excerpt');
    t.match(html, '[Included page: <a href=', 'the cycle back to Shared FAQ and the missing page keep their marker');
    t.match(html, 'Missing page</a>]');
  });
});

t.test('lookups are cached for the cycle: a second batch naming the same pages and users asks nothing', async (t) => {
  await withHarness('cloud', async (h) => {
    const resolve = resolveReferencesWith(deps(h));
    const body = `<p>Owner ${mention('ri:account-id', '5b10a2844c20165700ede21g')}</p>${include('Policy')}`;
    await resolve([record('1', 'A', body)]);
    const before = h.apiRequests().length;
    const [again] = await resolve([record('2', 'B', body)]);
    t.equal(h.apiRequests().length, before, 'no request for what the cycle already looked up');
    t.same(again!.users, { '5b10a2844c20165700ede21g': 'Ada Lovelace' });
    t.ok(again!.includes?.['ENG\nPolicy']);
  });
});

t.test('Cloud mentions are named from one bulk call for the whole batch', async (t) => {
  await withHarness('cloud', async (h) => {
    const resolve = resolveReferencesWith(deps(h));
    const pages = [
      record('1', 'A', `<p>${mention('ri:account-id', '5b10a2844c20165700ede21g')} and ${mention('ri:account-id', '5b10ac8d82e05b22cc7d4ef5')}</p>`),
      record('2', 'B', `<p>${mention('ri:account-id', '5b10ac8d82e05b22cc7d4ef5')} and ${mention('ri:account-id', '557058:unknown')}</p>`),
    ];
    const resolved = await resolve(pages);
    const bulk = h.apiRequests().filter((r) => r.path.endsWith('/rest/api/user/bulk'));
    t.equal(bulk.length, 1);
    const html = convertBodyWith({ baseUrl: h.sim.baseUrl, instanceType: 'cloud' })(resolved[1]!).html!;
    t.equal(html, '<p>@Grace Hopper and @user</p>\n', 'a user Confluence does not know stays @user');
  });
});

t.test('a mention inside an included page is named too', async (t) => {
  await withHarness('cloud', async (h) => {
    const resolve = resolveReferencesWith(deps(h));
    const [page] = await resolve([record('1', 'A', include('Team page'))]);
    const html = convertBodyWith({ baseUrl: h.sim.baseUrl, instanceType: 'cloud' })(page!).html!;
    t.match(html, 'Team lead: @Grace Hopper');
  });
});

t.test('Data Center mentions are named by user key and by username', async (t) => {
  await withHarness('data-center', async (h) => {
    const resolve = resolveReferencesWith(deps(h));
    const [page] = await resolve([record('1', 'A', `<p>${mention('ri:userkey', 'key-ada')} and ${mention('ri:username', 'grace')}</p>`)]);
    t.same(page!.users, { 'key-ada': 'Ada Lovelace', grace: 'Grace Hopper' });
    t.equal(h.apiRequests().filter((r) => r.path.endsWith('/rest/api/user')).length, 2);
  });
});

t.test('a refused user lookup (no user scope) falls back to @user with one warning and is not retried this cycle', async (t) => {
  await withHarness('cloud', async (h) => {
    h.sim.faults.add({ path: /\/rest\/api\/user\/bulk$/, status: 403, body: '{"message":"scope does not match"}' });
    const resolve = resolveReferencesWith(deps(h));
    const first = await resolve([record('1', 'A', `<p>${mention('ri:account-id', '5b10a2844c20165700ede21g')}</p>`)]);
    await resolve([record('2', 'B', `<p>${mention('ri:account-id', '5b10ac8d82e05b22cc7d4ef5')}</p>`)]);
    t.equal(first[0]!.users, undefined);
    t.equal(h.apiRequests().filter((r) => r.path.endsWith('/rest/api/user/bulk')).length, 1, 'not asked again after a 403');
    const warnings = h.logs.lines().filter((line) => line.msg === 'User lookup failed, mentions show as @user this cycle');
    t.equal(warnings.length, 1);
    t.equal(warnings[0]!.permissionDenied, true);
    const html = convertBodyWith({ baseUrl: h.sim.baseUrl, instanceType: 'cloud' })(first[0]!).html!;
    t.equal(html, '<p>@user</p>\n');
  });
});

t.test('a failed title search keeps the include marker and warns once', async (t) => {
  await withHarness('data-center', async (h) => {
    h.sim.faults.add({ path: /\/content\/search$/, status: 500 });
    const resolve = resolveReferencesWith(deps(h));
    const [page] = await resolve([record('1', 'A', include('Policy'))]);
    await resolve([record('2', 'B', include('Shared FAQ'))]);
    t.equal(page!.includes, undefined);
    t.equal(h.logs.lines().filter((line) => line.msg === 'Included page lookup failed, those includes keep their marker this cycle').length, 1);
    t.match(convertBodyWith({ baseUrl: h.sim.baseUrl, instanceType: 'data-center' })(page!).html!, '[Included page: ');
  });
});
