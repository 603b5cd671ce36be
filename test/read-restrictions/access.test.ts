/**
 * The cycle's read access (src/read-restrictions) against the Confluence simulator:
 * verdicts for content found outside discovery, each id asked for once a cycle however
 * many callers ask at once, the per-content fallback shared the same way, a failed
 * lookup refusing (fail closed) without failing the caller, and `ingest` mode asking
 * nothing.
 */
import t, { type Test } from 'tap';
import { ReadAccess } from '../../src/read-restrictions/access.js';
import type { RestrictionSubject } from '../../src/records.js';
import { startHarness, WHEN, type Harness } from '../confluence/harness.js';
import type { SimulatorOptions } from '../simulators/confluence/index.js';

const SPACE = { id: 98305, key: 'ENG', name: 'Engineering' };

async function harness(t: Test, sim?: SimulatorOptions, restrictions?: { ignoreExpansion?: boolean }): Promise<Harness> {
  const h = await startHarness(
    {
      flavour: 'data-center',
      spaces: [SPACE],
      restrictions,
      content: [
        { id: '10', type: 'page', title: 'Root', spaceKey: 'ENG', version: { number: 1, when: WHEN } },
        { id: '20', type: 'page', title: 'Vault', spaceKey: 'ENG', parentId: '10', version: { number: 1, when: WHEN }, readRestrictions: { groups: ['hr'] } },
        { id: '21', type: 'page', title: 'Pay', spaceKey: 'ENG', parentId: '20', version: { number: 1, when: WHEN } },
        { id: '30', type: 'page', title: 'Open', spaceKey: 'ENG', parentId: '10', version: { number: 1, when: WHEN } },
        { id: '31', type: 'page', title: 'FAQ', spaceKey: 'ENG', parentId: '30', version: { number: 1, when: WHEN } },
      ],
    },
    { sim },
  );
  t.teardown(h.close);
  return h;
}

/** As a title search would bring them: own state known (open), ancestors by id only. */
const subject = (id: string, ancestors: string[]): RestrictionSubject => ({
  id, title: `Page ${id}`, type: 'page', ancestors: ancestors.map((a) => ({ id: a, title: `Page ${a}`, type: 'page' })), readRestriction: { users: 0, groups: 0 },
});
const access = (h: Harness, mode: 'skip' | 'ingest' = 'skip') => new ReadAccess({ mode, api: h.api, logger: h.logger, concurrency: 2 });
const lookups = (h: Harness) => h.apiRequests().filter((r) => r.path.endsWith('/content/search') && /^id IN/.test(r.query.cql ?? ''));
const perContent = (h: Harness) => h.apiRequests().filter((r) => r.path.endsWith('/restriction/byOperation/read'));

t.test('callers asking at once share one lookup; what one learnt costs the next nothing', async (t) => {
  const h = await harness(t);
  const shared = access(h);
  // Two pages under the same unknown ancestors, judged by two callers at the same time.
  const [a, b] = await Promise.all([shared.verdicts([subject('21', ['10', '20'])]), shared.verdicts([subject('22', ['10', '20'])])]);
  t.match(a.get('21'), { kind: 'restricted', by: { id: '20', own: false } });
  t.match(b.get('22'), { kind: 'restricted', by: { id: '20', own: false } });
  t.same(lookups(h).map((r) => r.query.cql), ['id IN (20,10)'], 'one id IN search: the second caller waited for the first');
  const later = await shared.verdicts([subject('31', ['10', '30']), subject('21', ['10', '20'])]);
  t.same(later.get('31'), { kind: 'open' });
  t.same(lookups(h).map((r) => r.query.cql), ['id IN (20,10)', 'id IN (30)'], 'later, only the id nobody had asked about');
});

t.test('a server ignoring the expansion: one per-content request per id, shared by callers', async (t) => {
  const h = await harness(t, undefined, { ignoreExpansion: true });
  const shared = access(h);
  const missing = (id: string, ancestors: string[]): RestrictionSubject => ({ ...subject(id, ancestors), readRestriction: undefined });
  const [a, b] = await Promise.all([shared.verdicts([missing('21', ['10', '20'])]), shared.verdicts([missing('31', ['10', '30'])])]);
  t.match(a.get('21'), { kind: 'restricted', by: { id: '20' } });
  t.same(b.get('31'), { kind: 'open' });
  const asked = perContent(h).map((r) => r.path.match(/content\/(\d+)\//)![1]).sort();
  t.same(asked, ['10', '20', '30', '31'], 'each id once; 21 needs no request once its parent restricts it');
  t.equal(lookups(h).length, 0);
});

t.test('a failing lookup refuses what it would have decided, once warned, without rejecting', async (t) => {
  const h = await harness(t);
  h.sim.faults.add({ path: /\/content\/search$/, status: 400 });
  const shared = access(h);
  const verdicts = await shared.verdicts([subject('31', ['10', '30']), subject('10', [])]);
  t.match(verdicts.get('31'), { kind: 'unknown' }, 'fail closed');
  t.same(verdicts.get('10'), { kind: 'open' }, 'an item decided by what is known stays open');
  await shared.verdicts([subject('31', ['10', '30'])]);
  t.equal(h.logs.lines().filter((line) => line.msg === 'Read restriction lookup failed: content of the pages concerned is refused').length, 1);
});

t.test('ingest mode: every verdict open, nothing asked', async (t) => {
  const h = await harness(t);
  const verdicts = await access(h, 'ingest').verdicts([subject('21', ['10', '20'])]);
  t.same(verdicts.get('21'), { kind: 'open' });
  t.equal(h.apiRequests().length, 0);
});
