/**
 * The contentUpsert answer is checked twice per item by a hand-written guard before the
 * superstruct shape (which then only describes a failure): the guard must accept
 * exactly what the shape accepts, or a malformed answer would slip through unchecked.
 */
import fc from 'fast-check';
import { is } from 'superstruct';
import t from 'tap';
import { UpsertShape, isUpsert } from '../../src/unique/content.js';

const field = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer(), fc.boolean(), fc.constant({}), fc.constant([]));

t.test('the guard and the shape agree on hand-picked answers', async (t) => {
  const cases: unknown[] = [
    { contentUpsert: { id: 'cont_1', writeUrl: 'http://w?key=k', readUrl: 'unique://content/1' } },
    { contentUpsert: { id: 'cont_1' } },
    { contentUpsert: { id: 'cont_1', writeUrl: null, readUrl: null, title: 'extra fields are fine' } },
    { contentUpsert: { id: 1 } },
    { contentUpsert: { writeUrl: 'x' } },
    { contentUpsert: { id: 'cont_1', writeUrl: 5 } },
    { contentUpsert: null },
    { contentUpsert: [] },
    { contentUpsert: 'cont_1' },
    {},
    [],
    null,
    undefined,
    'data',
  ];
  for (const data of cases) t.equal(isUpsert(data), is(data, UpsertShape), JSON.stringify(data) ?? String(data));
});

t.test('the guard and the shape agree on generated answers', async (t) => {
  const content = fc.record({ id: field, writeUrl: field, readUrl: field, extra: field }, { requiredKeys: [] });
  const answer = fc.oneof(fc.record({ contentUpsert: fc.oneof(content, field) }, { requiredKeys: [] }), field);
  fc.assert(fc.property(answer, (data) => isUpsert(data) === is(data, UpsertShape)), { numRuns: 2000, seed: 20261205 });
  t.pass('2000 generated answers');
});
