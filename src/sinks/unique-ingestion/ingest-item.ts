import type { Readable } from 'node:stream';
import { errorCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ContentApi, UpsertRequest } from '../../unique/content.js';
import type { UploadClient } from '../../unique/upload.js';

export interface IngestDeps {
  content: Pick<ContentApi, 'register' | 'finalize' | 'deleteByIds'>;
  upload: Pick<UploadClient, 'upload'>;
  logger: Logger;
}

export interface IngestPayload {
  request: UpsertRequest;
  contentType: string;
  /** Opened only after registration succeeded, so nothing is downloaded for an item that cannot be registered. */
  open: () => Promise<{ body: string | Buffer | Readable; contentLength: number; destroy?: () => void }>;
}

export type IngestOutcome = 'ingested' | 'failed';

/**
 * Register → upload → finalize one item (Unique contract §7). If the upload or the
 * finalization fails after registration, the registered content is deleted (best
 * effort) so nothing stays half-written; the item is skipped until the next cycle.
 */
export async function ingestItem(payload: IngestPayload, deps: IngestDeps): Promise<IngestOutcome> {
  const { request } = payload;
  const fields = { key: request.input.key };
  let registered;
  try {
    registered = await deps.content.register(request);
  } catch (error) {
    deps.logger.warn({ ...fields, error: errorMessage(error) }, 'Registration failed, item skipped');
    return 'failed';
  }
  let opened: Awaited<ReturnType<IngestPayload['open']>> | undefined;
  try {
    opened = await payload.open();
    await deps.upload.upload({ writeUrl: registered.writeUrl, contentType: payload.contentType, body: opened.body, contentLength: opened.contentLength });
    await deps.content.finalize(request, registered.readUrl);
    return 'ingested';
  } catch (error) {
    opened?.destroy?.();
    deps.logger.warn({ ...fields, contentId: registered.id, error: errorMessage(error) }, 'Upload or finalization failed, registered content removed');
    await removeRegistered(registered.id, deps);
    return 'failed';
  }
}

async function removeRegistered(contentId: string, deps: IngestDeps): Promise<void> {
  try {
    const result = await deps.content.deleteByIds([contentId]);
    if (result.failed.length > 0) deps.logger.error({ code: 'UNIQUE_DELETE_FAILED', contentId }, 'Registered content could not be removed after a failed upload');
  } catch (error) {
    deps.logger.error({ code: errorCode(error), contentId, error: errorMessage(error) }, 'Registered content could not be removed after a failed upload');
  }
}
