/**
 * The roadmap planner's `source` parameter: JSON, usually URL-encoded, with lanes of
 * bars and a list of markers. Read defensively: any part that is missing or of the
 * wrong type is skipped, and a value that is not JSON at all yields undefined.
 */

export interface Roadmap {
  title?: string;
  lanes: { title: string; bars: { title: string; description?: string; start?: string }[] }[];
  markers: { title: string; date?: string }[];
}

/** At most this many lanes, bars per lane and markers are read: a source is a few KB, not a database. */
const MAX_ITEMS = 500;

export function decodeRoadmap(raw: string): Roadmap | undefined {
  const value = parseJson(raw.trim());
  if (!isObject(value)) return undefined;
  const lanes = arrayOf(value.lanes).map((lane) => ({
    title: stringOf(isObject(lane) ? lane.title : undefined) ?? '',
    bars: arrayOf(isObject(lane) ? lane.bars : undefined)
      .filter(isObject)
      .map((bar) => ({ title: stringOf(bar.title) ?? '', description: stringOf(bar.description), start: dateOf(bar.startDate) })),
  }));
  const markers = arrayOf(value.markers)
    .filter(isObject)
    .map((marker) => ({ title: stringOf(marker.title) ?? '', date: dateOf(marker.markerDate ?? marker.date) }));
  const title = stringOf(value.title);
  if (lanes.length === 0 && markers.length === 0 && !title) return undefined;
  return { title, lanes, markers };
}

/** Raw JSON, `encodeURIComponent` JSON, or form-encoded JSON (`+` for spaces). */
function parseJson(raw: string): unknown {
  if (!raw) return undefined;
  for (const candidate of [() => raw, () => decodeURIComponent(raw), () => decodeURIComponent(raw.replace(/\+/g, '%20'))]) {
    try {
      return JSON.parse(candidate());
    } catch {
      // Not this encoding: try the next.
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, MAX_ITEMS) : [];
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** The date part of "2024-01-01 00:00:00" or an ISO instant. */
function dateOf(value: unknown): string | undefined {
  const match = typeof value === 'string' ? /^\d{4}-\d{2}-\d{2}/.exec(value.trim()) : null;
  return match?.[0];
}
