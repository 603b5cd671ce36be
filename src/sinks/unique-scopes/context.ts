import type { TenantConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { UniqueClients } from '../../unique/client.js';

/** What every scope flow works with: one tenant's clients, its config and its logger. */
export interface ScopeFlowContext {
  clients: Pick<UniqueClients, 'scopes' | 'content'>;
  tenant: TenantConfig;
  /** The tenant logger; each flow derives its `unique-scopes` stage logger from it. */
  log: Logger;
}

export const STAGE = 'unique-scopes';
