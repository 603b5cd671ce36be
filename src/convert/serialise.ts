/**
 * Writes the output tree as HTML. Parts are collected in an array and joined once,
 * so a multi-megabyte page costs linear time.
 */
import { BLOCK_TAGS, PHRASING_CONTAINERS, VOID_TAGS, type OutNode } from './out.js';

/**
 * Elements followed by a line break when their parent is not phrasing content: the
 * break is inter-element whitespace (it changes nothing a reader or a Markdown
 * converter sees) and makes the output, and the golden files, reviewable line by line.
 */
const LINE_ENDING_TAGS = new Set([...BLOCK_TAGS, 'li', 'tr', 'thead', 'tbody', 'tfoot', 'caption', 'dt', 'dd', 'summary']);

export function serialise(nodes: readonly OutNode[]): string {
  const parts: string[] = [];
  writeNodes(nodes, parts, true);
  return parts.join('');
}

function writeNodes(nodes: readonly OutNode[], parts: string[], breakLines: boolean): void {
  for (const node of nodes) {
    if (node.kind === 'text') {
      parts.push(escapeText(node.text));
      continue;
    }
    parts.push('<', node.tag);
    for (const [name, value] of node.attrs) parts.push(' ', name, '="', escapeAttribute(value), '"');
    parts.push('>');
    if (VOID_TAGS.has(node.tag)) {
      if (breakLines && node.tag === 'hr') parts.push('\n');
      continue;
    }
    const childrenBreak = !PHRASING_CONTAINERS.has(node.tag);
    const first = node.children[0];
    // The HTML parser drops a newline right after `<pre>`; an extra one keeps the text's own.
    if (node.tag === 'pre' && first?.kind === 'text' && /^\r?\n/.test(first.text)) parts.push('\n');
    else if (childrenBreak && first?.kind === 'element' && LINE_ENDING_TAGS.has(first.tag)) parts.push('\n');
    writeNodes(node.children, parts, childrenBreak);
    parts.push('</', node.tag, '>');
    if (breakLines && LINE_ENDING_TAGS.has(node.tag)) parts.push('\n');
  }
}

const TEXT_SPECIALS = /[&<>\u00a0]/;
const ATTRIBUTE_SPECIALS = /[&"\u00a0]/;

export function escapeText(value: string): string {
  // Most text has nothing to escape: skip the replace (and its copy) then.
  if (!TEXT_SPECIALS.test(value)) return value;
  return value.replace(/[&<>\u00a0]/g, (character) => ESCAPES[character]!);
}

export function escapeAttribute(value: string): string {
  // A data: image URL can be megabytes of base64 with nothing to escape: it passes untouched.
  if (!ATTRIBUTE_SPECIALS.test(value)) return value;
  return value.replace(/[&"\u00a0]/g, (character) => ESCAPES[character]!);
}

// A no-break space is written as `&nbsp;` so that it stays visible in the golden files.
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\u00a0': '&nbsp;' };
