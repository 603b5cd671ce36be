/**
 * Links and URLs: `ac:link` with its resource identifiers (contract §14.3), and the
 * href/src sanitising shared with plain `<a>` and `<img>`.
 */
import { isTag, type ChildNode, type Element } from 'domhandler';
import type { Context, ConvertOptions } from './context.js';
import { element, text, type OutNode } from './out.js';
import { attrText, tagOf, textContent } from './parse.js';

/**
 * A page's web URL from its title and space key. Storage format names pages by title,
 * not id, and the converter does no I/O, so it cannot look the id up; the legacy
 * `/display/{space}/{title}` URLs serve (DC) or redirect to (Cloud, under `/wiki`) the
 * page with that title, so they stay correct without knowing the id.
 */
export function pageDisplayUrl(webContext: string, spaceKey: string, title: string): string {
  return `${webContext}/display/${encodeURIComponent(spaceKey)}/${encodeTitle(title)}`;
}

/** Blog posts: `/display/{space}/{yyyy}/{mm}/{dd}/{title}`, the same redirecting scheme. */
export function blogPostDisplayUrl(webContext: string, spaceKey: string, postingDay: string, title: string): string | undefined {
  const day = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(postingDay);
  if (!day) return undefined;
  return `${webContext}/display/${encodeURIComponent(spaceKey)}/${day[1]}/${day[2]}/${day[3]}/${encodeTitle(title)}`;
}

/** Confluence's display-URL spelling of a title: spaces as `+`, everything else percent-encoded. */
function encodeTitle(title: string): string {
  return encodeURIComponent(title).replace(/%20/g, '+');
}

// Schemes that run code or smuggle content when clicked; everything else (http, mailto,
// tel, notes://, …) is an ordinary link and is kept as written.
const UNSAFE_SCHEMES = new Set(['javascript', 'vbscript', 'livescript', 'data']);

/** A link target safe to keep, resolved against the site when root-relative; undefined to drop it. */
export function safeHref(raw: string, options: ConvertOptions): string | undefined {
  // Browsers ignore ASCII whitespace and controls inside a scheme ("java\tscript:").
  const compact = raw.replace(/[\u0000-\u0020\u007f]+/g, '');
  if (!compact) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact);
  if (scheme && UNSAFE_SCHEMES.has(scheme[1]!.toLowerCase())) return undefined;
  const trimmed = raw.trim().replace(/\s/g, '%20');
  if (!scheme && trimmed.startsWith('/') && !trimmed.startsWith('//') && options.webContext) {
    return resolveRootRelative(trimmed, options.webContext);
  }
  return trimmed;
}

function resolveRootRelative(path: string, webContext: string): string {
  try {
    return new URL(path, webContext).href;
  } catch {
    return path;
  }
}

/**
 * An image source safe to keep. `data:image/…` is what the inline-images stage puts in
 * (kept byte for byte: it can be megabytes and must reach Unique unchanged); any other
 * `data:` or script URL is dropped.
 */
export function safeImageSrc(raw: string, options: ConvertOptions): string | undefined {
  const value = raw.trim();
  if (/^data:image\//i.test(value)) return value;
  return safeHref(value, options);
}

/** `ac:link`: a resource identifier, then an optional plain-text or rich body. */
export function convertLink(link: Element, ctx: Context): OutNode[] {
  let target: Element | undefined;
  let body: OutNode[] | undefined;
  const strays: ChildNode[] = [];
  for (const child of link.children) {
    const tag = isTag(child) ? tagOf(child) : '';
    if (!isTag(child)) strays.push(child);
    else if (tag.startsWith('ri:') && !target) target = child;
    else if (tag === 'ac:plain-text-link-body') body = plainBody(child);
    else if (tag === 'ac:link-body') body = ctx.convert(child.children);
    else strays.push(child);
  }
  const hasBody = body !== undefined && textContentOfOut(body).trim() !== '';
  const resolved = target ? resolveTarget(target, ctx) : { label: attrText(link, 'ac:anchor') };
  const content = hasBody ? body! : resolved.label ? [text(resolved.label)] : [];
  const linked = resolved.href && content.length > 0 ? [element('a', content, [['href', resolved.href]])] : content;
  // A malformed link may hold more than its target and body (an unclosed element
  // swallowed what followed): keep that content after the link.
  return [...linked, ...(target ? ctx.convert(target.children) : []), ...ctx.convert(strays)];
}

function plainBody(bodyElement: Element): OutNode[] {
  const value = textContent(bodyElement.children);
  return value ? [text(value)] : [];
}

function textContentOfOut(nodes: readonly OutNode[]): string {
  const parts: string[] = [];
  const stack = [...nodes].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'text') parts.push(node.text);
    else for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return parts.join('');
}

interface ResolvedTarget {
  /** What the link shows when it has no body (Confluence shows the target's name). */
  label?: string;
  href?: string;
}

/** A resource identifier: what to show and where it points. */
export function resolveTarget(target: Element, ctx: Context): ResolvedTarget {
  const { webContext, spaceKey: currentSpace } = ctx.options;
  const spaceKey = attrText(target, 'ri:space-key') ?? currentSpace;
  const title = attrText(target, 'ri:content-title');
  switch (tagOf(target)) {
    case 'ri:page': {
      // The anchor of `ac:link ac:anchor` is not appended: Confluence derives heading ids
      // from the rendered page, which the display URL cannot predict.
      const contentId = attrText(target, 'ri:content-id');
      if (title && webContext && spaceKey) return { label: title, href: pageDisplayUrl(webContext, spaceKey, title) };
      if (contentId && webContext) return { label: title, href: viewPageUrl(webContext, contentId) };
      return { label: title };
    }
    case 'ri:blog-post': {
      const day = attrText(target, 'ri:posting-day');
      const href = title && day && webContext && spaceKey ? blogPostDisplayUrl(webContext, spaceKey, day, title) : undefined;
      return { label: title, href };
    }
    case 'ri:attachment':
      // Attachments are named by file name only; their URL needs the attachment id.
      return { label: attrText(target, 'ri:filename') };
    case 'ri:user':
      // Without a body the UI shows the user's name, which needs a lookup; the account
      // id or user key is an identifier, not text for readers, so it is masked.
      return { label: '@user' };
    case 'ri:space': {
      const key = attrText(target, 'ri:space-key');
      return { label: key, href: key && webContext ? `${webContext}/display/${encodeURIComponent(key)}` : undefined };
    }
    case 'ri:url': {
      const value = attrText(target, 'ri:value');
      return { label: value, href: value ? safeHref(value, ctx.options) : undefined };
    }
    case 'ri:content-entity': {
      const contentId = attrText(target, 'ri:content-id');
      return { href: contentId && webContext ? viewPageUrl(webContext, contentId) : undefined };
    }
    case 'ri:shortcut':
      return { label: attrText(target, 'ri:parameter') };
    default:
      return { label: title ?? attrText(target, 'ri:filename') };
  }
}

function viewPageUrl(webContext: string, contentId: string): string {
  return `${webContext}/pages/viewpage.action?pageId=${encodeURIComponent(contentId)}`;
}
