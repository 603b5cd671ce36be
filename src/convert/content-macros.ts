/**
 * Macros whose content lives in parameters (parameters.ts says which), rendered as the
 * semantic HTML a reader of the page would recognise: a formula as code, a roadmap as
 * lists, a footnote as a numbered note at the end, an embed as a link.
 */
import { isTag, isText, type Element } from 'domhandler';
import type { Context } from './context.js';
import { safeHref, safeImageSrc } from './links.js';
import { element, labelLine, PHRASING_CONTAINERS, text, type OutAttr, type OutNode } from './out.js';
import { firstValue, isConfigurationValue, isContentParameterName, isUrlParameterName, parameterValue, type ContentMacro } from './parameters.js';
import { tagOf, textContent } from './parse.js';
import { decodeRoadmap, type Roadmap } from './roadmap.js';

export interface ContentMacroParts {
  macro: Element;
  parameters: Map<string, Element>;
  /** The macro's converted body (rich text, or a plain body as preformatted text). */
  body: () => OutNode[];
  /** The plain-text body's raw text, '' when none. */
  plainText: string;
}

/**
 * True when the macro stands in running text: inside a paragraph or other phrasing
 * element, or next to text in a list item or cell. Such a macro renders inline.
 */
export function isInlinePosition(macro: Element): boolean {
  const parent = macro.parent;
  if (parent && isTag(parent) && PHRASING_CONTAINERS.has(tagOf(parent))) return true;
  const siblings = parent?.children ?? [];
  return siblings.some((sibling) => isText(sibling) && sibling.data.trim() !== '');
}

export function convertContentMacro(family: ContentMacro, parts: ContentMacroParts, ctx: Context): OutNode[] {
  const inline = family.inline ?? isInlinePosition(parts.macro);
  switch (family.render) {
    case 'math':
      return math(firstValue(parts.parameters, family.content) ?? parts.plainText.trim(), inline, parts);
    case 'roadmap':
      return roadmap(parts, family);
    case 'footnote':
      return footnote(parts, family, ctx);
    case 'tooltip':
      return tooltip(parts, family);
    case 'embed':
      return embed(parts, family, inline, ctx);
    case 'image':
      return image(parts, family, inline, ctx);
    case 'diagram': {
      const name = firstValue(parts.parameters, family.content);
      return [...(name ? [wrap([text(`[diagram: ${name}]`)], inline)] : []), ...parts.body()];
    }
  }
}

function wrap(nodes: OutNode[], inline: boolean): OutNode {
  return inline ? element('span', nodes) : element('p', nodes);
}

/** Inline `<code>formula</code>`; block `<pre><code class="language-latex">`. */
function math(formula: string, inline: boolean, parts: ContentMacroParts): OutNode[] {
  if (!formula) return parts.plainText ? [] : parts.body();
  const code = element('code', [text(formula)], inline ? [] : [['class', 'language-latex']]);
  // A formula found in the plain body is that body: it is not repeated.
  const rest = parts.plainText.trim() === formula ? [] : parts.body();
  return [inline ? code : element('pre', [code]), ...rest];
}

function roadmap(parts: ContentMacroParts, family: ContentMacro): OutNode[] {
  const decoded = decodeRoadmap(firstValue(parts.parameters, family.content) ?? '');
  const title = firstValue(parts.parameters, family.caption ?? []) ?? decoded?.title;
  const out: OutNode[] = [];
  if (title) out.push(labelLine(`Roadmap: ${title}`));
  if (decoded) out.push(...roadmapLists(decoded));
  return [...out, ...parts.body()];
}

function roadmapLists(roadmap: Roadmap): OutNode[] {
  const out: OutNode[] = [];
  const lanes = roadmap.lanes.map((lane) => {
    const bars = lane.bars.map((bar) => element('li', [text(describe(bar.title, bar.description, bar.start))]));
    return element('li', [text(lane.title || 'Lane'), ...(bars.length > 0 ? [element('ul', bars)] : [])]);
  });
  if (lanes.length > 0) out.push(element('ul', lanes));
  const markers = roadmap.markers.map((marker) => element('li', [text(describe(marker.title, undefined, marker.date))]));
  if (markers.length > 0) out.push(element('p', [text('Milestones:')]), element('ul', markers));
  return out;
}

function describe(title: string, description: string | undefined, date: string | undefined): string {
  const parts = [title || 'Untitled'];
  if (description) parts.push(`– ${description}`);
  if (date) parts.push(`(${date})`);
  return parts.join(' ');
}

