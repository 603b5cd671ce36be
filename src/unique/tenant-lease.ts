/**
 * The tenant lease: one process writes to a tenant's Unique scopes at a time. A second
 * process (a `kubectl exec … sync` during the daemon's cycle, two replicas given the
 * same tenant) finds the lease held and skips its cycle (TENANT_LEASE_HELD) instead of
 * registering every item a second time and cleaning up what the first one finished.
 *
 * The lease is a content `{tenant}/connector-lease` in the tenant's root scope,
 * registered and never finalized (it has no file), whose metadata names the holder and
 * the expiry. Unique has no compare-and-set, so taking it is: read; if another holder's
 * lease has not expired, give up; else write ours, wait `settleMs`, read again, and
 * give up if the read shows another holder (the last writer wins, and every writer
 * sees who won after the settle). Two processes can both win only if one's read and
 * write are further apart than the other's settle; the lease makes concurrent cycles
 * rare, and the per-item clean-up (ingest-item) keeps even that case from deleting
 * another process's work. Expiry is compared on this host's clock: the hosts' clocks
 * are assumed to agree to well within the TTL.
 *
 * The holder renews every `renewEveryMs` while its cycle runs and deletes the lease at
 * the end. A process that dies holding it (or whose release failed) blocks other
 * processes until the TTL runs out; the same process takes it back at once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { TenantConfig } from '../config/types.js';
import { ConnectorError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ContentApi, UpsertRequest } from './content.js';
import { upsertTarget } from './upsert-target.js';

export interface LeaseTiming {
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  renewEveryMs: number;
  /** The wait between writing the lease and reading it back. */
  settleMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 5 * 60_000, renewEveryMs: 60_000, settleMs: 1_000 };

/**
 * Who holds a lease: this process (host, pid, a random part for pid reuse). One id per
 * process, not per cycle: a process whose release failed (Unique answered 5xx) takes
 * its own stale lease back at its next cycle instead of waiting out the TTL; within a
 * process the scheduler already keeps a tenant to one cycle at a time.
 */
