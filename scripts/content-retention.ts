/**
 * `node --import tsx scripts/content-retention.ts [converter module]`: how much of the
 * real-world corpus (test/fixtures/real-world) survives conversion: visible words,
 * words in content-bearing macro parameters, empty leftover elements, leaked `ac:`/`ri:`
 * elements. Pass another checkout's `src/convert/index.ts` to measure that converter
 * (a before/after); by default this checkout's converter is measured.
 */
import { pathToFileURL } from 'node:url';
import { corpusNames, measureDocument, percent, totals, type Convert } from '../test/fixtures/real-world/measure.js';

const modulePath = process.argv[2];
const converter = (await import(modulePath ? pathToFileURL(modulePath).href : '../src/convert/index.js')) as { convertStorage: (storage: string, options?: object) => string };
const options = { webContext: 'https://confluence.example.org', spaceKey: 'DOC', page: { id: '1', title: 'Corpus page' } };
const convert: Convert = (storage) => converter.convertStorage(storage, options);
const measures = corpusNames().map((name) => measureDocument(name, convert));
const all = totals(measures);
console.log(
  JSON.stringify(
    {
      converter: modulePath ?? 'this checkout',
      documents: all.documents,
      threw: all.threw,
      visibleWords: `${all.visibleKept} of ${all.visibleWords} (${percent(all.visibleKept, all.visibleWords)})`,
      contentParameterWords: `${all.parameterKept} of ${all.parameterWords} (${percent(all.parameterKept, all.parameterWords)})`,
      emptyLeftovers: all.emptyLeftovers,
      leakedElements: all.leaked,
      lostParameterWords: Object.fromEntries(measures.filter((m) => m.parameterMissing.length > 0).map((m) => [m.name, m.parameterMissing])),
      emptyLeftoversByDocument: Object.fromEntries(measures.filter((m) => m.emptyLeftovers.length > 0).map((m) => [m.name, m.emptyLeftovers])),
    },
    null,
    2,
  ),
);
