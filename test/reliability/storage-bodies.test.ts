/**
 * Hostile storage bodies and titles in whole cycles (Confluence contract §14: "never
 * throw on malformed input; keep the text"): malformed XML, a 5 MB body, 10 000 table
 * cells, macros nested 200 deep, control characters, titles in every kind of Unicode
 * and a title that is not even valid UTF-8 on the wire. The cycle never crashes, and
 * every page is either stored in Unique or skipped with a logged reason.
 */
import t from 'tap';
import { contentTitle } from '../../src/unique/titles.js';
import { startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';
import { ENG, SINGLE, page } from '../pipeline/support/scenario.js';
import { storedSnapshot, v1Envelope, v1Item, watchUnhandledRejections } from './support/hostile.js';

const SEARCH = /\/rest\/api\/content\/search$/;
const PARTIAL = 'acme/4101_ENG';
const MB = 1024 * 1024;

/** Page ids that are neither stored nor named (as `pageId`/`contentId`) by a warning or debug line giving a reason. */
function unaccounted(h: CycleHarness, ids: readonly string[]): string[] {
  const stored = new Set(h.storedKeys().map((key) => key.slice(key.lastIndexOf('/') + 1)));
  const explained = new Set(
    h.logs
      .lines()
      .filter((line) => line.level !== undefined && (line.level as number) >= 20 && (line.reason !== undefined || line.error !== undefined || /skipped|vanished/i.test(String(line.msg))))
      .map((line) => String(line.pageId ?? line.contentId ?? line.firstPageId)),
  );
  return ids.filter((id) => !stored.has(id) && !explained.has(id));
}

function storedText(h: CycleHarness, id: string): string {
  return h.unique.state.content(`${PARTIAL}/${id}`)?.uploaded?.text ?? '';
}

const MALFORMED = [
  '<p>Unclosed <strong>bold <em>and italic',
  '</div></p></ac:structured-macro>stray closers',
  '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[SELECT 1; -- cut off',
  '<ac:image><ri:attachment ri:filename="never-closed.png"',
  '<p a="1" a="2" b=\'x>attribute soup</p><<<>>>&&&;&#xZZZZ;&#99999999;&bogus;',
  '<table><tr><td>cell<td>cell<tr><td>row',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY boom "boom">]><p>&boom; doctype</p>',
].join('\n');

function tableOf(rows: number, cols: number): string {
  const row = (r: number) => `<tr>${Array.from({ length: cols }, (_, c) => `<td>r${r}c${c}</td>`).join('')}</tr>`;
  return `<table><tbody>${Array.from({ length: rows }, (_, r) => row(r)).join('')}</tbody></table>`;
}

function nestedMacros(depth: number): string {
  let body = '<p>innermost-word</p>';
  for (let i = 0; i < depth; i += 1) {
    const name = ['expand', 'panel', 'info', 'details'][i % 4];
    body = `<ac:structured-macro ac:name="${name}"><ac:parameter ac:name="title">level ${i}</ac:parameter><ac:rich-text-body>${body}</ac:rich-text-body></ac:structured-macro>`;
  }
  return body;
}

/** About `bytes` of paragraphs, each one numbered so losing any shows. */
function bigBody(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const p = `<p>Paragraph ${i} of a very long page, with <strong>some</strong> markup &amp; entities.</p>`;
    parts.push(p);
    size += p.length;
  }
  parts.push('<p>last-paragraph-marker</p>');
  return parts.join('');
}

/** Every C0 control but NUL, tab, LF and CR, plus DEL and the C1 range. */
const CONTROL_CHARS = [
  ...Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).filter((c) => !'\t\n\r'.includes(c)),
  '\u007f',
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i)),
].join('');

const UNICODE_TITLES: Record<string, string> = {
  '6001': 'עברית and العربية mixed with English',
  '6002': 'Override \u202eevil.exe\u202c and isolate \u2067RTL\u2069 marks',
  '6003': 'Emoji 👩‍👩‍👧‍👦 🏳️‍🌈 🇨🇭 1️⃣ 👍🏽',
  '6004': 'Z̸̢̛͓a̵̡͖l̴͇̈́g̷̱͝o̶̗͂ combining marks',
  '6005': `Controls ${CONTROL_CHARS} end`,
  '6006': 'Zero\u200bwidth\u200cjoiners\u200d and BOM \ufeff and NBSP\u00a0',
  '6007': '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral 𠜎𠜱 CJK 漢字 かな 한글',
  '6008': 'Lone surrogate \ud83d here',
  '6009': '<script>alert(1)</script> & "quotes" \'single\'',
  '6010': ' ',
};

