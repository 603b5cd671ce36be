import type { Readable } from 'node:stream';
import { errorCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ContentApi, UpsertRequest } from '../../unique/content.js';
import { pendingAttemptOf, withPendingMark } from '../../unique/pending-marker.js';
import type { UploadClient } from '../../unique/upload.js';

export interface IngestDeps {
  content: Pick<ContentApi, 'register' | 'finalize' | 'deleteByIds' | 'nodeByKey'>;
  upload: Pick<UploadClient, 'upload'>;
  logger: Logger;
  /** This cycle's attempt id: registrations carry it as their pending mark (unique/pending-marker). */
  attemptId: string;
}

export interface IngestPayload {
  request: UpsertRequest;
  contentType: string;
  /**
   * The bytes to upload. Opened after registration succeeded, or, with `openEarly`,
   * while the registration is in flight.
   */
  open: () => Promise<OpenedBody>;
  /**
   * Open the bytes alongside the registration rather than after it (an attachment's
   * download: one sequential round trip less per attachment). If the registration then
   * fails, the opened body is destroyed at once, its download cut off.
   */
  openEarly?: boolean;
}

export interface OpenedBody {
  body: string | Buffer | Readable;
  contentLength: number;
  destroy?: () => void;
}

export type IngestOutcome = 'ingested' | 'failed';

/**
 * Register → upload → finalize one item (Unique contract §7). The registration carries
 * this attempt's pending mark and the finalization sends the request without it, so a
 * content left half-written (a kill, a transfer cut at a stop) keeps the mark and the
 * next cycle re-ingests it. If the upload or the finalization fails after registration,
 * the registered content is deleted (best effort), but only while it still carries
 * this attempt's mark: another process may have registered and finalized the same key
 * meanwhile, and its work must not be destroyed. The item is skipped until the next cycle.
 */
export async function ingestItem(payload: IngestPayload, deps: IngestDeps): Promise<IngestOutcome> {
  const { request } = payload;
  const fields = { key: request.input.key };
  // Started now, it runs alongside the registration; its failure is handled where it is awaited.
  const early = payload.openEarly === true ? settled(payload.open()) : undefined;
  let registered;
  try {
    registered = await deps.content.register(withPendingMark(request, deps.attemptId));
  } catch (error) {
    deps.logger.warn({ ...fields, error: errorMessage(error) }, 'Registration failed, item skipped');
    if (early !== undefined) void early.then((result) => result.opened?.destroy?.());
    return 'failed';
  }
  let opened: OpenedBody | undefined;
  try {
    opened = early === undefined ? await payload.open() : unwrap(await early);
    await deps.upload.upload({ writeUrl: registered.writeUrl, contentType: payload.contentType, body: opened.body, contentLength: opened.contentLength });
    await deps.content.finalize(request, registered.readUrl);
    return 'ingested';
  } catch (error) {
    opened?.destroy?.();
    deps.logger.warn({ ...fields, contentId: registered.id, error: errorMessage(error) }, 'Upload or finalization failed, registered content removed');
    await removeRegistered(request.input.key, registered.id, deps);
    return 'failed';
  }
}

type Settled = { opened: OpenedBody; error?: undefined } | { opened?: undefined; error: unknown };

/** A promise that never rejects, so an early open may fail while nobody awaits it yet. */
function settled(opening: Promise<OpenedBody>): Promise<Settled> {
  return opening.then(
    (opened) => ({ opened }),
    (error: unknown) => ({ error }),
  );
}

function unwrap(result: Settled): OpenedBody {
  if (result.opened === undefined) throw result.error;
  return result.opened;
}

/**
 * Deletes what this attempt registered and did not finish. The stored content is read
 * again first: if it no longer carries this attempt's mark, someone else registered
 * (or finalized) it since, and it is left alone. Unique has no conditional delete, so
 * a write landing between this read and the delete is not excluded; the window is one
 * request wide instead of a whole transfer.
 */
async function removeRegistered(key: string, contentId: string, deps: IngestDeps): Promise<void> {
  try {
    const stored = await deps.content.nodeByKey(key);
    const mark = pendingAttemptOf(stored?.metadata);
    if (stored === undefined || stored.id !== contentId || mark !== deps.attemptId) {
      deps.logger.warn({ key, contentId, pendingAttempt: mark ?? null }, 'Registered content changed hands, not removed');
      return;
    }
    const result = await deps.content.deleteByIds([contentId]);
    if (result.failed.length > 0) deps.logger.error({ code: 'UNIQUE_DELETE_FAILED', contentId }, 'Registered content could not be removed after a failed upload');
  } catch (error) {
    deps.logger.error({ code: errorCode(error), contentId, error: errorMessage(error) }, 'Registered content could not be removed after a failed upload');
  }
}
