/**
 * A fuzz test of the tenant file format: random structural mutations of the example
 * files in config/examples/ (a key deleted, renamed or added, a value of the wrong
 * type, enum values swapped, `os.environ/` references, deep nesting, damaged YAML).
 * Every mutant is either accepted or rejected with problems that each name the file
 * and a field path (`file: path: …`); parsing never throws, never prints a stack
 * trace and never echoes a secret. Fixed seed; FC_SEED overrides it, FC_RUNS the runs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { formatPath } from '../../src/config/errors.js';
import { parseTenantFile } from '../../src/config/load.js';
import { isSecret } from '../../src/secret.js';
import { AUTH_MODES, CLUSTER_LOCAL_HEADERS, FIELDS, SERVICE_EXTRA_HEADERS, INSTANCE_TYPES, SERVICE_AUTH_MODES, SWITCH, TENANT_STATUSES } from '../../src/config/fields.js';

const SEED = Number(process.env.FC_SEED ?? 20260105);
const RUNS = Number(process.env.FC_RUNS ?? 800);
const FILE = 'fuzz-tenant-config.yaml';
const EXAMPLES_DIR = new URL('../../config/examples/', import.meta.url).pathname;
const EXAMPLES = readdirSync(EXAMPLES_DIR)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => ({ name, tree: parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8')) as Tree }));

/** A literal secret planted in every secret field of some mutants: no problem or warning may show it. */
const PLANTED_SECRET = 'Fz-planted-secret-9d41c07e';
const SECRET_PATHS = FIELDS.filter((field) => field.secret).map((field) => field.path.split('.'));

/** Environment the references resolve against: set, empty, and set to values of the wrong kind. */
const ENV: NodeJS.ProcessEnv = {
  FUZZ_SET: 'https://example.org',
  FUZZ_NUMBER: '42',
  FUZZ_EMPTY: '',
  FUZZ_BAD_NUMBER: 'forty-two',
  FUZZ_SECRET: PLANTED_SECRET,
  CONFLUENCE_CLIENT_SECRET: PLANTED_SECRET,
  ZITADEL_CLIENT_SECRET: PLANTED_SECRET,
  ZITADEL_PROJECT_ID: 'project-1',
  CONFLUENCE_PAT: PLANTED_SECRET,
};
const ENV_NAMES = [...Object.keys(ENV), 'FUZZ_UNSET', 'lower_case', '_X'];
const ENUMS: readonly (readonly string[])[] = [TENANT_STATUSES, INSTANCE_TYPES, AUTH_MODES, SERVICE_AUTH_MODES, SWITCH];
const ALL_ENUM_VALUES = ENUMS.flat();

type Tree = Record<string, unknown>;
type Path = (string | number)[];

/** Every path to a node below the root (mappings and lists both), parents before children. */
function pathsOf(node: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(node)) {
    node.forEach((child, i) => out.push([...prefix, i], ...pathsOf(child, [...prefix, i])));
  } else if (node !== null && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) out.push([...prefix, key], ...pathsOf(child, [...prefix, key]));
  }
  return out;
}

function parentAt(tree: unknown, path: Path): Record<string | number, unknown> | undefined {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>) : undefined;
}

function nested(depth: number, asList: boolean, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = asList ? [value] : { a: value };
  return value;
}

const keyName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,11}$/);
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -5, max: 1_000_000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', '0', '-1', '1e400', 'yes', 'no', '~', 'null', '*/15 * * * *', 'http://x/', 'application/PDF'),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 3 }),
  fc.dictionary(keyName, fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxKeys: 3 }),
  fc.constantFrom(...ALL_ENUM_VALUES),
);

type Mutation =
  | { op: 'delete'; pick: number }
  | { op: 'retype'; pick: number; value: unknown }
  | { op: 'rename'; pick: number; suffix: string; upper: boolean }
  | { op: 'insert'; pick: number; key: string; value: unknown }
  | { op: 'swapEnum'; pick: number; choice: number }
  | { op: 'envRef'; pick: number; name: string; malformed: boolean }
  | { op: 'nest'; pick: number; depth: number; asList: boolean };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('retype' as const), pick: fc.nat(), value: wrongValue }),
  fc.record({ op: fc.constant('rename' as const), pick: fc.nat(), suffix: fc.constantFrom('', 'x', '_', 's', '2'), upper: fc.boolean() }),
  fc.record({ op: fc.constant('insert' as const), pick: fc.nat(), key: keyName, value: wrongValue }),
  fc.record({ op: fc.constant('swapEnum' as const), pick: fc.nat(), choice: fc.nat() }),
  fc.record({ op: fc.constant('envRef' as const), pick: fc.nat(), name: fc.constantFrom(...ENV_NAMES), malformed: fc.boolean() }),
  fc.record({ op: fc.constant('nest' as const), pick: fc.nat(), depth: fc.integer({ min: 1, max: 200 }), asList: fc.boolean() }),
);