t.test('hostile storage bodies: every page is ingested or skipped with a reason, nothing crashes', async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const bodies: Record<string, string> = {
    '5001': MALFORMED,
    '5002': bigBody(5 * MB),
    '5003': tableOf(100, 100),
    '5004': nestedMacros(200),
    '5005': `<p>Controls in text: ${CONTROL_CHARS} and in an attribute <a href="x${CONTROL_CHARS}">link</a></p><ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[${CONTROL_CHARS}]]></ac:plain-text-body></ac:structured-macro>`,
    '5006': '\ufeff<p>BOM first, then a lone surrogate \udc00 and U+FFFE \ufffe and U+FFFF \uffff</p>',
    '5007': `${'<div>'.repeat(20_000)}deep-div-word${'</div>'.repeat(20_000)}`,
    '5008': '<![CDATA[',
    '5009': '   \n\t  ',
  };
  const content: ScenarioContent[] = Object.entries(bodies).map(([id, body]) => page(id, 'ENG', { labels: SINGLE, body }));
  const h = await startCycleHarness({ spaces: [ENG], content });
  t.teardown(h.close);

  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.same(unaccounted(h, Object.keys(bodies)), [], 'every page is stored or skipped with a reason');
  t.equal(result.summary.failed, 0, 'no page failed');
  t.same(h.contentDeletions(), []);

  t.ok(storedText(h, '5001').includes('attribute soup'), 'malformed XML keeps its text');
  t.ok(storedText(h, '5001').includes('SELECT 1'), 'unterminated CDATA keeps its text');
  const big = h.unique.state.content(`${PARTIAL}/5002`);
  t.ok(big !== undefined && big.byteSize > 5 * MB - 1024, 'the 5 MB page is stored in full');
  t.equal(big?.uploaded?.size, big?.byteSize, 'its upload carried every byte');
  t.ok(storedText(h, '5003').includes('r99c99'), 'the last of 10 000 cells is there');
  t.ok(storedText(h, '5004').includes('innermost-word'), 'text under 200 nested macros survives');
  t.ok(storedText(h, '5007').includes('deep-div-word'), 'text under 20 000 nested divs survives');
  t.ok(h.storedKeys().includes(`${PARTIAL}/5005`), 'control characters do not stop a page');
  t.ok(h.storedKeys().includes(`${PARTIAL}/5006`), 'a BOM and noncharacters do not stop a page');
  t.notOk(h.storedKeys().includes(`${PARTIAL}/5009`), 'a whitespace-only body is skipped');
  t.match(h.logs.lines().find((l) => l.pageId === '5009'), { msg: 'Page has an empty body, skipped' });

  const again = await h.sync();
  t.equal(again.outcome, 'succeeded');
  t.equal(again.summary.ingested, 0, 'a second cycle finds nothing changed');
  t.same(unhandled, []);
});

t.test('titles in every kind of Unicode are ingested as given, only control and direction characters taken out', async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const content = Object.entries(UNICODE_TITLES).map(([id, title]) => page(id, 'ENG', { labels: SINGLE, title }));
  const h = await startCycleHarness({ spaces: [ENG], content });
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.same(unaccounted(h, Object.keys(UNICODE_TITLES)), []);
  for (const [id, title] of Object.entries(UNICODE_TITLES)) {
    const stored = h.unique.state.content(`${PARTIAL}/${id}`);
    if (id === '6008') {
      // JSON carries the lone surrogate as an escape; it is not valid Unicode, so either
      // it arrives as it was or it was replaced by U+FFFD somewhere on the way.
      t.ok(stored?.title === title || stored?.title === title.replace('\ud83d', '\ufffd'), 'a lone surrogate is kept or replaced, never fatal');
    } else {
      // Issue 10: control and direction-override characters are taken out (src/unique/titles.ts).
      t.equal(stored?.title, contentTitle(title), `title ${id} arrives as the title rule gives it`);
    }
  }
  const titleOf = (id: string): string | undefined => h.unique.state.content(`${PARTIAL}/${id}`)?.title;
  t.equal(titleOf('6001'), UNICODE_TITLES['6001'], 'right-to-left text itself is kept');
  t.equal(titleOf('6003'), UNICODE_TITLES['6003'], 'emoji with joiners are kept');
  t.equal(titleOf('6002'), 'Override evil.exe and isolate RTL marks', 'direction overrides and isolates are removed');
  t.equal(titleOf('6005'), 'Controls end', 'control characters are removed');
  // The uploaded HTML must still be valid UTF-8 (no lone surrogate written as raw bytes).
  for (const c of h.unique.state.contents()) {
    const bytes = c.uploaded?.bytes;
    if (bytes) t.equal(Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes), true, `${c.key} uploaded valid UTF-8`);
  }
  const again = await h.sync();
  t.equal(again.summary.ingested, 0, 'nothing looks changed the second time');
  t.same(unhandled, []);
});

t.test('a title that is invalid UTF-8 on the wire is ingested with replacement characters', async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const h = await startCycleHarness({ spaces: [ENG], content: [page('7001', 'ENG', { labels: SINGLE }), page('7002', 'ENG', { labels: SINGLE })] });
  t.teardown(h.close);
  // Raw bytes: a stray continuation byte, an overlong encoding, 0xFF and a cut 3-byte sequence.
  const [before, after] = v1Envelope([v1Item('7001', { title: '@@TITLE@@' }), v1Item('7002')]).split('@@TITLE@@');
  const listing = Buffer.concat([Buffer.from(before!), Buffer.from([0x42, 0x61, 0x64, 0x80, 0xc0, 0xaf, 0xff, 0xe2, 0x82, 0x20, 0x74, 0x69, 0x74, 0x6c, 0x65]), Buffer.from(after!)]);
  h.confluence.faults.add({ path: SEARCH, times: 1, status: 200, body: listing });
  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.same(h.storedKeys(), [`${PARTIAL}/7001`, `${PARTIAL}/7002`]);
  const title = h.unique.state.content(`${PARTIAL}/7001`)!.title;
  t.match(title, /^Bad\ufffd+ title$/, 'each invalid sequence became U+FFFD');
  t.same(h.contentDeletions(), []);
  t.same(storedSnapshot(h).length, 2);
  t.same(unhandled, []);
});
