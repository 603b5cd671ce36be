/**
 * Small scenarios for the read-restriction tests (Confluence contract §17): spaces,
 * pages and the log lines and requests the tests look at. Not a test file.
 */
import type { ScenarioContent, ScenarioSpace } from '../../simulators/confluence/index.js';
import { LABELS, type CycleHarness } from '../../helpers/cycle-harness.js';

export const ENG: ScenarioSpace = { id: 4101, key: 'ENG', name: 'Engineering', type: 'global' };
export const HR: ScenarioSpace = { id: 4103, key: 'HR', name: 'People', type: 'global' };
export const SINGLE = [LABELS.single];
export const ALL = [LABELS.all];
export const FLAVOURS = ['data-center', 'cloud'] as const;
/** Before the converter release, so it never decides a diff on its own. */
const T0 = '2026-01-05T08:00:00.000Z';

export function page(id: string, spaceKey: string, extra: Partial<ScenarioContent> = {}): ScenarioContent {
  return { id, type: 'page', title: `Page ${id}`, spaceKey, version: { number: 1, when: T0 }, labels: [], body: `<p>Body of page ${id}.</p>`, ...extra };
}

/** Page and attachment ids of what Unique holds (the key's last segment), sorted. */
export function storedIds(h: CycleHarness): string[] {
  return h.storedKeys().map((key) => key.slice(key.lastIndexOf('/') + 1)).sort();
}

/** Log records with this message. */
export function logged(h: CycleHarness, msg: string): Record<string, unknown>[] {
  return h.logs.lines().filter((line) => line.msg === msg);
}

/** Confluence requests by kind: discovery searches, restriction lookups (`id IN` without body), per-content restriction calls. */
export function confluenceCalls(h: CycleHarness): { lookups: number; perContent: number; total: number } {
  const requests = h.confluence.requests.filter((r) => r.method === 'GET');
  return {
    lookups: requests.filter((r) => r.path.endsWith('/content/search') && /^id IN/.test(r.query.cql ?? '') && !r.query.expand?.includes('body')).length,
    perContent: requests.filter((r) => r.path.endsWith('/restriction/byOperation/read')).length,
    total: requests.length,
  };
}
