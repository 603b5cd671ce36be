import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { convertStorageStrict, webContextOf } from '../../src/convert/index.js';
import { htmlText, missingWords, namespacedTags, storageWords } from '../fixtures/storage/visible-words.js';
import { contentParameterWords, emptyLeftovers, readableText } from '../fixtures/storage/content-parameters.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/storage/', import.meta.url));
const names = readdirSync(FIXTURES).filter((file) => file.endsWith('.xml')).map((file) => file.slice(0, -4)).sort();
const options = { webContext: webContextOf('https://confluence.acme.example', 'data-center'), spaceKey: 'OPS' };

for (const name of names) {
  t.test(`every visible word of ${name}.xml survives, in order`, async (t) => {
    const storage = readFileSync(`${FIXTURES}${name}.xml`, 'utf8');
    const html = convertStorageStrict(storage, options);
    const inputWords = storageWords(storage);
    t.same(missingWords(inputWords, htmlText(html)), [], `${inputWords.length} words checked`);
    t.same(namespacedTags(html), [], 'no ac: or ri: element is left');
    const parameterWords = contentParameterWords(storage);
    t.same(missingWords(parameterWords, readableText(html), false), [], `${parameterWords.length} content-parameter words kept`);
    t.same(emptyLeftovers(html), [], 'no empty leftover element');
  });
}

t.test('the retention check itself notices a lost word', async (t) => {
  const storage = '<p>alpha <strong>beta</strong></p><ac:structured-macro ac:name="toc"><ac:parameter ac:name="x">hidden</ac:parameter></ac:structured-macro>';
  t.same(storageWords(storage), ['alpha', 'beta'], 'parameters and navigation macros are not visible words');
  t.same(missingWords(['alpha', 'beta'], 'alpha'), ['beta']);
  t.same(missingWords(['beta', 'alpha'], 'alpha beta'), ['alpha'], 'order matters');
});
