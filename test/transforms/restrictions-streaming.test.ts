/**
 * The restrictions stage decides a page on arrival when every state of its chain is
 * known, and holds the others for the end of the listing (Confluence contract §17).
 */
import highland from 'highland';
import t from 'tap';
import type { AncestorRef, PageRecord, ReadRestriction } from '../../src/records.js';
import { withholdRestricted } from '../../src/transforms/restrictions.js';
import { startHarness } from '../confluence/harness.js';
import { ENG, page } from './support/restrictions-scenario.js';

const OPEN: ReadRestriction = { users: 0, groups: 0 };

function discovered(id: string, ancestors: AncestorRef[], readRestriction?: ReadRestriction): PageRecord {
  return {
    kind: 'page', id, type: 'page', title: `Page ${id}`, space: { id: '4101', key: 'ENG', name: 'Engineering' },
    version: { number: 1, when: '2026-01-01T00:00:00.000Z' }, updatedAt: '2026-01-01T00:00:00.000Z', labels: [], rawLabels: [],
    selection: { singleLabel: true, allLabel: false, viaAncestors: [] }, ancestors, webUrl: `https://wiki/${id}`, attachments: [],
    ...(readRestriction === undefined ? {} : { readRestriction }),
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

t.test('a page whose chain is known passes at once; one with an unknown ancestor waits for the listing to end', async (t) => {
  const h = await startHarness({
    flavour: 'data-center',
    spaces: [ENG],
    content: [page('7000', 'ENG', { title: 'Outside' }), page('7001', 'ENG', { title: 'Locked', readRestrictions: { users: ['ana'] } })],
  });
  t.teardown(h.close);
  const stage = withholdRestricted({ api: h.api, mode: 'skip', logger: h.logger, concurrency: 2 });
  const listing = highland<PageRecord>();
  const passed: string[] = [];
  const ended = new Promise<void>((resolve) => stage.through(listing).each((record) => void passed.push(record.id)).done(resolve));

  listing.write(discovered('5001', [], OPEN));
  listing.write(discovered('5002', [{ id: '5001', title: 'Page 5001', type: 'page' }], OPEN));
  listing.write(discovered('5003', [{ id: '7000', title: 'Outside', type: 'page' }], OPEN));
  listing.write(discovered('5004', [{ id: '7001', title: 'Locked', type: 'page' }], OPEN));
  listing.write(discovered('5005', [], { users: 1, groups: 0 }));
  await settle();
  t.same(passed, ['5001', '5002'], 'decided while the listing goes on: their chains were in the answers');
  t.same(stage.withheld.map((p) => p.id), ['5005'], 'an own restriction is decided on arrival too');
  t.equal(h.apiRequests().length, 0, 'nothing asked before the listing ended');

  listing.end();
  await ended;
  t.same(passed, ['5001', '5002', '5003'], 'the pages under ancestors outside the set follow after one lookup');
  t.same(stage.withheld.map((p) => [p.id, p.withheld]), [
    ['5004', 'read-restricted: inherited from 7001 "Locked"'],
    ['5005', 'read-restricted: own'],
  ], 'withheld pages reported in discovery order');
  t.equal(h.apiRequests().length, 1, 'one id IN lookup for both outside ancestors');
});

t.test('after a failed listing nothing is looked up', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: [ENG], content: [page('7000', 'ENG')] });
  t.teardown(h.close);
  const stage = withholdRestricted({ api: h.api, mode: 'skip', logger: h.logger, concurrency: 2 });
  const listing = highland<PageRecord>((push) => {
    push(null, discovered('5003', [{ id: '7000', title: 'Outside', type: 'page' }], OPEN));
    push(new Error('listing broke'));
    push(null, highland.nil);
  });
  const errors: string[] = [];
  await new Promise<void>((resolve) =>
    stage
      .through(listing)
      .errors((error) => void errors.push((error as Error).message))
      .each(() => undefined)
      .done(resolve),
  );
  t.same(errors, ['listing broke']);
  t.equal(h.apiRequests().length, 0);
});
