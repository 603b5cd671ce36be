import { validate as validateCron } from 'node-cron';

/**
 * The rule a scalar field's value must follow. One rule serves both steps: the
 * schema checks literal YAML values with it, and resolution checks values that came
 * from `os.environ/NAME` with the same function, so both give the same verdict and
 * the same "expected …" wording.
 */
export interface Rule<T = unknown> {
  /** Completes "expected …" in messages, e.g. "a positive integer". */
  readonly expected: string;
  /** The normalised value (numeric strings to numbers, media types lower-cased), or undefined when the value breaks the rule. */
  parse(value: unknown): { value: T } | undefined;
  /** The JSON Schema of a literal value, for `config/tenant-config.schema.json` and its test. */
  readonly jsonSchema: Record<string, unknown>;
  /**
   * A specific reason a value breaks the rule, worded without the value (which may hold
   * a credential), used instead of "expected …, got …" when it applies.
   */
  explain?(value: unknown): string | undefined;
}

/** `os.environ/NAME`: the value comes from the environment at load time. */
export const ENV_REF_PATTERN = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;
export const ENV_REF_PREFIX = 'os.environ/';

export function envRefName(value: unknown): string | undefined {
  return typeof value === 'string' ? ENV_REF_PATTERN.exec(value)?.[1] : undefined;
}

/** A string that starts like a reference but is not one is a typo, never a literal value. */
export function isMalformedEnvRef(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(ENV_REF_PREFIX) && envRefName(value) === undefined;
}

const ok = <T>(value: T): { value: T } => ({ value });

function stringRule(expected: string, pattern: RegExp, extra?: (s: string) => boolean): Rule<string> {
  return {
    expected,
    parse: (value) =>
      typeof value === 'string' && pattern.test(value) && !value.startsWith(ENV_REF_PREFIX) && (extra?.(value) ?? true)
        ? ok(value)
        : undefined,
    jsonSchema: { type: 'string', pattern: `^(?!os\\.environ/)${pattern.source.replace(/^\^/, '')}` },
  };
}

export const nonEmptyString = stringRule('a non-empty string', /^[\s\S]*\S[\s\S]*$/);

/** Confluence labels never contain white space; a label with a space could never match a page. */
export const label = stringRule('a Confluence label (non-empty, no spaces)', /^\S+$/);

/**
 * Host, then non-empty path segments: rules out a trailing slash and `//` in the path,
 * and user info (`user:password@host`): a password there would travel in every content
 * `url` and `sourceName` sent to Unique, and in every log line naming the URL.
 */
const URL_PATTERN = /^https?:\/\/[^\s/?#@]+(\/[^\s/?#]+)*$/;
export const url: Rule<string> = {
  ...stringRule('a URL without a trailing slash', URL_PATTERN, (s) => URL.canParse(s)),
  explain: (value) => (typeof value === 'string' && hasUserInfo(value) ? USER_INFO_PROBLEM : undefined),
};

export const USER_INFO_PROBLEM = 'must not contain user info (user:password@ before the host; the value is not shown); credentials belong in the auth fields, from os.environ/';

/** `https://user:pw@host/…`: an `@` before the end of the authority. */
export function hasUserInfo(value: string): boolean {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value)?.[1];
  return authority !== undefined && authority.includes('@');
}

export const cron = stringRule('a cron expression', /^\s*\S+(\s+\S+){4,5}\s*$/, (s) => validateCron(s));

/** RFC 6838 type/subtype names, no parameters. */
const MIME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;
export const mimeType: Rule<string> = {
  ...stringRule('a media type like type/subtype', MIME_PATTERN),
  parse: (value) =>
    typeof value === 'string' && MIME_PATTERN.test(value) ? ok(value.toLowerCase()) : undefined,
};

/** Lower-case tokens (RFC 9110), as HTTP/2 sends them; keeps the required-header check exact. */
export const headerName = stringRule('a lower-case HTTP header name', /^[a-z0-9!#$%&'*+.^_`|~-]+$/);

/** The vendor coerces numeric strings, so `"100"` counts as 100. */
export const positiveInteger: Rule<number> = {
  expected: 'a positive integer',
  parse: (value) => {
    const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? ok(n) : undefined;
  },
  jsonSchema: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^(?=[0-9]*[1-9])[0-9]+$' }] },
};

export const positiveNumber: Rule<number> = {
  expected: 'a positive number',
  parse: (value) => {
    const n = typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) && n > 0 ? ok(n) : undefined;
  },
  jsonSchema: {
    anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'string', pattern: '^(?=[0-9.]*[1-9])[0-9]+(\\.[0-9]+)?$' }],
  },
};

export function oneOf<const T extends string>(values: readonly T[]): Rule<T> {
  return {
    expected: values.length === 1 ? String(values[0]) : `one of ${values.join(', ')}`,
    parse: (value) => ((values as readonly unknown[]).includes(value) ? ok(value as T) : undefined),
    jsonSchema: { type: 'string', enum: [...values] },
  };
}

/** "got …" for messages: short, and never the value of a secret field. */
export function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (secret) return typeof value === 'string' ? (value.trim() === '' ? 'a blank string' : 'a string (not shown)') : `a ${typeof value}`;
  if (typeof value === 'string') {
    if (hasUserInfo(value)) return 'a URL with user info (not shown)';
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}
