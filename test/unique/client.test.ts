import t from 'tap';
import { setup } from './support/unique-setup.js';

const within = <T>(ms: number, promise: Promise<T>): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms).unref())]);

t.test('external mode: an expired token is refreshed after a 401 and the call succeeds', async (t) => {
  const { sim, clients } = await setup(t, 'external');
  t.equal(await clients.scopes.me(), 'user_service');
  t.equal(sim.requests.filter((r) => r.path === '/oauth/v2/token').length, 1);
  sim.expireTokens();
  sim.clearRequests();
  t.equal((await clients.scopes.byId('scope_confluence'))?.id, 'scope_confluence');
  t.same(
    sim.requests.map((r) => [r.path, r.status]),
    [
      ['/ingestion/graphql', 401],
      ['/oauth/v2/token', 200],
      ['/ingestion/graphql', 200],
    ],
  );
});

t.test('cluster_local sends the service headers and no Authorization', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  await clients.scopes.me();
  const headers = sim.requests[0]!.headers;
  t.equal(headers['x-service-id'], 'confluence-connector');
  t.equal(headers['x-company-id'], 'company_1');
  t.equal(headers['x-user-id'], 'user_service');
  t.notOk(headers.authorization);
  t.equal(sim.requests[0]!.path, '/scope-management/graphql', 'me goes to scope management');
});

t.test('the rate limit applies per client, and pings bypass it', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { rateLimitPerMinute: 1, clients: { rateWindowMs: 1_500 } });
  // Each limited client gets one request start per 1.5 s window here: a second call on
  // the same client waits for the window, a call on another client must not.
  await within(2_000, clients.scopes.byId('scope_confluence'));
  await within(2_000, clients.scopes.me());
  await within(2_000, clients.fileDiff.diff({ partialKey: 'acme/1_A', sourceKind: 'ATLASSIAN_CONFLUENCE_CLOUD', sourceName: 'https://acme.atlassian.net', fileList: [] }));
  await within(2_000, clients.ping());
  t.equal(sim.requests.length, 5);
  const blocked = clients.scopes.byId('scope_root').then(() => 'done');
  t.equal(await Promise.race([blocked, new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]), 'waiting', 'the ingestion client waits for its next slot');
  t.equal(await blocked, 'done', 'and goes once the window has passed');
});
