/**
 * Memory bounded by design (issue 10, finding 4): a page over `processing.maxPageBodyMb`
 * is skipped with a WARN naming it, a body search answer is cut at twice the limit plus
 * 1 MiB while it streams, and a batch whose answer is over that is split down to single
 * pages. Small sizes here; `npm run bench:heap` proves the same under the heap cap.
 */
import t from 'tap';
import { explainPage } from '../../src/explain/explain.js';
import { bodyLimits } from '../../src/body-limits.js';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import { ENG, SINGLE, page, storedIds } from './support/scenario.js';

const MAX_MB = 0.2;
const KB = 1024;
/** A storage body of about `bytes` bytes. */
const bodyOf = (id: string, bytes: number) => `<p>${id}: ${'x'.repeat(bytes)}</p>`;
const isBodySearch = (query: Record<string, string | undefined>) => query.expand?.includes('body.storage') === true;

t.test('a page over maxPageBodyMb is skipped with a warning naming it; a batch answer over the cap is split, one half after the other', async (t) => {
  const limits = bodyLimits(MAX_MB);
  t.same(limits, { pageBytes: 209_715, answerBytes: 2 * 209_715 + 1024 * KB });
  // Twelve pages within the limit whose batch answer (~1.8 MB) is over the cap, one page
  // over the limit but within the cap, one page over the cap on its own.
  const normal = Array.from({ length: 12 }, (_, i) => String(6001 + i));
  const content = [
    ...normal.map((id) => page(id, 'ENG', { labels: SINGLE, body: bodyOf(id, 150 * KB) })),
    page('6101', 'ENG', { labels: SINGLE, body: bodyOf('6101', 300 * KB), title: 'Big page' }),
    page('6102', 'ENG', { labels: SINGLE, body: bodyOf('6102', 2048 * KB), title: 'Huge page' }),
  ];
  const h = await startCycleHarness({ spaces: [ENG], content }, { tenant: (config) => void (config.processing.maxPageBodyMb = MAX_MB) });
  t.teardown(h.close);

  const result = await h.sync();
  t.equal(result.outcome, 'succeeded', 'a page over the limit is a configured skip, not a failure');
  t.equal(result.summary.ingested, 12);
  t.equal(result.summary.skipped, 2);
  t.equal(result.summary.failed, 0);
  t.same(storedIds(h), normal);
  const warnings = h.logs.lines().filter((line) => line.msg === 'Page body larger than processing.maxPageBodyMb, skipped');
  t.match(
    warnings.sort((a, b) => String(a.pageId).localeCompare(String(b.pageId))),
    [
      { level: 40, pageId: '6101', title: 'Big page', space: 'ENG', maxPageBodyMb: MAX_MB, bodySize: /^30\d{4} bytes$/ },
      { level: 40, pageId: '6102', title: 'Huge page', maxPageBodyMb: MAX_MB, bodySize: `more than ${limits.answerBytes} bytes of answer` },
    ],
    'one WARN per page, naming it',
  );
  const searches = h.confluence.requests.filter((request) => isBodySearch(request.query));
  const sizes = searches.map((request) => (request.query.cql!.match(/\d{4}/g) ?? []).length);
  t.equal(sizes[0], 14, 'the first search asks for the whole batch');
  t.ok(sizes.includes(1), 'split down to a single page');
  t.ok(searches.length < 14, `a bisection, not a search per page (${sizes.join(', ')})`);

  const again = await h.sync();
  t.equal(again.summary.new, 2, 'the skipped pages are offered again next cycle');
  t.equal(again.summary.skipped, 2);
});

t.test('explain says why a page over maxPageBodyMb is not synced', async (t) => {
  const content = [
    page('6101', 'ENG', { labels: SINGLE, body: bodyOf('6101', 300 * KB) }),
    page('6102', 'ENG', { labels: SINGLE, body: bodyOf('6102', 2048 * KB) }),
    page('6103', 'ENG', { labels: SINGLE }),
  ];
  const h = await startCycleHarness({ spaces: [ENG], content }, { tenant: (config) => void (config.processing.maxPageBodyMb = MAX_MB) });
  t.teardown(h.close);
  const runtime = h.runtime();
  t.teardown(() => runtime.close());
  const rule = 'body within processing.maxPageBodyMb';
  const big = await explainPage(runtime, '6101', { offline: true });
  t.equal(big.synced, false);
  t.match(big.checks.find((check) => check.rule === rule), { passed: false, detail: /^30\d{4} bytes of storage format, over 0.2 MB: sync skips the page/ });
  const huge = await explainPage(runtime, '6102', { offline: true });
  t.equal(huge.synced, false);
  t.match(huge.checks.find((check) => check.rule === rule), { passed: false, detail: /more than \d+ bytes, far over 0.2 MB/ });
  const small = await explainPage(runtime, '6103', { offline: true });
  t.equal(small.synced, true);
  t.match(small.checks.find((check) => check.rule === rule), { passed: true });
});

t.test('an included page over maxPageBodyMb is not copied into the pages that include it: they keep its marker', async (t) => {
  const include = (title: string) => `<ac:structured-macro ac:name="include"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="${title}" /></ac:link></ac:parameter></ac:structured-macro>`;
  const content = [
    page('6201', 'ENG', { labels: SINGLE, body: `<p>Intro.</p>${include('Big included')}${include('Small included')}` }),
    page('6202', 'ENG', { title: 'Big included', body: bodyOf('BIGINC', 300 * KB) }),
    page('6203', 'ENG', { title: 'Small included', body: '<p>Small included text.</p>' }),
  ];
  const h = await startCycleHarness({ spaces: [ENG], content }, { tenant: (config) => void (config.processing.maxPageBodyMb = MAX_MB) });
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(result.summary.ingested, 1);
  const html = h.unique.state.contents().find((stored) => stored.key.endsWith('/6201'))!.uploaded!.text!;
  t.match(html, 'Small included text.', 'a small include is copied in');
  t.notMatch(html, 'BIGINC', 'the large one is not');
  t.match(html, '[Included page: ', 'its marker stays');
  t.match(h.logs.lines().filter((line) => line.msg === 'Included page body larger than processing.maxPageBodyMb, its includes keep their marker'), [{ level: 40, includedPage: '6202', maxPageBodyMb: MAX_MB }]);
});
