/**
 * Hostile text from Confluence on its way into Unique (issue 10, finding 7): titles
 * with line breaks, NUL, BEL, direction overrides and 10 KB; space keys with `/`, `:`
 * and `..`. Titles arrive cleaned and capped; every space gets exactly one scope under
 * the root, and what the connector created is found and removed again once its label
 * is gone.
 */
import t from 'tap';
import { LABELS, ROOT_SCOPE, startCycleHarness } from '../helpers/cycle-harness.js';
import type { ScenarioContent, ScenarioSpace } from '../simulators/confluence/index.js';

const WHEN = '2026-01-05T08:00:00.000Z';
const ENG: ScenarioSpace = { id: 4101, key: 'ENG', name: 'Engineering', type: 'global' };

function page(id: string, spaceKey: string, extra: Partial<ScenarioContent> = {}): ScenarioContent {
  return { id, type: 'page', title: `Page ${id}`, spaceKey, labels: [LABELS.single], body: `<p>Body ${id}</p>`, version: { number: 1, when: WHEN }, ...extra };
}

t.test('titles with line breaks, NUL, BEL, a direction override and 10 KB reach Unique cleaned and capped', async (t) => {
  const h = await startCycleHarness(
    {
      spaces: [ENG],
      content: [
        page('5001', 'ENG', {
          title: 'Quarterly\nplan\u0000\u0007 \u202Etxt.exe',
          attachments: [{ id: 'att501', title: 'minutes\r\n\u202Efdp.exe.txt', mediaType: 'text/plain', size: 20 }],
        }),
        page('5002', 'ENG', { title: `Long ${'x'.repeat(10_000)}` }),
      ],
    },
    { attachments: true },
  );
  t.teardown(h.close);
  await h.sync();
  const titles = new Map(h.unique.state.contents().map((c) => [c.key, c.title]));
  t.equal(titles.get('acme/4101_ENG/5001'), 'Quarterly plan txt.exe');
  t.equal(titles.get('acme/4101_ENG/5001::att501'), 'minutes fdp.exe.txt');
  const long = titles.get('acme/4101_ENG/5002') ?? '';
  t.equal([...long].length, 255);
  t.ok(long.startsWith('Long xxx') && long.endsWith('…'));
  const registered = h.unique.requests.filter((r) => r.operation === 'contentUpsert').map((r) => String((r.variables as { input: { title: string } }).input.title));
  t.notOk(registered.some((title) => /[\u0000-\u001f\u007f\u202e]/.test(title)), 'no registration carried a control character');
});

t.test('space keys with /, : and .. get one scope each under the root, and their content is cleaned up once unlabelled', async (t) => {
  const odd: ScenarioSpace[] = [
    { id: 4201, key: 'A/B', name: 'Slash', type: 'global' },
    { id: 4202, key: 'K:X', name: 'Colon', type: 'global' },
    { id: 4203, key: '..', name: 'Dots', type: 'global' },
  ];
  const h = await startCycleHarness({ spaces: [ENG, ...odd], content: [page('5001', 'ENG'), page('6001', 'A/B'), page('6002', 'K:X'), page('6003', '..')] });
  t.teardown(h.close);
  await h.sync();
  t.same(h.storedKeys(), ['acme/4101_ENG/5001', 'acme/4201_A%2FB/6001', 'acme/4202_K%3AX/6002', 'acme/4203_%2E%2E/6003']);
  const children = () => h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE).map((s) => `${s.name} ${s.externalId}`).sort();
  t.same(children(), ['%2E%2E confc:acme:4203:%2E%2E', 'A%2FB confc:acme:4201:A%2FB', 'ENG confc:acme:4101:ENG', 'K%3AX confc:acme:4202:K%3AX']);
  t.equal(h.unique.state.scopes().filter((s) => s.name === 'B' || s.name === '..').length, 0, 'no nested or dot-named scope');

  for (const id of ['6001', '6002', '6003']) h.confluence.state.setLabels(id, []);
  await h.sync();
  t.same(h.storedKeys(), ['acme/4101_ENG/5001'], 'every odd space\'s content is removed');
  t.same(children(), ['ENG confc:acme:4101:ENG'], 'and its scope');
});

t.test('a space scope an older version wrote under an unencoded odd key is removed with its contents; the space lives on encoded', async (t) => {
  const space: ScenarioSpace = { id: 4301, key: '50% off', name: 'Sale', type: 'global' };
  const h = await startCycleHarness(
    { spaces: [ENG, space], content: [page('5001', 'ENG'), page('7001', '50% off')] },
    {
      uniqueScenario: {
        scopes: [
          { id: 'scope_kb', name: 'Company KB', parentId: null },
          { id: ROOT_SCOPE, name: 'Confluence', parentId: 'scope_kb' },
          { id: 'scope_old_sale', name: '50% off', parentId: ROOT_SCOPE, externalId: 'confc:acme:4301:50% off' },
        ],
        contents: [{ key: 'acme/4301_50% off/7001', ownerId: 'scope_old_sale', title: 'Page 7001' }],
      },
    },
  );
  t.teardown(h.close);
  await h.sync();
  t.same(h.storedKeys(), ['acme/4101_ENG/5001', 'acme/4301_50%25%20off/7001'], 'the stale copy is gone, the page is stored under the encoded key');
  t.notOk(h.unique.state.scopes().some((s) => s.id === 'scope_old_sale'), 'the old scope is removed');
});
