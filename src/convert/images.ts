/**
 * Images (contract §14.1). With image inlining on, an earlier stage has replaced each
 * `ac:image` it could fetch with `<img src="data:…">`, which html.ts keeps; what
 * reaches this rule is an image that was not inlined. A URL image stays an `<img>`;
 * an attachment image becomes a text marker naming the file, because Unique keeps
 * text, and the file name and alt text are what a reader would search for.
 */
import { isTag, type ChildNode, type Element } from 'domhandler';
import type { Context } from './context.js';
import { safeImageSrc } from './links.js';
import { element, text, type OutAttr, type OutNode } from './out.js';
import { attrText, tagOf } from './parse.js';

export function convertImage(image: Element, ctx: Context): OutNode[] {
  let resource: Element | undefined;
  let caption: Element | undefined;
  const strays: ChildNode[] = [];
  for (const child of image.children) {
    const tag = isTag(child) ? tagOf(child) : '';
    if (isTag(child) && tag.startsWith('ri:') && !resource) resource = child;
    else if (tag === 'ac:caption' && !caption) caption = child as Element;
    else strays.push(child);
  }
  const alt = attrText(image, 'ac:alt') ?? attrText(image, 'ac:title');
  const captionNodes = caption ? ctx.convert(caption.children) : [];
  const url = resource && tagOf(resource) === 'ri:url' ? attrText(resource, 'ri:value') : undefined;
  const src = url ? safeImageSrc(url, ctx.options) : undefined;
  const shown = src ? [urlImage(image, src, alt)] : [text(imageMarker(resource, alt))];
  const withCaption = captionNodes.length > 0 ? [...shown, text(' '), ...captionNodes] : shown;
  // An `ac:image` (or its resource) that is never closed swallows the rest of its
  // parent: keep that text.
  return [...withCaption, ...(resource ? ctx.convert(resource.children) : []), ...ctx.convert(strays)];
}

function urlImage(image: Element, src: string, alt: string | undefined): OutNode {
  const attrs: OutAttr[] = [['src', src], ['alt', alt ?? '']];
  const title = attrText(image, 'ac:title');
  if (title && title !== alt) attrs.push(['title', title]);
  for (const dimension of ['width', 'height'] as const) {
    const value = attrText(image, `ac:${dimension}`);
    if (value && /^\d+$/.test(value)) attrs.push([dimension, value]);
  }
  return element('img', [], attrs);
}

/** `[image: deploy.png – Deployment overview]`: the file name, then alt text that adds something. */
export function imageMarker(resource: Element | undefined, alt: string | undefined): string {
  const name = resource ? attrText(resource, 'ri:filename') ?? attrText(resource, 'ri:value') : undefined;
  const described = [name, alt && alt !== name ? alt : undefined].filter(Boolean).join(' – ');
  return described ? `[image: ${described}]` : '[image]';
}
