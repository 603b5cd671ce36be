/**
 * Reading `restrictions.read` (Confluence contract §17): a non-empty user or group list
 * is a restriction, two empty lists are none, anything the answer leaves out is
 * "not said" (the caller falls back, then withholds). And the expand strings, exactly.
 */
import t from 'tap';
import { READ_RESTRICTIONS_EXPAND, contentExpand } from '../../src/confluence/cql.js';
import { mapContent } from '../../src/confluence/map-content.js';
import { parseReadOperation, readRestrictionOf } from '../../src/confluence/restrictions.js';
import type { ValidContent } from '../../src/confluence/raw.js';

const list = (n: number, extra: Record<string, unknown> = {}) => ({ results: Array.from({ length: n }, (_, i) => ({ type: 'known', accountId: `a${i}` })), start: 0, limit: 200, size: n, ...extra });
const read = (restrictions: unknown) => ({ operation: 'read', restrictions });

t.test('user-only, group-only, both and none', async (t) => {
  t.same(parseReadOperation(read({ user: list(2), group: list(0) })), { users: 2, groups: 0 });
  t.same(parseReadOperation(read({ user: list(0), group: list(1) })), { users: 0, groups: 1 });
  t.same(parseReadOperation(read({ user: list(1), group: list(3) })), { users: 1, groups: 3 });
  t.same(parseReadOperation(read({ user: list(0), group: list(0) })), { users: 0, groups: 0 });
});

t.test('size beyond the listed results still counts (a paged list)', async (t) => {
  t.same(parseReadOperation(read({ user: { results: [], size: 3 }, group: list(0) })), { users: 3, groups: 0 });
  t.same(parseReadOperation(read({ user: { size: 0 }, group: { results: [] } })), { users: 0, groups: 0 });
});

t.test('a known restriction in one list is enough; an empty list beside a missing one says nothing', async (t) => {
  t.same(parseReadOperation(read({ user: list(1) })), { users: 1, groups: 0 });
  t.equal(parseReadOperation(read({ user: list(0) })), undefined);
  t.equal(parseReadOperation(read({ user: list(0), group: { _expandable: {} } })), undefined);
  t.equal(parseReadOperation(read({ _expandable: { user: '', group: '' } })), undefined, 'lists not expanded');
});

t.test('anything malformed is "not said"', async (t) => {
  for (const value of [undefined, null, 'read', 42, {}, { restrictions: null }, { restrictions: 'x' }, read({ user: 'x', group: [] })]) {
    t.equal(parseReadOperation(value), undefined, JSON.stringify(value));
  }
});

t.test('a content object without restrictions.read (expansion ignored) says nothing', async (t) => {
  t.equal(readRestrictionOf({ id: '1' }), undefined);
  t.equal(readRestrictionOf({ id: '1', restrictions: {} }), undefined);
  t.same(readRestrictionOf({ id: '1', restrictions: { read: read({ user: list(0), group: list(2) }) } }), { users: 0, groups: 2 });
});

t.test('discovery maps the state onto the page record, and leaves it off when not said', async (t) => {
  const item: ValidContent = { id: '7', type: 'page', title: 'T', space: { id: 1, key: 'ENG' }, version: { number: 1, when: '2026-01-01T00:00:00Z' } };
  const context = { urls: { pageWebUrl: () => 'u' }, labels: { single: 'a', all: 'b' } };
  t.notOk('readRestriction' in mapContent(item, context));
  const restricted = mapContent({ ...item, restrictions: { read: read({ user: list(1), group: list(0) }) } }, context);
  t.same(restricted.readRestriction, { users: 1, groups: 0 });
});

t.test('the expand lists, byte for byte', async (t) => {
  t.equal(READ_RESTRICTIONS_EXPAND, 'restrictions.read.restrictions.user,restrictions.read.restrictions.group');
  t.equal(contentExpand(false), 'metadata.labels,version,space,ancestors', 'unchanged without restrictions');
  t.equal(contentExpand(false, { readRestrictions: true }), 'metadata.labels,version,space,ancestors,restrictions.read.restrictions.user,restrictions.read.restrictions.group');
  t.equal(
    contentExpand(true, { readRestrictions: true }),
    'metadata.labels,version,space,children.attachment,children.attachment.version,children.attachment.extensions,ancestors,restrictions.read.restrictions.user,restrictions.read.restrictions.group',
  );
});
