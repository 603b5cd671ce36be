/**
 * `include` and `excerpt-include`: the named page's body (or its excerpt) converted in
 * place, between a start line and an end line so a reader sees where it begins and
 * ends. The bodies are looked up before conversion (transforms/resolve-references) and
 * handed over in `ConvertOptions.includes`; a page that is not there, an include cycle,
 * or nesting deeper than MAX_INCLUDE_DEPTH keeps the "[Included page: …]" marker.
 */
import { isTag, type ChildNode, type Element } from 'domhandler';
import { includeKey, type Context } from './context.js';
import { convertLink, resolveSpaceKey, resolveTarget } from './links.js';
import { element, text, type OutNode } from './out.js';
import { attr, macroParameters, parameterText, parseStorage, tagOf, textContent } from './parse.js';

/** Pages included in included pages, at most this deep (Confluence itself stops early too). */
export const MAX_INCLUDE_DEPTH = 3;

export interface IncludeReference {
  spaceKey: string;
  title: string;
}

type IncludeKind = 'include' | 'excerpt-include';

const LABELS: Readonly<Record<IncludeKind, { start: string; end: string }>> = {
  include: { start: 'Included page', end: 'End of included page' },
  'excerpt-include': { start: 'Excerpt included from', end: 'End of excerpt from' },
};

/**
 * The page an include names: an `ac:link` (or bare `ri:page`) in the default
 * parameter, or older text `SPACE:Title` / `Title`. The space defaults to `spaceKey`.
 */
export function includeReference(parameter: Element | undefined, spaceKey: string | undefined): IncludeReference | undefined {
  if (!parameter) return undefined;
  const page = findPage(parameter.children);
  if (page) {
    const title = attr(page, 'ri:content-title')?.trim();
    const space = resolveSpaceKey(attr(page, 'ri:space-key')?.trim(), spaceKey);
    return title && space ? { spaceKey: space, title } : undefined;
  }
  const named = textContent(parameter.children).trim();
  if (!named) return undefined;
  const colon = named.indexOf(':');
  // `SPACE:Title`: a space key is letters and digits (personal spaces start with `~`).
  if (colon > 0 && /^~?[A-Za-z0-9]+$/.test(named.slice(0, colon))) return { spaceKey: named.slice(0, colon), title: named.slice(colon + 1).trim() };
  return spaceKey ? { spaceKey, title: named } : undefined;
}

function findPage(nodes: readonly ChildNode[]): Element | undefined {
  for (const node of nodes) {
    if (!isTag(node)) continue;
    if (tagOf(node) === 'ri:page') return node;
    if (tagOf(node) === 'ac:link') return findPage(node.children);
  }
  return undefined;
}

export function convertInclude(kind: IncludeKind, macro: Element, ctx: Context): OutNode[] {
  const parameters = macroParameters(macro);
  const reference = parameters.get('');
  const marker = includeMarker(LABELS[kind].start, reference, ctx);
  const target = includeReference(reference, ctx.options.spaceKey);
  if (!target) return [marker];
  const key = includeKey(target.spaceKey, target.title);
  const page = ctx.options.includes?.[key];
  const chain = ctx.state.includeChain;
  if (!page || chain.includes(key) || ctx.state.includeDepth >= MAX_INCLUDE_DEPTH) return [marker];
  let nodes: ChildNode[] = parseStorage(page.storage);
  if (kind === 'excerpt-include') {
    const excerpt = findExcerpt(nodes, parameterText(parameters, 'name'));
    if (!excerpt) return [marker];
    nodes = excerpt;
  }
  const options = { ...ctx.options, spaceKey: page.spaceKey, page: { id: page.id, title: page.title } };
  const content = ctx.convertIncluded(nodes, options, key);
  const end = element('p', [text(`[${LABELS[kind].end}: ${page.title}]`)]);
  return [element('div', [marker, ...content, end])];
}

/** The body of the page's first `excerpt` macro, or of the one with that name. */
function findExcerpt(nodes: readonly ChildNode[], name: string | undefined): ChildNode[] | undefined {
  const stack: ChildNode[] = [...nodes].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!isTag(node)) continue;
    const tag = tagOf(node);
    if ((tag === 'ac:structured-macro' || tag === 'ac:macro') && (attr(node, 'ac:name') ?? '').trim().toLowerCase() === 'excerpt') {
      const own = parameterText(macroParameters(node), 'name');
      if (!name || own === name) {
        const body = node.children.find((child): child is Element => isTag(child) && tagOf(child) === 'ac:rich-text-body');
        return body ? body.children : [];
      }
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return undefined;
}

/** "[Included page: <a>Title</a>]": the include as a line naming that page, linked when its URL is known. */
function includeMarker(label: string, reference: Element | undefined, ctx: Context): OutNode {
  const link = reference?.children.find((child): child is Element => isTag(child) && tagOf(child) === 'ac:link');
  const target = link?.children.find((child): child is Element => isTag(child) && tagOf(child).startsWith('ri:'));
  if (link && target) {
    const { label: pageTitle } = resolveTarget(target, ctx);
    if (pageTitle) return element('p', [text(`[${label}: `), ...convertLink(link, ctx), text(']')]);
  }
  // Older content names the page as text, `SPACE:Title`.
  const named = reference ? textContent(reference.children).trim() : '';
  return element('p', [text(named ? `[${label}: ${named}]` : `[${label}]`)]);
}
