/**
 * Tiny scenarios for the pipeline tests: a few spaces and pages built in one line
 * each, so a test reads as the situation it sets up. Not a test file (tap excludes
 * `*-helpers.ts`).
 */
import type { ScenarioContent, ScenarioSpace } from '../../simulators/confluence/index.js';
import type { RequestLogEntry as UniqueRequest } from '../../simulators/unique/index.js';
import { LABELS, type CycleHarness } from '../../helpers/cycle-harness.js';
import { isLeaseKey } from '../../helpers/tenant-lease.js';

export const ENG: ScenarioSpace = { id: 4101, key: 'ENG', name: 'Engineering', type: 'global' };
export const OPS: ScenarioSpace = { id: 4102, key: 'OPS', name: 'Operations', type: 'global' };
export const HR: ScenarioSpace = { id: 4103, key: 'HR', name: 'People & Culture', type: 'global' };

export const SINGLE = [LABELS.single];
export const ALL = [LABELS.all];

/** Before the converter release (src/convert/version.ts), so it never decides a diff on its own. */
export const T0 = '2026-01-05T08:00:00.000Z';

/** A page of `spaceKey` with a small body; `extra` overrides anything. */
export function page(id: string, spaceKey: string, extra: Partial<ScenarioContent> = {}): ScenarioContent {
  return { id, type: 'page', title: `Page ${id}`, spaceKey, version: { number: 1, when: T0 }, labels: [], body: `<p>Body of page ${id}.</p>`, ...extra };
}

/** A version time safely after everything already ingested (the diff compares against the upsert time). */
export function later(seconds = 60): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/** Page ids of the stored keys (the last key segment), sorted. */
export function storedIds(h: CycleHarness): string[] {
  return h.storedKeys().map((key) => key.slice(key.lastIndexOf('/') + 1)).sort();
}

/** The error a promise rejects with; fails loudly when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the promise to reject, it resolved');
}

/** contentUpsert requests without `fileUrl` (registrations) of items, optionally for one key; the tenant lease left out. */
export function registrations(h: CycleHarness, key?: string): UniqueRequest[] {
  return h.unique.requests.filter((r) => {
    if (r.operation !== 'contentUpsert') return false;
    const variables = r.variables as { fileUrl?: string; input: { key: string } };
    if (isLeaseKey(variables.input.key)) return false;
    return variables.fileUrl === undefined && (key === undefined || variables.input.key === key);
  });
}

/** Unique mutations of any kind, including scope grants and marks: "reads only" checks. */
export function uniqueMutations(h: CycleHarness): string[] {
  const queries = new Set(['me', 'paginatedScope', 'paginatedContent', '__typename']);
  return h.unique.requests
    .filter((r) => r.method === 'PUT' || (r.operation !== undefined && !queries.has(r.operation)))
    .map((r) => r.operation ?? `${r.method} ${r.path}`);
}

/** Confluence requests that fetched bodies (`expand` with body.storage). */
export function bodyRequests(h: CycleHarness): number {
  return h.confluence.requests.filter((r) => r.query.expand?.includes('body.storage')).length;
}
