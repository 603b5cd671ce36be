import { readFile } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { glob } from 'tinyglobby';
import { YAMLError, parseDocument } from 'yaml';
import { ConnectorError } from '../errors.js';
import { formatFailures, problemLine } from './errors.js';
import { resolveTenant } from './resolve.js';
import { validateTenant } from './schema.js';
import type { TenantConfig } from './types.js';

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

  // logLevel 'error': the parser's warnings (e.g. a mapping used as a key) would go to
  // process.emitWarning, outside the problem lines; what matters is reported as a problem.
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (document.errors.length > 0) {
    result.problems.push(...document.errors.map((error) => yamlProblem(file, error)));
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

/** Reads every file the glob matches (absolute, or relative to the working directory). */
export async function loadTenants(pattern: string, env: NodeJS.ProcessEnv = process.env): Promise<TenantLoadResult[]> {
  // expandDirectories off: `config/` must not pull in the JSON schema and every other file below it.
  const files = (await glob(pattern, { absolute: isAbsolute(pattern), onlyFiles: true, expandDirectories: false })).sort();
  if (files.length === 0) {
    throw new ConnectorError('CONFIG_NOT_FOUND', `no tenant configuration file matches ${pattern}`, { details: { pattern } });
  }
  return Promise.all(
    files.map(async (file) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
        return { name: tenantName(file).name, file, problems: [problemLine(file, '', `cannot read the file (${code})`)], warnings: [] };
      }
      return parseTenantFile(file, text, env);
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
