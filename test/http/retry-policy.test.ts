import t from 'tap';
import { DEFAULT_RETRY, backoffMs, isRetryableStatus, networkErrorCode, parseRetryAfter, retryDelayMs, retryPlan } from '../../src/http/retry-policy.js';
import { excerpt, redactText, redactUrl } from '../../src/http/redact.js';

t.test('Retry-After is read as seconds or as an HTTP date', async (t) => {
  const now = Date.parse('2025-03-04T09:00:00Z');
  t.equal(parseRetryAfter('7', now), 7000);
  t.equal(parseRetryAfter('0', now), 0);
  t.equal(parseRetryAfter('1.5', now), 1500);
  t.equal(parseRetryAfter('Tue, 04 Mar 2025 09:00:12 GMT', now), 12_000);
  t.equal(parseRetryAfter('Tue, 04 Mar 2025 08:59:00 GMT', now), 0, 'a date in the past means now');
  t.equal(parseRetryAfter(undefined, now), undefined);
  t.equal(parseRetryAfter('soon', now), undefined);
  t.equal(parseRetryAfter('-3', now), undefined);
});

t.test('the wait honours Retry-After up to the cap, else backs off exponentially', async (t) => {
  t.equal(retryDelayMs(0, DEFAULT_RETRY, 120_000), 30_000, 'capped');
  t.equal(retryDelayMs(3, DEFAULT_RETRY, 2000), 2000);
  t.equal(backoffMs(0, DEFAULT_RETRY, () => 0), 500);
  t.equal(backoffMs(1, DEFAULT_RETRY, () => 0), 1000);
  t.equal(backoffMs(2, DEFAULT_RETRY, () => 0), 2000);
  t.equal(backoffMs(0, DEFAULT_RETRY, () => 1), 625, 'up to 25 % jitter');
  t.equal(backoffMs(10, DEFAULT_RETRY, () => 1), 30_000, 'never above the cap');
});

t.test('only throttling and transient server statuses are retryable', async (t) => {
  t.same([429, 500, 502, 503, 504].map(isRetryableStatus), [true, true, true, true, true]);
  t.same([400, 401, 403, 404, 409, 410, 501].map(isRetryableStatus), [false, false, false, false, false, false, false]);
});

t.test('the network code is found in the cause chain', async (t) => {
  const wrapped = Object.assign(new Error('fetch failed'), { code: 'UND_ERR', cause: Object.assign(new Error('read'), { code: 'ECONNRESET' }) });
  t.equal(networkErrorCode(wrapped), 'ECONNRESET');
  t.equal(networkErrorCode(Object.assign(new Error('x'), { code: 'ERR_WEIRD' })), 'ERR_WEIRD');
  t.equal(networkErrorCode('nope'), undefined);
});

t.test('GET retries by default; other methods and streams only when allowed', async (t) => {
  t.match(retryPlan('GET', undefined, undefined, false), { enabled: true, retries: 5, minTimeoutMs: 500, factor: 2, maxTimeoutMs: 30_000 });
  t.match(retryPlan('POST', undefined, undefined, false), { enabled: false, retries: 0 });
  t.match(retryPlan('POST', true, undefined, false), { enabled: true, retries: 5 });
  t.match(retryPlan('POST', { retries: 3, minTimeoutMs: 3000 }, { maxTimeoutMs: 10_000 }, false), { enabled: true, retries: 3, minTimeoutMs: 3000, maxTimeoutMs: 10_000 });
  t.match(retryPlan('GET', false, undefined, false), { enabled: false, retries: 0 });
  t.match(retryPlan('PUT', true, undefined, true), { enabled: false, retries: 0 }, 'a stream is never retried');
  t.match(retryPlan('GET', { retries: undefined }, { retries: 2 }, false), { retries: 2 }, 'undefined does not erase a default');
});

t.test('URLs lose credentials, fragments and secret query values', async (t) => {
  t.equal(
    redactUrl('https://user:pw@media.example/file/1/binary?token=abc&name=a%20b.pdf&X-Amz-Signature=s&client_secret=c&code=o&limit=25#frag'),
    'https://media.example/file/1/binary?token=[redacted]&name=a%20b.pdf&X-Amz-Signature=[redacted]&client_secret=[redacted]&code=[redacted]&limit=25',
  );
  t.equal(redactUrl('https://x.example/scoped/upload?key=enc-key'), 'https://x.example/scoped/upload?key=[redacted]');
  t.equal(redactUrl('https://x.example/wiki/rest/api/content/1'), 'https://x.example/wiki/rest/api/content/1');
  t.equal(redactUrl('not a url'), '[invalid url]');
});

t.test('every occurrence of a credential in a body is scrubbed, in every spelling', async (t) => {
  const token = 'tok-echoed-4a5b6c7d';
  const body = `first ${token}, again ${token}, base64 ${Buffer.from(token).toString('base64')} and ${Buffer.from(token).toString('base64')}`;
  const scrubbed = redactText(body, [token]);
  t.notMatch(scrubbed, token);
  t.notMatch(scrubbed, Buffer.from(token).toString('base64'));
  t.equal(scrubbed.split('[redacted]').length - 1, 4);
  t.equal(excerpt(`${token} ${token}`, [token]), '[redacted] [redacted]');
});

t.test('body excerpts are single-line, short and scrubbed', async (t) => {
  t.equal(excerpt('a\n  b\t c'), 'a b c');
  t.equal(excerpt('x'.repeat(1000)).length, 300);
  t.equal(redactText('{"access_token":"eyJabc","expires_in":3600}'), '{"access_token":"[redacted]","expires_in":3600}');
  t.equal(redactText('see https://h/p?token=abc&x=1'), 'see https://h/p?token=[redacted]&x=1');
  t.equal(redactText('your key Bearer-xyz-123 is bad', ['Bearer-xyz-123']), 'your key [redacted] is bad');
});
