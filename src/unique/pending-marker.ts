/**
 * The pending mark: how the connector recognises a content that was registered but
 * never finalized (the process was killed, or a transfer hung past a stop).
 *
 * Unique's file-diff counts a registration as the content's last upsert (contract §5,
 * §4.9), so such a content is reported unchanged until its Confluence version moves,
 * and its ingestion state on the real service is undocumented. Instead the
 * registration carries `metadata.pendingIngestionAttempt = <attempt id>` and the
 * finalization sends the same upsert without it; both the real service and the
 * simulator store the metadata of each upsert as sent (§4.8: an upsert replaces the
 * metadata). A stored content that still carries the key was never finalized: the
 * next cycle re-ingests it (transforms/diff), and a clean-up deletes only content
 * whose mark is its own attempt's (sinks/unique-ingestion).
 */
import { randomBytes } from 'node:crypto';
import type { UpsertRequest } from './content.js';

export const PENDING_MARK_KEY = 'pendingIngestionAttempt';

/** A new attempt id: one per cycle, so two processes (or two cycles) never share one. */
export function newAttemptId(): string {
  return `att-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** The registration's request: the same upsert with the pending mark in its metadata. */
export function withPendingMark(request: UpsertRequest, attemptId: string): UpsertRequest {
  return { ...request, input: { ...request.input, metadata: { ...request.input.metadata, [PENDING_MARK_KEY]: attemptId } } };
}

/** The attempt that registered a stored content and did not finalize it, if any. */
export function pendingAttemptOf(metadata: unknown): string | undefined {
  // Metadata as Unique answers it: any JSON value, an object only when someone wrote one.
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const mark = (metadata as Record<string, unknown>)[PENDING_MARK_KEY];
  return typeof mark === 'string' && mark !== '' ? mark : undefined;
}
