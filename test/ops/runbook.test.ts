import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, UNEXPECTED } from '../../src/errors.js';
import { HEALTH_CODES } from '../../src/health/index.js';

/**
 * docs/runbook.md against the code: every code the connector can report (thrown, logged,
 * or in /health) has a section saying what it means, what to check and how to fix it, no
 * section names a code that is gone, and every ERROR log line carries a code.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const runbook = readFileSync(join(ROOT, 'docs/runbook.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
const sources = sourceFiles(join(ROOT, 'src')).map((path) => ({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') }));

/** `### CODE` sections and their bodies. */
const sections = new Map(
  [...runbook.matchAll(/^### ([A-Z][A-Z0-9_]+)\n([\s\S]*?)(?=^#{2,3} |(?![\s\S]))/gm)].map((m) => [m[1] as string, m[2] as string]),
);

/** Codes written as literals where an error is made or a line is logged: `ConnectorError('X'`, `code: 'X'`. */
function literalCodes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const { file, text } of sources) {
    for (const match of text.matchAll(/ConnectorError\(\s*'([A-Z][A-Z0-9_]+)'|\bcode: '([A-Z][A-Z0-9_]+)'/g)) {
      found.set((match[1] ?? match[2]) as string, file);
    }
  }
  return found;
}

t.test('every code the connector reports has a runbook section with meaning, what to check and the fix', async (t) => {
  const codes = new Map<string, string>([...ERROR_CODES, UNEXPECTED, ...HEALTH_CODES].map((code) => [code, 'src/errors.ts / src/health']));
  for (const [code, file] of literalCodes()) codes.set(code, file);
  t.ok(codes.size >= 25, `${codes.size} codes`);
  for (const [code, where] of codes) {
    const body = sections.get(code);
    t.ok(body, `${code} (${where}) has a section in docs/runbook.md`);
    if (!body) continue;
    t.match(body, /\*\*Means\*\*: \S/, `${code}: what it means`);
    t.match(body, /\*\*Check( \/ Fix)?\*\*: \S/, `${code}: what to check`);
    t.match(body, /\*\*(Fix|Check \/ Fix)\*\*: \S/, `${code}: how to fix it`);
  }
  for (const code of sections.keys()) t.ok(codes.has(code), `the runbook's ${code} is a code the connector still reports`);
});

t.test('every ERROR log line in src/ carries a code', async (t) => {
  let lines = 0;
  for (const { file, text } of sources) {
    for (const match of text.matchAll(/\.error\(/g)) {
      // The first argument: from the call to the message string that follows it.
      const call = text.slice(match.index, text.indexOf("'", text.indexOf('}', match.index)) + 1);
      if (/^\.error\(\s*(\{|fields\()/.test(call) === false) continue;
      lines += 1;
      t.match(call, /\bcode\b/, `${file}: ${call.replace(/\s+/g, ' ').slice(0, 120)}`);
    }
  }
  t.ok(lines >= 8, `${lines} error log calls checked`);
});

t.test('the code anchors the runbook links to exist', async (t) => {
  for (const [, anchor] of runbook.matchAll(/\]\(#([a-z0-9_-]+)\)/g)) {
    const headings = [...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) => (m[1] as string).toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-'));
    t.ok(headings.includes(anchor as string), `#${anchor}`);
  }
});
