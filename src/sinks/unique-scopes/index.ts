/** The Unique scope sink: root initialisation, space scopes, orphan and deleted-tenant clean-up. */
export type { ScopeFlowContext } from './context.js';
export { type InitOptions, type InitResult, type PlannedAction, initRootScope } from './init.js';
export { type SpaceScopesResult, ensureSpaceScopes } from './space-scopes.js';
export { type OrphanCleanupResult, cleanupOrphanedSpaces } from './orphans.js';
export { type DeletedTenantResult, cleanupDeletedTenant } from './deleted-tenant.js';
