/**
 * `ac:structured-macro` (and legacy `ac:macro`) by name (contract §14.2). Parameters
 * mostly configure a macro; the ones that carry content (titles, status text, issue
 * keys, formulas, roadmaps, footnotes, embedded URLs: parameters.ts) are rendered, the
 * rest dropped. A body is kept unless the macro is navigation only.
 */
import { isTag, type ChildNode, type Element } from 'domhandler';
import type { Context } from './context.js';
import { convertContentMacro, genericParameters, plainTextOf, type ContentMacroParts } from './content-macros.js';
import { convertInclude } from './includes.js';
import { element, labelLine, text, type OutNode } from './out.js';
import { CONTENT_MACROS } from './parameters.js';
import { attr, macroParameters, parameterText, tagOf, textContent } from './parse.js';

/** Callout macros and the word that names their kind in the output. */
const CALLOUT_KINDS: Readonly<Record<string, string>> = {
  info: 'Info', note: 'Note', warning: 'Warning', tip: 'Tip', success: 'Success', error: 'Error',
};

/**
 * Macros that render navigation or reports built from other pages (or nothing at all):
 * their output is not this page's content, and it would be stale in the knowledge base.
 */
const NAVIGATION_MACROS = new Set([
  'anchor', 'toc', 'children', 'pagetree', 'pagetreesearch', 'recently-updated',
  'recently-updated-dashboard', 'attachments', 'contentbylabel', 'content-by-label',
  'content-report-table', 'detailssummary', 'blog-posts', 'listlabels', 'popular-labels',
  'related-labels', 'navmap', 'index', 'livesearch', 'search', 'tasks-report-macro',
  'contributors', 'contributors-summary', 'create-from-template', 'page-index',
  'change-history', 'gallery', 'favpages', 'space-details', 'spaces', 'global-reports',
]);

/** Macros that embed an attachment: kept as a marker naming the file. */
const FILE_MACROS = new Set(['view-file', 'viewpdf', 'viewdoc', 'viewxls', 'viewppt', 'multimedia']);

/** Exported for the retention tests, which must know which text is not content. */
export function isNavigationMacro(name: string): boolean {
  return NAVIGATION_MACROS.has(name);
}

export function macroName(macro: Element): string {
  return (attr(macro, 'ac:name') ?? '').trim().toLowerCase();
}

export function convertMacro(macro: Element, ctx: Context): OutNode[] {
  let richBody: Element | undefined;
  let plainBody: Element | undefined;
  const strays: ChildNode[] = [];
  for (const child of macro.children) {
    const tag = isTag(child) ? tagOf(child) : '';
    if (tag === 'ac:rich-text-body' && !richBody) richBody = child as Element;
    else if (tag === 'ac:plain-text-body' && !plainBody) plainBody = child as Element;
    else if (tag !== 'ac:parameter' && tag !== 'ac:default-parameter') strays.push(child);
  }
  const parts: MacroParts = { macro, richBody, plainBody, name: macroName(macro) };
  // Text a malformed macro swallowed (an unclosed macro takes the rest of its parent)
  // is the page's, whatever the macro is.
  return [...convertByName(parts, ctx), ...ctx.convert(strays)];
}

interface MacroParts {
  macro: Element;
  name: string;
  richBody?: Element;
  plainBody?: Element;
}

function convertByName(parts: MacroParts, ctx: Context): OutNode[] {
  const { name, macro } = parts;
  const parameters = macroParameters(macro);
  const title = parameterText(parameters, 'title');
  if (NAVIGATION_MACROS.has(name)) return [];
  if (name === 'code' || name === 'noformat') {
    const language = name === 'code' ? languageClass(parameterText(parameters, 'language')) : undefined;
    const code = element('code', textOf(parts.plainBody ?? parts.richBody), language ? [['class', language]] : []);
    // A code macro has one plain body; a rich one next to it (malformed) is still text.
    const extra = parts.plainBody && parts.richBody ? ctx.convert(parts.richBody.children) : [];
    return [...(title ? [labelLine(title)] : []), element('pre', [code]), ...extra];
  }
  if (name in CALLOUT_KINDS || name === 'panel') {
    // A panel has no kind a reader would name, so only its title leads it.
    const kind = CALLOUT_KINDS[name];
    const label = kind && title ? `${kind}: ${title}` : kind ?? title;
    return [element('aside', [...(label ? [labelLine(label)] : []), ...body(parts, ctx)])];
  }
  switch (name) {
    case 'expand':
      return [element('details', [...(title ? [element('summary', [text(title)])] : []), ...body(parts, ctx)])];
    // These macros have no body; one found in them anyway (malformed) is kept after them.
    case 'status': {
      const shown = title ?? parameterText(parameters, 'colour') ?? parameterText(parameters, 'color');
      return [...(shown ? [text(`[${shown}]`)] : []), ...body(parts, ctx)];
    }
    case 'jira': {
      const key = parameterText(parameters, 'key');
      return [...(key ? [text(key)] : []), ...body(parts, ctx)];
    }
    case 'excerpt-include':
    case 'include':
      return [...convertInclude(name, macro, ctx), ...body(parts, ctx)];
    default: {
      if (FILE_MACROS.has(name)) return [...fileMarker(parameters.get('name')), ...body(parts, ctx)];
      const contentParts: ContentMacroParts = { macro, parameters, body: () => body(parts, ctx), plainText: plainTextOf(parts.plainBody) };
      const family = CONTENT_MACROS[name];
      if (family) return convertContentMacro(family, contentParts, ctx);
      // excerpt (even a hidden one: it is the page's own summary), details, section,
      // column, toc-zone, unknown macros…: the body is content, and so are parameters
      // whose name says content.
      const { lead, trail } = genericParameters(contentParts, ctx);
      return [...lead, ...body(parts, ctx), ...trail];
    }
  }
}

/** The rich-text body converted, and a plain-text body as preformatted text (a macro has one of them). */
function body(parts: MacroParts, ctx: Context): OutNode[] {
  const rich = parts.richBody ? ctx.convert(parts.richBody.children) : [];
  const plain = parts.plainBody ? textContent(parts.plainBody.children) : '';
  return plain.trim() ? [...rich, element('pre', [text(plain)])] : rich;
}

/** A code body exactly as written: CDATA text, never trimmed (indentation is meaning). */
function textOf(bodyElement: Element | undefined): OutNode[] {
  const value = bodyElement ? textContent(bodyElement.children) : '';
  return value ? [text(value)] : [];
}

/** `language-{x}`, limited to characters seen in language names (c++, c#, objective-c). */
function languageClass(language: string | undefined): string | undefined {
  const cleaned = language?.toLowerCase().replace(/[^a-z0-9+#._-]/g, '');
  return cleaned ? `language-${cleaned}` : undefined;
}

/** `[file: budget.xlsx]` for macros that embed an attachment. */
function fileMarker(reference: Element | undefined): OutNode[] {
  const attachment = reference?.children.find((child): child is Element => isTag(child) && tagOf(child) === 'ri:attachment');
  const fileName = attachment ? attr(attachment, 'ri:filename')?.trim() : reference ? textContent(reference.children).trim() : undefined;
  return [element('p', [text(fileName ? `[file: ${fileName}]` : '[file]')])];
}
