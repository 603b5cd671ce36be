#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { errorCode, errorMessage } from './errors.js';
import { connectorVersion } from './version.js';
import type { Command, CommandContext } from './commands/command.js';
import { validateCommand } from './commands/validate.js';
import { syncCommand } from './commands/sync.js';
import { dumpCommand } from './commands/dump.js';
import { explainCommand } from './commands/explain.js';
import { startCommand } from './commands/start.js';

const COMMANDS: readonly Command[] = [startCommand, syncCommand, dumpCommand, validateCommand, explainCommand];

const USAGE = [
  'usage: confluence-connector <command> [flags]',
  '',
  'commands:',
  ...COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`),
  '',
  'Run "confluence-connector <command> --help" for the flags of a command,',
  '"confluence-connector --version" for the version. Error codes: docs/runbook.md.',
].join('\n');

/** `confluence-connector 0.1.0 (node v24.11.0)`: what runs, for bug reports and `kubectl exec` checks. */
export function versionLine(): string {
  return `confluence-connector ${connectorVersion()} (node ${process.version})`;
}

export interface CliIo {
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/**
 * Runs one CLI invocation and resolves to its exit code. Errors are printed as one
 * plain line, never as a stack trace: the operator needs the file and field, not
 * our call stack. Usage errors exit 2.
 */
export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? stderr : stdout).write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    stdout.write(`${versionLine()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    stderr.write(`confluence-connector: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    stderr.write(`confluence-connector ${command.name}: ${errorMessage(error)}\nusage: ${command.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    stdout.write(`usage: ${command.usage}\n\n${command.summary}\n\n${command.help}\n`);
    return 0;
  }
  const context: CommandContext = { values: parsed.values, positionals: parsed.positionals, env, stdout, stderr };
  try {
    return await command.run(context);
  } catch (error) {
    const code = errorCode(error);
    stderr.write(`confluence-connector ${command.name}: ${errorMessage(error)} [${code}]\n`);
    return code === 'USAGE' ? 2 : 1;
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * V8 lets the heap grow up to 4x its live set between full collections. At 20,000 pages
 * a cycle's live set is ~40 MB (the page records of the plan; nothing accumulates), but
 * the transient bodies and DOMs let the heap reach ~200 MB before a full GC, for a peak
 * RSS of ~257 MB. Growing by at most 20 % keeps the peak near what the live set needs,
 * for a few more (short) full collections. `--max-old-space-size` cannot be lowered once
 * the process runs; this growth factor is read at every GC, so the CLI sets it itself.
 * An operator's own `node --heap-growing-percent=N` wins (0: V8's default).
 */
export const HEAP_GROWING_PERCENT = 20;

function limitHeapGrowth(): void {
  // V8 does not accept this flag in NODE_OPTIONS, so only the command line can set it.
  const given = process.execArgv.some((flag) => /^--heap[-_]growing[-_]percent/.test(flag));
  if (!given) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

if (isMain()) {
  limitHeapGrowth();
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`confluence-connector: ${errorMessage(error)}\n`);
      process.exitCode = 1;
    },
  );
}
