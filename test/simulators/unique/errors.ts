/**
 * Resolver failures and input checks. A SimError becomes a GraphQL error entry with
 * `extensions.response.statusCode` (§3) or, on REST routes, the HTTP status.
 */
export class SimError extends Error {
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.name = 'SimError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

export const badInput = (message: string) => new SimError(400, 'BAD_USER_INPUT', message);
export const notFound = (message: string) => new SimError(404, 'NOT_FOUND', message);
export const conflict = (message: string) => new SimError(409, 'CONFLICT', message);

export function graphqlErrorBody(error: SimError, path?: string) {
  return {
    data: null,
    errors: [
      {
        message: error.message,
        ...(path === undefined ? {} : { path: [path] }),
        extensions: { code: error.code, response: { statusCode: error.statusCode, message: error.message } },
      },
    ],
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw badInput(`${name} must be a non-empty string`);
  return value;
}

export function requireCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw badInput(`${name} must be a non-negative integer`);
  }
  return value;
}

export function requireRecord(value: unknown, name: string): Record<string, unknown> {
  if (!isRecord(value)) throw badInput(`${name} must be an object`);
  return value;
}

export function requireStringArray(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw badInput(`${name} must be a list of strings`);
  }
  return value;
}

export function optionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badInput(`${name} must be a string`);
  return value;
}

export function optionalBoolean(value: unknown, name: string): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw badInput(`${name} must be a boolean`);
  return value;
}

/** Rejects filter keys the simulator does not implement, so a client never gets a silently wrong answer. */
export function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], name: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw badInput(`${name}.${key} is not supported by the simulator`);
  }
}
