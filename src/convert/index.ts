/**
 * Confluence storage format to clean, faithful HTML (ARCHITECTURE.md "Body
 * conversion"). Unique turns the uploaded HTML into Markdown before chunking, so every
 * Confluence-specific element is rewritten as plain semantic HTML that keeps its
 * visible words. Pure: no I/O, deterministic, and it never throws.
 */
import { convertNodes, newState } from './convert.js';
import { footnotesSection } from './content-macros.js';
import type { ConvertOptions } from './context.js';
import { normalise } from './normalise.js';
import type { OutNode } from './out.js';
import { parseStorage, textContent } from './parse.js';
import { escapeText, serialise } from './serialise.js';

export { includeKey, webContextOf, type ConvertOptions, type IncludedPage, type PageIdentity } from './context.js';
export { CONVERTER_VERSION, effectiveUpdatedAt } from './version.js';

export function convertStorage(storage: string, options: ConvertOptions = {}): string {
  try {
    return convertStorageStrict(storage, options);
  } catch {
    // The rules are written not to throw; this net exists because one unforeseen page
    // must not stop a tenant's sync. Its words still reach Unique, as one paragraph.
    const words = textContent(parseStorage(storage)).replace(/\s+/g, ' ').trim();
    return words ? `<p>${escapeText(words)}</p>` : '';
  }
}

/** The conversion without the safety net, so tests see any exception a rule throws. */
export function convertStorageStrict(storage: string, options: ConvertOptions = {}): string {
  return serialise(convertStorageTree(storage, options));
}

/** The normalised output tree (what `serialise` writes), for tests of its structure. */
export function convertStorageTree(storage: string, options: ConvertOptions = {}): OutNode[] {
  const state = newState(options);
  const converted = convertNodes(parseStorage(storage), options, 0, state);
  // Footnotes are collected while the page is walked and read at its end, as a reader sees them.
  return normalise([...converted, ...footnotesSection(state.footnotes)]);
}
