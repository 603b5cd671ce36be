/**
 * Shared pieces of the reliability tests: a process-level watch for unhandled
 * rejections, a snapshot of what Unique stores (to prove a bad cycle left it intact),
 * and hand-built v1 content items for crafted Confluence answers. Not a test file
 * (tap excludes `support/`).
 */
import type { Test } from 'tap';
import type { CycleHarness } from '../../helpers/cycle-harness.js';
import { LABELS } from '../../helpers/cycle-harness.js';

/**
 * Records every unhandled rejection while the test runs and fails the test at its end
 * if there was one: a bad answer must become an error the pipeline handles, never a
 * promise nobody awaits.
 */
export function watchUnhandledRejections(t: Test): unknown[] {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', listener);
  t.teardown(async () => {
    // One macrotask for rejections of the last microtasks to surface.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', listener);
  });
  return seen;
}

/** Each stored content: key, Unique id, last upsert and the uploaded bytes' hash. */
export function storedSnapshot(h: CycleHarness): string[] {
  return h.unique.state
    .contents()
    .map((c) => `${c.key} ${c.id} ${c.updatedAt ?? '-'} ${c.uploaded?.sha256 ?? '-'}`)
    .sort();
}

/** The message and fields of captured log lines with the given fixed `msg`. */
export function logLines(h: CycleHarness, msg: string): Record<string, unknown>[] {
  return h.logs.lines().filter((line) => line.msg === msg);
}

/** The run's outcome without throwing: the error (when it failed) or the result. */
export async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: { code?: string; message: string } }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: error as { code?: string; message: string } };
  }
}

export interface ItemOptions {
  spaceId?: number | string;
  spaceKey?: string;
  when?: string;
  title?: string;
  body?: string;
  labels?: string[];
}

/** A v1 content object as the search endpoint returns it (contract §5.3). */
export function v1Item(id: string, options: ItemOptions = {}): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id,
    type: 'page',
    status: 'current',
    title: options.title ?? `Page ${id}`,
    space: { id: options.spaceId ?? 4101, key: options.spaceKey ?? 'ENG', name: 'Engineering', type: 'global' },
    version: { number: 1, when: options.when ?? '2026-01-05T08:00:00.000Z' },
    metadata: { labels: { results: (options.labels ?? [LABELS.single]).map((name) => ({ prefix: 'global', name })) } },
    ancestors: [],
    _links: { webui: `/pages/viewpage.action?pageId=${id}` },
  };
  if (options.body !== undefined) item.body = { storage: { value: options.body, representation: 'storage' } };
  return item;
}

/** A v1 envelope (§5.2) around `results`; `links: false` leaves `_links` out. */
export function v1Envelope(results: unknown, links = true): string {
  const envelope: Record<string, unknown> = { results, start: 0, limit: 100, size: Array.isArray(results) ? results.length : 0 };
  if (links) envelope._links = { base: 'http://confluence.invalid', context: '' };
  return JSON.stringify(envelope);
}
