/**
 * The simulator's read restrictions (Confluence contract §17): the search expansion in
 * each flavour's user shape, the per-content endpoint, the two switches (expansion
 * ignored, endpoint failing), and restrictions that change without a version bump.
 */
import t, { type Test } from 'tap';
import { startConfluenceSimulator, type ConfluenceSimulator, type Flavour } from './confluence/index.js';
import { CLIENT, PAT } from './confluence/sample-scenario.js';
import { bearer, getJson, patAuth, restRoot } from './confluence-helpers.js';

const EXPAND = 'restrictions.read.restrictions.user,restrictions.read.restrictions.group';

async function start(t: Test, flavour: Flavour): Promise<{ sim: ConfluenceSimulator; auth: string }> {
  const sim = await startConfluenceSimulator({
    flavour,
    oauthClients: [CLIENT],
    pats: flavour === 'data-center' ? [PAT] : undefined,
    spaces: [{ id: 1, key: 'ENG', name: 'Engineering' }],
    content: [
      { id: '100', type: 'page', title: 'Open', spaceKey: 'ENG', labels: ['ai-ingest'] },
      { id: '101', type: 'page', title: 'Closed', spaceKey: 'ENG', labels: ['ai-ingest'], readRestrictions: { users: ['ana'], groups: ['hr-team'] } },
    ],
  });
  t.teardown(() => sim.close());
  return { sim, auth: flavour === 'cloud' ? await bearer(sim) : patAuth };
}

const search = (sim: ConfluenceSimulator, expand: string) => `${restRoot(sim)}/rest/api/content/search?cql=${encodeURIComponent('id IN (100,101)')}&expand=${expand}&limit=100`;
const perContent = (sim: ConfluenceSimulator, id: string) => `${restRoot(sim)}/rest/api/content/${id}/restriction/byOperation/read`;

t.test('search answers restrictions.read in the Cloud shape: accountId users, groups with an id', async (t) => {
  const { sim, auth } = await start(t, 'cloud');
  const reply = await getJson(search(sim, EXPAND), auth);
  const [open, closed] = reply.body.results;
  t.same(open.restrictions.read.restrictions.user, { results: [], start: 0, limit: 200, size: 0 });
  t.same(open.restrictions.read.restrictions.group.results, []);
  const user = closed.restrictions.read.restrictions.user.results[0];
  t.match(user, { type: 'known', accountId: /^[0-9a-f]{24}$/, displayName: 'ana' });
  t.notOk('username' in user);
  t.match(closed.restrictions.read.restrictions.group.results[0], { type: 'group', name: 'hr-team', id: /\S/ });
  t.equal(closed.restrictions.read.operation, 'read');
});

t.test('search answers restrictions.read in the DC shape: username and userKey, groups by name only', async (t) => {
  const { sim, auth } = await start(t, 'data-center');
  const closed = (await getJson(search(sim, EXPAND), auth)).body.results[1];
  const user = closed.restrictions.read.restrictions.user.results[0];
  t.match(user, { type: 'known', username: 'ana', userKey: /^[0-9a-f]{32}$/ });
  t.notOk('accountId' in user);
  t.same(closed.restrictions.read.restrictions.group.results, [{ type: 'group', name: 'hr-team' }]);
  t.equal(closed.restrictions.read.restrictions.group.size, 1);
});

t.test('restrictions appear only when expanded; the ignore switch drops them from search answers', async (t) => {
  const { sim, auth } = await start(t, 'data-center');
  const plain = (await getJson(search(sim, 'version'), auth)).body.results[1];
  t.notOk('restrictions' in plain);
  t.equal(plain._expandable.restrictions, '');
  sim.state.setRestrictionBehaviour({ ignoreExpansion: true });
  const ignored = (await getJson(search(sim, EXPAND), auth)).body.results[1];
  t.notOk('restrictions' in ignored, 'an older server leaves them out although asked');
  const fallback = await getJson(perContent(sim, '101'), auth);
  t.equal(fallback.status, 200, 'the per-content endpoint still answers');
  t.equal(fallback.body.restrictions.user.size, 1);
});

for (const flavour of ['cloud', 'data-center'] as const) {
  t.test(`${flavour}: the per-content endpoint answers the read operation with users and groups expanded`, async (t) => {
    const { sim, auth } = await start(t, flavour);
    const reply = await getJson(perContent(sim, '101'), auth);
    t.equal(reply.status, 200);
    t.equal(reply.body.operation, 'read');
    t.equal(reply.body.restrictions.user.results.length, 1);
    t.equal(reply.body.restrictions.group.results[0].name, 'hr-team');
    t.equal((await getJson(perContent(sim, '999'), auth)).status, 404);
    t.equal((await getJson(perContent(sim, '101'))).status, 401, 'authenticated like every API call');

    sim.state.setRestrictionBehaviour({ endpointFailureStatus: 500 });
    t.equal((await getJson(perContent(sim, '101'), auth)).status, 500, 'the failure switch');
    sim.state.setRestrictionBehaviour({ endpointFailureStatus: undefined });
    t.equal((await getJson(perContent(sim, '101'), auth)).status, 200, 'and back');
  });
}

t.test('setting and lifting a restriction changes neither version number nor date', async (t) => {
  const { sim, auth } = await start(t, 'data-center');
  const before = sim.state.get('100')!;
  const version = { number: before.versionNumber, when: before.versionWhen };
  sim.state.setReadRestrictions('100', { groups: ['board'] });
  let item = (await getJson(search(sim, `version,${EXPAND}`), auth)).body.results[0];
  t.equal(item.restrictions.read.restrictions.group.size, 1);
  t.same({ number: item.version.number, when: item.version.when }, version);
  sim.state.setReadRestrictions('100', undefined);
  item = (await getJson(search(sim, `version,${EXPAND}`), auth)).body.results[0];
  t.equal(item.restrictions.read.restrictions.group.size, 0);
  t.same({ number: item.version.number, when: item.version.when }, version);
});

t.test('the request log keeps the User-Agent', async (t) => {
  const { sim, auth } = await start(t, 'data-center');
  await getJson(perContent(sim, '100'), auth, { 'user-agent': 'probe/1.0' });
  t.equal(sim.requests.at(-1)?.userAgent, 'probe/1.0');
});
