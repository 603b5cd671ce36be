/**
 * The converter's output tree. Rules build it; `normalise` repairs its nesting and
 * `serialise` writes it. Keeping our own small tree (instead of writing HTML strings
 * as we go) is what lets the nesting repair split a `<p>` around a block that a macro
 * turned out to produce.
 */
export type OutAttr = readonly [name: string, value: string];

export interface OutText {
  kind: 'text';
  text: string;
}

export interface OutElement {
  kind: 'element';
  tag: string;
  attrs: OutAttr[];
  children: OutNode[];
}

export type OutNode = OutText | OutElement;

export function text(value: string): OutText {
  return { kind: 'text', text: value };
}

export function element(tag: string, children: OutNode[] = [], attrs: OutAttr[] = []): OutElement {
  return { kind: 'element', tag, attrs, children };
}

/** `<p><strong>label</strong></p>`: the caption line used for code titles and callout kinds. */
export function labelLine(label: string): OutElement {
  return element('p', [element('strong', [text(label)])]);
}

/** Void elements: serialised without a closing tag and never given children. */
export const VOID_TAGS: ReadonlySet<string> = new Set(['br', 'hr', 'img', 'wbr', 'col']);

/**
 * Elements whose content model is phrasing content only: a block inside one of them is
 * invalid HTML, so `normalise` splits them around it. `a`, `del` and `ins` are
 * transparent in HTML5, but inside a paragraph they are phrasing too, so they split.
 */
export const PHRASING_CONTAINERS: ReadonlySet<string> = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'summary',
  'a', 'abbr', 'b', 'cite', 'code', 'del', 'em', 'i', 'ins', 'kbd', 'mark', 'q', 's',
  'samp', 'small', 'span', 'strong', 'sub', 'sup', 'time', 'u', 'var',
]);

/** Elements that are flow content but not phrasing content (they cannot sit in a `<p>`). */
export const BLOCK_TAGS: ReadonlySet<string> = new Set([
  'address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'figure',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'main', 'nav', 'ol',
  'p', 'pre', 'section', 'table', 'ul',
]);

export function isBlock(node: OutNode): boolean {
  return node.kind === 'element' && BLOCK_TAGS.has(node.tag);
}
