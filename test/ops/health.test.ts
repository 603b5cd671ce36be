import t from 'tap';
import type { TenantConfig } from '../../src/config/types.js';
import { ConnectivityProbe, NO_SYNC_RECORDS, SyncHistory } from '../../src/health/index.js';
import { sendJson, startServer } from '../helpers/http-servers.js';

const run = (result: 'succeeded' | 'failed') => ({ result, at: new Date().toISOString(), durationMs: 10, ...(result === 'failed' ? { code: 'X' } : {}) });

t.test('the sync window keeps the last N runs and is down above the failure ratio', async (t) => {
  const history = new SyncHistory({ windowSize: 3, failureThreshold: 0.5 });
  history.register('acme');
  t.equal(history.health().message, NO_SYNC_RECORDS);
  t.equal(history.health().tenants.acme?.message, NO_SYNC_RECORDS);
  t.equal(history.health().status, 'up');
  history.record('acme', run('failed'));
  t.equal(history.health().tenants.acme?.status, 'down', 'one failure of one run is above 0.5');
  history.record('acme', run('succeeded'));
  t.equal(history.health().tenants.acme?.status, 'up', '1 of 2 is not above 0.5');
  history.record('acme', run('failed'));
  history.record('acme', run('failed'));
  const acme = history.health().tenants.acme!;
  t.equal(acme.runs, 3, 'the window slides');
  t.equal(acme.failures, 2);
  t.equal(acme.status, 'down');
  t.equal(acme.lastErrorCode, 'X');
  history.record('acme', run('succeeded'));
  history.record('acme', run('succeeded'));
  t.equal(history.health().tenants.acme?.status, 'up', 'recovers as failures leave the window');
});

t.test('connectivity counts any HTTP answer as reachable and a refused connection as not', async (t) => {
  const server = await startServer((_req, res) => sendJson(res, 401, { message: 'who are you' }));
  t.teardown(() => server.close());
  const closed = await startServer((_req, res) => sendJson(res, 200, {}));
  await closed.close();
  const probe = new ConnectivityProbe({ timeoutMs: 1000, env: { ATLASSIAN_API_BASE_URL: closed.url } });
  t.teardown(() => probe.close());
  const dc = { confluence: { instanceType: 'data-center', baseUrl: server.url } } as TenantConfig;
  const dcHealth = await probe.check(dc);
  t.equal(dcHealth.status, 'up');
  t.equal(dcHealth.confluence.httpStatus, 401);
  t.equal(server.received[0]?.headers.authorization, undefined, 'sent without credentials');
  const cloud = { confluence: { instanceType: 'cloud', baseUrl: server.url } } as TenantConfig;
  const cloudHealth = await probe.check(cloud);
  t.equal(cloudHealth.status, 'down', 'a Cloud tenant also needs the Atlassian API');
  t.equal(cloudHealth.atlassianApi?.reachable, false);
  t.ok(cloudHealth.atlassianApi?.error);
});
