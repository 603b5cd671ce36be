import { DEFAULT_GRACE_MS } from '../daemon-grace.js';
import { createLogger } from '../log.js';
import { TerminalProgress } from '../progress-bar.js';
import { isTerminal } from './terminal.js';
import type { Command } from './command.js';
import { logConfigWarnings, selectTenants } from './select-tenants.js';
import { listenForStop } from './stop-signals.js';


export const startCommand: Command = {
  name: 'start',
  summary: 'run as a daemon: every tenant on its cron schedule, with /probe, /health and /metrics',
  usage: 'confluence-connector start [--config GLOB]',
  help: [
    '  --config GLOB   tenant files (default: $TENANT_CONFIG_PATH_PATTERN)',
    '',
    'Refuses to start if any tenant file is invalid (the same messages as validate).',
    'Active tenants sync at start-up and then on processing.scanIntervalCron; deleted tenants',
    'run their clean-up on the same terms; inactive tenants are only validated.',
    'A running cycle logs "Sync progress" every $PROGRESS_INTERVAL_SECONDS (default 30; a bar on stderr',
    'instead when stderr is a terminal).',
    'HTTP on $HOST:$PORT (default 0.0.0.0:51349). SIGTERM or SIGINT stops gracefully within',
    `${(DEFAULT_GRACE_MS + 2000) / 1000} s and exits 0; a second signal exits at once.`,
  ].join('\n'),
  options: { config: { type: 'string' } },
  async run({ values, env, stdout, stderr }) {
    // Loaded here, not at start-up: the daemon (metrics, server, probes) is only this command's.
    const [{ startDaemon }, { listenAddress }] = await Promise.all([import('../daemon.js'), import('../server.js')]);
    const { tenants, problems, warnings } = await selectTenants({ config: values.config }, env);
    if (problems.length > 0) {
      for (const problem of problems) stderr.write(`${problem}\n`);
      return 1;
    }
    const { port, host } = listenAddress(env);
    const logger = createLogger({ stream: stdout, level: env.LOG_LEVEL, policy: env.LOGS_DIAGNOSTICS_DATA_POLICY });
    logConfigWarnings(logger, warnings);
    const terminal = isTerminal(stderr) ? new TerminalProgress(stderr as NodeJS.WriteStream) : undefined;
    const daemon = await startDaemon({ tenants, env, logger, port, host, terminal });

    await new Promise<void>((resolve) => {
      listenForStop(logger, () => {
        daemon.stop().then(
          () => resolve(),
          () => resolve(),
        );
      });
    });
    // A cycle abandoned at the deadline may still hold sockets open; they must not delay the exit.
    setTimeout(() => process.exit(0), 1000).unref();
    return 0;
  },
};
