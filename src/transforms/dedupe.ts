import type { PageRecord } from '../records.js';

/**
 * A page found by both labels, or under two labelled ancestors, is one record. The
 * first arrival goes on; later arrivals only add their reasons to its selection
 * (the diff downstream is a barrier, so the merged selection is what it sees).
 */
export function dedupePages(): (stream: Highland.Stream<PageRecord>) => Highland.Stream<PageRecord> {
  const seen = new Map<string, PageRecord>();
  return (stream) =>
    stream.filter((page) => {
      const first = seen.get(page.id);
      if (first === undefined) {
        seen.set(page.id, page);
        return true;
      }
      mergeSelection(first, page);
      return false;
    });
}

export function mergeSelection(into: PageRecord, from: PageRecord): void {
  const selection = into.selection;
  selection.singleLabel ||= from.selection.singleLabel;
  selection.allLabel ||= from.selection.allLabel;
  for (const ancestor of from.selection.viaAncestors) {
    if (!selection.viaAncestors.includes(ancestor)) selection.viaAncestors.push(ancestor);
  }
}
