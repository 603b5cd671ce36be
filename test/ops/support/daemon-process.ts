/*
 * Runs the real CLI (`node --import tsx src/cli.ts start`) in a child process against
 * simulators living in the test process, with tenant files in a temp dir whose URLs
 * come from the environment (as config/demo does). Log lines are parsed as they come.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TenantFile {
  name: string;
  cron: string;
  /** Prefix of the env vars holding this tenant's URLs and user id. */
  env: string;
  status?: 'active' | 'inactive' | 'deleted';
  concurrency?: number;
  /** More `processing:` lines, e.g. `maxPageBodyMb: 2`. */
  processing?: string[];
}

/** A DC + PAT tenant in cluster_local mode; every URL and the user id come from `${env}_*` variables. */
export function tenantYaml(tenant: TenantFile): string {
  const e = tenant.env;
  return [
    `status: ${tenant.status ?? 'active'}`,
    'confluence:',
    '  instanceType: data-center',
    `  baseUrl: os.environ/${e}_CONFLUENCE_URL`,
    '  auth:',
    '    mode: pat',
    `    token: os.environ/${e}_PAT`,
    '  apiRateLimitPerMinute: 60000',
    '  ingestSingleLabel: ai-ingest',
    '  ingestAllLabel: ai-ingest-all',
    'unique:',
    '  serviceAuthMode: cluster_local',
    '  serviceExtraHeaders:',
    '    x-company-id: company_1',
    `    x-user-id: os.environ/${e}_USER`,
    `  ingestionServiceBaseUrl: os.environ/${e}_INGESTION_URL`,
    `  scopeManagementServiceBaseUrl: os.environ/${e}_SCOPE_URL`,
    '  apiRateLimitPerMinute: 60000',
    'processing:',
    `  concurrency: ${tenant.concurrency ?? 2}`,
    `  scanIntervalCron: "${tenant.cron}"`,
    ...(tenant.processing ?? []).map((line) => `  ${line}`),
    'ingestion:',
    `  scopeId: scope_${tenant.name.replace(/-/g, '_')}`,
    '',
  ].join('\n');
}

export function writeTenants(tenants: TenantFile[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfc-daemon-'));
  for (const tenant of tenants) writeFileSync(join(dir, `${tenant.name}-tenant-config.yaml`), tenantYaml(tenant));
  return join(dir, '*-tenant-config.yaml');
}

export type LogLine = Record<string, unknown> & { msg?: string; tenant?: string };

export interface DaemonProcess {
  child: ChildProcess;
  logs: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (seen so far or later) that matches. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  count(match: (line: LogLine) => boolean): number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  port(): Promise<number>;
  get(path: string): Promise<{ status: number; text: string }>;
  kill(): void;
}

export function startDaemonProcess(env: NodeJS.ProcessEnv): DaemonProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: 'unparsed', line });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal, at: Date.now() });
      for (const wake of waiters) wake();
    });
  });
  const waitFor = (match: (line: LogLine) => boolean, timeoutMs = 20_000, what = 'a log line') =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (found) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null) {
          cleanup();
          reject(new Error(`daemon exited (${child.exitCode}) before ${what}; stderr: ${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; last lines: ${JSON.stringify(logs.slice(-5).map((l) => l.msg))}; stderr: ${stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const port = async () => Number((await waitFor((line) => line.msg === 'HTTP server listening', 30_000, 'the HTTP server')).port);
  return {
    child,
    logs,
    stderr: () => stderr,
    waitFor,
    count: (match) => logs.filter(match).length,
    exited,
    port,
    get: async (path) => {
      const response = await fetch(`http://127.0.0.1:${await port()}${path}`);
      return { status: response.status, text: await response.text() };
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
