/**
 * The dispatcher: storage nodes to output nodes, each element by the rule for its
 * name. Every rule converts the content it does not understand with the same rules,
 * so no text is dropped unless a rule drops it on purpose.
 */
import { isCDATA, isTag, isText, type ChildNode, type Element } from 'domhandler';
import { includeKey, type ConversionState, type Context, type ConvertOptions } from './context.js';
import { convertHtmlElement } from './html.js';
import { convertImage } from './images.js';
import { convertLink } from './links.js';
import { convertMacro } from './macros.js';
import { text, type OutNode } from './out.js';
import { tagOf, textContent, unterminatedCdataText } from './parse.js';
import {
  convertAdfExtension,
  convertAdfNode,
  convertEmoticon,
  convertLayoutPart,
  convertTaskList,
  convertTime,
} from './structure.js';

/**
 * Below this depth the structure is flattened to text: a body with thousands of
 * unclosed tags nests that deep, and recursing through it would overflow the stack.
 * Real pages nest a few dozen levels at most.
 */
const MAX_DEPTH = 200;

type Rule = (element: Element, ctx: Context) => OutNode[];

const unwrap: Rule = (source, ctx) => ctx.convert(source.children);
const drop: Rule = () => [];

const STORAGE_RULES: Readonly<Record<string, Rule>> = {
  'ac:structured-macro': convertMacro,
  'ac:macro': convertMacro,
  'ac:link': convertLink,
  'ac:image': convertImage,
  'ac:task-list': convertTaskList,
  'ac:layout': convertLayoutPart,
  'ac:layout-section': convertLayoutPart,
  'ac:layout-cell': convertLayoutPart,
  'ac:emoticon': convertEmoticon,
  'ac:adf-extension': convertAdfExtension,
  'ac:adf-node': convertAdfNode,
  time: convertTime,
  // Editor hints ("Type your agenda here"), shown only while editing.
  'ac:placeholder': drop,
  // Macro configuration outside a macro (malformed content) is still configuration.
  'ac:parameter': drop,
  'ac:default-parameter': drop,
  'ac:adf-attribute': drop,
};

/** A fresh conversion of the page `options` describe (its own key starts the include chain). */
export function newState(options: ConvertOptions = {}): ConversionState {
  const { spaceKey, page } = options;
  return { footnotes: [], includeChain: spaceKey && page?.title ? [includeKey(spaceKey, page.title)] : [], includeDepth: 0 };
}

export function convertNodes(nodes: readonly ChildNode[], options: ConvertOptions, depth = 0, state: ConversionState = newState()): OutNode[] {
  if (depth > MAX_DEPTH) return [text(flattenedText(nodes))];
  const ctx: Context = {
    options,
    depth,
    state,
    convert: (children) => convertNodes(children, options, depth + 1, state),
    convertIncluded: (children, included, key) =>
      convertNodes(children, included, depth + 1, { footnotes: state.footnotes, includeChain: [...state.includeChain, key], includeDepth: state.includeDepth + 1 }),
  };
  const out: OutNode[] = [];
  for (const node of nodes) {
    if (isText(node)) out.push(text(node.data));
    else if (isCDATA(node)) out.push(text(textContent(node.children)));
    else if (isTag(node)) {
      for (const converted of convertElement(node, ctx)) out.push(converted);
    } else {
      const cdata = unterminatedCdataText(node);
      if (cdata) out.push(text(cdata));
    }
  }
  return out;
}

function convertElement(source: Element, ctx: Context): OutNode[] {
  const tag = tagOf(source);
  const rule = STORAGE_RULES[tag];
  if (rule) return rule(source, ctx);
  // Other ac:/ri: elements (inline comment markers, link bodies, captions, ADF
  // content and fallbacks, resource identifiers out of place, Office `o:p`…) stand
  // for their content.
  if (tag.includes(':')) return unwrap(source, ctx);
  return convertHtmlElement(source, ctx);
}

const SKIPPED_WHEN_FLATTENED = new Set(['script', 'style', 'ac:parameter', 'ac:placeholder']);

/** The text of a too-deep subtree, a space at each element edge so words stay apart. */
function flattenedText(nodes: readonly ChildNode[]): string {
  const parts: string[] = [];
  const stack: (ChildNode | ' ')[] = [...nodes].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === ' ') parts.push(' ');
    else if (isText(node)) parts.push(node.data);
    else if (isCDATA(node)) parts.push(textContent(node.children));
    else if (isTag(node) && !SKIPPED_WHEN_FLATTENED.has(tagOf(node))) {
      stack.push(' ');
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
      parts.push(' ');
    } else {
      // A truncated body's unterminated CDATA is parsed as a comment; its text is the author's.
      const cdata = unterminatedCdataText(node);
      if (cdata) parts.push(cdata);
    }
  }
  return parts.join('').replace(/\s+/g, ' ');
}
