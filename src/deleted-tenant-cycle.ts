/**
 * A `deleted` tenant's run (Unique contract §10.6): its root scope is emptied, under the
 * tenant lease and the cycle's deadline; the root itself is kept.
 */
import { underCycleDeadline } from './cycle-deadline.js';
import { CycleReport, type CycleReportOptions } from './cycle-report.js';
import { ConnectorError, errorMessage, isConnectorError } from './errors.js';
import type { Clock } from './http/clock.js';
import { cleanupDeletedTenant, type DeletedTenantResult } from './sinks/unique-scopes/index.js';
import type { TenantRuntime } from './tenant-runtime.js';
import { acquireTenantLease, type TenantLease } from './unique/tenant-lease.js';

/**
 * The root is kept; its mark is cleared only after a clean run; a run that leaves
 * anything behind is a failed cycle (see `CycleReport.finishCleanup`). The cycle's
 * deadline and a stop request end it between space scopes, the mark kept.
 */
export async function runDeletedTenantCleanup(runtime: TenantRuntime, options: CycleReportOptions & { deadlineClock?: Clock } = {}): Promise<DeletedTenantResult> {
  let lease: TenantLease | undefined;
  try {
    return await underCycleDeadline(runtime.tenant.processing, options, async (signal) => {
      const report = new CycleReport(runtime.logger, { ...options, signal });
      runtime.logger.info('Deleted tenant clean-up started');
      const instanceId = await deletedTenantInstanceId(runtime);
      const ctx = { clients: runtime.unique, tenant: runtime.tenant, log: runtime.logger };
      // Taken only once there is something to delete: a second process must not clean up alongside.
      const takeLease = async () => {
        lease = await acquireTenantLease({ tenant: runtime.tenant, content: runtime.unique.content, logger: runtime.logger, timing: runtime.leaseTiming });
        lease.startRenewing();
      };
      const result = await report.phase('deleted-tenant', () => cleanupDeletedTenant(ctx, { instanceId, beforeWrites: takeLease, signal }), (r) => ({ ...r }));
      if (result.notStarted !== undefined) {
        throw new ConnectorError('CYCLE_STOPPED', 'deleted tenant clean-up stopped before every scope was emptied', { details: { notStarted: result.notStarted } });
      }
      return report.finishCleanup(result, runtime.tenant.name);
    });
  } catch (error) {
    if (isConnectorError(error, 'TENANT_LEASE_HELD')) runtime.logger.warn({ code: error.code, ...error.details }, 'Cycle skipped: another process holds the tenant lease');
    throw error;
  } finally {
    await lease?.release();
  }
}

/**
 * The instance id whose mark the root must carry before it is emptied. A deleted
 * tenant's Data Center may already be switched off: then the clean-up goes ahead on
 * the contract's own condition (a set mark) rather than never finishing.
 */
async function deletedTenantInstanceId(runtime: TenantRuntime): Promise<string | undefined> {
  try {
    return await runtime.confluence.instanceId();
  } catch (error) {
    runtime.logger.warn({ error: errorMessage(error) }, 'Confluence instance id unavailable, root mark not matched against it');
    return undefined;
  }
}
