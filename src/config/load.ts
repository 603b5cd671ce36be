import { open } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { glob } from 'tinyglobby';
import { YAMLError, parseDocument } from 'yaml';
import { ConnectorError } from '../errors.js';
import { formatFailures, problemLine } from './errors.js';
import { resolveTenant } from './resolve.js';
import { validateTenant } from './schema.js';
import type { TenantConfig } from './types.js';
import { MAX_NESTING, MAX_TENANT_FILE_BYTES, duplicateKeyOffsets, excessiveNesting, firstInvalidUtf8, linePosition } from './yaml-guards.js';

/**
 * Finding, reading and checking tenant files. Every problem of every file is
 * collected, so an operator fixes a broken rollout in one pass instead of one
 * error per restart.
 */

export interface TenantLoadResult {
  /** Tenant name from the file name (what is left of it when the name is malformed). */
  name: string;
  file: string;
  /** Present only when `problems` is empty. */
  config?: TenantConfig;
  /** One line each, prefixed with the file. */
  problems: string[];
  /** Worth telling the operator, but the config is usable (e.g. a secret written in the file). */
  warnings: string[];
}

export const TENANT_FILE_SUFFIX = '-tenant-config.yaml';
export const TENANT_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const CONFIG_PATTERN_ENV = 'TENANT_CONFIG_PATH_PATTERN';

function tenantName(file: string): { name: string; problem?: string } {
  const base = basename(file);
  if (!base.endsWith(TENANT_FILE_SUFFIX)) {
    return { name: base, problem: `file name must be {tenant}${TENANT_FILE_SUFFIX}` };
  }
  const name = base.slice(0, -TENANT_FILE_SUFFIX.length);
  if (!TENANT_NAME_PATTERN.test(name)) {
    return { name, problem: `tenant name ${JSON.stringify(name)} (from the file name) must be lower-case letters and digits in hyphen-separated words` };
  }
  return { name };
}

/** yaml's messages end in " at line L, column C:" plus a source excerpt that may show a secret; keep the first part only. */
function yamlProblem(file: string, error: YAMLError): string {
  const firstLine = error.message.split('\n')[0] ?? '';
  const reason = firstLine
    .replace(/ at line \d+, column \d+:?$/, '')
    // The messages that quote source text: a few characters, but they may be part of a
    // secret. Those without a colon are named; the parser's others all put the source
    // after `: ` (`Not a YAML token: …`, `…in YAML stream: "…"`), so that part is cut
    // (found by the config fuzz test: a damaged line echoed a clientSecret of the file).
    .replace(/^(Invalid escape sequence|Unresolved tag|Unknown directive).*$/, '$1')
    .replace(/: .*$/, '');
  const pos = error.linePos?.[0];
  return problemLine(file, pos ? `line ${pos.line}, column ${pos.col}` : '', `YAML syntax error: ${reason}`);
}

/** The reason of a failed alias expansion, without the alias text itself. */
function aliasProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('Excessive alias count')) return 'YAML error: too many alias expansions (more than 100)';
  if (message.startsWith('Unresolved alias')) return 'YAML error: an alias refers to an anchor that is not defined before it';
  return 'YAML error: the document cannot be read';
}

function describeTopLevel(value: unknown): string {
  return Array.isArray(value) ? 'a list' : typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/** Pure apart from reading `env`: checks one file's text and resolves its references. */
export function parseTenantFile(file: string, text: string, env: NodeJS.ProcessEnv = process.env): TenantLoadResult {
  const { name, problem } = tenantName(file);
  const result: TenantLoadResult = { name, file, problems: problem ? [problemLine(file, '', problem)] : [], warnings: [] };

  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_TENANT_FILE_BYTES) {
    result.problems.push(problemLine(file, '', tooLarge(size)));
    return result;
  }
  const deep = excessiveNesting(text);
  if (deep !== undefined) {
    result.problems.push(problemLine(file, `line ${deep.line}, column ${deep.col}`, `YAML error: nested more than ${MAX_NESTING} levels deep (a tenant file needs fewer than 10)`));
    return result;
  }
  // logLevel 'error': the parser's warnings (e.g. a mapping used as a key) would go to
  // process.emitWarning, outside the problem lines; what matters is reported as a problem.
  // uniqueKeys off: the parser's duplicate check is quadratic; ours below is linear.
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: false, logLevel: 'error' });
  if (document.errors.length > 0) {
    result.problems.push(...document.errors.map((error) => yamlProblem(file, error)));
    return result;
  }
  const duplicates = duplicateKeyOffsets(document);
  if (duplicates.length > 0) {
    for (const offset of duplicates) {
      const pos = linePosition(text, offset);
      result.problems.push(problemLine(file, `line ${pos.line}, column ${pos.col}`, 'YAML syntax error: Map keys must be unique'));
    }
    return result;
  }
  // toJS throws (ReferenceError) on an alias without its anchor and on alias bombs;
  // a tenant file must never make the loader throw, so both become problems.
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    result.problems.push(problemLine(file, '', aliasProblem(error)));
    return result;
  }
  if (data === null || data === undefined) {
    result.problems.push(problemLine(file, '', 'file is empty; expected a mapping of tenant settings'));
    return result;
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    result.problems.push(problemLine(file, '', `expected a mapping of tenant settings at the top level, got ${describeTopLevel(data)}`));
    return result;
  }

  const validated = validateTenant(data);
  if (validated.failures) {
    result.problems.push(...formatFailures(file, validated.failures));
    return result;
  }
  const resolved = resolveTenant(validated.value, name, file, env);
  result.problems.push(...resolved.problems);
  result.warnings.push(...resolved.warnings);
  if (result.problems.length === 0) result.config = resolved.config;
  return result;
}

