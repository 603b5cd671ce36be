/** The tenant configuration API: load, check and resolve `{tenant}-tenant-config.yaml` files. */
export { checkTenantSet, configPattern, loadTenants, parseTenantFile, type TenantLoadResult } from './load.js';
export { FIELDS, type FieldSpec } from './fields.js';
export type * from './types.js';
