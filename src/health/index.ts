import type { TenantConfig } from '../config/types.js';
import type { ConfluenceAuthProbe } from './confluence-auth.js';
import { ConnectivityProbe, type TenantConnectivity } from './connectivity.js';
import { SyncHistory, type SyncHealth } from './sync-history.js';
import { UniqueProbe, type TenantUniqueApi } from './unique-api.js';

export { SyncHistory, NO_SYNC_RECORDS, type SyncHealth, type SyncRun } from './sync-history.js';
export { ConnectivityProbe } from './connectivity.js';
export { UniqueProbe } from './unique-api.js';
export { ConfluenceAuthProbe } from './confluence-auth.js';

/** The `code` values of the health indicators beyond connector error codes (docs/runbook.md explains them). */
export const HEALTH_CODES = ['AUTH_FAILURE', 'TIMEOUT'] as const;

/**
 * `GET /health`, in the style of NestJS Terminus: an overall status, the indicators
 * that are up (`info`) and down (`error`), and all of them (`details`). The vendor's
 * exact shape was not available; this one is documented in the README.
 */
export interface HealthReport {
  status: 'up' | 'down';
  info: Partial<Indicators>;
  error: Partial<Indicators>;
  details: Indicators;
}

export interface Indicators {
  sync: SyncHealth;
  connectivity: { status: 'up' | 'down'; tenants: Record<string, TenantConnectivity> };
  uniqueApi: { status: 'up' | 'down'; tenants: Record<string, TenantUniqueApi> };
}

export interface HealthServiceOptions {
  history: SyncHistory;
  /** Tenants whose Confluence is checked: the active ones. */
  connectivityTenants: readonly TenantConfig[];
  connectivity: ConnectivityProbe;
  /** One probe per tenant that talks to Unique (active and deleted). */
  uniqueProbes: ReadonlyMap<string, UniqueProbe>;
  /** One per active tenant: are its Confluence credentials accepted? Part of `connectivity`. */
  confluenceAuthProbes?: ReadonlyMap<string, ConfluenceAuthProbe>;
}

export class HealthService {
  readonly #options: HealthServiceOptions;

  constructor(options: HealthServiceOptions) {
    this.#options = options;
  }

  async check(): Promise<HealthReport> {
    const { history, connectivity, connectivityTenants, uniqueProbes, confluenceAuthProbes } = this.#options;
    const reach = async (tenant: TenantConfig): Promise<TenantConnectivity> => {
      const auth = confluenceAuthProbes?.get(tenant.name);
      const [network, credentials] = await Promise.all([connectivity.check(tenant), auth?.check()]);
      if (!credentials) return network;
      // Reachable but refused (an authenticated 401/403) is not healthy: the sync cannot read anything.
      return { ...network, status: network.status === 'up' && credentials.status === 'up' ? 'up' : 'down', credentials };
    };
    const [reachability, pings] = await Promise.all([
      Promise.all(connectivityTenants.map(async (tenant) => [tenant.name, await reach(tenant)] as const)),
      Promise.all([...uniqueProbes].map(async ([name, probe]) => [name, await probe.check()] as const)),
    ]);
    const details: Indicators = {
      sync: history.health(),
      connectivity: indicator(Object.fromEntries(reachability)),
      uniqueApi: indicator(Object.fromEntries(pings)),
    };
    const info: Partial<Indicators> = {};
    const error: Partial<Indicators> = {};
    for (const key of Object.keys(details) as (keyof Indicators)[]) {
      Object.assign(details[key].status === 'up' ? info : error, { [key]: details[key] });
    }
    return { status: Object.keys(error).length === 0 ? 'up' : 'down', info, error, details };
  }
}

function indicator<T extends { status: 'up' | 'down' }>(tenants: Record<string, T>): { status: 'up' | 'down'; tenants: Record<string, T> } {
  return { status: Object.values(tenants).every((tenant) => tenant.status === 'up') ? 'up' : 'down', tenants };
}
