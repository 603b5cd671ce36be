/**
 * The tenant lease: one process writes to a tenant's Unique scopes at a time. A second
 * process (a `kubectl exec … sync` during the daemon's cycle, two replicas given the
 * same tenant) finds the lease held and skips its cycle (TENANT_LEASE_HELD) instead of
 * registering every item a second time and cleaning up what the first one finished.
 *
 * Each process claims with a content of its own, `{tenant}/connector-lease/{holder}` in
 * the tenant's root scope (registered, never finalized: it has no file), whose metadata
 * names the holder and the expiry, and then lists every claim: it holds the lease when
 * no other live claim is listed. Unique has no compare-and-set, and this needs none, nor
 * any wait: were two processes both to list no other claim, each listing would have come
 * before the other's claim was written, yet each wrote its claim before listing, so A's
 * claim < A's listing < B's claim < B's listing < A's claim, which cannot be. When two
 * claimed at once and each sees the other, both withdraw and try again after a random
 * pause; a claim still there after the pause is a holder, and the process skips.
 * Assumed of Unique: a listing shows every write acknowledged before it was asked for
 * (read-after-write); the hosts' clocks agree to well within the TTL (expiry is an
 * instant compared on the reader's clock).
 *
 * The holder renews every `renewEveryMs` while its cycle runs and deletes its claim at
 * the end. A process that dies holding it (or whose release failed) blocks other
 * processes until the TTL runs out; the same process takes it back at once (its claim
 * is its own). A listing also finds the single `{tenant}/connector-lease` content that
 * earlier versions wrote, so a process of each kind during an upgrade still exclude each
 * other as long as the older one's lease is live.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { TenantConfig } from '../config/types.js';
import { ConnectorError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ContentApi, ContentNode, UpsertRequest } from './content.js';
import { upsertTarget } from './upsert-target.js';

export interface LeaseTiming {
  /** How long a claim lasts without renewal. */
  ttlMs: number;
  renewEveryMs: number;
  /** The longest random pause before claiming again after two processes claimed at once (grows with each try). */
  retryPauseMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 5 * 60_000, renewEveryMs: 60_000, retryPauseMs: 500 };

/** Claims (with a pause between) before two processes that keep meeting give up; the next cycle tries again. */
const CLAIM_ATTEMPTS = 3;

/**
 * Who holds a lease: this process (host, pid, a random part for pid reuse). One id per
 * process, not per cycle: a process whose release failed (Unique answered 5xx) takes
 * its own stale claim back at its next cycle instead of waiting out the TTL; within a
 * process the scheduler already keeps a tenant to one cycle at a time.
 */
export const PROCESS_LEASE_HOLDER = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export interface LeaseDeps {
  tenant: TenantConfig;
  /** Default: this process (tests pass two holders to play two processes). */
  holder?: string;
  content: Pick<ContentApi, 'register' | 'listByKeyPrefix' | 'deleteByIds'>;
  logger: Logger;
  timing?: Partial<LeaseTiming>;
  /** Wall-clock milliseconds (expiry is an instant other hosts read); tests inject it. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); tests make the pause after a meeting deterministic. */
  random?: () => number;
}

interface Claim {
  id: string;
  key: string;
  holder: string;
  expiresAt: number;
}

/** The prefix every claim of the tenant starts with (and the key of the earlier single lease). */
export function leaseKey(tenantName: string): string {
  return `${tenantName}/connector-lease`;
}

/** This holder's claim: a key of its own under the lease prefix. */
export function claimKey(tenantName: string, holder: string): string {
  return `${leaseKey(tenantName)}/${holder.replace(/[^A-Za-z0-9._:-]/g, '_')}`;
}

/** Takes the tenant's lease or throws TENANT_LEASE_HELD naming the holder. */
export async function acquireTenantLease(deps: LeaseDeps): Promise<TenantLease> {
  const lease = new TenantLease(deps);
  await lease.acquire();
  return lease;
}

