/**
 * Structural storage elements that are not macros: task lists (§14.5), layouts (§14.6),
 * emoticons (§14.4), Cloud ADF extensions and the small inline elements of §14.7.
 */
import { isTag, type ChildNode, type Element } from 'domhandler';
import type { Context } from './context.js';
import { element, isBlock, labelLine, text, type OutNode } from './out.js';
import { attrText, firstChildNamed, tagOf, textContent } from './parse.js';

/** Task metadata that Confluence never shows as text. */
const TASK_METADATA = new Set(['ac:task-id', 'ac:task-status', 'ac:task-uuid']);

/** `ac:task-list` → `<ul>` whose items start with `[x]` or `[ ]`, nested lists kept. */
export function convertTaskList(list: Element, ctx: Context): OutNode[] {
  const items: OutNode[] = [];
  const strays: ChildNode[] = [];
  for (const child of list.children) {
    if (isTag(child) && tagOf(child) === 'ac:task') items.push(convertTask(child, ctx));
    else strays.push(child);
  }
  const list_ = items.length > 0 ? [element('ul', items)] : [];
  return [...list_, ...ctx.convert(strays)];
}

function convertTask(task: Element, ctx: Context): OutNode {
  const status = firstChildNamed(task, 'ac:task-status');
  const done = status !== undefined && textContent(status.children).trim().toLowerCase() === 'complete';
  const content: ChildNode[] = [];
  for (const child of task.children) {
    if (isTag(child) && TASK_METADATA.has(tagOf(child))) continue;
    // The body's children go in directly so the marker and the first words share a line.
    if (isTag(child) && tagOf(child) === 'ac:task-body') content.push(...child.children);
    else content.push(child);
  }
  return element('li', [text(done ? '[x] ' : '[ ] '), ...ctx.convert(content)]);
}

/**
 * `ac:layout`, `ac:layout-section`, `ac:layout-cell` → their content in reading order.
 * Columns are a visual arrangement; a cell holding bare inline content becomes a
 * `<div>`, only so that the last word of one column and the first word of the next do
 * not run together.
 */
export function convertLayoutPart(part: Element, ctx: Context): OutNode[] {
  const content = ctx.convert(part.children);
  if (tagOf(part) !== 'ac:layout-cell') return content;
  const bareInline = content.some((node) => !isBlock(node) && !(node.kind === 'text' && !node.text.trim()));
  return bareInline ? [element('div', content)] : content;
}

/**
 * Confluence's classic emoticon names and the emoji they render as. Cloud stores any
 * emoji with one of these names plus `ac:emoji-fallback`, which is preferred.
 */
const EMOTICONS: Readonly<Record<string, string>> = {
  smile: '🙂', sad: '🙁', cheeky: '😛', laugh: '😀', wink: '😉',
  'thumbs-up': '👍', 'thumbs-down': '👎', information: 'ℹ️', tick: '✅', cross: '❌',
  warning: '⚠️', plus: '➕', minus: '➖', question: '❓', 'light-on': '💡',
  'light-off': '💡', 'yellow-star': '⭐', 'red-star': '⭐', 'green-star': '⭐',
  'blue-star': '⭐', heart: '❤️', 'broken-heart': '💔',
};

export function convertEmoticon(emoticon: Element, ctx: Context): OutNode[] {
  const name = attrText(emoticon, 'ac:name')?.toLowerCase();
  const shown =
    attrText(emoticon, 'ac:emoji-fallback') ??
    attrText(emoticon, 'ac:emoji-shortname') ??
    (name ? EMOTICONS[name] ?? `:${name}:` : undefined);
  return [...(shown ? [text(shown)] : []), ...ctx.convert(emoticon.children)];
}

/** A machine-readable date or instant: digits with the separators of ISO 8601. */
const DATETIME = /^\d{4}(?:-\d{2}(?:-\d{2})?)?(?:[T ][0-9:.]+)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/**
 * `<time datetime="2025-03-31" />` → `<time datetime="2025-03-31">2025-03-31</time>`:
 * the element (its machine-readable date kept) with readable text, its own text when
 * it has some.
 */
export function convertTime(time: Element, ctx: Context): OutNode[] {
  const own = ctx.convert(time.children);
  const datetime = attrText(time, 'datetime');
  const valid = datetime && DATETIME.test(datetime) ? datetime : undefined;
  const shown = textContent(time.children).trim() ? own : datetime ? [text(datetime), ...own] : own;
  if (!valid) return shown;
  return [element('time', shown, [['datetime', valid]])];
}

/**
 * Cloud `ac:adf-extension`: an ADF node Confluence could not express in storage
 * format, with an `ac:adf-fallback` rendering of it. The fallback is what the page
 * shows, so it wins; without one the node's `ac:adf-content` is the text.
 */
export function convertAdfExtension(extension: Element, ctx: Context): OutNode[] {
  const panel = adfPanel(extension, ctx);
  if (panel) return panel;
  const hasFallback = firstChildNamed(extension, 'ac:adf-fallback') !== undefined;
  if (!hasFallback) return ctx.convert(extension.children);
  return ctx.convert(extension.children.filter((child) => !(isTag(child) && tagOf(child) === 'ac:adf-node')));
}

/** ADF panel types and the word that names them, as the storage callout macros do. */
const PANEL_KINDS: Readonly<Record<string, string>> = {
  info: 'Info', note: 'Note', warning: 'Warning', tip: 'Tip', success: 'Success', error: 'Error',
};

/**
 * An ADF panel (`ac:adf-node type="panel"`) as an `<aside>` led by its kind, like the
 * `note` or `info` macro; a custom panel has no kind a reader would name.
 */
function adfPanel(extension: Element, ctx: Context): OutNode[] | undefined {
  const node = firstChildNamed(extension, 'ac:adf-node');
  if (!node || attrText(node, 'type')?.toLowerCase() !== 'panel') return undefined;
  let kind: string | undefined;
  for (const child of node.children) {
    if (isTag(child) && tagOf(child) === 'ac:adf-attribute' && attrText(child, 'key') === 'panel-type') kind = textContent(child.children).trim().toLowerCase();
  }
  // The fallback is what Confluence stored for readers that cannot render the node: when
  // there is one it wins, as for every other extension (its wrapper divs add nothing).
  // Anything else in the extension (a damaged body's strays) is kept either way.
  const hasFallback = firstChildNamed(extension, 'ac:adf-fallback') !== undefined;
  const parts = extension.children.filter((child) => !(hasFallback && isTag(child) && tagOf(child) === 'ac:adf-node'));
  const body = unwrapDivs(ctx.convert(parts));
  const label = kind ? PANEL_KINDS[kind] : undefined;
  return [element('aside', [...(label ? [labelLine(label)] : []), ...body])];
}

function unwrapDivs(nodes: OutNode[]): OutNode[] {
  return nodes.flatMap((node) => (node.kind === 'element' && node.tag === 'div' && node.attrs.length === 0 ? unwrapDivs(node.children) : [node]));
}

/** `ac:adf-node` without a fallback: its content and nested nodes, never its attributes. */
export function convertAdfNode(node: Element, ctx: Context): OutNode[] {
  return ctx.convert(node.children.filter((child) => !(isTag(child) && tagOf(child) === 'ac:adf-attribute')));
}
