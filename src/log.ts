import bunyan from 'bunyan';
import { Writable } from 'node:stream';
import { REDACTED, isSecret, knownSecretValues } from './secret.js';

export type Logger = bunyan;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type DiagnosticsPolicy = 'conceal' | 'disclose';

const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** Keys whose values are always redacted, wherever they sit in a log record. */
const SECRET_KEY = /(authorization|token|secret|password|passwd|cookie|api[-_]?key|credential|private[-_]?key)/i;
/** Keys whose values are personal or business data: masked under the conceal policy. */
const DIAGNOSTIC_KEY = /^(title|pageTitle|spaceName|email|userName|username|displayName|user|author|filename|fileName)$/i;
/** Keys that look secret-like but carry counts or names, not secrets. */
const SAFE_KEY = /^(tokenExpiresInSeconds|tokenEndpoint|tokenCached|secretName|authMode)$/;

export interface LoggerOptions {
  level?: string;
  stream?: NodeJS.WritableStream;
  policy?: string;
  name?: string;
}

export function parseLogLevel(value: string | undefined): LogLevel {
  const level = (value ?? 'info').toLowerCase();
  return (LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : 'info';
}

export function parsePolicy(value: string | undefined): DiagnosticsPolicy {
  return value?.toLowerCase() === 'disclose' ? 'disclose' : 'conceal';
}

/**
 * The root logger. Records go through a raw stream that redacts them deeply before
 * serialising, because bunyan serializers only see top-level fields.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const policy = parsePolicy(options.policy ?? process.env.LOGS_DIAGNOSTICS_DATA_POLICY);
  const out = options.stream ?? process.stdout;
  return bunyan.createLogger({
    name: options.name ?? 'confluence-connector',
    level: parseLogLevel(options.level ?? process.env.LOG_LEVEL),
    serializers: { err: bunyan.stdSerializers.err },
    streams: [{ type: 'raw', level: parseLogLevel(options.level ?? process.env.LOG_LEVEL), stream: redactingStream(out, policy) }],
  });
}

export function tenantLogger(root: Logger, tenant: string): Logger {
  return root.child({ tenant });
}

export function stageLogger(parent: Logger, stage: string): Logger {
  return parent.child({ stage });
}

function redactingStream(out: NodeJS.WritableStream, policy: DiagnosticsPolicy): Writable {
  return new Writable({
    objectMode: true,
    write(record: Record<string, unknown>, _encoding, callback) {
      out.write(JSON.stringify(redactRecord(record, policy)) + '\n');
      callback();
    },
  });
}

/** Returns a redacted deep copy of a log record. Exported for tests. */
export function redactRecord(record: Record<string, unknown>, policy: DiagnosticsPolicy): Record<string, unknown> {
  return redactValue(record, policy, undefined, new WeakSet()) as Record<string, unknown>;
}

function redactValue(value: unknown, policy: DiagnosticsPolicy, key: string | undefined, seen: WeakSet<object>): unknown {
  if (isSecret(value)) return REDACTED;
  if (key !== undefined && SECRET_KEY.test(key) && !SAFE_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'boolean' && typeof value !== 'number') {
    return REDACTED;
  }
  if (typeof value === 'string') {
    const scrubbed = scrubKnownSecrets(value);
    return key !== undefined && policy === 'conceal' && DIAGNOSTIC_KEY.test(key) ? maskDiagnostic(scrubbed) : scrubbed;
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, policy, key, seen));
  const copy: Record<string, unknown> = {};
  for (const [childKey, child] of Object.entries(value)) {
    copy[childKey] = redactValue(child, policy, childKey, seen);
  }
  return copy;
}

/** Replaces any resolved secret value that slipped into a free-text string. */
function scrubKnownSecrets(text: string): string {
  let result = text;
  for (const secret of knownSecretValues()) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/**
 * Keeps the last four characters and the word shape: "John Smith" -> "**** *mith",
 * enough for an operator to recognise a value they already know, not to learn one.
 */
export function maskDiagnostic(text: string): string {
  const keep = Math.min(4, Math.floor(text.length / 2));
  const cut = text.length - keep;
  return text.slice(0, cut).replace(/\S/g, '*') + text.slice(cut);
}
