import t from 'tap';
import { BODY_EXPAND, batches, contentExpand, descendantsCql, discoveryCql, escapeCqlString, idsCql, singleIdCql, titleCql } from '../../src/confluence/cql.js';

const labels = { single: 'ai-ingest', all: 'ai-ingest-all' };

t.test('discovery CQL per flavour, byte for byte (§4)', async (t) => {
  t.equal(discoveryCql('cloud', labels), '((label="ai-ingest") OR (label="ai-ingest-all")) AND (space.type=global OR space.type=collaboration) AND type != attachment');
  t.equal(discoveryCql('data-center', labels), '((label="ai-ingest") OR (label="ai-ingest-all")) AND space.type=global AND type != attachment');
});

t.test('labels are inserted verbatim', async (t) => {
  t.equal(discoveryCql('data-center', { single: 'kb-sync', all: 'kb-sync-tree' }), '((label="kb-sync") OR (label="kb-sync-tree")) AND space.type=global AND type != attachment');
});

t.test('descendant CQL joins ids without spaces and takes at most 100', async (t) => {
  t.equal(descendantsCql(['1', '2', '3']), 'ancestor IN (1,2,3) AND type != attachment');
  const hundred = Array.from({ length: 100 }, (_, i) => String(i + 1));
  t.match(descendantsCql(hundred), /^ancestor IN \(1,2,.*,100\) AND type != attachment$/);
  t.throws(() => descendantsCql([...hundred, '101']), /at most 100/);
  t.throws(() => descendantsCql([]));
  t.throws(() => descendantsCql(['1) OR (label="x"']), /not a Confluence content id/);
});

t.test('id CQL for body batches and Cloud E3', async (t) => {
  t.equal(idsCql(['65601', '65602']), 'id IN (65601,65602)');
  t.equal(singleIdCql('65601'), 'id=65601');
});

t.test('title CQL escapes quotes and backslashes', async (t) => {
  t.equal(escapeCqlString('a "b" \\ c'), 'a \\"b\\" \\\\ c');
  t.equal(titleCql('MKT', 'Brand "assets"'), 'type=page AND space="MKT" AND title="Brand \\"assets\\""');
});

t.test('expand lists are §3 exactly plus ancestors', async (t) => {
  t.equal(contentExpand(true), 'metadata.labels,version,space,children.attachment,children.attachment.version,children.attachment.extensions,ancestors');
  t.equal(contentExpand(false), 'metadata.labels,version,space,ancestors');
  t.equal(BODY_EXPAND, 'body.storage,version,space,metadata.labels');
});

t.test('batches keep order and size', async (t) => {
  t.same(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  t.same(batches([], 2), []);
});