function tooLarge(size: number): string {
  return `file is ${size} bytes, more than the ${MAX_TENANT_FILE_BYTES} bytes a tenant file may have (they are a few KB)`;
}

/** The file's text, or the problem that stops it being read: unreadable, too large, not UTF-8. */
export async function readTenantFile(file: string): Promise<{ text: string } | { problem: string }> {
  let bytes: Buffer;
  try {
    // At most one byte past the cap is read: a huge file is rejected without loading it.
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(MAX_TENANT_FILE_BYTES + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > MAX_TENANT_FILE_BYTES) {
          const { size } = await handle.stat();
          return { problem: problemLine(file, '', tooLarge(size)) };
        }
      }
      bytes = buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { problem: problemLine(file, '', `cannot read the file (${code})`) };
  }
  return decodeTenantFile(file, bytes);
}

/** UTF-8 text of a tenant file, or a problem naming the first byte that is not UTF-8. */
export function decodeTenantFile(file: string, bytes: Uint8Array): { text: string } | { problem: string } {
  const invalid = firstInvalidUtf8(bytes);
  if (invalid !== undefined) {
    const byte = `0x${invalid.byte.toString(16).toUpperCase().padStart(2, '0')}`;
    return { problem: problemLine(file, `line ${invalid.line}`, `not valid UTF-8: byte ${byte} at byte offset ${invalid.offset} (save the file as UTF-8)`) };
  }
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') };
}

/** Reads every file the glob matches (absolute, or relative to the working directory). */
export async function loadTenants(pattern: string, env: NodeJS.ProcessEnv = process.env): Promise<TenantLoadResult[]> {
  // expandDirectories off: `config/` must not pull in the JSON schema and every other file below it.
  const files = (await glob(pattern, { absolute: isAbsolute(pattern), onlyFiles: true, expandDirectories: false })).sort();
  if (files.length === 0) {
    throw new ConnectorError('CONFIG_NOT_FOUND', `no tenant configuration file matches ${pattern}`, { details: { pattern } });
  }
  return Promise.all(
    files.map(async (file) => {
      const read = await readTenantFile(file);
      if ('problem' in read) return { name: tenantName(file).name, file, problems: [read.problem], warnings: [] };
      return parseTenantFile(file, read.text, env);
    }),
  );
}

/** Problems of the set as a whole; each file's own problems are in its result. */
export function checkTenantSet(results: readonly TenantLoadResult[]): string[] {
  if (results.length === 0) return ['no tenant configuration files'];
  const problems: string[] = [];
  const byName = new Map<string, string[]>();
  for (const result of results) byName.set(result.name, [...(byName.get(result.name) ?? []), result.file]);
  for (const [name, files] of byName) {
    if (files.length > 1) problems.push(`tenant ${JSON.stringify(name)} is defined more than once: ${files.join(', ')}`);
  }
  // Only meaningful when every file loaded: a broken file may be the active tenant.
  const configs = results.map((result) => result.config);
  if (configs.every((config) => config !== undefined) && !configs.some((c) => c.status === 'active' || c.status === 'deleted')) {
    problems.push(`no tenant has status active or deleted, so there is nothing to do (${results.length} tenant file(s), all inactive)`);
  }
  return problems;
}

/** `--config` wins over TENANT_CONFIG_PATH_PATTERN; neither is an error, never a silent default. */
export function configPattern(cliValue: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (cliValue !== undefined && cliValue.trim() !== '') return cliValue;
  const fromEnv = env[CONFIG_PATTERN_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
  throw new ConnectorError('CONFIG_INVALID', 'no tenant configuration: set TENANT_CONFIG_PATH_PATTERN or pass --config GLOB');
}
