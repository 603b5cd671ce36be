import t from 'tap';
import { CONVERTER_VERSION, effectiveUpdatedAt } from '../../src/convert/index.js';

t.test('a page edited before the converter release is dated at the release, so it is re-ingested once', async (t) => {
  t.equal(effectiveUpdatedAt('2024-01-15T10:00:00.000Z'), CONVERTER_VERSION.releasedAt);
});

t.test('a page edited after the release keeps its own time', async (t) => {
  t.equal(effectiveUpdatedAt('2027-02-01T08:30:00.000Z'), '2027-02-01T08:30:00.000Z');
});

t.test('the result is a UTC ISO instant whatever offset the page time has', async (t) => {
  t.equal(effectiveUpdatedAt('2027-02-01T10:30:00.000+02:00'), '2027-02-01T08:30:00.000Z');
  t.equal(effectiveUpdatedAt('2027-02-01T08:30:00Z'), '2027-02-01T08:30:00.000Z');
});

t.test('an unparseable page time falls back to the release time instead of throwing', async (t) => {
  t.equal(effectiveUpdatedAt('not a date'), CONVERTER_VERSION.releasedAt);
});

t.test('the converter version names a valid release instant', async (t) => {
  t.equal(new Date(CONVERTER_VERSION.releasedAt).toISOString(), CONVERTER_VERSION.releasedAt);
  t.ok(Number.isInteger(CONVERTER_VERSION.version) && CONVERTER_VERSION.version >= 1);
});
