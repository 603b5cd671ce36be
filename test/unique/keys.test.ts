import t from 'tap';
import {
  attachmentItemKey,
  attachmentKey,
  contentKey,
  contentKeyPrefix,
  keySegment,
  legacyPartialKey,
  pageItemKey,
  pageKey,
  parseSpaceExternalId,
  partialKey,
  rootOwnershipMark,
  sourceKind,
  spaceExternalId,
  spaceScopeName,
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
  t.same(parseSpaceExternalId('confc:acme:98305:ENG'), { tenant: 'acme', spaceId: '98305', spaceKey: 'ENG', canonical: true, keySegment: 'ENG' });
  t.same(parseSpaceExternalId(spaceExternalId('acme-eu', { id: '1', key: '~jdoe' })), { tenant: 'acme-eu', spaceId: '1', spaceKey: '~jdoe', canonical: true, keySegment: '~jdoe' });
  for (const key of ['K:X', 'A/B', '..', '50% off', 'ÄRZTE', 'a\u202Eb\nc']) {
    t.equal(parseSpaceExternalId(spaceExternalId('acme', { id: '7', key }))?.spaceKey, key, JSON.stringify(key));
  }
});

t.test('ordinary space keys and ids are byte-identical in every key, mark and scope name', async (t) => {
  for (const key of ['ENG', 'DEV2', 'ds', '~jdoe', '~john.smith', 'ÄRZTE', 'ИНЖ', 'KB_OLD']) {
    t.equal(keySegment(key), key, key);
    t.equal(partialKey('acme', { id: '1', key }, false), `acme/1_${key}`);
    t.equal(spaceExternalId('acme', { id: '1', key }), `confc:acme:1:${key}`);
    t.equal(spaceScopeName(key), key);
  }
  t.equal(attachmentItemKey('65601', 'att70001'), '65601::att70001');
});

t.test('space keys that could change a path or a mark are encoded, and only them', async (t) => {
  t.equal(partialKey('acme', { id: '7', key: 'A/B' }, false), 'acme/7_A%2FB', 'no extra key level');
  t.equal(spaceScopeName('A/B'), 'A%2FB', 'one scope under the root, not two');
  t.equal(spaceScopeName('..'), '%2E%2E', 'never the parent scope');
  t.equal(spaceScopeName('.'), '%2E');
  t.equal(spaceScopeName('a..b'), 'a..b', 'dots inside a key are harmless');
  t.equal(spaceExternalId('acme', { id: '7', key: 'K:X' }), 'confc:acme:7:K%3AX', 'still three segments');
  t.equal(keySegment('50% off'), '50%25%20off', '% itself is encoded, so decoding is exact');
  t.equal(keySegment('a\u202Eb\u0000c\nd'), 'a%E2%80%AEb%00c%0Ad', 'control and bidi characters');
  t.equal(attachmentItemKey('1/2', 'att:3'), '1%2F2::att%3A3', 'ids too, should a server send odd ones');
});

t.test('a mark an older version wrote for an odd key parses as not canonical, with its legacy partial key', async (t) => {
  const parsed = parseSpaceExternalId('confc:acme:7:50% off');
  t.same(parsed, { tenant: 'acme', spaceId: '7', spaceKey: '50% off', canonical: false, keySegment: '50% off' });
  t.equal(legacyPartialKey(parsed!, false), 'acme/7_50% off');
  t.equal(legacyPartialKey(parsed!, true), '7_50% off');
  t.equal(parseSpaceExternalId('confc:acme:7:K%3AX')?.canonical, true);
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
