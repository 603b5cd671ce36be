/**
 * Read restrictions (Confluence contract §17) as a sync cycle sees them, on Data Center
 * and Cloud: a page restricted by itself or by any ancestor (discovered or not) is
 * withheld, a restriction added later deletes the stored copy with its attachments,
 * lifting it brings the page back, and `ingest` keeps the vendor's behaviour.
 */
import t from 'tap';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import { ALL, ENG, FLAVOURS, HR, SINGLE, confluenceCalls, logged, page, storedIds } from './support/restrictions-scenario.js';

const PDF = { id: 'att9001', title: 'plan.pdf', mediaType: 'application/pdf', size: 4, bytes: 'pdf!' };

for (const flavour of FLAVOURS) {
  t.test(`${flavour}: a page with its own read restriction is withheld and named at INFO`, async (t) => {
    const h = await startCycleHarness(
      {
        spaces: [ENG],
        content: [
          page('5001', 'ENG', { labels: SINGLE }),
          page('5002', 'ENG', { labels: SINGLE, title: 'Salaries', readRestrictions: { users: ['ana'] } }),
        ],
      },
      { flavour },
    );
    t.teardown(h.close);
    const result = await h.sync();
    t.equal(result.outcome, 'succeeded');
    t.same(storedIds(h), ['5001'], 'the restricted page never reaches Unique');
    t.equal(result.summary.restricted, 1, 'the summary counts it');
    t.equal(result.summary.discovered, 1, 'discovered counts what goes on');
    const lines = logged(h, 'Read-restricted page withheld');
    t.equal(lines.length, 1);
    t.match(lines[0], { level: 30, pageId: '5002', title: 'Salaries', restriction: 'own', restrictingPage: { id: '5002' }, users: 1, groups: 0, stage: 'restrictions', tenant: 'acme' });
    t.equal(confluenceCalls(h).lookups, 0, 'no ancestor outside the set: no lookup');
    t.equal(confluenceCalls(h).perContent, 0, 'the expansion answered: no per-content request');
  });

  t.test(`${flavour}: a restriction inherited from a discovered parent withholds the whole subtree`, async (t) => {
    const h = await startCycleHarness(
      {
        spaces: [ENG],
        content: [
          page('5001', 'ENG', { labels: ALL, title: 'Handbook' }),
          page('5002', 'ENG', { parentId: '5001', title: 'HR corner', readRestrictions: { groups: ['hr-team'] } }),
          page('5003', 'ENG', { parentId: '5002' }),
          page('5004', 'ENG', { parentId: '5003' }),
          page('5005', 'ENG', { parentId: '5001' }),
        ],
      },
      { flavour },
    );
    t.teardown(h.close);
    const result = await h.sync();
    t.same(storedIds(h), ['5001', '5005']);
    t.equal(result.summary.restricted, 3);
    const byPage = new Map(logged(h, 'Read-restricted page withheld').map((line) => [line.pageId, line]));
    t.match(byPage.get('5002'), { restriction: 'own', groups: 1 }, 'a group-only restriction is a restriction');
    t.match(byPage.get('5003'), { restriction: 'inherited from 5002', restrictingPage: { id: '5002', title: 'HR corner' } });
    t.match(byPage.get('5004'), { restriction: 'inherited from 5002' }, 'the nearest restricted ancestor is named');
    t.equal(confluenceCalls(h).lookups, 0, 'every ancestor is in the discovered set');
  });

  t.test(`${flavour}: a restriction on an undiscovered, unlabelled ancestor is found by one batched lookup`, async (t) => {
    const h = await startCycleHarness(
      {
        spaces: [ENG],
        content: [
          page('5000', 'ENG', { title: 'Confidential', readRestrictions: { users: ['ana', 'ben'] } }),
          page('5001', 'ENG', { parentId: '5000', labels: ALL }),
          page('5002', 'ENG', { parentId: '5001' }),
          page('5010', 'ENG', { title: 'Open' }),
          page('5011', 'ENG', { parentId: '5010', labels: SINGLE }),
        ],
      },
      { flavour },
    );
    t.teardown(h.close);
    const result = await h.sync();
    t.same(storedIds(h), ['5011'], 'under an open unlabelled ancestor the page is synced');
    t.equal(result.summary.restricted, 2);
    t.match(logged(h, 'Read-restricted page withheld').find((line) => line.pageId === '5002'), { restriction: 'inherited from 5000', restrictingPage: { title: 'Confidential' } });
    const lookups = h.confluence.requests.filter((r) => /^id IN/.test(r.query.cql ?? '') && !r.query.expand?.includes('body'));
    t.equal(lookups.length, 1, 'both outside ancestors in one request');
    t.equal(lookups[0]?.query.cql, 'id IN (5000,5010)');
    t.equal(lookups[0]?.query.expand, 'restrictions.read.restrictions.user,restrictions.read.restrictions.group', 'no body, only the restrictions');
  });

  t.test(`${flavour}: a restriction added later deletes the page and its attachments; lifting it brings them back`, async (t) => {
    const h = await startCycleHarness(
      {
        spaces: [ENG],
        content: [
          page('5001', 'ENG', { labels: ALL }),
          page('5002', 'ENG', { parentId: '5001', attachments: [PDF] }),
          page('5003', 'ENG', { parentId: '5002' }),
        ],
      },
      { flavour, attachments: true },
    );
    t.teardown(h.close);
    await h.sync();
    t.same(storedIds(h), ['5001', '5002', '5002::att9001', '5003']);

    // Confluence changes restrictions without a new version: nothing else tells the connector.
    h.confluence.state.setReadRestrictions('5002', { users: ['ana'] });
    t.equal(h.confluence.state.get('5002')?.versionNumber, 1);
    const restricted = await h.sync();
    t.same(storedIds(h), ['5001'], 'the page, its attachment and its child are gone');
    t.equal(restricted.summary.restricted, 2);
    t.equal(restricted.summary.deleted, 3);

    h.confluence.state.setReadRestrictions('5002', undefined);
    const lifted = await h.sync();
    t.same(storedIds(h), ['5001', '5002', '5002::att9001', '5003'], 'all back on the next cycle');
    t.equal(lifted.summary.restricted, 0);
    t.equal(lifted.summary.ingested, 3);
  });
}

