/**
 * Which macro parameters carry content a reader sees (a formula, a roadmap's lanes, a
 * footnote's text, an embedded video's URL) rather than configuration (ids, colours,
 * sizes, switches). As data: a table of the macro families whose content lives in
 * parameters, and for every other macro a rule on the parameter's name and value.
 */
import { isTag, type Element } from 'domhandler';
import { attrText, tagOf, textContent } from './parse.js';

/** How a family's content parameters are rendered (see content-macros.ts). */
export type ContentRender = 'math' | 'roadmap' | 'footnote' | 'tooltip' | 'embed' | 'image' | 'diagram';

export interface ContentMacro {
  render: ContentRender;
  /** The parameters holding the content, most specific first ('' is the unnamed default). */
  content: readonly string[];
  /** Parameters holding a caption or title shown with it. */
  caption?: readonly string[];
  /** Inline or block; unset means: decided by where the macro stands. */
  inline?: boolean;
}

const MATH = ['body', 'formula', 'equation', 'latex', 'math', 'tex', ''];
const mathInline: ContentMacro = { render: 'math', content: MATH, inline: true };
const mathBlock: ContentMacro = { render: 'math', content: MATH, inline: false };
const mathAnywhere: ContentMacro = { render: 'math', content: MATH };
const EMBED: ContentMacro = {
  render: 'embed',
  content: ['url', 'src', 'href', 'link', 'uri', 'accesslink', 'embedurl', 'videourl', 'boardurl', ''],
  caption: ['title', 'caption', 'description'],
};
const DIAGRAM: ContentMacro = { render: 'diagram', content: ['diagramdisplayname', 'diagramname', 'name', 'title', ''] };

/** Macro families whose content is in parameters, by macro name (lower case). */
export const CONTENT_MACROS: Readonly<Record<string, ContentMacro>> = {
  // LaTeX math: the formula is a parameter (Easy Math, LaTeX Math, MathJax, KaTeX apps).
  mathinline: mathInline, 'math-inline': mathInline, 'eazy-math-inline': mathInline, 'easy-math-inline': mathInline,
  'latex-inline': mathInline, 'mathjax-inline': mathInline, 'mathjax-inline-macro': mathInline, 'katex-inline': mathInline,
  mathblock: mathBlock, 'math-block': mathBlock, 'easy-math-block': mathBlock, 'eazy-math-block': mathBlock,
  'latex-block': mathBlock, 'mathjax-block': mathBlock, 'mathjax-block-macro': mathBlock, 'katex-block': mathBlock,
  math: mathAnywhere, latex: mathAnywhere, latexmath: mathAnywhere, 'latex-formatting': mathAnywhere, mathjax: mathAnywhere, katex: mathAnywhere,
  // Roadmap planner: lanes, bars and markers in a (URL-encoded) JSON parameter.
  roadmap: { render: 'roadmap', content: ['source', 'data', 'roadmap'], caption: ['title'] },
  'roadmap-planner': { render: 'roadmap', content: ['source', 'data', 'roadmap'], caption: ['title'] },
  // Footnotes and tooltips (marketplace apps): the note is a parameter or the body.
  footnote: { render: 'footnote', content: ['footnote', 'text', 'content', 'body', 'note', 'value', ''] },
  'footnote-macro': { render: 'footnote', content: ['footnote', 'text', 'content', 'body', 'note', 'value', ''] },
  fn: { render: 'footnote', content: ['footnote', 'text', 'content', 'body', 'note', 'value', ''] },
  tooltip: { render: 'tooltip', content: ['tooltip', 'tip', 'text', 'content', 'description', 'title', ''], caption: ['linktext', 'label', 'word', 'term'] },
  'tooltip-macro': { render: 'tooltip', content: ['tooltip', 'tip', 'text', 'content', 'description', 'title', ''], caption: ['linktext', 'label', 'word', 'term'] },
  // Widget connector and embeds: the URL is the content.
  widget: EMBED, 'widget-connector': EMBED, iframe: EMBED, 'html-iframe': EMBED, embed: EMBED, video: EMBED,
  youtube: EMBED, vimeo: EMBED, loom: EMBED, figma: EMBED, miro: EMBED, 'miro-macro': EMBED, 'miro-board': EMBED,
  'google-drive': EMBED, 'google-docs': EMBED, gdrive: EMBED, 'onedrive': EMBED, 'office365': EMBED, lucidchart: EMBED,
  // Image by URL: src, alt and title are parameters.
  img: { render: 'image', content: ['src', 'url', ''], caption: ['alt', 'title', 'caption'] },
  'html-img': { render: 'image', content: ['src', 'url', ''], caption: ['alt', 'title', 'caption'] },
  // Diagrams stored as attachments: their name is what a reader would search for.
  drawio: DIAGRAM, 'drawio-sketch': DIAGRAM, 'inc-drawio': DIAGRAM, gliffy: DIAGRAM,
};

/** Exported for the retention tests: a footnote's words move to the end of the page. */
export function isFootnoteMacro(name: string): boolean {
  return CONTENT_MACROS[name]?.render === 'footnote';
}

/**
 * Parameters of any other macro kept as text when their name says content. Names are
 * lower-cased by `macroParameters`, so this matches the whole name or its last word
 * (`diagramTitle`, `link-text`, `bar_caption`).
 */
const CONTENT_NAME = /(?:title|heading|subject|body|text|content|message|description|summary|caption|alt|label|note|comment|question|answer|quote|url|href|src|link)$/i;
/** Names that end like content but are not (`context` ends in "text"). */
const NOT_CONTENT_NAMES = new Set(['context', 'atlassian-macro-output-type']);

/** URL-like parameter names: rendered as a link. */
const URL_NAME = /(?:url|href|src|link|uri)$/i;

export function isContentParameterName(name: string): boolean {
  return name !== '' && !NOT_CONTENT_NAMES.has(name) && CONTENT_NAME.test(name);
}

export function isUrlParameterName(name: string): boolean {
  return URL_NAME.test(name);
}

/**
 * Values that are configuration whatever the parameter is called: switches, numbers
 * and sizes, colours, ids.
 */
const CONFIGURATION_VALUE = [
  /^(?:true|false|yes|no|on|off|none|null|undefined|default|auto)$/i,
  /^-?\d+(?:\.\d+)?(?:px|em|rem|pt|%|vh|vw)?$/i,
  /^#[0-9a-f]{3,8}$/i,
  /^rgba?\(/i,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^[0-9a-f]{16,}$/i,
];

export function isConfigurationValue(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === '' || CONFIGURATION_VALUE.some((pattern) => pattern.test(trimmed));
}

/**
 * A parameter's value as text: its text, or the `ri:value` of an `ri:url` and the title
 * or file name of another resource identifier it holds (URL and page pickers).
 */
export function parameterValue(parameter: Element | undefined): string | undefined {
  if (!parameter) return undefined;
  const own = textContent(parameter.children).trim();
  if (own) return own;
  for (const child of parameter.children) {
    if (!isTag(child)) continue;
    const resource = tagOf(child) === 'ac:link' ? child.children.find(isTag) : child;
    if (!resource) continue;
    const value = attrText(resource, 'ri:value') ?? attrText(resource, 'ri:content-title') ?? attrText(resource, 'ri:filename');
    if (value) return value;
  }
  return undefined;
}

/** The first of `names` with a value. */
export function firstValue(parameters: Map<string, Element>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = parameterValue(parameters.get(name));
    if (value) return value;
  }
  return undefined;
}
