import type { TenantConfig } from '../config/types.js';
import { errorCode, errorMessage } from '../errors.js';
import { proxyFromEnv } from '../http/proxy.js';
import type { Logger } from '../log.js';
import { initRootScope } from '../sinks/unique-scopes/index.js';
import { createTenantRuntime } from '../tenant-runtime.js';
import { ConfluenceAuthProbe } from './confluence-auth.js';
import { ConnectivityProbe } from './connectivity.js';
import { UniqueProbe, type EndpointHealth } from './unique-api.js';

/**
 * `validate --check`: can this tenant sync? Reachability and credentials of both sides,
 * and the root scope, with the same probes `/health` uses and the dry-run root-scope
 * step of a cycle, so nothing is written anywhere: Confluence sees GETs (and a token
 * POST), Unique sees queries. Each check is one result line an operator can act on.
 */

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was found (ok) or what went wrong, with what to check. */
  detail: string;
  code?: string;
}

export interface TenantCheckOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export async function checkTenant(tenant: TenantConfig, options: TenantCheckOptions): Promise<CheckResult[]> {
  const { env, logger } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const proxy = proxyFromEnv(env);
  const network = new ConnectivityProbe({ timeoutMs, env, dispatcher: proxy });
  const credentials = new ConfluenceAuthProbe(tenant, { timeoutMs, env, dispatcher: proxy, logger });
  const unique = new UniqueProbe(tenant, { timeoutMs, dispatcher: proxy });
  const results: CheckResult[] = [];
  try {
    if (tenant.status === 'active') {
      const reach = await network.check(tenant);
      for (const [name, target] of [['confluence reachable', reach.confluence], ['atlassian api reachable', reach.atlassianApi]] as const) {
        if (!target) continue;
        results.push(
          target.reachable
            ? { name, ok: true, detail: `HTTP ${target.httpStatus} in ${target.durationMs} ms (${target.url})` }
            : { name, ok: false, detail: `${target.error ?? 'no answer'} (${target.url}): check the URL, DNS, the proxy settings and the egress NetworkPolicy` },
        );
      }
      const auth = await credentials.check();
      results.push(
        auth.status === 'up'
          ? {
              name: 'confluence credentials',
              ok: true,
              detail: `HTTP ${auth.httpStatus}; ${auth.labelledContentVisible === false ? 'no page carries the sync labels yet (or the account cannot see it)' : 'labelled pages visible'}`,
            }
          : { name: 'confluence credentials', ok: false, code: auth.errorCode ?? auth.code, detail: auth.error ?? 'refused' },
      );
    }
    const api = await unique.check();
    results.push(endpointResult('unique ingestion api', api.ingestion), endpointResult('unique scope management api', api.scopeManagement));
    // The root scope needs both sides (the DC mark is the instance id); a deleted tenant's clean-up has its own rules.
    if (tenant.status === 'active' && results.every((result) => result.ok)) results.push(await rootScope(tenant, options));
  } finally {
    await Promise.all([network.close(), credentials.close(), unique.close()]);
    await proxy?.close();
  }
  return results;
}

function endpointResult(name: string, health: EndpointHealth): CheckResult {
  if (health.status === 'up') return { name, ok: true, detail: `answered in ${health.durationMs} ms (${health.url})` };
  return { name, ok: false, ...(health.code ? { code: health.code } : {}), detail: `${health.error ?? 'no answer'} (${health.url})` };
}

/** The cycle's own first step in dry-run mode: the root scope exists, is visible, and carries this instance's mark (or none yet). */
async function rootScope(tenant: TenantConfig, options: TenantCheckOptions): Promise<CheckResult> {
  const name = 'unique root scope';
  const runtime = createTenantRuntime(tenant, { logger: options.logger, env: options.env, tuning: { retry: { retries: 0 } } });
  try {
    const instanceId = await runtime.confluence.instanceId();
    const root = await initRootScope({ clients: runtime.unique, tenant, log: runtime.logger }, { instanceId, dryRun: true });
    const claim = root.planned.some((action) => action.action === 'claim-mark');
    const migrate = root.planned.some((action) => action.action === 'migrate');
    const mark = migrate ? 'the next sync moves the previous root\'s spaces here' : claim ? 'not claimed yet: the first sync claims it' : 'owned by this Confluence instance';
    return { name, ok: true, detail: `${tenant.ingestion.scopeId} is ${root.rootPath}; ${mark}` };
  } catch (error) {
    return { name, ok: false, code: errorCode(error), detail: errorMessage(error) };
  } finally {
    await runtime.close();
  }
}
