import highland from 'highland';

/**
 * Writes one JSON object a line, honouring the destination's back-pressure: when
 * `write` returns false the next record is only pulled after 'drain'. Resolves to
 * the number of records written; the destination is left open (it is stdout).
 */
export function ndjsonSink(out: NodeJS.WritableStream) {
  return <T>(stream: Highland.Stream<T>): Promise<number> =>
    new Promise((resolve, reject) => {
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