t.test('a space left with nothing selected follows the orphaned-space path', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG, HR],
    content: [page('5001', 'ENG', { labels: SINGLE }), page('6001', 'HR', { labels: ALL }), page('6002', 'HR', { parentId: '6001' })],
  });
  t.teardown(h.close);
  await h.sync();
  t.same(h.unique.state.scopes().map((scope) => scope.name).sort(), ['Company KB', 'Confluence', 'ENG', 'HR']);
  h.confluence.state.setReadRestrictions('6001', { groups: ['hr-team'] });
  const result = await h.sync();
  t.same(storedIds(h), ['5001']);
  t.equal(result.summary.orphanedSpaces, 1, 'the HR space scope is removed with its content');
  t.same(h.unique.state.scopes().map((scope) => scope.name).sort(), ['Company KB', 'Confluence', 'ENG']);
});

t.test('when every discovered page is withheld, their spaces are still cleaned up', async (t) => {
  const h = await startCycleHarness({ spaces: [HR], content: [page('6001', 'HR', { labels: ALL }), page('6002', 'HR', { parentId: '6001' })] }, { flavour: 'cloud' });
  t.teardown(h.close);
  await h.sync();
  t.equal(h.storedKeys().length, 2);
  h.confluence.state.setReadRestrictions('6001', { users: ['ana'] });
  const result = await h.sync();
  t.same(h.storedKeys(), [], 'a listing of restricted pages is not an empty listing');
  t.equal(result.summary.orphanedSpaces, 1);
  t.same(logged(h, 'Discovery found no page; nothing is deleted this cycle'), [], 'no "found nothing" warning');
});

t.test('a read-restricted folder on Cloud withholds the pages below it', async (t) => {
  const h = await startCycleHarness(
    {
      spaces: [ENG],
      content: [
        page('5001', 'ENG', { labels: ALL }),
        page('5002', 'ENG', { type: 'folder', parentId: '5001', body: '', title: 'Private folder', readRestrictions: { users: ['ana'] } }),
        page('5003', 'ENG', { parentId: '5002' }),
        page('5004', 'ENG', { type: 'folder', parentId: '5001', body: '' }),
        page('5005', 'ENG', { parentId: '5004' }),
      ],
    },
    { flavour: 'cloud' },
  );
  t.teardown(h.close);
  const result = await h.sync();
  t.same(storedIds(h), ['5001', '5005']);
  t.equal(result.summary.restricted, 1, 'the folders themselves are skipped by type, not counted as withheld');
  t.match(logged(h, 'Read-restricted page withheld')[0], { pageId: '5003', restriction: 'inherited from 5002', restrictingPage: { type: 'folder', title: 'Private folder' } });
});

t.test('restrictedPages: ingest keeps the vendor behaviour and asks for nothing', async (t) => {
  const h = await startCycleHarness(
    {
      spaces: [ENG],
      content: [page('5000', 'ENG', { readRestrictions: { users: ['ana'] } }), page('5001', 'ENG', { parentId: '5000', labels: ALL }), page('5002', 'ENG', { parentId: '5001', readRestrictions: { groups: ['g'] } })],
    },
    { restrictedPages: 'ingest' },
  );
  t.teardown(h.close);
  const result = await h.sync();
  t.same(storedIds(h), ['5001', '5002']);
  t.equal(result.summary.restricted, 0);
  const expands = h.confluence.requests.map((r) => r.query.expand ?? '');
  t.notOk(expands.some((expand) => expand.includes('restrictions')), 'no restriction expansion');
  t.equal(confluenceCalls(h).lookups + confluenceCalls(h).perContent, 0);
});
