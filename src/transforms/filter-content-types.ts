import type { Logger } from '../log.js';
import type { PageRecord } from '../records.js';

/**
 * Content types that hold no storage body worth ingesting. They are dropped before
 * any body fetch; their descendants were discovered through `ancestor IN (...)` and
 * stay. Folders are dropped too: they never have a body, and keeping them in the
 * diff would report them as new on every cycle (Confluence contract §16.9).
 */
export const SKIPPED_CONTENT_TYPES: ReadonlySet<string> = new Set(['database', 'whiteboard', 'embed', 'folder']);
export const INGESTED_CONTENT_TYPES: ReadonlySet<string> = new Set(['page', 'blogpost']);

/** Why a discovered record is not ingested, or undefined when its type is ingested. */
export function contentTypeSkipReason(type: string): string | undefined {
  if (INGESTED_CONTENT_TYPES.has(type)) return undefined;
  if (SKIPPED_CONTENT_TYPES.has(type)) return `content type ${type} has no body to ingest`;
  return `unknown content type ${type}`;
}

/** `onSkip` counts each dropped record (the cycle report's `skipped`). */
export function filterContentTypes(logger: Logger, onSkip?: () => void): (page: PageRecord) => boolean {
  return (page) => {
    const reason = contentTypeSkipReason(page.type);
    if (reason === undefined) return true;
    logger.debug({ pageId: page.id, type: page.type, reason }, 'Content skipped by type');
    onSkip?.();
    return false;
  };
}