/** `<sup>[n]</sup>` where it stands; the note itself at the end of the page. */
function footnote(parts: ContentMacroParts, family: ContentMacro, ctx: Context): OutNode[] {
  const note = firstValue(parts.parameters, family.content);
  const body = parts.body();
  const content = note ? [text(note), ...(body.length > 0 ? [text(' '), ...body] : [])] : body;
  if (content.length === 0) return [];
  ctx.state.footnotes.push(content);
  return [element('sup', [text(`[${ctx.state.footnotes.length}]`)])];
}

/** The text the tooltip hangs on, then the tooltip in parentheses. */
function tooltip(parts: ContentMacroParts, family: ContentMacro): OutNode[] {
  const tip = firstValue(parts.parameters, family.content);
  const body = parts.body();
  const anchor = body.length > 0 ? body : textOf(firstValue(parts.parameters, family.caption ?? []));
  if (!tip) return anchor;
  if (anchor.length === 0) return [text(tip)];
  return [...anchor, text(` (${tip})`)];
}

/** A link to the embedded URL, the URL itself as its text (it is what names a video or document). */
function embed(parts: ContentMacroParts, family: ContentMacro, inline: boolean, ctx: Context): OutNode[] {
  const url = firstValue(parts.parameters, family.content);
  const caption = firstValue(parts.parameters, family.caption ?? []);
  const out: OutNode[] = [];
  // A script or data URL is neither linked nor shown: it is not something a reader can open.
  const href = url ? safeHref(url, ctx.options) : undefined;
  if (href) out.push(wrap([...(caption ? [text(`${caption}: `)] : []), element('a', [text(url!)], [['href', href]])], inline));
  else if (caption) out.push(wrap([text(caption)], inline));
  return [...out, ...parts.body()];
}

/** `<img>` with its alt text, or "[image: alt]" when the source is not a safe URL. */
function image(parts: ContentMacroParts, family: ContentMacro, inline: boolean, ctx: Context): OutNode[] {
  const raw = firstValue(parts.parameters, family.content);
  const src = raw ? safeImageSrc(raw, ctx.options) : undefined;
  const alt = parameterValue(parts.parameters.get('alt'));
  const title = parameterValue(parts.parameters.get('title')) ?? parameterValue(parts.parameters.get('caption'));
  if (!src) {
    const shown = alt ?? title ?? raw;
    return [...(shown ? [wrap([text(`[image: ${shown}]`)], inline)] : []), ...parts.body()];
  }
  const attrs: OutAttr[] = [['alt', alt ?? title ?? ''], ['src', src]];
  if (title && title !== alt) attrs.push(['title', title]);
  return [wrap([element('img', [], attrs)], inline), ...parts.body()];
}

function textOf(value: string | undefined): OutNode[] {
  return value ? [text(value)] : [];
}

/**
 * The content parameters of a macro the converter has no rule for, by name (parameters.ts):
 * a title leads as a label line, URLs become links, other text stays as text. Inline
 * macros keep them inline, in parentheses after the body.
 */
export function genericParameters(parts: ContentMacroParts, ctx: Context, skip: ReadonlySet<string> = new Set()): { lead: OutNode[]; trail: OutNode[] } {
  const inline = isInlinePosition(parts.macro);
  const lead: OutNode[] = [];
  const trail: OutNode[] = [];
  const seen = new Set<string>();
  for (const [name, parameter] of parts.parameters) {
    if (skip.has(name) || !isContentParameterName(name)) continue;
    const value = parameterValue(parameter);
    if (!value || isConfigurationValue(value) || seen.has(value)) continue;
    seen.add(value);
    const isUrl = isUrlParameterName(name);
    const href = isUrl ? safeHref(value, ctx.options) : undefined;
    if (isUrl && !href) continue;
    const shown: OutNode = href ? element('a', [text(value)], [['href', href]]) : text(value);
    if (inline) trail.push(text(' ('), shown, text(')'));
    else if (/title|heading|subject|caption|label$/.test(name) && !href) lead.push(labelLine(value));
    else lead.push(element('p', [shown]));
  }
  return { lead, trail };
}

/** The collected footnotes as a numbered list at the end of the page. */
export function footnotesSection(footnotes: readonly OutNode[][]): OutNode[] {
  if (footnotes.length === 0) return [];
  return [element('hr'), labelLine('Footnotes'), element('ol', footnotes.map((note) => element('li', note)))];
}

/** Plain text of a macro body element, for families that read it. */
export function plainTextOf(bodyElement: Element | undefined): string {
  return bodyElement ? textContent(bodyElement.children) : '';
}
