import type { TenantConfig } from './config/types.js';
import { ConnectorError } from './errors.js';
import { ConfluenceAuthProbe, ConnectivityProbe, HealthService, SyncHistory, UniqueProbe } from './health/index.js';
import { proxyFromEnv } from './http/proxy.js';
import type { Logger } from './log.js';
import { requestMetrics } from './metrics/observers.js';
import { createMetrics, type ConnectorMetrics } from './metrics/registry.js';
import { progressIntervalFromEnv } from './progress.js';
import type { TerminalProgress } from './progress-bar.js';
import { Scheduler } from './scheduler.js';
import { startServer } from './server.js';
import { createTenantRuntime, type RuntimeTuning } from './tenant-runtime.js';
import { DEFAULT_GRACE_MS } from './daemon-grace.js';

/**
 * The long-running connector (`start`): every tenant scheduled, the HTTP server up.
 * Signals are the caller's business (the `start` command); this module only knows how
 * to start and how to stop gracefully, so tests can drive it without a process.
 */

export { DEFAULT_GRACE_MS };

export interface DaemonOptions {
  tenants: readonly TenantConfig[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  port: number;
  host: string;
  /** Default: PROGRESS_INTERVAL_SECONDS, else 30 s. */
  progressIntervalMs?: number;
  /** A progress bar (stderr is a terminal) instead of progress lines. */
  terminal?: TerminalProgress;
  tuning?: RuntimeTuning;
}

export interface Daemon {
  port: number;
  metrics: ConnectorMetrics;
  scheduler: Scheduler;
  /** Stops scheduling, waits up to `graceMs` for running cycles, then closes the server and clients. */
  stop(graceMs?: number): Promise<{ unfinished: string[] }>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { env, logger } = options;
  const metrics = createMetrics();
  const history = new SyncHistory({
    windowSize: positiveInteger(env.HEALTH_SYNC_HISTORY_SIZE, 'HEALTH_SYNC_HISTORY_SIZE', 5),
    failureThreshold: ratio(env.HEALTH_SYNC_TENANT_FAILURE_THRESHOLD, 'HEALTH_SYNC_TENANT_FAILURE_THRESHOLD', 0.5),
  });
  const timeoutMs = positiveInteger(env.HEALTH_CONNECTIVITY_TIMEOUT_MS, 'HEALTH_CONNECTIVITY_TIMEOUT_MS', 3000);
  const proxy = proxyFromEnv(env);
  const progressIntervalMs = options.progressIntervalMs ?? progressIntervalFromEnv(env);
  const scheduler = new Scheduler({ logger, metrics, history, progressIntervalMs, terminal: options.terminal });
  const connectivity = new ConnectivityProbe({ timeoutMs, env, dispatcher: proxy });
  const uniqueProbes = new Map<string, UniqueProbe>();
  const confluenceAuthProbes = new Map<string, ConfluenceAuthProbe>();
  const active: TenantConfig[] = [];

  for (const tenant of options.tenants) {
    if (tenant.status === 'inactive') {
      logger.info({ tenant: tenant.name }, 'Tenant inactive, not scheduled');
      continue;
    }
    const onRequest = requestMetrics(metrics, tenant.name);
    if (tenant.status === 'active') {
      active.push(tenant);
      confluenceAuthProbes.set(tenant.name, new ConfluenceAuthProbe(tenant, { timeoutMs, env, dispatcher: proxy, onRequest, logger }));
    }
    scheduler.add(tenant, createTenantRuntime(tenant, { logger, env, onRequest, tuning: options.tuning }));
    uniqueProbes.set(tenant.name, new UniqueProbe(tenant, { timeoutMs, dispatcher: proxy, onRequest }));
  }

  const health = new HealthService({ history, connectivity, connectivityTenants: active, uniqueProbes, confluenceAuthProbes });
  const server = await startServer({ port: options.port, host: options.host, health, registry: metrics.registry, logger });
  await scheduler.start();
  logger.info({ tenants: options.tenants.length, scheduled: uniqueProbes.size, port: server.port }, 'Connector started');

  return {
    port: server.port,
    metrics,
    scheduler,
    stop: async (graceMs = DEFAULT_GRACE_MS) => {
      logger.info({ graceMs }, 'Connector stopping');
      const result = await scheduler.stop(graceMs);
      if (result.unfinished.length > 0) logger.warn({ tenants: result.unfinished }, 'Cycles still running at the end of the grace period were abandoned');
      await Promise.all([server.close(), connectivity.close(), ...[...uniqueProbes.values(), ...confluenceAuthProbes.values()].map((probe) => probe.close())]);
      await proxy?.close();
      logger.info('Connector stopped');
      return result;
    },
  };
}

function positiveInteger(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new ConnectorError('CONFIG_INVALID', `${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

function ratio(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConnectorError('CONFIG_INVALID', `${name} must be a number between 0 and 1, got ${JSON.stringify(raw)}`);
  return value;
}
