import highland from 'highland';
import type { AttachmentRecord, PageRecord, PipelineRecord } from '../records.js';

export interface NdjsonSinkOptions {
  /** Written into every line, so dumps of several tenants stay tellable apart. */
  tenant: string;
  /** Every attachment record of the dumped pages, accepted and rejected (with their reason). */
  attachments: readonly AttachmentRecord[];
}

/**
 * `dump`'s sink: one JSON object a line, each page followed by its attachment records,
 * then the attachments of pages that did not come through (the body fetch skipped an
 * empty or vanished page, but its attachments are still synced, so still shown).
 * Honours the destination's back-pressure: when `write` returns false the next record
 * is only pulled after 'drain'. Resolves to the number of lines written; the
 * destination is left open (it is stdout).
 */
export function ndjsonSink(out: NodeJS.WritableStream, options: NdjsonSinkOptions): <P extends PageRecord>(pages: Highland.Stream<P>) => Promise<number> {
  return (pages) => {
    const attachmentsOf = new Map<string, AttachmentRecord[]>();
    for (const record of options.attachments) {
      const list = attachmentsOf.get(record.pageId);
      if (list) list.push(record);
      else attachmentsOf.set(record.pageId, [record]);
    }
    const withAttachments = pages.flatMap((page) => {
      const own = attachmentsOf.get(page.id) ?? [];
      attachmentsOf.delete(page.id);
      return highland<PipelineRecord>([page, ...own]);
    });
    // Built lazily: only once every page has gone by is it known which attachments are left.
    const rest = highland<PipelineRecord>((push) => {
      for (const own of attachmentsOf.values()) for (const record of own) push(null, record);
      push(null, highland.nil);
    });
    return writeLines(out, withAttachments.concat(rest).map((record) => ({ tenant: options.tenant, ...record })));
  };
}

function writeLines<T>(out: NodeJS.WritableStream, stream: Highland.Stream<T>): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    stream
      .consume<T>((error, record, push, next) => {
        if (error) {
          push(error);
          next();
        } else if (record === highland.nil) {
          push(null, highland.nil);
        } else {
          count += 1;
          if (out.write(`${JSON.stringify(record)}\n`)) next();
          else out.once('drain', () => next());
        }
      })
      .stopOnError(reject)
      .done(() => resolve(count));
  });
}
