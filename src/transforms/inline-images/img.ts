/**
 * The markup an inlined image becomes (Confluence contract §14.1): a plain `<img>`
 * with a `data:` URL, which the converter keeps as it is, followed by the caption the
 * macro carried so its words are not lost.
 */
import type { ImageReference } from './references.js';

export interface InlinedImage {
  dataUrl: string;
  filename: string;
}

export function imgMarkup(image: InlinedImage, reference?: Pick<ImageReference, 'alt' | 'title' | 'width' | 'height'>): string {
  const attrs: [string, string][] = [
    ['src', image.dataUrl],
    ['alt', reference?.alt ?? image.filename],
  ];
  if (reference?.title) attrs.push(['title', reference.title]);
  if (reference?.width) attrs.push(['width', reference.width]);
  if (reference?.height) attrs.push(['height', reference.height]);
  return `<img ${attrs.map(([name, value]) => `${name}="${escapeAttribute(value)}"`).join(' ')} />`;
}

/** The replacement of one `<ac:image>` span: the image, then its caption (storage markup, verbatim). */
export function replacementFor(image: InlinedImage, reference: ImageReference): string {
  const img = imgMarkup(image, reference);
  return reference.caption ? `${img} ${reference.caption}` : img;
}

/** An image no macro references, appended at the end of the body. */
export function appendedMarkup(image: InlinedImage): string {
  return `<p>${imgMarkup(image)}</p>`;
}

export function dataUrl(mediaType: string, bytes: Buffer): string {
  return `data:${mediaType};base64,${bytes.toString('base64')}`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
