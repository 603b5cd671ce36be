import t from 'tap';
import {
  attachmentItemKey,
  attachmentKey,
  contentKey,
  contentKeyPrefix,
  pageItemKey,
  pageKey,
  parseSpaceExternalId,
  partialKey,
  rootOwnershipMark,
  sourceKind,
  spaceExternalId,
} from '../../src/unique/keys.js';

const ENG = { id: '98305', key: 'ENG' };

t.test('partial keys carry the tenant prefix unless the v1 format is on', async (t) => {
  t.equal(partialKey('acme', ENG, false), 'acme/98305_ENG');
  t.equal(partialKey('acme', ENG, true), '98305_ENG');
});

t.test('content keys are the partial key, a slash and the item key (§8 examples)', async (t) => {
  const partial = partialKey('acme', ENG, false);
  t.equal(pageKey(partial, '65601'), 'acme/98305_ENG/65601');
  t.equal(attachmentKey(partial, '65601', 'att70001'), 'acme/98305_ENG/65601::att70001');
  t.equal(pageItemKey('65601'), '65601');
  t.equal(attachmentItemKey('65601', 'att70001'), '65601::att70001');
  t.equal(contentKey(partial, '65601::att70001'), 'acme/98305_ENG/65601::att70001');
  t.equal(pageKey(partialKey('acme', ENG, true), '65601'), '98305_ENG/65601');
});

t.test('the prefix ends with a slash so _ENG never matches _ENGX', async (t) => {
  const prefix = contentKeyPrefix('acme/98305_ENG');
  t.equal(prefix, 'acme/98305_ENG/');
  t.notOk('acme/98305_ENGX/1'.startsWith(prefix));
  t.ok('acme/98305_ENG/1'.startsWith(prefix));
});

t.test('space external ids round-trip through the parser', async (t) => {
  t.equal(spaceExternalId('acme', ENG), 'confc:acme:98305:ENG');
  t.same(parseSpaceExternalId('confc:acme:98305:ENG'), { tenant: 'acme', spaceId: '98305', spaceKey: 'ENG' });
  t.same(parseSpaceExternalId(spaceExternalId('acme-eu', { id: '1', key: '~jdoe' })), { tenant: 'acme-eu', spaceId: '1', spaceKey: '~jdoe' });
});

t.test('external ids that are not a space mark parse as not ours', async (t) => {
  for (const foreign of [
    null,
    undefined,
    '',
    'confc:',
    'confc:acme:98305',
    'confc:acme:98305:ENG:extra',
    'confc:cloud:3f9e',
    'confc:acme::ENG',
    'other:acme:98305:ENG',
    'CONFC:acme:98305:ENG',
    'sharepoint-site-7',
  ]) {
    t.equal(parseSpaceExternalId(foreign), undefined, String(foreign));
  }
});

t.test('the root ownership mark names the instance type and id', async (t) => {
  t.equal(rootOwnershipMark('cloud', '3f9e-11'), 'confc:cloud:3f9e-11');
  t.equal(rootOwnershipMark('data-center', 'manifest-7'), 'confc:data-center:manifest-7');
  t.equal(parseSpaceExternalId(rootOwnershipMark('cloud', 'abc')), undefined, 'a root mark is never mistaken for a space');
});

t.test('source kinds follow the instance type', async (t) => {
  t.equal(sourceKind('cloud'), 'ATLASSIAN_CONFLUENCE_CLOUD');
  t.equal(sourceKind('data-center'), 'ATLASSIAN_CONFLUENCE_ONPREM');
});
