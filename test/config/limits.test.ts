/**
 * Tenant files far past the normal (issue 10, finding 9): a huge file, deep nesting,
 * hundreds of thousands of keys, bytes that are not UTF-8. Each gets a clear problem
 * naming the file (and where it can, the line), never a stack overflow, a stall or a
 * silently replaced character.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Document, Pair, Scalar, YAMLMap } from 'yaml';
import { decodeTenantFile, loadTenants, parseTenantFile } from '../../src/config/load.js';
import { MAX_TENANT_FILE_BYTES, duplicateKeyOffsets, excessiveNesting, firstInvalidUtf8 } from '../../src/config/yaml-guards.js';
import { BASES, ENV } from '../fixtures/config/cases.js';

const FILE = 'acme-tenant-config.yaml';

function tempDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-limits-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a file over the size cap is rejected without being read whole', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, FILE);
  // 4.4 MB of 400 000 keys: the file that made `validate` run for minutes.
  writeFileSync(path, Array.from({ length: 400_000 }, (_, i) => `k${i}: 1`).join('\n'));
  const [result] = await loadTenants(path, ENV);
  t.match(result!.problems, [new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: file is \\d+ bytes, more than the ${MAX_TENANT_FILE_BYTES} bytes a tenant file may have`)]);
  t.equal(result!.config, undefined);
});

t.test('a file of forty thousand keys under the cap still has its duplicate found', async (t) => {
  const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`);
  keys.push('k17: 2');
  const text = `${keys.join('\n')}\n`;
  t.ok(Buffer.byteLength(text) < MAX_TENANT_FILE_BYTES);
  // The parser's own check compares every key with every earlier one (tens of seconds here).
  const { problems } = parseTenantFile(FILE, text, ENV);
  t.same(problems, [`${FILE}: line 40001, column 1: YAML syntax error: Map keys must be unique`]);
});

t.test('the duplicate-key check is linear: 400 000 keys, one duplicate, found', async (t) => {
  const map = new YAMLMap<Scalar, Scalar>();
  for (let i = 0; i < 400_000; i += 1) {
    const key = new Scalar(`k${i}`);
    key.range = [i * 10, i * 10 + 7, i * 10 + 7];
    map.items.push(new Pair(key, new Scalar(i)));
  }
  const duplicate = new Scalar('k123456');
  duplicate.range = [4_000_000, 4_000_007, 4_000_007];
  map.items.push(new Pair(duplicate, new Scalar(0)));
  const doc = new Document();
  doc.contents = map;
  t.same(duplicateKeyOffsets(doc), [4_000_000]);
});

t.test('duplicate keys are found in nested and flow mappings, numbers and strings kept apart', async (t) => {
  const text = 'a:\n  b: 1\n  b: 2\nc: { x: 1, x: 2 }\nd:\n  1: one\n  "1": string one\n';
  const { problems } = parseTenantFile(FILE, text, ENV);
  t.same(problems, [`${FILE}: line 3, column 3: YAML syntax error: Map keys must be unique`, `${FILE}: line 4, column 12: YAML syntax error: Map keys must be unique`]);
});

t.test('20 000 levels of nesting are a clear problem, not a stack overflow', async (t) => {
  for (const [shape, text] of [
    ['flow lists', `status: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`],
    ['flow mappings', `status: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`],
    ['block lists', `status:\n${'- '.repeat(20_000)}x\n`],
    ['indented mappings', `status:\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`],
  ] as const) {
    const { problems, config } = parseTenantFile(FILE, text, ENV);
    t.equal(config, undefined, shape);
    t.match(problems, [/^acme-tenant-config\.yaml: line \d+, column \d+: YAML error: nested more than 64 levels deep/], shape);
  }
});

t.test('ordinary nesting, comments, quoted brackets and block scalars are not counted as depth', async (t) => {
  t.equal(excessiveNesting(BASES.cloud), undefined);
  t.equal(excessiveNesting(BASES.dc), undefined);
  const text = ['a: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["', '# {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{', 'b: |', ...Array.from({ length: 100 }, (_, i) => `${' '.repeat(2 + i)}line ${i}`), 'c: [1, [2, [3]]]', ''].join('\n');
  t.equal(excessiveNesting(text), undefined);
  t.same(excessiveNesting(`a: ${'['.repeat(65)}${']'.repeat(65)}`, 64)?.depth, 65);
});

t.test('a Latin-1 byte is rejected naming its byte offset and line, not replaced silently', async (t) => {
  const text = Buffer.from(BASES.dc, 'utf8');
  const at = text.indexOf('scopeId');
  const bytes = Buffer.concat([text.subarray(0, at), Buffer.from([0x73, 0x63, 0xe9]), text.subarray(at + 3)]); // "scé" in Latin-1
  const decoded = decodeTenantFile(FILE, bytes);
  const line = text.subarray(0, at).toString('utf8').split('\n').length;
  t.same(decoded, { problem: `${FILE}: line ${line}: not valid UTF-8: byte 0xE9 at byte offset ${at + 2} (save the file as UTF-8)` });

  const dir = tempDir(t);
  const path = join(dir, FILE);
  writeFileSync(path, bytes);
  const [result] = await loadTenants(path, ENV);
  t.match(result!.problems, [/not valid UTF-8: byte 0xE9 at byte offset \d+/]);
  t.equal(result!.config, undefined);
});

t.test('the UTF-8 check accepts every valid sequence and names the first invalid one', async (t) => {
  t.equal(firstInvalidUtf8(Buffer.from('plain ascii, Ümlaut, 漢字, 🎉, \u{10FFFF}', 'utf8')), undefined);
  const cases: [number[], number][] = [
    [[0x61, 0xc0, 0x80], 1], // overlong
    [[0x61, 0x62, 0xed, 0xa0, 0x80], 2], // UTF-16 surrogate
    [[0xe2, 0x82], 0], // cut short
    [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
    [[0x0a, 0x0a, 0xff], 2],
  ];
  for (const [bytes, offset] of cases) t.equal(firstInvalidUtf8(Uint8Array.from(bytes))?.offset, offset, bytes.map((b) => b.toString(16)).join(' '));
  t.equal(firstInvalidUtf8(Uint8Array.from([0x0a, 0x0a, 0xff]))?.line, 3);
});
