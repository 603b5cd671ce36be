/**
 * A cycle with failed items is `partial` in `/health` and the metrics too (issue 10,
 * finding 5), not `succeeded`: the daemon's scheduler records what the cycle reported.
 */
import t from 'tap';
import { SyncHistory } from '../../src/health/index.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { Scheduler } from '../../src/scheduler.js';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import { ENG, SINGLE, page } from '../pipeline/support/scenario.js';

const sample = (text: string, name: string, labels: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

t.test('a cycle where one page fails is partial in /health and in the metrics, and is not a success', async (t) => {
  const ids = ['7001', '7002', '7003'];
  const h = await startCycleHarness({ spaces: [ENG], content: ids.map((id) => page(id, 'ENG', { labels: SINGLE })) });
  t.teardown(h.close);
  // Page 7002's body can never be served: it alone fails (split down to it), the others are written.
  h.confluence.faults.add({ path: /\/content\/search$/, when: ({ query }) => query.get('expand')?.includes('body.storage') === true && /\b7002\b/.test(query.get('cql') ?? ''), status: 500 });
  const metrics = createMetrics();
  const history = new SyncHistory({ windowSize: 5, failureThreshold: 0.5 });
  const scheduler = new Scheduler({ logger: h.logger, metrics, history });
  scheduler.add(h.tenant, h.runtime());
  await scheduler.start();
  while (scheduler.isRunning(h.tenant.name)) await new Promise((resolve) => setImmediate(resolve));
  await scheduler.stop(0);

  const tenant = history.health().tenants[h.tenant.name]!;
  t.match(tenant, { status: 'up', lastResult: 'partial', partials: 1, failures: 0, message: 'the last run was partial: 1 items failed' });
  const text = await metrics.registry.metrics();
  t.equal(sample(text, 'cfc_sync_duration_seconds_count', `tenant="${h.tenant.name}",result="partial"`), 1, 'the duration metric carries the outcome');
  t.equal(sample(text, 'cfc_sync_duration_seconds_count', `tenant="${h.tenant.name}",result="succeeded"`), undefined);
  t.equal(sample(text, 'cfc_last_successful_sync_timestamp_seconds', `tenant="${h.tenant.name}"`), undefined, 'a partial cycle is no success');
  t.equal(sample(text, 'cfc_sync_consecutive_failures', `tenant="${h.tenant.name}"`), 0, 'nor a failed cycle');
  t.equal(sample(text, 'cfc_cycle_result', `tenant="${h.tenant.name}",result="partial"`), 1, 'the last cycle\'s result');
  t.equal(sample(text, 'cfc_cycle_result', `tenant="${h.tenant.name}",result="succeeded"`), 0);
  t.equal(sample(text, 'cfc_cycle_result', `tenant="${h.tenant.name}",result="failed"`), 0);
  t.equal(sample(text, 'cfc_cycle_items', `tenant="${h.tenant.name}",outcome="failed"`), 1);
  t.equal(sample(text, 'cfc_cycle_items', `tenant="${h.tenant.name}",outcome="ingested"`), 2);
});