export const PROCESS_LEASE_HOLDER = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export interface LeaseDeps {
  tenant: TenantConfig;
  /** Default: this process (tests pass two holders to play two processes). */
  holder?: string;
  content: Pick<ContentApi, 'register' | 'nodeByKey' | 'deleteByIds'>;
  logger: Logger;
  timing?: Partial<LeaseTiming>;
  /** Wall-clock milliseconds (expiry is an instant other hosts read); tests inject it. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface LeaseState {
  holder: string;
  expiresAt: number;
}

export function leaseKey(tenantName: string): string {
  return `${tenantName}/connector-lease`;
}

/** Takes the tenant's lease or throws TENANT_LEASE_HELD naming the holder. */
export async function acquireTenantLease(deps: LeaseDeps): Promise<TenantLease> {
  const lease = new TenantLease(deps);
  await lease.acquire();
  return lease;
}

/**
 * Writes the lease, or throws TENANT_LEASE_HELD at once when another holder's is live;
 * the caller must `confirm()` it before its first write. A sync cycle confirms while
 * discovery (which only reads) runs, so the settle costs no time.
 */
export async function claimTenantLease(deps: LeaseDeps): Promise<TenantLease> {
  const lease = new TenantLease(deps);
  await lease.claim();
  return lease;
}

export class TenantLease {
  readonly holder: string;
  readonly #deps: LeaseDeps;
  readonly #timing: LeaseTiming;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #released = false;

  constructor(deps: LeaseDeps) {
    this.#deps = deps;
    this.holder = deps.holder ?? PROCESS_LEASE_HOLDER;
    this.#timing = { ...DEFAULT_LEASE_TIMING, ...deps.timing };
    this.#now = deps.now ?? Date.now;
  }

  get key(): string {
    return leaseKey(this.#deps.tenant.name);
  }

  async acquire(): Promise<void> {
    await this.claim();
    await this.confirm();
  }

  /** Read; another holder's live lease ends it here (TENANT_LEASE_HELD); else write ours. */
  async claim(): Promise<void> {
    const before = await this.#read();
    if (before && this.#heldByOther(before)) throw this.#held(before);
    await this.#write();
  }

  /** Waits the settle and reads the lease back: another writer that came last has won (TENANT_LEASE_HELD). */
  async confirm(): Promise<void> {
    await (this.#deps.sleep ?? delay)(this.#timing.settleMs);
    const after = await this.#read();
    if (after?.holder !== this.holder) throw this.#held(after);
    this.#deps.logger.debug({ holder: this.holder, expiresAt: new Date(after.expiresAt).toISOString() }, 'Tenant lease taken');
  }

  /** Extends the lease; a lease another holder took over meanwhile (ours expired) is left to it, with a WARN. */
  async renew(): Promise<void> {
    const current = await this.#read();
    // A renewal that was in flight when the cycle released the lease must not write it back.
    if (this.#released) return;
    if (current && this.#heldByOther(current)) {
      this.#deps.logger.warn({ code: 'TENANT_LEASE_HELD', holder: current.holder }, 'Tenant lease lost to another process');
      return;
    }
    await this.#write();
  }

  /** Renews every `renewEveryMs` until released; a failed renewal is a WARN (the lease still runs to its expiry). */
  startRenewing(): void {
    this.#timer = setInterval(() => {
      this.renew().catch((error: unknown) => this.#deps.logger.warn({ error: errorMessage(error) }, 'Tenant lease not renewed'));
    }, this.#timing.renewEveryMs);
    this.#timer.unref();
  }

  /** Deletes the lease if it is still ours. Best effort: an undeleted lease expires by itself. */
  async release(): Promise<void> {
    this.#released = true;
    clearInterval(this.#timer);
    try {
      const node = await this.#deps.content.nodeByKey(this.key);
      if (node === undefined || leaseState(node.metadata)?.holder !== this.holder) return;
      await this.#deps.content.deleteByIds([node.id]);
    } catch (error) {
      this.#deps.logger.warn({ error: errorMessage(error) }, 'Tenant lease not released, it expires by itself');
    }
  }

  #heldByOther(state: LeaseState): boolean {
    return state.holder !== this.holder && state.expiresAt > this.#now();
  }

  #held(state: LeaseState | undefined): ConnectorError {
    return new ConnectorError('TENANT_LEASE_HELD', `tenant ${this.#deps.tenant.name} is being synced by another process`, {
      details: { holder: state?.holder ?? 'unknown', expiresAt: state ? new Date(state.expiresAt).toISOString() : null },
    });
  }

  async #read(): Promise<LeaseState | undefined> {
    return leaseState((await this.#deps.content.nodeByKey(this.key))?.metadata);
  }

  async #write(): Promise<void> {
    await this.#deps.content.register(this.#request(this.#now() + this.#timing.ttlMs));
  }

  #request(expiresAt: number): UpsertRequest {
    const { tenant } = this.#deps;
    return {
      input: {
        key: this.key,
        title: `Confluence connector lease (${tenant.name})`,
        mimeType: 'application/json',
        ownerType: 'SCOPE',
        url: tenant.confluence.baseUrl,
        byteSize: 0,
        metadata: { leaseHolder: this.holder, leaseExpiresAt: new Date(expiresAt).toISOString() },
      },
      ...upsertTarget(tenant.ingestion.scopeId, tenant),
    };
  }
}

function leaseState(metadata: unknown): LeaseState | undefined {
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const { leaseHolder, leaseExpiresAt } = metadata as Record<string, unknown>;
  const expiresAt = typeof leaseExpiresAt === 'string' ? Date.parse(leaseExpiresAt) : Number.NaN;
  if (typeof leaseHolder !== 'string' || Number.isNaN(expiresAt)) return undefined;
  return { holder: leaseHolder, expiresAt };
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
