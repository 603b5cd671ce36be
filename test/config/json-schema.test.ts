import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { glob } from 'tinyglobby';
import { parse } from 'yaml';
import { FIELDS } from '../../src/config/fields.js';
import { tenantJsonSchema } from '../../src/config/json-schema.js';
import { parseTenantFile } from '../../src/config/load.js';
import { DYNAMIC_VARIANTS, tenantStruct } from '../../src/config/schema.js';
import { BASES, ENV, INVALID_CASES, SECRET_LEAK_CASES, edited } from '../fixtures/config/cases.js';
import { evaluate, schemaPaths, type JsonSchema } from '../fixtures/config/json-schema-eval.js';

const root = new URL('../../', import.meta.url).pathname;
const schemaFile = `${root}config/tenant-config.schema.json`;
const committed = JSON.parse(readFileSync(schemaFile, 'utf8')) as JsonSchema;

t.test('the committed JSON Schema is what the field list generates', async (t) => {
  const generated = `${JSON.stringify(tenantJsonSchema(), null, 2)}\n`;
  // Regenerate after changing fields.ts: UPDATE_TENANT_SCHEMA=1 npx tap test/config/json-schema.test.ts
  if (process.env.UPDATE_TENANT_SCHEMA === '1') writeFileSync(schemaFile, generated);
  t.equal(readFileSync(schemaFile, 'utf8'), generated);
});

/** Every key path the superstruct schema accepts, read from the structs themselves. */
function structPaths(): Set<string> {
  const paths = new Set<string>();
  const walk = (struct: any, prefix: string): void => {
    const variants = struct.type === 'dynamic' ? DYNAMIC_VARIANTS[prefix] ?? [] : [struct];
    for (const variant of variants) {
      if (variant.type !== 'object') continue;
      for (const [key, child] of Object.entries(variant.schema as Record<string, unknown>)) {
        const path = prefix ? `${prefix}.${key}` : key;
        paths.add(path);
        walk(child, path);
      }
    }
  };
  walk(tenantStruct, '');
  return paths;
}

t.test('superstruct, the field list and the JSON Schema know the same fields', async (t) => {
  const fields = FIELDS.map((f) => f.path).sort();
  t.same([...structPaths()].sort(), fields, 'superstruct = fields.ts');
  t.same([...schemaPaths(committed)].sort(), fields, 'JSON Schema = fields.ts');
  t.equal(new Set(fields).size, fields.length, 'no field listed twice');
});

const examples = await glob('config/**/*-tenant-config.yaml', { cwd: root });

t.test('the JSON Schema accepts every example and valid fixture', async (t) => {
  t.ok(examples.length >= 4);
  for (const file of examples) t.same(evaluate(committed, parse(readFileSync(root + file, 'utf8'))), [], file);
  for (const [name, text] of Object.entries(BASES)) t.same(evaluate(committed, parse(text)), [], name);
});

t.test('the JSON Schema rejects the invalid cases the loader rejects', async (t) => {
  const comparable = [...INVALID_CASES, ...SECRET_LEAK_CASES].filter((c) => c.jsonSchema !== false);
  t.ok(comparable.length >= 30, `${comparable.length} comparable cases`);
  for (const c of comparable) {
    t.not(evaluate(committed, parse(c.text)).length, 0, c.name);
  }
});

t.test('both validators agree on the verdict for a wrong-typed value in every field', async (t) => {
  // `true` fits no field: not a string, number, enum value, list or mapping.
  for (const field of FIELDS) {
    const base = field.path === 'confluence.auth.token' ? 'dc' : 'cloud';
    const text = edited(base, (doc) => doc.setIn(field.path.split('.'), true));
    const { problems } = parseTenantFile('acme-tenant-config.yaml', text, ENV);
    const own = problems.filter((line) => line.startsWith(`acme-tenant-config.yaml: ${field.path}: `));
    t.ok(own.length > 0 && own.every((line) => !line.endsWith('unknown field')), `loader: ${field.path}`, { problems });
    t.not(evaluate(committed, parse(text)).length, 0, `JSON Schema: ${field.path}`);
  }
});

t.test('both validators accept os.environ/ references for non-selector scalars and refuse them for selectors', async (t) => {
  for (const field of FIELDS.filter((f) => f.kind === 'scalar')) {
    const base = field.path === 'confluence.auth.token' ? 'dc' : 'cloud';
    const text = edited(base, (doc) => doc.setIn(field.path.split('.'), 'os.environ/SOME_VALUE'));
    const loaderOk = !parseTenantFile('acme-tenant-config.yaml', text, ENV).problems.some((line) => line.includes(`${field.path}: expected`));
    const schemaOk = evaluate(committed, parse(text)).length === 0;
    t.equal(loaderOk, !field.literalOnly, `loader: ${field.path}`);
    t.equal(schemaOk, !field.literalOnly, `JSON Schema: ${field.path}`);
  }
});

t.test('the evaluator refuses keywords it does not implement', async (t) => {
  t.throws(() => evaluate({ type: 'object', patternProperties: {} }, {}), /does not support patternProperties/);
  t.same(evaluate({ type: 'integer', minimum: 1 }, 2), []);
  t.not(evaluate({ if: { const: 1 }, then: false }, 1).length, 0);
});
