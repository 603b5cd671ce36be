import highland from 'highland';
import { bodyLimits, type BodyLimits } from '../body-limits.js';
import type { ConfluenceApi, PageBody } from '../confluence/api.js';
import { BODY_BATCH_SIZE } from '../confluence/cql.js';
import type { CycleReport } from '../cycle-report.js';
import { errorMessage, isConnectorError } from '../errors.js';
import { isTooLargeError } from '../http/response.js';
import { type Logger, stageLogger } from '../log.js';
import type { PageRecord, PageWithStorage } from '../records.js';

export interface FetchBodyDeps {
  api: Pick<ConfluenceApi, 'fetchBodies'>;
  logger: Logger;
  report?: Pick<CycleReport, 'add'>;
  /** A stop request: no body search starts after it, and one in flight is cut off. */
  signal?: AbortSignal;
  /** `processing.maxPageBodyMb`: larger pages are skipped, and it bounds every body search answer. */
  maxPageBodyMb: number;
}

/**
 * Storage bodies for the pages that need them, fetched in batches (one `id IN (…)`
 * search per batch, as many ids as a body search may return) rather than one call a
 * page. The next batch is in flight while the current one flows on, so the stages
 * after this one never wait for a search; at most two batches of bodies are held.
 *
 * A page missing from the answer vanished since discovery; an empty body has nothing
 * to ingest: both are skipped. A search that fails for a reason one page can cause is
 * split in halves, down to single pages, so an unservable page skips only itself
 * (Confluence contract §11: a fetch error only skips that page). Transient errors were
 * already retried by the client.
 *
 * Memory is bounded by bytes as well as count (issue 10: six 50 MB bodies aborted the
 * process under its heap cap): every body search answer is counted while it streams
 * and cut at `bodySearchAnswerCap`; a batch cut so is split in halves, one half after
 * the other, down to single pages; a page whose body is over `maxPageBodyMb` is
 * skipped with a WARN naming it (counted as skipped: a configured limit, like an
 * attachment over `maxFileSizeMb`, not a failure that the next cycle could fix).
 */
export function fetchBodies(deps: FetchBodyDeps): (pages: Highland.Stream<PageRecord>) => Highland.Stream<PageWithStorage> {
  const log = stageLogger(deps.logger, 'fetch-body');
  const limits = bodyLimits(deps.maxPageBodyMb);
  return (pages) => {
    const batches = pages.batch(BODY_BATCH_SIZE);
    /** The next batch's bodies, or undefined once the pages (or the cycle) ended. */
    const nextBatch = (): Promise<PageWithStorage[] | undefined> =>
      new Promise((resolve, reject) => {
        if (deps.signal?.aborted) return resolve(undefined);
        batches.pull((error, batch) => {
          if (error) reject(error);
          else if (batch === highland.nil || deps.signal?.aborted) resolve(undefined);
          else resolve(withBodies(batch as PageRecord[], deps, limits, log));
        });
      });
    let ahead: Promise<PageWithStorage[] | undefined> | undefined;
    return highland<PageWithStorage>((push, next) => {
      const current = ahead ?? nextBatch();
      current.then(
        (ready) => {
          if (ready === undefined) return push(null, highland.nil);
          // Prefetch: the following search starts now, while this batch is processed.
          ahead = nextBatch();
          for (const page of ready) push(null, page);
          next();
        },
        (error: unknown) => {
          push(error instanceof Error ? error : new Error(String(error)));
          push(null, highland.nil);
        },
      );
    });
  };
}

async function withBodies(batch: PageRecord[], deps: FetchBodyDeps, limits: BodyLimits, log: Logger): Promise<PageWithStorage[]> {
  let bodies: Map<string, PageBody>;
  try {
    bodies = await deps.api.fetchBodies(batch.map((page) => page.id), deps.signal, limits.answerBytes);
  } catch (error) {
    // A stop cut the search off: the cycle ends, nothing failed.
    if (deps.signal?.aborted) return [];
    const half = Math.ceil(batch.length / 2);
    if (isTooLargeError(error)) {
      if (batch.length === 1) {
        skipTooLarge(batch[0]!, `more than ${limits.answerBytes} bytes of answer`, deps, log);
        return [];
      }
      log.debug({ pages: batch.length, firstPageId: batch[0]?.id, maxAnswerBytes: limits.answerBytes }, 'Body search answer too large, split in halves');
      // One half after the other: two halves at once could hold twice the cap.
      const first = await withBodies(batch.slice(0, half), deps, limits, log);
      const second = await withBodies(batch.slice(half), deps, limits, log);
      return first.concat(second);
    }
    if (batch.length > 1 && mayBeOnePage(error)) {
      log.debug({ pages: batch.length, firstPageId: batch[0]?.id, error: errorMessage(error) }, 'Body search failed, split in halves');
      const [first, second] = await Promise.all([withBodies(batch.slice(0, half), deps, limits, log), withBodies(batch.slice(half), deps, limits, log)]);
      return first.concat(second);
    }
    // Down to one page, the warning names it.
    const named = batch.length === 1 ? { pageId: batch[0]!.id } : {};
    log.warn({ pages: batch.length, firstPageId: batch[0]?.id, ...named, error: errorMessage(error) }, 'Body fetch failed, pages skipped');
    deps.report?.add('failed', batch.length);
    return [];
  }
  const ready: PageWithStorage[] = [];
  for (const page of batch) {
    const body = bodies.get(page.id);
    if (body === undefined) {
      log.warn({ pageId: page.id }, 'Page vanished since discovery, skipped');
      deps.report?.add('skipped');
    } else if (body.storage.length > limits.pageBytes / 3 && Buffer.byteLength(body.storage, 'utf8') > limits.pageBytes) {
      // A UTF-16 unit takes at most 3 UTF-8 bytes: only a long body is measured.
      skipTooLarge(page, `${Buffer.byteLength(body.storage, 'utf8')} bytes`, deps, log);
    } else if (isEmptyBody(body.storage)) {
      log.debug({ pageId: page.id }, 'Page has an empty body, skipped');
      deps.report?.add('skipped');
    } else {
      ready.push({ ...page, storage: body.storage });
    }
  }
  return ready;
}

/** One WARN per page over the limit, every cycle it is offered (the diff keeps offering it). */
function skipTooLarge(page: PageRecord, size: string, deps: FetchBodyDeps, log: Logger): void {
  log.warn({ pageId: page.id, title: page.title, space: page.space.key, bodySize: size, maxPageBodyMb: deps.maxPageBodyMb }, 'Page body larger than processing.maxPageBodyMb, skipped');
  deps.report?.add('skipped');
}

/**
 * Statuses with which a body search fails when it is down to what it asked for, so
 * that a smaller search may succeed: a server error rendering some content (500), a
 * request refused as such (400, 413, 414). Not when Confluence is unreachable,
 * overloaded or refusing the credentials (network errors, 401, 403, 429, 502–504):
 * every smaller search would fail the same way, only more often.
 */
const PAGE_SPECIFIC_STATUSES: ReadonlySet<number> = new Set([400, 413, 414, 500]);

function mayBeOnePage(error: unknown): boolean {
  if (isConnectorError(error, 'CONFLUENCE_RESPONSE_INVALID')) return true;
  if (!isConnectorError(error, 'CONFLUENCE_HTTP_ERROR')) return false;
  const status = error.details.status;
  return typeof status === 'number' && PAGE_SPECIFIC_STATUSES.has(status);
}

/** A body with nothing but whitespace has nothing to ingest: the page is skipped. */
export function isEmptyBody(storage: string): boolean {
  return storage.trim() === '';
}
