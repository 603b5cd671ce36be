import t from 'tap';
import { convertStorage, convertStorageStrict, type ConvertOptions } from '../../src/convert/index.js';
import { corpusDocument, corpusNames, measureDocument, percent, totals, type DocumentMeasure } from '../fixtures/real-world/measure.js';

/**
 * The real-world corpus (test/fixtures/real-world, sources in SOURCES.md): every
 * document converts without throwing, leaks no `ac:`/`ri:` element, keeps every visible
 * word in order and every word of its content-bearing macro parameters, and leaves no
 * empty element behind. The totals are printed, the figure issue 13 asks for.
 */
const options: ConvertOptions = { webContext: 'https://confluence.example.org', spaceKey: 'DOC', page: { id: '1', title: 'Corpus page' } };
const names = corpusNames();
const measures: DocumentMeasure[] = [];

t.test('the corpus holds at least 40 real documents', async (t) => {
  t.ok(names.length >= 40, `${names.length} documents`);
});

for (const name of names) {
  t.test(`${name} converts without loss`, async (t) => {
    const measure = measureDocument(name, (storage) => convertStorageStrict(storage, options));
    measures.push(measure);
    t.notOk(measure.threw, 'never throws');
    t.same(measure.leaked, [], 'no ac: or ri: element is left');
    t.same(measure.visibleMissing, [], `${measure.visibleWords} visible words kept, in order`);
    t.same(measure.parameterMissing, [], `${measure.parameterWords} content-parameter words kept`);
    t.same(measure.emptyLeftovers, [], 'no empty leftover element');
    const storage = corpusDocument(name);
    t.equal(convertStorage(storage, options), convertStorageStrict(storage, options), 'the safety net is not needed');
  });
}

t.test('content-parameter words kept across the corpus: at least 90 %', async (t) => {
  const all = totals(measures);
  t.comment(`visible words kept: ${all.visibleKept} of ${all.visibleWords} (${percent(all.visibleKept, all.visibleWords)})`);
  t.comment(`content-parameter words kept: ${all.parameterKept} of ${all.parameterWords} (${percent(all.parameterKept, all.parameterWords)})`);
  t.comment(`empty leftovers: ${all.emptyLeftovers}; leaked elements: ${all.leaked}`);
  t.ok(all.parameterWords > 0, 'the corpus has content parameters to measure');
  t.ok(all.parameterKept / all.parameterWords >= 0.9);
  t.equal(all.visibleKept, all.visibleWords);
  t.equal(all.emptyLeftovers, 0);
});
