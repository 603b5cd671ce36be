/**
 * Deterministic benchmark content: a Data Center space of N pages under one page
 * labelled with the "all" label, each with a 5–20 KB storage body of realistic shape
 * (headings, paragraphs, a table, a code macro); about one page in ten carries a small
 * attachment (a PDF or a text file of 2–50 KB: 195 of them at N=2000). Optionally one
 * big attachment on the root page, whose bytes the simulator generates as a stream.
 */
import type { ScenarioContent } from '../../test/simulators/confluence/index.js';
import { seededRandom } from '../../test/simulators/seeded-random.js';

const WORDS = 'service deploy release database cluster request latency owner incident runbook policy customer invoice quarterly roadmap migration backup restore alert threshold capacity'.split(' ');

/** Seeded, so every run generates the same wiki. */
export const prng = seededRandom;

function sentence(random: () => number): string {
  const length = 8 + Math.floor(random() * 12);
  const words = Array.from({ length }, () => WORDS[Math.floor(random() * WORDS.length)]);
  return `${words.join(' ')}.`;
}

export function storageBody(random: () => number, targetBytes: number): string {
  const parts: string[] = [];
  let size = 0;
  let section = 1;
  while (size < targetBytes) {
    const block =
      section % 4 === 0
        ? `<table><tbody><tr><th>Key</th><th>Value</th></tr><tr><td>${sentence(random)}</td><td>${sentence(random)}</td></tr></tbody></table>`
        : section % 5 === 0
          ? `<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[kubectl rollout status deploy/api && echo "${sentence(random)}"]]></ac:plain-text-body></ac:structured-macro>`
          : `<h2>Section ${section}</h2><p>${sentence(random)} ${sentence(random)} ${sentence(random)}</p>`;
    parts.push(block);
    size += block.length;
    section += 1;
  }
  return parts.join('\n');
}

/** The id of the big attachment (`--big-attachment`). */
export const BIG_ATTACHMENT_ID = 'att9000001';

/** Share of pages with a small attachment. */
const ATTACHMENT_SHARE = 0.1;
const ATTACHMENT_SEED_OFFSET = 304;

export interface BenchSpaceOptions {
  /** One attachment of this many bytes on the root page (0: none). */
  bigAttachmentBytes?: number;
  /** Small attachments on about one page in ten (default true). */
  attachments?: boolean;
}

export function benchSpace(pages: number, seed = 42, options: BenchSpaceOptions = {}): { spaces: { id: number; key: string; name: string; type: 'global' }[]; content: ScenarioContent[] } {
  const random = prng(seed);
  // A stream of its own, so the page bodies stay the same with or without attachments;
  // its seed gives the attachment counts of the measurements (11 at N=100, 195 at N=2000).
  const attachmentRandom = prng(seed + ATTACHMENT_SEED_OFFSET);
  const big = options.bigAttachmentBytes ?? 0;
  const content: ScenarioContent[] = [
    {
      id: '1000000',
      type: 'page',
      title: 'Benchmark root',
      spaceKey: 'BENCH',
      labels: ['ai-ingest-all'],
      body: '<p>Root of the benchmark tree.</p>',
      version: { number: 1, when: '2026-01-01T00:00:00.000Z' },
      attachments: big > 0 ? [{ id: BIG_ATTACHMENT_ID, title: 'big-export.pdf', mediaType: 'application/pdf', size: big }] : [],
    },
  ];
  for (let index = 1; index < pages; index += 1) {
    const id = String(1000000 + index);
    // A shallow tree: every page hangs under the root or under one of the first 50 pages.
    const parentId = index <= 50 ? '1000000' : String(1000000 + 1 + (index % 50));
    content.push({
      id,
      type: 'page',
      title: `Benchmark page ${index}`,
      spaceKey: 'BENCH',
      parentId,
      labels: index % 7 === 0 ? ['runbook'] : [],
      body: storageBody(random, 5_000 + Math.floor(random() * 15_000)),
      version: { number: 1, when: '2026-01-01T00:00:00.000Z' },
      attachments: options.attachments === false ? [] : smallAttachment(attachmentRandom, index),
    });
  }
  return { spaces: [{ id: 424242, key: 'BENCH', name: 'Benchmark', type: 'global' }], content };
}

function smallAttachment(random: () => number, index: number): NonNullable<ScenarioContent['attachments']> {
  if (random() >= ATTACHMENT_SHARE) return [];
  const pdf = random() < 0.5;
  const size = 2_048 + Math.floor(random() * 48_000);
  const id = `att${8000000 + index}`;
  return [{ id, title: pdf ? `report-${index}.pdf` : `notes-${index}.txt`, mediaType: pdf ? 'application/pdf' : 'text/plain', size }];
}
