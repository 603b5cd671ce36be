/**
 * Every cycle has a deadline (issue 10, finding 5): past `processing.cycleTimeoutMinutes`
 * (default: the schedule's longest gap, clamped to an hour and a day) it stops like on
 * SIGTERM and fails with CYCLE_DEADLINE_EXCEEDED. The deadline runs on a manual clock
 * here: the test moves time, it never waits for it.
 */
import t from 'tap';
import { MAX_DERIVED_MINUTES, MIN_DERIVED_MINUTES, cycleDeadlineMinutes, longestGapMinutes } from '../../src/cycle-deadline.js';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import { ManualClock, until } from '../helpers/manual-clock.js';
import { isLeaseKey } from '../helpers/tenant-lease.js';
import { ENG, SINGLE, page, registrations, rejection } from './support/scenario.js';

t.test('the deadline: the setting, or the schedule\'s longest gap clamped to [60 min, 24 h]', async (t) => {
  t.equal(longestGapMinutes('*/15 * * * *'), 15);
  t.equal(longestGapMinutes('0 */2 * * *'), 120);
  t.equal(longestGapMinutes('0 3 * * 1-5'), 3 * 24 * 60, 'a weekday cron: the weekend');
  t.equal(cycleDeadlineMinutes({ scanIntervalCron: '*/15 * * * *' }), MIN_DERIVED_MINUTES, 'frequent schedules: at least an hour');
  t.equal(cycleDeadlineMinutes({ scanIntervalCron: '0 */2 * * *' }), 120);
  t.equal(cycleDeadlineMinutes({ scanIntervalCron: '0 3 * * 1-5' }), MAX_DERIVED_MINUTES, 'at most a day');
  t.equal(cycleDeadlineMinutes({ scanIntervalCron: '*/15 * * * *', cycleTimeoutMinutes: 7.5 }), 7.5, 'the setting wins');
  t.same([MIN_DERIVED_MINUTES, MAX_DERIVED_MINUTES], [60, 1440]);
});

t.test('a cycle past its deadline stops like on SIGTERM: the item in flight finishes, nothing new starts, the cycle fails with CYCLE_DEADLINE_EXCEEDED', async (t) => {
  const ids = ['8001', '8002', '8003', '8004', '8005'];
  const h = await startCycleHarness({ spaces: [ENG], content: ids.map((id) => page(id, 'ENG', { labels: SINGLE })) }, {
    concurrency: 1,
    tenant: (config) => void (config.processing.cycleTimeoutMinutes = 30),
  });
  t.teardown(h.close);
  // The first item's registration is held (the tenant lease's comes before it): the cycle is mid-ingestion when its deadline passes.
  let arrived = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const item = (r: { variables?: unknown }) => !isLeaseKey((r.variables as { input: { key: string } }).input.key);
  h.unique.faults.add({ operation: 'contentUpsert', when: item, times: 1, hold: () => ((arrived += 1), released) });
  const clock = new ManualClock();
  const cycle = rejection(h.sync({ deadlineClock: clock }));
  await until(() => arrived === 1, 'the first registration');
  await clock.advance(30 * 60_000 - 1);
  t.equal(arrived, 1);
  await clock.advance(1);
  release();
  const error = await cycle;
  t.equal(error.code, 'CYCLE_DEADLINE_EXCEEDED');
  t.match(error.message, /longer than 30 minutes/);
  t.equal(registrations(h).length, 1, 'no item started after the deadline');
  const stored = h.unique.state.contents().filter((content) => !isLeaseKey(content.key));
  t.equal(stored.length, 1, 'the item in flight was finished');
  t.ok(stored.every((content) => content.uploaded), 'nothing is left half-written');
  const failed = h.logs.lines().find((line) => line.msg === 'Sync cycle failed');
  t.match(failed, { level: 50, code: 'CYCLE_DEADLINE_EXCEEDED', ingested: 1 });
  t.equal(clock.pending, 0, 'the deadline timer is gone');

  const next = await h.sync();
  t.equal(next.outcome, 'succeeded', 'the next cycle picks up the rest');
  t.equal(next.summary.ingested, 4);
});

t.test('a cycle that ends in time leaves no timer behind', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: [page('8101', 'ENG', { labels: SINGLE })] });
  t.teardown(h.close);
  const clock = new ManualClock();
  const result = await h.sync({ deadlineClock: clock });
  t.equal(result.outcome, 'succeeded');
  t.equal(clock.pending, 0);
});
