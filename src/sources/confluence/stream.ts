/**
 * The discovery generator as a highland stream. `highland(asyncGenerator)` does not
 * work (it is taken for a sync iterator and emits undefined forever), so a highland
 * generator pulls one record per demand, which keeps back-pressure: the next
 * Confluence page is requested only when the pipeline has room for more records.
 */
import highland from 'highland';
import type { PageRecord } from '../../records.js';
import { discoverPages, type DiscoveryOptions } from './discover.js';

export function discoveryStream(options: DiscoveryOptions): Highland.Stream<PageRecord> {
  const records = discoverPages(options);
  return highland<PageRecord>((push, next) => {
    records.next().then(
      (result) => {
        if (result.done) {
          push(null, highland.nil);
          return;
        }
        push(null, result.value);
        next();
      },
      (error: unknown) => {
        // The error ends the stream: after a failed listing nothing downstream may act on a partial set.
        push(error instanceof Error ? error : new Error(String(error)));
        push(null, highland.nil);
      },
    );
  });
}
