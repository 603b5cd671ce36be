import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Holds a resolved secret. Every way a value gets printed (JSON, util.inspect,
 * template strings, String()) yields `[redacted]`; only `reveal()` gives the value,
 * and only the code that puts it on the wire calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    remember(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

export { REDACTED };

/*
 * The values of every Secret created in this process, newest last. The log stream
 * scrubs them from free text as a last line of defence, so a secret that reaches a
 * message by mistake (an echoed error body, say) still never reaches a log line.
 * Bounded, because OAuth tokens are refreshed for as long as the process lives.
 */
const MAX_REMEMBERED = 2048;
const MIN_SCRUB_LENGTH = 6;
const remembered = new Set<string>();

/**
 * The spellings a secret takes on the wire: as is, base64 (Basic headers, JWT parts),
 * base64url, percent-encoded and form-encoded. An error body that echoes a request
 * back shows any of them, so each one is scrubbed (the reliability tests found base64
 * forms of a PAT and a client secret in an HTTP error excerpt).
 */
export function secretSpellings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set([value, bytes.toString('base64'), bytes.toString('base64url'), encodeURIComponent(value), new URLSearchParams({ s: value }).toString().slice(2)]);
  return [...forms];
}

function remember(value: string): void {
  if (value.length < MIN_SCRUB_LENGTH) return;
  for (const form of secretSpellings(value)) {
    remembered.delete(form);
    remembered.add(form);
  }
  while (remembered.size > MAX_REMEMBERED) {
    const oldest = remembered.values().next().value;
    if (oldest === undefined) break;
    remembered.delete(oldest);
  }
}

export function knownSecretValues(): Iterable<string> {
  return remembered;
}

