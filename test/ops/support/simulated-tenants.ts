/*
 * Both simulators seeded with the demo wiki, and the environment a tenant file written by
 * `writeTenants` (daemon-process.ts) reads its URLs, PAT and Unique user from. The ops
 * tests run the real CLI (in process or as a child) against these.
 */
import { demoScenario } from '../../fixtures/demo-scenario.js';
import type { Teardown } from '../../helpers/http-servers.js';
import { startConfluenceSimulator, type ConfluenceSimulator } from '../../simulators/confluence/index.js';
import { startUniqueSimulator, type UniqueSimulator } from '../../simulators/unique/index.js';

export const PAT = 'pat-daemon-0123456789';

export interface Simulators {
  confluence: ConfluenceSimulator;
  unique: UniqueSimulator;
}

/** Unique scopes `scope_<tenant>` exist for the tenant names the ops tests use. */
export async function simulators(t: Teardown, uniqueOptions = {}): Promise<Simulators> {
  const confluence = await startConfluenceSimulator({ flavour: 'data-center', pats: [PAT], ...demoScenario });
  const unique = await startUniqueSimulator(
    {
      authMode: 'cluster_local',
      scopes: [
        { id: 'scope_kb', name: 'Company KB', parentId: null },
        ...['good', 'bad', 'slow', 'acme', 'wiki'].map((name) => ({ id: `scope_${name}`, name, parentId: 'scope_kb' })),
      ],
    },
    uniqueOptions,
  );
  t.teardown(() => Promise.all([confluence.close(), unique.close()]));
  return { confluence, unique };
}

/** The `${prefix}_*` variables of one tenant; `pat` and `user` default to working ones. */
export function tenantEnv(prefix: string, { confluence, unique }: Simulators, options: { user?: string; pat?: string } = {}): NodeJS.ProcessEnv {
  return {
    [`${prefix}_CONFLUENCE_URL`]: confluence.baseUrl,
    [`${prefix}_PAT`]: options.pat ?? PAT,
    [`${prefix}_USER`]: options.user ?? 'user_service',
    [`${prefix}_INGESTION_URL`]: unique.ingestionBaseUrl,
    [`${prefix}_SCOPE_URL`]: unique.scopeManagementBaseUrl,
  };
}
