/**
 * Titles sent to Unique (issue 10, finding 7): control and direction characters out,
 * line breaks as spaces, at most 255 characters; an ordinary title unchanged.
 */
import t from 'tap';
import { MAX_TITLE_LENGTH, UNTITLED, contentTitle } from '../../src/unique/titles.js';

t.test('ordinary titles pass unchanged', async (t) => {
  for (const title of ['Release plan', 'Q1  report (draft)', 'Ärzte & Pflege — Übersicht', '漢字のページ', 'עמוד בעברית', 'budget 2026.xlsx', 'emoji 👩‍💻 ok']) {
    t.equal(contentTitle(title), title);
  }
});

t.test('line breaks and tabs become a space; NUL, BEL, DEL, C1 and direction controls are removed', async (t) => {
  t.equal(contentTitle('Line one\nline two\r\n\tthree'), 'Line one line two three');
  t.equal(contentTitle('bell\u0007 nul\u0000 del\u007f c1\u009b end'), 'bell nul del c1 end');
  t.equal(contentTitle('invoice\u202Efdp.exe'), 'invoicefdp.exe', 'a right-to-left override cannot disguise the extension');
  t.equal(contentTitle('\u2066isolated\u2069 \u200Fmark\u200E \u202Aembedded\u202C'), 'isolated mark embedded');
  t.equal(contentTitle('para\u2028graph\u2029end\u0085x'), 'para graph end x');
  t.equal(contentTitle('  padded  '), 'padded');
  t.equal(contentTitle('a \u0001\t\n  b'), 'a b', 'a break takes the white space around it along');
  t.equal(contentTitle('NBSP kept\u00a0'), 'NBSP kept\u00a0', 'only plain spaces are trimmed');
  t.equal(contentTitle('lone \ud83d and \udc4d'), 'lone \ufffd and \ufffd', 'lone surrogates become U+FFFD');
});

t.test('a title of nothing but controls becomes Untitled', async (t) => {
  t.equal(contentTitle('\u0000\u0007\n\u202E'), UNTITLED);
  t.equal(contentTitle(''), UNTITLED);
});

t.test('a 10 KB title is cut to the documented length, keeping a file extension', async (t) => {
  const page = contentTitle('x'.repeat(10_000));
  t.equal([...page].length, MAX_TITLE_LENGTH);
  t.ok(page.endsWith('…'));
  const file = contentTitle(`${'report '.repeat(1000)}.pdf`);
  t.equal([...file].length, MAX_TITLE_LENGTH);
  t.ok(file.endsWith('….pdf'), file.slice(-10));
  const astral = contentTitle('🎉'.repeat(400));
  t.equal([...astral].length, MAX_TITLE_LENGTH, 'counted in characters, never splitting a surrogate pair');
  t.notOk(/[\ud800-\udbff](?![\udc00-\udfff])/.test(astral));
  t.equal(contentTitle('y'.repeat(MAX_TITLE_LENGTH)), 'y'.repeat(MAX_TITLE_LENGTH), 'exactly at the limit stays whole');
});
