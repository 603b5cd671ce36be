import highland from 'highland';
import t from 'tap';
import type { PageRecord, Selection } from '../../src/records.js';
import { collect } from '../../src/streams.js';
import { dedupePages } from '../../src/transforms/dedupe.js';

function found(id: string, selection: Partial<Selection>): PageRecord {
  return {
    kind: 'page', id, type: 'page', title: `Page ${id}`, space: { id: '7', key: 'ENG', name: 'Engineering' },
    version: { number: 1, when: '2026-01-01T00:00:00.000Z' }, updatedAt: '2026-01-01T00:00:00.000Z', labels: [], rawLabels: [],
    selection: { singleLabel: false, allLabel: false, viaAncestors: [], ...selection }, ancestors: [], webUrl: `https://wiki/${id}`, attachments: [],
  };
}

t.test('a page found by its own label and under a labelled ancestor is one record that keeps both selections', async (t) => {
  const pages = await collect(
    highland([
      found('5001', { singleLabel: true }),
      found('5002', { viaAncestors: ['4000'] }),
      found('5001', { viaAncestors: ['4000'] }),
    ]).through(dedupePages()),
  );
  t.same(pages.map((p) => p.id), ['5001', '5002'], 'one record a page, in order of first arrival');
  t.same(pages[0]!.selection, { singleLabel: true, allLabel: false, viaAncestors: ['4000'] }, 'label and ancestor selection merged');
});

t.test('every later arrival adds its reasons once: labels, and ancestors without repeats', async (t) => {
  const pages = await collect(
    highland([
      found('5001', { viaAncestors: ['4000'] }),
      found('5001', { allLabel: true, viaAncestors: ['4000', '4100'] }),
      found('5001', { singleLabel: true, viaAncestors: ['4200'] }),
    ]).through(dedupePages()),
  );
  t.equal(pages.length, 1);
  t.same(pages[0]!.selection, { singleLabel: true, allLabel: true, viaAncestors: ['4000', '4100', '4200'] });
});

t.test('the merge reaches the record already passed on, so a barrier downstream sees the whole selection', async (t) => {
  const first = found('5001', { singleLabel: true });
  const seenDownstream: PageRecord[] = [];
  await collect(highland([first, found('5001', { viaAncestors: ['4000'] })]).through(dedupePages()).tap((page) => seenDownstream.push(page)));
  t.equal(seenDownstream[0], first, 'the first arrival is what went on');
  t.same(first.selection.viaAncestors, ['4000'], 'and it carries the later arrival\'s ancestor');
});

t.test('two cycles do not share what they have seen', async (t) => {
  const once = await collect(highland([found('5001', {})]).through(dedupePages()));
  const again = await collect(highland([found('5001', {})]).through(dedupePages()));
  t.equal(once.length + again.length, 2);
});