function apply(tree: Tree, m: Mutation): void {
  const paths = pathsOf(tree);
  if (m.op === 'insert') {
    // Into the root or any mapping.
    const holders: Path[] = [[], ...paths.filter((p) => { const v = parentAt(tree, [...p, '']); return v !== undefined && !Array.isArray(v); })];
    const at = holders[m.pick % holders.length]!;
    const holder = at.length === 0 ? tree : (parentAt(tree, [...at, '']) as Tree);
    holder[m.key] = m.value;
    return;
  }
  if (paths.length === 0) return;
  const path = paths[m.pick % paths.length]!;
  const parent = parentAt(tree, path);
  if (parent === undefined) return;
  const key = path[path.length - 1]!;
  switch (m.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return;
    case 'retype':
      parent[key] = m.value;
      return;
    case 'rename': {
      if (Array.isArray(parent) || typeof key !== 'string') return;
      const renamed = (m.upper ? key.toUpperCase() : key.charAt(0).toUpperCase() + key.slice(1)) + m.suffix;
      const value = parent[key];
      delete parent[key];
      parent[renamed] = value;
      return;
    }
    case 'swapEnum': {
      const current = parent[key];
      const family = ENUMS.find((values) => values.includes(current as string)) ?? ALL_ENUM_VALUES;
      parent[key] = family[m.choice % family.length];
      return;
    }
    case 'envRef':
      parent[key] = m.malformed ? `os.environ/${m.name}-bad` : `os.environ/${m.name}`;
      return;
    case 'nest':
      parent[key] = nested(m.depth, m.asList, parent[key] ?? 'leaf');
      return;
  }
}

