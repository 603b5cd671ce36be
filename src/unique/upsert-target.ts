import type { TenantConfig } from '../config/types.js';
import type { UpsertRequest } from './content.js';
import { sourceKind } from './keys.js';

/** Where a tenant's contentUpsert writes (Unique contract §9): the scope and the tenant's source fields. */
export function upsertTarget(scopeId: string, tenant: TenantConfig): Omit<UpsertRequest, 'input'> {
  return {
    scopeId,
    sourceKind: sourceKind(tenant.confluence.instanceType),
    sourceName: tenant.confluence.baseUrl,
    storeInternally: tenant.ingestion.storeInternally,
    baseUrl: tenant.confluence.baseUrl,
  };
}
