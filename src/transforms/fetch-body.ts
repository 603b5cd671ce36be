import highland from 'highland';
import type { ConfluenceApi } from '../confluence/api.js';
import { BODY_BATCH_SIZE } from '../confluence/cql.js';
import type { CycleReport } from '../cycle-report.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { PageRecord } from '../records.js';

export interface FetchBodyDeps {
  api: Pick<ConfluenceApi, 'fetchBodies'>;
  logger: Logger;
  report?: CycleReport;
}

/**
 * Storage bodies for the pages that need them, fetched in batches (one `id IN (…)`
 * search per batch, as many ids as a body search may return) rather than one call a
 * page. Pulls one batch at a time, so at most a batch of bodies waits in memory.
 * A page missing from the answer vanished since discovery; a failed batch skips its
 * pages (Confluence contract §11: a fetch error only skips that page). Both are
 * warnings, as is an empty body, which has nothing to ingest.
 */
export function fetchBodies(deps: FetchBodyDeps): (stream: Highland.Stream<PageRecord>) => Highland.Stream<PageRecord> {
  return (stream) =>
    stream
      .batch(BODY_BATCH_SIZE)
      .flatMap((batch) => highland(withBodies(batch, deps)))
      .sequence();
}

async function withBodies(batch: PageRecord[], deps: FetchBodyDeps): Promise<PageRecord[]> {
  const { logger, report } = deps;
  let bodies;
  try {
    bodies = await deps.api.fetchBodies(batch.map((page) => page.id));
  } catch (error) {
    logger.warn({ pages: batch.length, firstPageId: batch[0]?.id, error: errorMessage(error) }, 'Body fetch failed, pages skipped');
    report?.add('failed', batch.length);
    return [];
  }
  const ready: PageRecord[] = [];
  for (const page of batch) {
    const body = bodies.get(page.id);
    if (body === undefined) {
      logger.warn({ pageId: page.id }, 'Page vanished since discovery, skipped');
      report?.add('skipped');
    } else if (isEmptyBody(body.storage)) {
      logger.debug({ pageId: page.id }, 'Page has an empty body, skipped');
      report?.add('skipped');
    } else {
      ready.push({ ...page, storage: body.storage });
    }
  }
  return ready;
}

/** A body with nothing but whitespace has nothing to ingest: the page is skipped. */
export function isEmptyBody(storage: string): boolean {
  return storage.trim() === '';
}
