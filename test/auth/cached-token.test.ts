import t from 'tap';
import { CachedToken, parseTokenResponse } from '../../src/auth/cached-token.js';
import { Secret } from '../../src/secret.js';

function issuing(lifetimes: number[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fetch: async () => {
      const expiresInSeconds = lifetimes[Math.min(calls, lifetimes.length - 1)]!;
      calls += 1;
      return { accessToken: new Secret(`token-${calls}`), expiresInSeconds };
    },
  };
}

t.test('concurrent callers share one token request', async (t) => {
  const source = issuing([3600]);
  const token = new CachedToken({ fetch: source.fetch, refreshMarginSeconds: 300 });
  const tokens = await Promise.all(Array.from({ length: 10 }, () => token.get()));
  t.equal(source.calls, 1);
  t.same(new Set(tokens.map((secret) => secret.reveal())), new Set(['token-1']));
});

t.test('the token is refreshed the margin before it expires, not after', async (t) => {
  let now = 0;
  const source = issuing([3600]);
  const token = new CachedToken({ fetch: source.fetch, refreshMarginSeconds: 300, now: () => now });
  await token.get();
  now = (3600 - 301) * 1000;
  t.equal((await token.get()).reveal(), 'token-1', 'still cached just before the margin');
  now = (3600 - 299) * 1000;
  t.equal((await token.get()).reveal(), 'token-2', 'refreshed inside the margin');
});

t.test('a short-lived token is not refetched on every call', async (t) => {
  let now = 0;
  const source = issuing([60]);
  const token = new CachedToken({ fetch: source.fetch, refreshMarginSeconds: 300, now: () => now });
  await token.get();
  now = 20_000;
  await token.get();
  t.equal(source.calls, 1, 'half the lifetime is kept when the margin exceeds it');
  now = 31_000;
  await token.get();
  t.equal(source.calls, 2);
});

t.test('a failed fetch reaches every waiting caller and the next caller tries again', async (t) => {
  let fail = true;
  let calls = 0;
  const token = new CachedToken({
    refreshMarginSeconds: 60,
    fetch: async () => {
      calls += 1;
      if (fail) throw new Error('token endpoint down');
      return { accessToken: new Secret('recovered-token'), expiresInSeconds: 3600 };
    },
  });
  const results = await Promise.allSettled([token.get(), token.get()]);
  t.same(results.map((result) => result.status), ['rejected', 'rejected']);
  t.equal(calls, 1);
  fail = false;
  t.equal((await token.get()).reveal(), 'recovered-token');
});

t.test('invalidate drops the cached token', async (t) => {
  const source = issuing([3600]);
  const token = new CachedToken({ fetch: source.fetch, refreshMarginSeconds: 300 });
  await token.get();
  token.invalidate();
  t.equal((await token.get()).reveal(), 'token-2');
});

t.test('token responses are checked', async (t) => {
  t.equal(parseTokenResponse('nope'), 'response is not a JSON object');
  t.equal(parseTokenResponse({ expires_in: 10 }), 'response has no access_token');
  t.equal(parseTokenResponse({ access_token: 'a', expires_in: 0 }), 'response has no positive numeric expires_in');
  t.equal(parseTokenResponse({ access_token: 'a', expires_in: 'soon' }), 'response has no positive numeric expires_in');
  const parsed = parseTokenResponse({ access_token: 'abc', expires_in: '3600', token_type: 'Bearer' });
  t.ok(typeof parsed !== 'string' && parsed.expiresInSeconds === 3600 && parsed.accessToken.reveal() === 'abc');
});
