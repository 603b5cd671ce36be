import t from 'tap';
import { followListing, type ListingPage } from '../../src/confluence/listing.js';

/** A listing of `pages` pages of two items each, recording which URLs were fetched and when. */
function pagedListing(pages: number, fail?: { url: string; error: Error }) {
  const fetched: string[] = [];
  const fetchPage = async (url: string): Promise<ListingPage> => {
    fetched.push(url);
    if (fail?.url === url) throw fail.error;
    const n = Number(new URL(url).searchParams.get('page'));
    return { results: [{ id: `${n}a` }, { id: `${n}b` }], next: n + 1 < pages ? `/list?page=${n + 1}` : undefined };
  };
  const listing = followListing({
    firstUrl: 'https://c.test/list?page=0',
    what: 'test listing',
    endpoint: 'list',
    fetchPage,
    resolveNext: (link) => `https://c.test${link}`,
    idOf: (item) => (item as { id: string }).id,
  });
  return { fetched, listing };
}

t.test('the next page is requested before the consumer has taken this one, and only one page ahead', async (t) => {
  const { fetched, listing } = pagedListing(4);
  const first = await listing.next();
  t.same(first.value, [{ id: '0a' }, { id: '0b' }]);
  t.same(fetched, ['https://c.test/list?page=0', 'https://c.test/list?page=1'], 'page 1 in flight while page 0 is worked on; page 2 not yet');
  const rest: unknown[] = [];
  for await (const results of { [Symbol.asyncIterator]: () => listing }) rest.push(...results);
  t.equal(rest.length, 6);
  t.equal(fetched.length, 4, 'every page fetched once, none past the last');
});

t.test('a failing read-ahead fails the listing after the page before it was yielded', async (t) => {
  const { listing } = pagedListing(3, { url: 'https://c.test/list?page=1', error: new Error('boom') });
  t.same((await listing.next()).value, [{ id: '0a' }, { id: '0b' }]);
  await t.rejects(listing.next(), /boom/);
});

t.test('a consumer that stops leaves a failed read-ahead unreported', async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  t.teardown(() => process.off('unhandledRejection', onUnhandled));
  const { fetched, listing } = pagedListing(3, { url: 'https://c.test/list?page=1', error: new Error('boom') });
  await listing.next();
  await listing.return(undefined);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(fetched.length, 2);
  t.same(unhandled, []);
});

t.test('a guard that trips on the next link ends the listing after this page, without following it', async (t) => {
  const fetched: string[] = [];
  const listing = followListing({
    firstUrl: 'https://c.test/list?page=0',
    what: 'test listing',
    endpoint: 'list',
    fetchPage: async (url) => {
      fetched.push(url);
      return { results: [{ id: 'x' }], next: '/list?page=0' };
    },
    resolveNext: (link) => `https://c.test${link}`,
    idOf: (item) => (item as { id: string }).id,
  });
  t.same((await listing.next()).value, [{ id: 'x' }]);
  await t.rejects(listing.next(), { code: 'DISCOVERY_FAILED', message: /next link repeated/ });
  t.same(fetched, ['https://c.test/list?page=0']);
});