type Damage =
  | { op: 'deleteChar'; at: number }
  | { op: 'insertChar'; at: number; char: string }
  | { op: 'duplicateLine'; line: number }
  | { op: 'truncate'; at: number }
  | { op: 'indent'; line: number; by: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ op: fc.constant('deleteChar' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insertChar' as const), at: fc.nat(), char: fc.constantFrom(':', '\t', '"', "'", '{', '[', ']', '}', '&', '*', '!', '%', '@', '`', '|', '>', '-', '#', '\n', ' ', '\u0000', '\ufeff', '? ', ': ', '<<: *x') }),
  fc.record({ op: fc.constant('duplicateLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('indent' as const), line: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);

function damageText(text: string, d: Damage): string {
  const lines = text.split('\n');
  switch (d.op) {
    case 'deleteChar': {
      const at = d.at % Math.max(1, text.length);
      return text.slice(0, at) + text.slice(at + 1);
    }
    case 'insertChar': {
      const at = d.at % (text.length + 1);
      return text.slice(0, at) + d.char + text.slice(at);
    }
    case 'duplicateLine': {
      const i = d.line % lines.length;
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    }
    case 'truncate':
      return text.slice(0, d.at % (text.length + 1));
    case 'indent': {
      const i = d.line % lines.length;
      const line = lines[i]!;
      lines[i] = d.by >= 0 ? ' '.repeat(d.by) + line : line.replace(new RegExp(`^ {0,${-d.by}}`), '');
      return lines.join('\n');
    }
  }
}

function plantSecrets(tree: Tree): void {
  for (const path of SECRET_PATHS) {
    const parent = parentAt(tree, path);
    if (parent !== undefined && !Array.isArray(parent) && path[path.length - 1]! in parent) parent[path[path.length - 1]!] = PLANTED_SECRET;
  }
}

/** `file: line L, column C: YAML syntax error: …`, or one of the whole-file messages. */
const SYNTAX = /^line \d+, column \d+: YAML (syntax )?error: \S/;
const WHOLE_FILE = [/^file is empty; expected a mapping/, /^expected a mapping of tenant settings at the top level, got /, /^YAML error: \S/];
/** Paths the schema may name although the file lacks them (required fields, conditional ones). */
const SCHEMA_PATHS = [
  ...FIELDS.map((field) => field.path),
  ...CLUSTER_LOCAL_HEADERS.map((header) => `${SERVICE_EXTRA_HEADERS.path}.${header}`),
  'ingestion.pageIngestionConfig.htmlConfig.imageContentExtraction.languageModel',
];

/** Every field path of the document as problem lines render them (`a.b[0].c`). */
function documentPaths(text: string): Set<string> {
  const paths = new Set<string>(SCHEMA_PATHS);
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100, logLevel: 'silent' });
  } catch {
    return paths;
  }
  for (const path of pathsOf(doc)) paths.add(formatPath(path));
  return paths;
}

function problemShapeError(problem: string, paths: ReadonlySet<string>): string | undefined {
  if (!problem.startsWith(`${FILE}: `)) return 'does not start with the file name';
  if (problem.includes('\n')) return 'spans several lines';
  if (/\bat [\w.<>]+ \(|node:internal|\.ts:\d+:\d+/.test(problem)) return 'looks like a stack trace';
  if (problem.includes(PLANTED_SECRET)) return 'echoes a secret';
  const rest = problem.slice(FILE.length + 2);
  if (SYNTAX.test(rest) || WHOLE_FILE.some((re) => re.test(rest))) return undefined;
  for (const path of paths) if (rest.startsWith(`${path}: `) && rest.length > path.length + 2) return undefined;
  return 'names no field path of the file or the schema';
}

interface Mutant {
  example: number;
  planted: boolean;
  mutations: Mutation[];
  damages: Damage[];
}

const mutant: fc.Arbitrary<Mutant> = fc.record({
  example: fc.nat({ max: EXAMPLES.length - 1 }),
  planted: fc.boolean(),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  damages: fc.oneof({ weight: 3, arbitrary: fc.constant<Damage[]>([]) }, { weight: 1, arbitrary: fc.array(damage, { minLength: 1, maxLength: 3 }) }),
});

function render(m: Mutant): string {
  const tree = structuredClone(EXAMPLES[m.example]!.tree);
  if (m.planted) plantSecrets(tree);
  for (const step of m.mutations) apply(tree, step);
  let text = stringify(tree, { aliasDuplicateObjects: false });
  for (const d of m.damages) text = damageText(text, d);
  return text;
}

t.test('the examples themselves load cleanly', async (t) => {
  t.ok(EXAMPLES.length >= 3);
  for (const { name, tree } of EXAMPLES) {
    const result = parseTenantFile(FILE, stringify(tree), ENV);
    t.same(result.problems, [], name);
  }
});

t.test(`mutated tenant files are accepted or rejected with file-and-path problems, never a throw (seed ${SEED}, ${RUNS} runs)`, async (t) => {
  const outcomes = { accepted: 0, rejected: 0, syntax: 0 };
  fc.assert(
    fc.property(mutant, (m) => {
      const text = render(m);
      let result;
      try {
        result = parseTenantFile(FILE, text, ENV);
      } catch (error) {
        throw new Error(`parseTenantFile threw ${String(error)} on:\n${text}`);
      }
      const paths = documentPaths(text);
      const bad = result.problems.map((p) => [p, problemShapeError(p, paths)] as const).filter(([, why]) => why !== undefined);
      if (bad.length > 0) throw new Error(`bad problem line(s): ${bad.map(([p, why]) => `${why}: ${JSON.stringify(p)}`).join('; ')}\n--- mutant:\n${text}`);
      const leakedWarning = result.warnings.find((w) => w.includes(PLANTED_SECRET) || !w.startsWith(`${FILE}: `));
      if (leakedWarning !== undefined) throw new Error(`bad warning ${JSON.stringify(leakedWarning)}`);
      if (result.problems.length === 0) {
        if (result.config === undefined) throw new Error('no problems but no config');
        const { auth } = result.config.confluence;
        const secrets = [auth.mode === 'pat' ? auth.token : auth.clientSecret];
        if (result.config.unique.serviceAuthMode === 'external') secrets.push(result.config.unique.zitadelClientSecret);
        if (!secrets.every(isSecret)) throw new Error('a secret field is not a Secret');
        outcomes.accepted += 1;
      } else {
        if (result.config !== undefined) throw new Error('problems and a config');
        if (result.problems.some((p) => SYNTAX.test(p.slice(FILE.length + 2)))) outcomes.syntax += 1;
        outcomes.rejected += 1;
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  t.ok(outcomes.accepted > 0 && outcomes.rejected > 0 && outcomes.syntax > 0, `both outcomes and syntax damage were exercised (${JSON.stringify(outcomes)})`);
});

t.test('a YAML token with a secret in it is reported without echoing the secret', async (t) => {
  const text = stringify(EXAMPLES[0]!.tree).replace(/clientSecret: .*/, `clientSecret: "${PLANTED_SECRET}" trailing`);
  const { problems } = parseTenantFile(FILE, text, ENV);
  t.equal(problems.length > 0, true);
  t.notOk(problems.some((p) => p.includes(PLANTED_SECRET) || p.includes('Fz-planted')), JSON.stringify(problems));
  t.match(problems[0], /^fuzz-tenant-config\.yaml: line \d+, column \d+: YAML syntax error: /);
});

t.test('an alias without its anchor and an alias bomb are problems, not exceptions', async (t) => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 8; i += 1) {
    const prev = String.fromCharCode(96 + i);
    bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  t.same(parseTenantFile(FILE, bomb.join('\n'), ENV).problems, [`${FILE}: YAML error: too many alias expansions (more than 100)`]);
  t.same(parseTenantFile(FILE, 'status: *missing\n', ENV).problems, [`${FILE}: YAML error: an alias refers to an anchor that is not defined before it`]);
});
