/**
 * Unique platform simulator: a real node:http server on 127.0.0.1, port 0, speaking
 * the wire contract in /work/shared/contracts/unique-api.md (§13 "Minimum simulator").
 *
 *   const unique = await startUniqueSimulator({ authMode: 'cluster_local' });
 *   // point the connector at unique.ingestionBaseUrl / unique.scopeManagementBaseUrl
 *   unique.state.contents(); unique.requests; await unique.close();
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auth } from './auth.js';
import { Faults } from './faults.js';
import { createHandler, INGESTION_PATH, SCOPE_MANAGEMENT_PATH, TOKEN_PATH } from './server.js';
import { SlidingWindowLimit } from '../sliding-window.js';
import { Store } from './store.js';
import type { RequestLogEntry, SimulatorOptions, UniqueScenario, UniqueSimulator } from './types.js';

export type * from './types.js';
export { DEFAULT_ZITADEL } from './auth.js';
export { DEFAULT_SCOPES } from './store.js';

const DEFAULT_KEEP_BYTES = 2 * 1024 * 1024;

export async function startUniqueSimulator(
  scenarioInput: Partial<UniqueScenario> & { authMode: UniqueScenario['authMode'] },
  options: SimulatorOptions = {},
): Promise<UniqueSimulator> {
  const scenario: UniqueScenario = { companyId: 'company_1', serviceUserId: 'user_service', ...scenarioInput };
  const requests: RequestLogEntry[] = [];
  const timers = new Map<NodeJS.Timeout, () => void>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.set(timer, fn);
  };
  const runDelayed = (): number => {
    const due = [...timers];
    for (const [timer, fn] of due) {
      clearTimeout(timer);
      timers.delete(timer);
      fn();
    }
    return due.length;
  };

  // The store needs the listening origin (write URLs carry it), so the handler binds late.
  let handler: ReturnType<typeof createHandler> | undefined;
  const server = createServer((req, res) => handler!(req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ingestionBaseUrl = `${origin}${INGESTION_PATH}`;

  const close = async () => {
    for (const timer of timers.keys()) clearTimeout(timer);
    timers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  let store: Store;
  try {
    store = new Store(scenario, ingestionBaseUrl);
  } catch (error) {
    await close();
    throw error;
  }
  const auth = new Auth(scenario, store.users);
  const faults = new Faults(options.seed ?? 1);
  const limited = [`${INGESTION_PATH}/graphql`, `${SCOPE_MANAGEMENT_PATH}/graphql`, `${INGESTION_PATH}/v2/content/file-diff`];
  const perMinute = options.strictRateLimitPerMinute;
  const windows = new Map(perMinute === undefined ? [] : limited.map((path) => [path, new SlidingWindowLimit(perMinute, options.rateLimitWindowMs)]));
  handler = createHandler({
    store,
    auth,
    faults,
    log: requests,
    latencyMs: options.latencyMs ?? 0,
    keepBytesUpTo: options.keepBytesUpTo ?? DEFAULT_KEEP_BYTES,
    ingestionDelayMs: options.ingestionDelayMs ?? 0,
    later,
    rateLimit: (path) => windows.get(path),
  });

  return {
    origin,
    ingestionBaseUrl,
    scopeManagementBaseUrl: `${origin}${SCOPE_MANAGEMENT_PATH}`,
    zitadelTokenUrl: `${origin}${TOKEN_PATH}`,
    scenario,
    state: store.stateApi(),
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    expireTokens: () => auth.expireTokens(),
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    runDelayed,
    close,
  };
}
