import type { ParseArgsConfig } from 'node:util';

/** What a command gets: its parsed flags and positionals, and where to write. */
export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer help: one line per flag. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
  /** Resolves to the process exit code. */
  run(context: CommandContext): Promise<number>;
}
