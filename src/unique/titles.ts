/**
 * The one rule for a title sent to Unique (content `title`, pages and attachments).
 * Confluence hands titles through as its users (or a hostile server) wrote them; in
 * Unique they become file names, list entries and citations. So:
 * - a line break or tab, with the white space around it, becomes one space;
 * - control characters (C0, DEL, C1) and the invisible direction controls (bidi
 *   embeddings, overrides, isolates and marks, which can make `gpj.exe` read as
 *   `exe.jpg`) are removed;
 * - the result is at most MAX_TITLE_LENGTH characters (Confluence's own page title
 *   limit): a longer one is cut with `…`, keeping a short file extension.
 * An ordinary title comes out unchanged.
 */

/** Confluence limits page titles to 255 characters; nothing longer is a real title. */
export const MAX_TITLE_LENGTH = 255;
/** What an empty (or all-control) title becomes. */
export const UNTITLED = 'Untitled';

/** A line break or tab with the white space around it. */
const BREAKS = /\s*[\t\n\v\f\r\u0085\u2028\u2029]\s*/g;
const INVISIBLE = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** A file extension worth keeping when a name is cut: `.pdf`, `.docx`, `.tar.gz` ends in `.gz`. */
const EXTENSION = /\.[\p{L}\p{N}]{1,10}$/u;

export function contentTitle(raw: string): string {
  // Lone surrogates are not text at all: U+FFFD, as any UTF-8 encoder on the way would make them.
  const cleaned = raw.replace(LONE_SURROGATE, '\ufffd').replace(INVISIBLE, '').replace(BREAKS, ' ').replace(/^ +| +$/g, '');
  if (cleaned === '') return UNTITLED;
  const chars = [...cleaned];
  if (chars.length <= MAX_TITLE_LENGTH) return cleaned;
  const extension = EXTENSION.exec(cleaned)?.[0] ?? '';
  const keep = MAX_TITLE_LENGTH - 1 - [...extension].length;
  return `${chars.slice(0, keep).join('').trimEnd()}…${extension}`;
}
