import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConnectorError, errorCode, errorMessage } from './errors.js';
import type { HealthService } from './health/index.js';
import type { Logger } from './log.js';

/**
 * The daemon's HTTP face: `GET /probe` (liveness and readiness: the process answers),
 * `GET /health` (200 or 503 with the indicators) and `GET /metrics` (Prometheus text).
 * Plain node:http: three read-only routes need no framework.
 */

export const DEFAULT_PORT = 51349;
export const DEFAULT_HOST = '0.0.0.0';

export interface ServerOptions {
  port: number;
  host: string;
  health: HealthService;
  registry: Registry;
  logger: Logger;
}

export interface OpsServer {
  /** The port actually bound (differs from the option when it was 0). */
  port: number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<OpsServer> {
  const { health, registry, logger } = options;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    if (path === '/probe') return send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => send(res, 200, registry.contentType, text),
        (error: unknown) => {
          logger.error({ code: errorCode(error), error: errorMessage(error) }, 'Metrics could not be rendered');
          send(res, 500, 'text/plain', 'metrics unavailable\n');
        },
      );
      return;
    }
    if (path === '/health') {
      health.check().then(
        (report) => send(res, report.status === 'up' ? 200 : 503, 'application/json', JSON.stringify(report)),
        (error: unknown) => {
          logger.error({ code: errorCode(error), error: errorMessage(error) }, 'Health check failed unexpectedly');
          send(res, 503, 'application/json', JSON.stringify({ status: 'down', error: { health: errorMessage(error) } }));
        },
      );
      return;
    }
    send(res, 404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ port, host: options.host }, 'HTTP server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections of a scraper would hold close() open until they idle out.
        server.closeAllConnections();
      }),
  };
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/** PORT and HOST from the environment; a malformed PORT is an error, not a silent default. */
export function listenAddress(env: NodeJS.ProcessEnv): { port: number; host: string } {
  const raw = env.PORT?.trim();
  const port = raw === undefined || raw === '' ? DEFAULT_PORT : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConnectorError('CONFIG_INVALID', `PORT must be a port number between 0 and 65535, got ${JSON.stringify(raw)}`);
  return { port, host: env.HOST?.trim() || DEFAULT_HOST };
}
