import { FIELDS } from './fields.js';

/**
 * "Did you mean …?" for an unknown field: the closest known key of the same section, by
 * edit distance (case differences count as near misses: `baseURL` → `baseUrl`). Only a
 * close key is suggested; an unrelated name gets no guess.
 */

/** Levenshtein distance, case-insensitive; small strings only (config keys). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** The known keys directly under a dotted section path ('' for the top level). */
export function knownKeys(section: string): string[] {
  const prefix = section === '' ? '' : `${section}.`;
  return FIELDS.map((field) => field.path)
    .filter((path) => path.startsWith(prefix) && !path.slice(prefix.length).includes('.'))
    .map((path) => path.slice(prefix.length));
}

/** The closest known key under `section` to `key`, or undefined when none is close (at most a third of the key's length off). */
export function suggestKey(section: string, key: string): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of knownKeys(section)) {
    const distance = editDistance(key, candidate);
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(key.length, best.key.length) / 3));
  return best.distance <= allowed ? best.key : undefined;
}
