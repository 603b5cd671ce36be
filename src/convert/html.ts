/**
 * Ordinary HTML inside storage format: kept when it is semantic, with only the
 * attributes that carry meaning (a link target, an image source, a cell span). Styles,
 * classes, ids, `data-*` and event handlers say nothing to the knowledge base, and
 * scripts and styles are not content.
 */
import type { Element } from 'domhandler';
import type { Context } from './context.js';
import { safeHref, safeImageSrc } from './links.js';
import { element, text, VOID_TAGS, type OutAttr, type OutNode } from './out.js';
import { attr, tagOf } from './parse.js';

const KEPT_TAGS = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
  'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins', 'sub', 'sup', 'code', 'pre', 'kbd',
  'samp', 'var', 'blockquote', 'q', 'cite', 'abbr', 'small', 'mark', 'hr', 'br', 'a', 'img',
  'div', 'figure', 'figcaption', 'details', 'summary', 'section', 'article', 'header',
  'footer', 'nav', 'main', 'address', 'aside', 'wbr',
]);

/** Obsolete elements that still mean something, under their HTML5 names. */
const RENAMED: Readonly<Record<string, string>> = { strike: 's', tt: 'code', center: 'div', listing: 'pre', xmp: 'pre' };

/** Elements whose content is never text for a reader (`col` only carries widths). */
const DROPPED_TAGS = new Set(['script', 'style', 'col', 'meta', 'link']);

type AttrRule = (value: string, ctx: Context) => string | undefined;

const integerIn = (min: number, max: number): AttrRule => (value) => {
  const trimmed = value.trim();
  if (!/^-?\d{1,6}$/.test(trimmed)) return undefined;
  const number = Number(trimmed);
  return number >= min && number <= max ? String(number) : undefined;
};
const oneOf = (...allowed: string[]): AttrRule => (value) => (allowed.includes(value.trim()) ? value.trim() : undefined);
const plain: AttrRule = (value) => (value.trim() ? value.trim() : undefined);

/** Text direction and language: kept on every element that is kept (RTL text reads and chunks right). */
const GLOBAL_RULES: Readonly<Record<string, AttrRule>> = {
  dir: (value, ctx) => oneOf('rtl', 'ltr', 'auto')(value.toLowerCase(), ctx),
  lang: (value) => (/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(value.trim()) ? value.trim() : undefined),
};

/** Unwrapped elements that are kept as `<span>` when they carry a direction or language. */
const SPAN_LIKE = new Set(['span', 'font', 'bdi', 'bdo']);

/** The attributes kept, per element, with how each is validated (invalid values are dropped). */
const ATTRIBUTE_RULES: Readonly<Record<string, Readonly<Record<string, AttrRule>>>> = {
  a: { href: (value, ctx) => safeHref(value, ctx.options), title: plain },
  img: {
    src: (value, ctx) => safeImageSrc(value, ctx.options),
    alt: (value) => value,
    title: plain,
    width: integerIn(0, 100000),
    height: integerIn(0, 100000),
  },
  td: { colspan: integerIn(1, 1000), rowspan: integerIn(0, 65534) },
  th: { colspan: integerIn(1, 1000), rowspan: integerIn(0, 65534), scope: oneOf('row', 'col', 'rowgroup', 'colgroup') },
  ol: { start: integerIn(-1e6, 1e6), type: oneOf('1', 'a', 'A', 'i', 'I') },
  li: { value: integerIn(-1e6, 1e6) },
  abbr: { title: plain },
};

/** An HTML element: kept, renamed, dropped, or unwrapped to its content. */
export function convertHtmlElement(source: Element, ctx: Context): OutNode[] {
  const tag = tagOf(source);
  if (DROPPED_TAGS.has(tag)) return [];
  const name = RENAMED[tag] ?? tag;
  // Unknown and interactive elements (span, font, iframe, form, input…) are unwrapped:
  // their text stays, the element does not, unless it says which way the text runs.
  if (!KEPT_TAGS.has(name)) {
    const direction = SPAN_LIKE.has(name) ? globalAttributes(source, ctx) : [];
    return direction.length > 0 ? [element('span', ctx.convert(source.children), direction)] : ctx.convert(source.children);
  }
  const attrs = keptAttributes(source, name, ctx);
  if (name === 'img') {
    // An image without a usable source shows its alt text, as a browser would.
    if (!attrs.some(([attrName]) => attrName === 'src')) {
      const alt = attr(source, 'alt')?.trim();
      return alt ? [text(`[image: ${alt}]`)] : [];
    }
    if (!attrs.some(([attrName]) => attrName === 'alt')) attrs.push(['alt', '']);
  }
  if (name === 'a' && !attrs.some(([attrName]) => attrName === 'href')) return ctx.convert(source.children);
  return [element(name, VOID_TAGS.has(name) ? [] : ctx.convert(source.children), attrs)];
}

function globalAttributes(source: Element, ctx: Context): OutAttr[] {
  const attrs: OutAttr[] = [];
  // Most elements carry no attributes at all: nothing to look up then.
  if (isEmptyObject(source.attribs)) return attrs;
  for (const attrName of Object.keys(GLOBAL_RULES)) {
    const raw = attr(source, attrName);
    const value = raw === undefined ? undefined : GLOBAL_RULES[attrName]!(raw, ctx);
    if (value !== undefined) attrs.push([attrName, value]);
  }
  return attrs;
}

function isEmptyObject(value: Record<string, string>): boolean {
  for (const _ in value) return false;
  return true;
}

/**
 * Each tag's attribute names, sorted by name so the output does not depend on the order
 * in which authors wrote them; sorted once here rather than for every element.
 */
const SORTED_ATTRIBUTE_NAMES: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(ATTRIBUTE_RULES).map(([tag, rules]) => [tag, Object.keys(rules).sort()]),
);

function keptAttributes(source: Element, name: string, ctx: Context): OutAttr[] {
  const rules = ATTRIBUTE_RULES[name];
  const attrs: OutAttr[] = VOID_TAGS.has(name) && name !== 'img' ? [] : globalAttributes(source, ctx);
  if (!rules) return attrs;
  for (const attrName of SORTED_ATTRIBUTE_NAMES.get(name) ?? []) {
    const raw = attr(source, attrName);
    if (raw === undefined) continue;
    const value = rules[attrName]!(raw, ctx);
    if (value !== undefined) attrs.push([attrName, value]);
  }
  return attrs;
}
