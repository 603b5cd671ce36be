import { basename } from 'node:path';
import type { ConfluenceConfig, CredentialSource, UniqueConfig } from '../config/types.js';

/**
 * The "what to check" of an authentication failure: the tenant fields that hold the
 * credential and, for each, the environment variable its `os.environ/` reference names
 * (never a value). An operator reading `CONFLUENCE_AUTH_FAILED` at 3 a.m. then knows
 * which key of which Secret to look at, without opening the code.
 */

function describe(paths: readonly string[], source: CredentialSource | undefined): string {
  const fields = paths.map((path) => {
    const variable = source?.env[path];
    return variable === undefined ? path : `${path} (environment variable ${variable})`;
  });
  const where = source ? ` in ${basename(source.file)}` : '';
  return `check ${fields.join(', ')}${where}`;
}

/** The fields Confluence authenticates with, by auth mode. */
export function confluenceCredentialFields(config: Pick<ConfluenceConfig, 'auth'>): string[] {
  return config.auth.mode === 'pat' ? ['confluence.auth.token'] : ['confluence.auth.clientId', 'confluence.auth.clientSecret'];
}

export function confluenceCredentialHint(config: Pick<ConfluenceConfig, 'auth' | 'credentialSource'>): string {
  return describe(confluenceCredentialFields(config), config.credentialSource);
}

/** External mode: the Zitadel service user. cluster_local sends headers instead (`x-company-id`, `x-user-id`). */
export function uniqueCredentialHint(config: UniqueConfig): string {
  if (config.serviceAuthMode === 'external') {
    return describe(['unique.zitadelClientId', 'unique.zitadelClientSecret', 'unique.zitadelProjectId', 'unique.zitadelOauthTokenUrl'], config.credentialSource);
  }
  return describe(['unique.serviceExtraHeaders.x-company-id', 'unique.serviceExtraHeaders.x-user-id'], config.credentialSource);
}
