/**
 * Reading storage format: a tolerant parse into a DOM, and the small accessors every
 * rule uses. Storage format is an XHTML fragment with `ac:`/`ri:` elements, HTML
 * entities and CDATA (contract §14); htmlparser2 in HTML mode with the options below
 * keeps all of that (TOOLCHAIN.md: xmlMode leaves `&nbsp;` undecoded, and without
 * recognizeCDATA code text is lost).
 */
import { parseDocument } from 'htmlparser2';
import { isCDATA, isComment, isTag, isText, type ChildNode, type Element } from 'domhandler';

export const STORAGE_PARSER_OPTIONS = {
  recognizeSelfClosing: true,
  recognizeCDATA: true,
  lowerCaseTags: false,
  lowerCaseAttributeNames: false,
  decodeEntities: true,
} as const;

/** Parses a storage body; never throws (htmlparser2 recovers from any input). */
export function parseStorage(storage: string): ChildNode[] {
  return parseDocument(storage, STORAGE_PARSER_OPTIONS).children;
}

/** The lower-cased tag name: storage is lower-case, but hand-edited bodies may not be. */
export function tagOf(element: Element): string {
  return element.name.toLowerCase();
}

/** An attribute by name, matched case-insensitively when the exact spelling is absent. */
export function attr(element: Element, name: string): string | undefined {
  const exact = element.attribs[name];
  if (exact !== undefined) return exact;
  for (const key of Object.keys(element.attribs)) {
    if (key.toLowerCase() === name) return element.attribs[key];
  }
  return undefined;
}

/** A non-empty trimmed attribute value, or undefined. */
export function attrText(element: Element, name: string): string | undefined {
  const value = attr(element, name)?.trim();
  return value ? value : undefined;
}

export function childElements(element: Element): Element[] {
  return element.children.filter(isTag);
}

export function firstChildNamed(element: Element, name: string): Element | undefined {
  return element.children.find((child): child is Element => isTag(child) && tagOf(child) === name);
}

/**
 * An unterminated `<![CDATA[` (a truncated body) is reported by htmlparser2 as a
 * comment whose data starts with `[CDATA[`; its text is still the author's, so the
 * converter reads it as CDATA. Returns that text, or undefined for a real comment.
 */
export function unterminatedCdataText(node: ChildNode): string | undefined {
  if (!isComment(node) || !node.data.startsWith('[CDATA[')) return undefined;
  return node.data.slice('[CDATA['.length).replace(/]]$/, '');
}

/**
 * All the text under some nodes, CDATA included, in document order. Iterative, so a
 * pathologically deep body (thousands of unclosed tags) cannot overflow the stack.
 */
export function textContent(nodes: readonly ChildNode[]): string {
  const parts: string[] = [];
  const stack: ChildNode[] = [...nodes].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isText(node)) parts.push(node.data);
    else if (isTag(node) || isCDATA(node)) {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    } else {
      const cdata = unterminatedCdataText(node);
      if (cdata !== undefined) parts.push(cdata);
    }
  }
  return parts.join('');
}

/** The `ac:parameter` values of a macro by name (the unnamed default parameter is ''). */
export function macroParameters(macro: Element): Map<string, Element> {
  const parameters = new Map<string, Element>();
  for (const child of macro.children) {
    if (!isTag(child)) continue;
    const tag = tagOf(child);
    if (tag === 'ac:parameter') {
      const name = (attr(child, 'ac:name') ?? '').toLowerCase();
      if (!parameters.has(name)) parameters.set(name, child);
    } else if (tag === 'ac:default-parameter' && !parameters.has('')) {
      parameters.set('', child);
    }
  }
  return parameters;
}

/** A parameter's text value, trimmed; undefined when absent or blank. */
export function parameterText(parameters: Map<string, Element>, name: string): string | undefined {
  const element = parameters.get(name);
  if (!element) return undefined;
  const value = textContent(element.children).trim();
  return value ? value : undefined;
}
