/**
 * The converter's version. Unique only re-ingests a page whose `updatedAt` moved, so
 * a converter change would otherwise leave every unchanged page with HTML from the
 * old converter until someone edits it. Bump `version` and set `releasedAt` to the
 * release instant of a converter change that alters output: `effectiveUpdatedAt`
 * then moves every older page's time forward once, and the next cycle re-ingests all
 * of them with the new converter.
 */
// 2: content-bearing macro parameters, included pages, mention names, ADF panels, dir/lang,
//    <time>, special link targets and anchors, no empty leftovers (issue 13).
export const CONVERTER_VERSION = { version: 2, releasedAt: '2026-12-04T00:00:00.000Z' } as const;

const RELEASED_AT = Date.parse(CONVERTER_VERSION.releasedAt);

/**
 * The `updatedAt` to send to the file-diff for a page: the later of the page's own
 * time and the converter's release, as a UTC ISO instant. A page time that cannot be
 * parsed yields the release time, so the page is still compared (and sent) rather
 * than failing the cycle.
 */
export function effectiveUpdatedAt(pageUpdatedAt: string): string {
  const page = Date.parse(pageUpdatedAt);
  return new Date(Number.isNaN(page) ? RELEASED_AT : Math.max(page, RELEASED_AT)).toISOString();
}
