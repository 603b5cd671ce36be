/**
 * The verdict rule of the restrictions stage, as a pure function: a known restriction
 * anywhere in the chain withholds (the page's own named first, then the nearest
 * ancestor), an unknown state withholds only when nothing restricts for certain, and a
 * page is open only when the page and every ancestor are known and unrestricted.
 */
import t from 'tap';
import type { PageRecord, ReadRestriction } from '../../src/records.js';
import { describeVerdict, verdictOf } from '../../src/read-restrictions/verdict.js';

const OPEN: ReadRestriction = { users: 0, groups: 0 };
const CLOSED: ReadRestriction = { users: 1, groups: 0 };

function pageUnder(...ancestorIds: string[]): PageRecord {
  return {
    kind: 'page', id: '9', type: 'page', title: 'Leaf', space: { id: '1', key: 'ENG', name: 'Engineering' },
    version: { number: 1, when: '2026-01-01T00:00:00.000Z' }, updatedAt: '2026-01-01T00:00:00.000Z', labels: [], rawLabels: [],
    selection: { singleLabel: true, allLabel: false, viaAncestors: [] },
    ancestors: ancestorIds.map((id) => ({ id, title: `Title ${id}`, type: 'page' })), webUrl: 'u', attachments: [],
  };
}
type S = ReadRestriction | 'missing' | 'unknown';
const states = (entries: Record<string, S>) => new Map<string, S>(Object.entries(entries));

t.test('open only when the page and every ancestor are known and unrestricted', async (t) => {
  t.same(verdictOf(pageUnder('1', '2'), states({ 9: OPEN, 1: OPEN, 2: OPEN }), true), { kind: 'open' });
  t.equal(verdictOf(pageUnder('1', '2'), states({ 9: OPEN, 1: OPEN }), false), undefined, 'still to ask for 2');
  t.equal(verdictOf(pageUnder(), states({ 9: 'missing' }), false), undefined);
});

t.test('the own restriction is named first, then the nearest restricted ancestor', async (t) => {
  const own = verdictOf(pageUnder('1', '2'), states({ 9: CLOSED, 1: CLOSED, 2: CLOSED }), false);
  t.equal(own && describeVerdict(own), 'own');
  const nearest = verdictOf(pageUnder('1', '2'), states({ 9: OPEN, 1: CLOSED, 2: CLOSED }), false);
  t.equal(nearest && describeVerdict(nearest), 'inherited from 2 "Title 2"', 'the parent, not the root');
});

t.test('a certain restriction wins over an unknown state elsewhere, even before everything is asked', async (t) => {
  const verdict = verdictOf(pageUnder('1', '2'), states({ 9: 'unknown', 1: CLOSED }), false);
  t.match(verdict, { kind: 'restricted', by: { id: '1', own: false } });
});

t.test('unknown states withhold in the end, naming the page before an ancestor', async (t) => {
  const ownUnknown = verdictOf(pageUnder('1'), states({ 9: 'unknown', 1: 'unknown' }), true);
  t.equal(ownUnknown && describeVerdict(ownUnknown), 'unknown (own)');
  const ancestorUnknown = verdictOf(pageUnder('1', '2'), states({ 9: OPEN, 1: OPEN }), true);
  t.equal(ancestorUnknown && describeVerdict(ancestorUnknown), 'unknown (ancestor 2 "Title 2")', 'never asked counts as unknown at the end');
});
