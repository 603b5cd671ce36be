/**
 * Finding the `<ac:image>` macros of a storage body (Confluence contract §14.1) with
 * their exact source spans, so the inliner can replace each span and leave every
 * other byte of the body as the author wrote it. Pure; never throws.
 */
import { parseDocument } from 'htmlparser2';
import { isTag, type ChildNode, type Element } from 'domhandler';

export type ImageResource =
  /** `ri:attachment`; `page` is set for an attachment of another page (`ri:page`). */
  | { kind: 'attachment'; filename: string; page?: { spaceKey?: string; title: string } }
  /** `ri:url`: external, never fetched. */
  | { kind: 'url' }
  /** Anything else (a blog-post attachment, an attachment without a file name, no resource). */
  | { kind: 'other'; why: string };

export interface ImageReference {
  /** Span of the whole `<ac:image>…</ac:image>` in the body, end exclusive. */
  start: number;
  end: number;
  resource: ImageResource;
  alt?: string;
  title?: string;
  width?: string;
  height?: string;
  /** The caption's inner storage markup, kept verbatim after the image. */
  caption?: string;
}

const PARSER_OPTIONS = {
  recognizeSelfClosing: true,
  recognizeCDATA: true,
  lowerCaseTags: false,
  lowerCaseAttributeNames: false,
  decodeEntities: true,
  withStartIndices: true,
  withEndIndices: true,
} as const;

const CLOSED_IMAGE = /^<ac:image\b[\s\S]*<\/ac:image\s*>$/i;

export function findImageReferences(storage: string): ImageReference[] {
  const references: ImageReference[] = [];
  let document;
  try {
    document = parseDocument(storage, PARSER_OPTIONS);
  } catch {
    return references;
  }
  // Iterative walk: a pathologically deep body must not overflow the stack.
  const stack: ChildNode[] = [...document.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!isTag(node)) continue;
    if (node.name.toLowerCase() === 'ac:image') {
      const reference = referenceOf(node, storage);
      if (reference) references.push(reference);
      continue;
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return references.sort((a, b) => a.start - b.start);
}

function referenceOf(image: Element, storage: string): ImageReference | undefined {
  const start = image.startIndex;
  const endIndex = image.endIndex;
  if (start === null || endIndex === null) return undefined;
  const end = endIndex + 1;
  // An `ac:image` that is never closed swallowed what follows it: replacing its span
  // would drop that text, so it is left alone (contract §14.1).
  if (!CLOSED_IMAGE.test(storage.slice(start, end))) return undefined;
  const children = image.children.filter(isTag);
  const resourceElement = children.find((child) => child.name.toLowerCase().startsWith('ri:'));
  const captionElement = children.find((child) => child.name.toLowerCase() === 'ac:caption');
  return {
    start,
    end,
    resource: resourceOf(resourceElement),
    alt: attr(image, 'ac:alt'),
    title: attr(image, 'ac:title'),
    width: numeric(attr(image, 'ac:width')),
    height: numeric(attr(image, 'ac:height')),
    caption: captionElement ? innerSource(captionElement, storage) : undefined,
  };
}

function resourceOf(resource: Element | undefined): ImageResource {
  if (!resource) return { kind: 'other', why: 'no resource element' };
  const name = resource.name.toLowerCase();
  if (name === 'ri:url') return { kind: 'url' };
  if (name !== 'ri:attachment') return { kind: 'other', why: `resource ${name}` };
  const filename = attr(resource, 'ri:filename');
  if (!filename) return { kind: 'other', why: 'attachment without ri:filename' };
  const container = resource.children.filter(isTag).find((child) => child.name.toLowerCase().startsWith('ri:'));
  if (!container) return { kind: 'attachment', filename };
  if (container.name.toLowerCase() !== 'ri:page') return { kind: 'other', why: `attachment of ${container.name.toLowerCase()}` };
  const title = attr(container, 'ri:content-title');
  if (!title) return { kind: 'other', why: 'ri:page without ri:content-title' };
  return { kind: 'attachment', filename, page: { spaceKey: attr(container, 'ri:space-key'), title } };
}

function innerSource(element: Element, storage: string): string | undefined {
  const first = element.children[0];
  const last = element.children[element.children.length - 1];
  if (!first || !last || first.startIndex === null || last.endIndex === null) return undefined;
  const inner = storage.slice(first.startIndex, last.endIndex + 1);
  return inner.trim() === '' ? undefined : inner;
}

function attr(element: Element, name: string): string | undefined {
  let value: string | undefined = element.attribs[name];
  if (value === undefined) {
    const key = Object.keys(element.attribs).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : element.attribs[key];
  }
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function numeric(value: string | undefined): string | undefined {
  return value !== undefined && /^\d{1,6}$/.test(value) ? value : undefined;
}
