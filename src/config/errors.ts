import type { Failure } from 'superstruct';
import { FIELDS } from './fields.js';
import { describeValue } from './rules.js';
import { suggestKey } from './suggest.js';

/**
 * Turns superstruct failures into `file: path: expected …, got …` lines. The
 * schema's own structs already word their messages; this module names unknown
 * fields, renders paths and makes sure superstruct's built-in wording (which prints
 * the value) never reaches a user for a secret field.
 */

const SECRET_PATHS = new Set(FIELDS.filter((field) => field.secret).map((field) => field.path));

export function formatPath(path: readonly unknown[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? keyText(key) : `.${keyText(key)}`;
  }
  return out;
}

/**
 * A key as it appears in a path. YAML allows any key, even a multi-line one (`? …`
 * complex keys are stringified by the parser), and a problem must stay one line, so
 * keys with line breaks or control characters are shown JSON-quoted and shortened.
 */
function keyText(key: unknown): string {
  const text = String(key);
  // A `? {clientSecret: …}` complex key reaches us stringified with everything it held,
  // values (secrets) included: it is never a field name, so it is never echoed.
  if (/^\s*[[{]/.test(text)) return /^\s*\[/.test(text) ? '[complex key]' : '{complex key}';
  if (!/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text)) return text;
  const quoted = JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text);
  return quoted.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

export function problemLine(file: string, path: string, message: string): string {
  return path === '' ? `${file}: ${message}` : `${file}: ${path}: ${message}`;
}

function failureMessage(failure: Failure, path: string): string {
  if (failure.type === 'never') return unknownField(failure.path);
  // Our structs word every message; superstruct's defaults say "but received: <value>".
  if (failure.message.includes('but received')) {
    return `expected ${failure.type}, got ${describeValue(failure.value, SECRET_PATHS.has(path))}`;
  }
  return failure.message;
}

/** "unknown field", with the closest known key of the same section when one is close. */
function unknownField(path: readonly unknown[]): string {
  const key = path.at(-1);
  const section = path.slice(0, -1);
  if (typeof key !== 'string' || section.some((part) => typeof part !== 'string')) return 'unknown field';
  const suggestion = suggestKey(section.join('.'), key);
  return suggestion === undefined ? 'unknown field' : `unknown field (did you mean ${suggestion}?)`;
}

interface PathedProblem {
  path: string;
  line: string;
}

/** One line per problem, sorted by field path so related problems sit together; duplicates dropped. */
export function sortProblems(problems: readonly PathedProblem[]): string[] {
  const sorted = [...problems].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [...new Set(sorted.map((problem) => problem.line))];
}

export function formatFailures(file: string, failures: readonly Failure[]): string[] {
  return sortProblems(
    failures.map((failure) => {
      const path = formatPath(failure.path);
      return { path, line: problemLine(file, path, failureMessage(failure, path)) };
    }),
  );
}
