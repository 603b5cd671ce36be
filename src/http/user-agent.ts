/**
 * `User-Agent: confluence-connector/{version}` on every request the connector sends,
 * to Confluence and to Unique, token requests and uploads included: Atlassian asks
 * integrations to identify themselves. The version lives in one place, package.json,
 * which sits two levels above this module both in src/ and in the built dist/.
 */
import { readFileSync } from 'node:fs';

const PRODUCT = 'confluence-connector';

function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    if (typeof manifest.version === 'string' && manifest.version.trim() !== '') return manifest.version.trim();
  } catch {
    // A relocated build without its package.json still identifies the product.
  }
  return 'unknown';
}

export const USER_AGENT = `${PRODUCT}/${packageVersion()}`;