/**
 * Writes this process's claim, or throws TENANT_LEASE_HELD at once (having written
 * nothing) when another holder's is live; the caller must `confirm()` it before its
 * first write. A sync cycle confirms while discovery (which only reads) runs.
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
  /** Our claim's content id once written (the same id on every upsert of the key). */
  #claimId: string | undefined;

  constructor(deps: LeaseDeps) {
    this.#deps = deps;
    this.holder = deps.holder ?? PROCESS_LEASE_HOLDER;
    this.#timing = { ...DEFAULT_LEASE_TIMING, ...deps.timing };
    this.#now = deps.now ?? Date.now;
  }

  get key(): string {
    return claimKey(this.#deps.tenant.name, this.holder);
  }

  async acquire(): Promise<void> {
    await this.claim();
    await this.confirm();
  }

  /** Lists the claims; another holder's live one ends it here (TENANT_LEASE_HELD), else ours is written. */
  async claim(): Promise<void> {
    const other = this.#liveOthers(await this.#claims())[0];
    if (other) throw this.#held(other);
    await this.#write();
  }

  /**
   * Lists the claims again: none of another holder live, and the lease is ours. If one
   * is (a process that claimed at the same time), ours is withdrawn and, after a random
   * pause, claimed again unless the other is still there.
   */
  async confirm(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const claims = await this.#claims();
      const others = this.#liveOthers(claims);
      if (others.length === 0) {
        this.#deps.logger.debug({ holder: this.holder, key: this.key }, 'Tenant lease taken');
        await this.#removeDead(claims);
        return;
      }
      await this.#withdraw();
      if (attempt >= CLAIM_ATTEMPTS) throw this.#held(others[0]);
      const random = this.#deps.random ?? Math.random;
      await (this.#deps.sleep ?? delay)(Math.round(random() * this.#timing.retryPauseMs * attempt));
      await this.claim();
    }
  }

  /** Extends the claim; if another holder's claim is live meanwhile (ours had expired), the lease is left to it, with a WARN. */
  async renew(): Promise<void> {
    const claims = await this.#claims();
    // A renewal that was in flight when the cycle released the lease must not write it back.
    if (this.#released) return;
    const other = this.#liveOthers(claims)[0];
    if (other) {
      this.#deps.logger.warn({ code: 'TENANT_LEASE_HELD', holder: other.holder }, 'Tenant lease lost to another process');
      return;
    }
    await this.#write();
  }

  /** Renews every `renewEveryMs` until released; a failed renewal is a WARN (the claim still runs to its expiry). */
  startRenewing(): void {
    this.#timer = setInterval(() => {
      this.renew().catch((error: unknown) => this.#deps.logger.warn({ error: errorMessage(error) }, 'Tenant lease not renewed'));
    }, this.#timing.renewEveryMs);
    this.#timer.unref();
  }

  /** Deletes our claim. Best effort: an undeleted claim expires by itself. */
  async release(): Promise<void> {
    this.#released = true;
    clearInterval(this.#timer);
    try {
      await this.#withdraw();
    } catch (error) {
      this.#deps.logger.warn({ error: errorMessage(error) }, 'Tenant lease not released, it expires by itself');
    }
  }

  async #withdraw(): Promise<void> {
    const id = this.#claimId;
    if (id === undefined) return;
    const result = await this.#deps.content.deleteByIds([id]);
    // An id Unique did not return without an error is gone already (a holder that took over after our expiry removed it).
    if (result.errors.length > 0) throw result.errors[0];
    this.#claimId = undefined;
  }

  /**
   * Expired claims (of processes that died) are deleted, best effort, so crashes leave
   * nothing behind. Safe: a claim this process calls expired already counts for nothing.
   */
  async #removeDead(claims: Claim[]): Promise<void> {
    const dead = claims.filter((claim) => claim.holder !== this.holder && claim.expiresAt <= this.#now());
    if (dead.length === 0) return;
    try {
      await this.#deps.content.deleteByIds(dead.map((claim) => claim.id));
    } catch (error) {
      this.#deps.logger.debug({ error: errorMessage(error) }, 'Expired tenant lease claims not removed');
    }
  }

  #liveOthers(claims: Claim[]): Claim[] {
    return claims.filter((claim) => claim.holder !== this.holder && claim.expiresAt > this.#now());
  }

  #held(claim: Claim): ConnectorError {
    return new ConnectorError('TENANT_LEASE_HELD', `tenant ${this.#deps.tenant.name} is being synced by another process`, {
      details: { holder: claim.holder, expiresAt: new Date(claim.expiresAt).toISOString() },
    });
  }

  async #claims(): Promise<Claim[]> {
    const nodes = await this.#deps.content.listByKeyPrefix(leaseKey(this.#deps.tenant.name));
    return nodes.flatMap((node) => claimOf(node) ?? []);
  }

  async #write(): Promise<void> {
    this.#claimId = (await this.#deps.content.register(this.#request(this.#now() + this.#timing.ttlMs))).id;
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

/** A listed claim, or undefined for a content that does not read as one (never counted as a holder). */
function claimOf(node: Pick<ContentNode, 'id' | 'key' | 'metadata'>): Claim | undefined {
  const metadata = node.metadata;
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const { leaseHolder, leaseExpiresAt } = metadata as Record<string, unknown>;
  const expiresAt = typeof leaseExpiresAt === 'string' ? Date.parse(leaseExpiresAt) : Number.NaN;
  if (typeof leaseHolder !== 'string' || Number.isNaN(expiresAt)) return undefined;
  return { id: node.id, key: node.key, holder: leaseHolder, expiresAt };
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
