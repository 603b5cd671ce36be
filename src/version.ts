import { readFileSync } from 'node:fs';

/**
 * The connector's version, from the package.json next to `src/` (tests, tsx) or `dist/`
 * (the image copies package.json to /app): one source for `--version` and `cfc_build_info`.
 */
let cached: string | undefined;

export function connectorVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
