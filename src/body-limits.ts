/**
 * `processing.maxPageBodyMb` as the stages and `explain` apply it (issue 10, finding 4):
 * a page with a larger storage body is not synced, and no body search answer may be
 * larger than room for one page at the limit. One module, so fetch-body, the included
 * pages' lookup and `explain` never disagree.
 */
import { bodySearchAnswerCap, megabytes } from './http/sizes.js';

/** What one batch may hold, in bytes: each page, and the answer of one body search. */
export interface BodyLimits {
  pageBytes: number;
  answerBytes: number;
}

export function bodyLimits(maxPageBodyMb: number): BodyLimits {
  const pageBytes = megabytes(maxPageBodyMb);
  return { pageBytes, answerBytes: bodySearchAnswerCap(pageBytes) };
}

/** Whether a storage body is over the limit (UTF-8 bytes, as Confluence sends it). */
export function bodyTooLarge(storage: string, maxPageBodyMb: number): boolean {
  return Buffer.byteLength(storage, 'utf8') > bodyLimits(maxPageBodyMb).pageBytes;
}
