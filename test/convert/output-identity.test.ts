import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { convertStorage, type ConvertOptions } from '../../src/convert/index.js';
import { prng, storageBody } from '../../scripts/bench/generate.js';
import { corpusDocument, corpusNames } from '../fixtures/real-world/measure.js';

/**
 * The converter's exact output, byte for byte, beyond the golden files: the real-world
 * corpus, benchmark-shaped pages, and damaged copies of both (cut, spliced, with control
 * characters and lone surrogates inserted). Each output's SHA-256 is kept in
 * `test/fixtures/converter-output.sha256.json`, so a change made for speed cannot change
 * a single byte unnoticed. `UPDATE_GOLDEN=1` rewrites the file; only do that for a change
 * meant to alter the output, after reviewing it through the golden files.
 */
const MANIFEST = fileURLToPath(new URL('../fixtures/converter-output.sha256.json', import.meta.url));
const options: ConvertOptions = { webContext: 'https://confluence.example.org', spaceKey: 'DOC', page: { id: '1', title: 'Corpus page', parentTitle: 'Parent', parentId: '2' } };

function inputs(): [string, string][] {
  const cases: [string, string][] = corpusNames().map((name) => [`corpus/${name}`, corpusDocument(name)]);
  for (let seed = 1; seed <= 10; seed += 1) cases.push([`bench/${seed}`, storageBody(prng(seed), 2_000 + seed * 2_000)]);
  const originals = [...cases];
  const random = prng(20261205);
  const pick = (n: number): number => Math.floor(random() * n);
  const odd = ['\u0000', '\u0007', '\u000B', '\u001F', '\u007F', '\uD800', '\uDC00', '\uD83D\uDE00', '\u00A0', '\uFEFF', '\u2028', '\t', '\r\n'];
  for (let i = 0; i < 300; i += 1) {
    const [name, storage] = originals[pick(originals.length)]!;
    const [, other] = originals[pick(originals.length)]!;
    const at = pick(storage.length + 1);
    const from = pick(other.length + 1);
    let damaged = storage.slice(0, at) + other.slice(from, from + pick(400)) + storage.slice(at + pick(200));
    for (let k = pick(4); k > 0; k -= 1) {
      const where = pick(damaged.length + 1);
      damaged = damaged.slice(0, where) + odd[pick(odd.length)]! + damaged.slice(where);
    }
    cases.push([`damaged/${i}/${name}`, damaged]);
  }
  return cases;
}

const digest = (html: string): string => createHash('sha256').update(html, 'utf8').digest('hex');

t.test('every input converts to exactly the bytes it converted to before', async (t) => {
  const actual: Record<string, string> = Object.fromEntries(inputs().map(([name, storage]) => [name, digest(convertStorage(storage, options))]));
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(MANIFEST, `${JSON.stringify(actual, null, 1)}\n`);
    t.comment(`wrote ${Object.keys(actual).length} output digests`);
  }
  t.ok(existsSync(MANIFEST), 'the digests are kept in the repository');
  const expected = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
  t.ok(Object.keys(expected).length >= 350, `${Object.keys(expected).length} inputs`);
  const changed = Object.keys(expected).filter((name) => actual[name] !== expected[name]);
  t.same(changed, [], 'no output changed');
  t.same(Object.keys(actual).sort(), Object.keys(expected).sort(), 'the same inputs');
});
