import t from 'tap';
import { parseDocument } from 'htmlparser2';
import { textContent } from 'domutils';
import { convertStorage, convertStorageStrict } from '../../src/convert/index.js';
import { htmlText, namespacedTags } from '../fixtures/storage/visible-words.js';

/** The text of the first `<code>` in converted HTML, as a browser decodes it. */
function codeText(html: string): string {
  const code = parseDocument(html).children.flatMap((node) => ('children' in node ? node.children : [])).flatMap((node) => ('children' in node ? node.children : []))[0];
  return code ? textContent(code) : '';
}

t.test('code text survives exactly, with <, &, quotes, ]]> and a leading newline', async (t) => {
  const code = '\nif (a < b && c > "d") { x = y[z[0]]; }\n  // ]]> ends CDATA\n';
  const storage = `<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">java</ac:parameter><ac:plain-text-body><![CDATA[${code.replace(']]>', ']]]]><![CDATA[>')}]]></ac:plain-text-body></ac:structured-macro>`;
  const html = convertStorage(storage);
  t.match(html, '<pre><code class="language-java">');
  t.equal(codeText(html), code);
});

t.test('a callout keeps its kind and title as text', async (t) => {
  const html = convertStorage('<ac:structured-macro ac:name="warning"><ac:parameter ac:name="title">do not run this in production</ac:parameter><ac:rich-text-body><p>It drops tables.</p></ac:rich-text-body></ac:structured-macro>');
  t.match(htmlText(html), 'Warning: do not run this in production');
  t.match(html, /^<aside>\n<p><strong>Warning: do not run this in production<\/strong><\/p>/);
});

t.test('a status lozenge becomes its title in brackets', async (t) => {
  t.equal(convertStorage('<p>State: <ac:structured-macro ac:name="status"><ac:parameter ac:name="title">DONE</ac:parameter></ac:structured-macro></p>'), '<p>State: [DONE]</p>\n');
});

t.test('an inlined data: image survives byte for byte, however large', async (t) => {
  const src = `data:image/png;base64,${'iVBORw0KGgo+/='.repeat(80_000)}`;
  const html = convertStorage(`<p><img src="${src}" alt="chart"></p>`);
  t.ok(html.includes(`src="${src}"`), 'the data URL is unchanged');
});

t.test('scripts, styles, event handlers, classes and styles are removed', async (t) => {
  const html = convertStorage('<script>steal()</script><style>p{}</style><p class="x" style="color:red" onclick="steal()" onmouseover="steal()">kept</p><a href="javascript:steal()">link text</a>');
  t.equal(html, '<p>kept</p>\n<p>link text</p>\n');
});

t.test('garbage never throws and keeps its text', async (t) => {
  const inputs = [
    '<<<>>>&&&;;;',
    '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[cut here',
    '</p></p></ac:link>]]>]]><![CDATA[',
    '<ac:link><ri:page ri:content-title="x"',
    '<ac:image><ri:attachment ri:filename="a.png"><p>swallowed words',
    '\u0000\u0001 control characters \uD800 lone surrogate',
    '<table><td>cell<tr>row<li>item</table>',
  ];
  for (const input of inputs) {
    const html = convertStorageStrict(input);
    t.same(namespacedTags(html), [], JSON.stringify(input));
    t.notMatch(html, /[\u0000-\u0008]/, 'no control characters');
  }
  t.match(htmlText(convertStorage(inputs[4]!)), 'swallowed words');
  t.match(htmlText(convertStorage(inputs[1]!)), 'cut here');
});

t.test('ten thousand unclosed tags neither overflow the stack nor lose the words', async (t) => {
  const storage = `${'<ac:image><ri:attachment ri:filename="x.png" />'.repeat(5000)}${'<strong>'.repeat(5000)}deep words`;
  const html = convertStorageStrict(storage);
  t.match(htmlText(html), 'deep words');
});

t.test('a megabyte page converts in full', async (t) => {
  const section = '<h2>Section</h2><p>Paragraph with <strong>bold</strong> and <ac:link><ri:page ri:content-title="Other" /></ac:link>.</p><ac:structured-macro ac:name="info"><ac:rich-text-body><p>Callout</p></ac:rich-text-body></ac:structured-macro>';
  const storage = `${section.repeat(Math.ceil(1_000_000 / section.length))}<p>last words</p>`;
  const html = convertStorageStrict(storage, { webContext: 'https://c.example', spaceKey: 'OPS' });
  t.ok(html.endsWith('<p>last words</p>\n'));
  t.equal(html.split('<aside>').length - 1, Math.ceil(1_000_000 / section.length));
});

t.test('the safety net changes nothing for a body the rules handle', async (t) => {
  const storage = '<p>a <ac:emoticon ac:name="tick" /> b</p>';
  t.equal(convertStorage(storage), convertStorageStrict(storage));
});

t.test('the same body always converts to the same HTML', async (t) => {
  const storage = '<p><img alt="a" width="3" src="https://x.example/a.png" height="4"></p><table><tr><td rowspan="2" colspan="3">c</td></tr></table>';
  t.equal(convertStorage(storage), convertStorage(storage));
  t.match(convertStorage(storage), '<img alt="a" height="4" src="https://x.example/a.png" width="3">', 'attributes in a fixed order');
});
