/**
 * The transfer guard's two ways of reading a body, on plain streams (no server needed):
 * a body that closes before its end fails the reader in both, a byte cap counts across
 * chunks, and the guard's timers end with the body.
 */
import { PassThrough } from 'node:stream';
import t from 'tap';
import { AttemptGuard } from '../../src/http/transfer-guard.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LIMITS = { totalMs: 10_000, minBytesPerSecond: 100, throughputWindowMs: 1_000 };
const OPTIONS = { tooLarge: (max: number) => new Error(`more than ${max} bytes`), toError: (failure: Error) => failure };

/** A fresh guard on a manual clock, and a body for it to watch. */
function guarded() {
  const clock = new ManualClock();
  return { clock, guard: new AttemptGuard(LIMITS, clock, undefined, 0), body: new PassThrough() };
}

t.test('readText: a body that closes before its end fails the read', async (t) => {
  const { clock, guard, body } = guarded();
  const reading = guard.readText(body, OPTIONS);
  body.write('{"half":');
  body.destroy();
  await t.rejects(reading, { message: 'the response body closed before its end' });
  guard.dispose();
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('readText: the byte cap counts across chunks and stops the body', async (t) => {
  const guard = new AttemptGuard(LIMITS, new ManualClock(), undefined, 0);
  const body = new PassThrough();
  const reading = guard.readText(body, { ...OPTIONS, maxBytes: 10 });
  body.write('123456');
  body.write('789012');
  await t.rejects(reading, { message: 'more than 10 bytes' });
  t.ok(body.destroyed, 'the rest is not read');
});

t.test('readText: chunks are joined before decoding, and the guard ends cleanly', async (t) => {
  const { clock, guard, body } = guarded();
  const bytes = Buffer.from('"Grüße"', 'utf8');
  const reading = guard.readText(body, OPTIONS);
  body.write(bytes.subarray(0, 4)); // ends inside the ü
  body.end(bytes.subarray(4));
  t.equal(await reading, '"Grüße"');
  guard.dispose();
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('watchBody: a source that closes before its end fails the reader', async (t) => {
  const { clock, guard, body } = guarded();
  const watched = guard.watchBody(body, OPTIONS);
  body.write('partial');
  body.destroy();
  const read = (async () => {
    for await (const _chunk of watched) {
      // drain
    }
  })();
  await t.rejects(read, { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  t.equal(clock.pending, 0, 'the guard ended with the body');
});

t.test('watchBody: a reader that stops early releases the source and the guard', async (t) => {
  const { clock, guard, body } = guarded();
  const watched = guard.watchBody(body, OPTIONS);
  body.write('some');
  watched.destroy();
  await new Promise((resolve) => setImmediate(resolve));
  t.ok(body.destroyed, 'the source is destroyed with the reader');
  t.equal(clock.pending, 0, 'the guard ended');
});
