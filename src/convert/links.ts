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
  const anchor = attrText(link, 'ac:anchor');
  const resolved = target ? resolveTarget(target, ctx) : anchorOnly(anchor, ctx);
  const content = hasBody ? body! : resolved.label ? [text(resolved.label)] : [];
  const href = resolved.href && target && anchor ? withFragment(resolved.href, anchor) : resolved.href;
  const linked = href && content.length > 0 ? [element('a', content, [['href', href]])] : content;
  // A malformed link may hold more than its target and body (an unclosed element
  // swallowed what followed): keep that content after the link.
  return [...linked, ...(target ? ctx.convert(target.children) : []), ...ctx.convert(strays)];
}

/** A link to an anchor on the page itself: the page's own URL with the fragment, when known. */
function anchorOnly(anchor: string | undefined, ctx: Context): ResolvedTarget {
  const self = selfUrl(ctx);
  return { label: anchor, href: anchor && self ? withFragment(self, anchor) : undefined };
}

/** `ac:anchor` as the URL's fragment (replacing one already there). */
export function withFragment(href: string, anchor: string): string {
  return `${href.replace(/#.*$/, '')}#${encodeURIComponent(anchor.trim())}`;
}

/** The converted page's own URL: by title in its space, else by id. */
function selfUrl(ctx: Context): string | undefined {
  const { webContext, spaceKey, page } = ctx.options;
  if (!webContext) return undefined;
  if (page?.title && spaceKey) return pageDisplayUrl(webContext, spaceKey, page.title);
  return page?.id ? viewPageUrl(webContext, page.id) : undefined;
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
  const spaceKey = resolveSpaceKey(attrText(target, 'ri:space-key'), currentSpace);
  const title = attrText(target, 'ri:content-title');
  switch (tagOf(target)) {
    case 'ri:page': {
      const special = title ? specialPage(title, spaceKey, ctx) : undefined;
      if (special) return special;
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
      // Without a body the UI shows the user's name, looked up before conversion
      // (transforms/resolve-references); the account id or user key is an identifier,
      // not text for readers, so an unknown user stays masked.
      return { label: mentionLabel(target, ctx) };
    case 'ri:space': {
      const key = resolveSpaceKey(attrText(target, 'ri:space-key'), currentSpace);
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

/** `currentSpace()` (and an absent key) mean the converted page's own space. */
export function resolveSpaceKey(raw: string | undefined, current: string | undefined): string | undefined {
  if (!raw || raw === 'currentSpace()') return current;
  return raw;
}

/** The user identifiers a mention may carry, in the order they are looked up. */
export const USER_ID_ATTRIBUTES = ['ri:account-id', 'ri:userkey', 'ri:username'] as const;

/** `@Display Name` when the lookup found the user, else `@user`. */
export function mentionLabel(user: Element, ctx: Context): string {
  for (const name of USER_ID_ATTRIBUTES) {
    const id = attrText(user, name);
    const displayName = id ? ctx.options.users?.[id] : undefined;
    if (displayName?.trim()) return `@${displayName.trim()}`;
  }
  return '@user';
}

/**
 * Confluence's special page titles: `@self` (this page), `@parent` (its parent) and
 * `@home` (the space home). Undefined for an ordinary title. A target that cannot be
 * resolved keeps its text without an href rather than pointing at `/display/X/%40self`.
 */
function specialPage(title: string, spaceKey: string | undefined, ctx: Context): ResolvedTarget | undefined {
  const { webContext, page } = ctx.options;
  switch (title) {
    case '@self':
      return { label: page?.title ?? 'this page', href: selfUrl(ctx) };
    case '@parent': {
      if (!webContext || !page) return { label: page?.parentTitle ?? 'parent page' };
      const href = page.parentTitle && spaceKey ? pageDisplayUrl(webContext, spaceKey, page.parentTitle) : page.parentId ? viewPageUrl(webContext, page.parentId) : undefined;
      return { label: page.parentTitle ?? 'parent page', href };
    }
    case '@home':
      return { label: spaceKey ? `${spaceKey} home` : 'space home', href: webContext && spaceKey ? `${webContext}/display/${encodeURIComponent(spaceKey)}` : undefined };
    default:
      return undefined;
  }
}

function viewPageUrl(webContext: string, contentId: string): string {
  return `${webContext}/pages/viewpage.action?pageId=${encodeURIComponent(contentId)}`;
}
