import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { HttpClient } from '../../src/http/client.js';
import { GraphqlClient, sanitizeMessage } from '../../src/unique/graphql.js';
import { setup } from './support/unique-setup.js';

t.test('a resolver error carries the operation and the statusCode of errors[0]', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  sim.faults.add({ operation: 'updateScope', status: 409, graphqlError: 'externalId already in use', times: 2 });
  const error = await clients.scopes.updateExternalId('scope_confluence', 'confc:cloud:x').catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_GRAPHQL_ERROR'));
  if (!isConnectorError(error)) return;
  t.equal(error.details.operation, 'UpdateScope');
  t.equal(error.details.status, 409);
  t.equal(error.details.httpStatus, 200);
});

t.test('a malformed document (HTTP 400) fails with UNIQUE_GRAPHQL_ERROR and is not retried', async (t) => {
  const { sim } = await setup(t, 'cluster_local');
  const http = new HttpClient({ target: 'test', retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5 } });
  t.teardown(() => http.close());
  const client = new GraphqlClient({ http, baseUrl: sim.ingestionBaseUrl, auth: { headers: async () => ({ 'x-company-id': 'company_1', 'x-user-id': 'user_service' }) } });
  const { type, string } = await import('superstruct');
  const error = await client.query('Broken', 'query Broken { paginatedScope(', {}, type({ x: string() })).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_GRAPHQL_ERROR'));
  if (isConnectorError(error)) t.equal(error.details.httpStatus, 400);
  t.equal(sim.requests.length, 1, 'sent once');
});

t.test('read-only queries are retried on 5xx and 429, mutations at most once', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  sim.faults.add({ operation: 'paginatedScope', status: 503, httpStatus: 503, times: 1 });
  sim.faults.add({ operation: 'paginatedScope', status: 429, httpStatus: 429, retryAfter: 0, after: 1, times: 1 });
  const scope = await clients.scopes.byId('scope_confluence');
  t.equal(scope?.name, 'Confluence', 'the query succeeded on the third attempt');
  t.equal(sim.requests.filter((r) => r.operation === 'paginatedScope').length, 3);

  sim.clearRequests();
  sim.faults.add({ operation: 'updateScope', status: 502, httpStatus: 502, times: 5 });
  const error = await clients.scopes.updateExternalId('scope_confluence', 'confc:cloud:x').catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_GRAPHQL_ERROR'));
  if (isConnectorError(error)) t.equal(error.details.status, 502);
  t.equal(sim.requests.filter((r) => r.operation === 'updateScope').length, 2, 'one try and one retry');
});

t.test('an errors entry without statusCode reports status 0', async (t) => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: null, errors: [{ message: 'something broke' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const http = new HttpClient({ target: 'test' });
  t.teardown(async () => {
    await http.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const client = new GraphqlClient({ http, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/base/`, auth: { headers: async () => ({}) } });
  t.equal(client.url.endsWith('/base/graphql'), true, 'the base path is kept, without a double slash');
  const { type, string } = await import('superstruct');
  const error = await client.query('Thing', 'query Thing { thing }', {}, type({ thing: string() })).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_GRAPHQL_ERROR'));
  if (isConnectorError(error)) {
    t.equal(error.details.status, 0);
    t.equal(error.details.operation, 'Thing');
  }
});

t.test('bulkMove errors never put file names into the message', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  sim.faults.add({ operation: 'bulkMove', status: 400, graphqlError: 'Cannot move scopes: files locked (Salaries 2025.xlsx, Board (draft).pdf)', times: 2 });
  const error = await clients.scopes.bulkMove(['scope_confluence'], 'scope_root').catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_GRAPHQL_ERROR'));
  if (!isConnectorError(error)) return;
  t.notMatch(error.message, /Salaries|Board|draft/);
  t.notMatch(JSON.stringify(error.details), /Salaries|Board|draft/);
  t.match(error.message, /files locked/);
});

t.test('sanitizeMessage cuts nested and unclosed parenthesised lists', async (t) => {
  t.equal(sanitizeMessage('failed (a.pdf, b (1).pdf) now'), 'failed (…) now');
  t.equal(sanitizeMessage('failed for (a.pdf, b.p'), 'failed for (…');
  t.equal(sanitizeMessage('no lists here'), 'no lists here');
});

t.test('ping asks for __typename on both endpoints', async (t) => {
  const { sim, clients } = await setup(t, 'external');
  await clients.ping();
  const pings = sim.requests.filter((r) => r.path.endsWith('/graphql'));
  t.same(pings.map((r) => r.path).sort(), ['/ingestion/graphql', '/scope-management/graphql']);
});
