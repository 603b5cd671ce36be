/**
 * Image inlining (Confluence contract §14.1, §16.14): with image content extraction
 * on, each `<ac:image>` of an attachment (this page's, or another page's found by
 * space key and title) becomes `<img src="data:…">` in the storage body, before the
 * body is converted. External `ri:url` images are left alone and never fetched. An
 * image that cannot be inlined keeps its macro (the converter turns it into a text
 * marker). Image attachments of the page that no macro references are appended.
 *
 * Memory: a page holds its body and the images it needs while it is assembled, no
 * more; each image is downloaded once per page, a few at a time.
 *
 * Read restrictions (contract §17): an image attached to another page is shown by
 * Confluence only to readers of that page. It is inlined only when that page passes the
 * cycle's read access (`skip` mode: own restriction, a restricted ancestor or an unknown
 * state refuse it); a refused image keeps its macro, is never downloaded, and the
 * refusal is counted and logged. The page lookup (E8) asks for the ancestors and
 * restrictions, so judging it needs a request only for ancestors not known yet.
 */
import { isInlinableImage, normaliseMediaType, type AttachmentPolicy } from '../../attachment-policy.js';
import type { ConfluenceApi } from '../../confluence/api.js';
import { errorMessage } from '../../errors.js';
import { type Logger, stageLogger } from '../../log.js';
import { refusalOf, type ReadAccess, type Refused } from '../../read-restrictions/access.js';
import { mergeIds, type AttachmentMeta, type PageRecord, type PageWithStorage } from '../../records.js';
import { readCapped } from './download.js';
import { appendedMarkup, dataUrl, replacementFor, type InlinedImage } from './img.js';
import { findImageReferences, type ImageReference } from './references.js';

/** Image downloads in flight per page: the contract allows 20; a few keep memory and the rate limit calm. */
export const IMAGE_DOWNLOAD_CONCURRENCY = 4;

export interface InlineImagesDeps {
  api: Pick<ConfluenceApi, 'downloadAttachment' | 'findPageByTitle'>;
  policy: AttachmentPolicy;
  logger: Logger;
  /** The cycle's read access (contract §17): an image of a page a reader may not see keeps its macro. */
  access: Pick<ReadAccess, 'enforced' | 'verdicts' | 'refuse'>;
  concurrency?: number;
  /** A stop request: no image download starts after it, and those in flight are cut off. */
  signal?: AbortSignal;
}

interface Target {
  pageId: string;
  meta: AttachmentMeta;
}

type Resolution = { target: Target } | { skip: string; refused?: { owner: PageRecord; verdict: Refused } };

/**
 * Builds the per-page inliner. The cross-page lookup cache lives as long as the
 * returned function, which the pipeline builds once per cycle. Constructing it does
 * no I/O.
 */
export function inlineImagesWith(deps: InlineImagesDeps): (page: PageWithStorage) => Promise<PageWithStorage> {
  const log = stageLogger(deps.logger, 'inline-images');
  const concurrency = deps.concurrency ?? IMAGE_DOWNLOAD_CONCURRENCY;
  const otherPages = new Map<string, Promise<PageRecord | undefined>>();

  const lookUp = (spaceKey: string, title: string): Promise<PageRecord | undefined> => {
    const key = `${spaceKey}\u0000${title}`;
    let found = otherPages.get(key);
    if (found === undefined) {
      found = deps.api.findPageByTitle(spaceKey, title, { readRestrictions: deps.access.enforced }).catch((error: unknown) => {
        log.warn({ spaceKey, error: errorMessage(error) }, 'Page lookup for an image failed, its images keep their macros');
        return undefined;
      });
      otherPages.set(key, found);
    }
    return found;
  };

  const resolve = async (page: PageRecord, reference: ImageReference): Promise<Resolution> => {
    const { resource } = reference;
    if (resource.kind === 'url') return { skip: 'external image' };
    if (resource.kind === 'other') return { skip: resource.why };
    let owner: Pick<PageRecord, 'id' | 'attachments'> | undefined = page;
    const ref = resource.page;
    if (ref !== undefined && !(ref.title === page.title && (ref.spaceKey ?? page.space.key) === page.space.key)) {
      const other = await lookUp(ref.spaceKey ?? page.space.key, ref.title);
      if (other === undefined) return { skip: 'referenced page not found' };
      const verdict = refusalOf(await deps.access.verdicts([other]), other.id);
      if (verdict) return { skip: 'referenced page read-restricted', refused: { owner: other, verdict } };
      owner = other;
    }
    const meta = owner.attachments.find((att) => att.title === resource.filename);
    if (meta === undefined) return { skip: 'attachment not found' };
    if (!isInlinableImage(meta, deps.policy)) return { skip: 'not an allowed image within the size cap' };
    return { target: { pageId: owner.id, meta } };
  };

  const download = async (target: Target): Promise<InlinedImage> => {
    const controller = new AbortController();
    const signal = deps.signal ? AbortSignal.any([controller.signal, deps.signal]) : controller.signal;
    const response = await deps.api.downloadAttachment({ id: target.meta.id, pageId: target.pageId, downloadPath: target.meta.downloadPath, fileSize: target.meta.fileSize }, signal);
    try {
      const bytes = await readCapped(response.body, deps.policy.maxBytes);
      return { dataUrl: dataUrl(normaliseMediaType(target.meta.mediaType), bytes), filename: target.meta.title };
    } finally {
      controller.abort();
    }
  };

  const inline = async (page: PageWithStorage): Promise<PageWithStorage> => {
    const { storage } = page;
    const references = findImageReferences(storage);
    const resolutions = await Promise.all(references.map((reference) => resolve(page, reference)));
    const refused = refuseOnce(page, resolutions);
    // Same-page references by file name, whether or not they resolve: a referenced
    // image that fails keeps its macro and is not appended a second time.
    const referenced = new Set<string>();
    references.forEach((reference, i) => {
      const resolution = resolutions[i]!;
      if ('target' in resolution && resolution.target.pageId === page.id) referenced.add(resolution.target.meta.title);
      else if (reference.resource.kind === 'attachment' && reference.resource.page === undefined) referenced.add(reference.resource.filename);
    });
    const orphans = page.attachments.filter((att) => isInlinableImage(att, deps.policy) && !referenced.has(att.title));

    const targets = new Map<string, Target>();
    for (const resolution of resolutions) if ('target' in resolution) targets.set(targetKey(resolution.target), resolution.target);
    for (const meta of orphans) targets.set(targetKey({ pageId: page.id, meta }), { pageId: page.id, meta });
    const images = await downloadAll([...targets.entries()], concurrency, async ([key, target]) => {
      try {
        if (deps.signal?.aborted) return [key, undefined] as const;
        return [key, await download(target)] as const;
      } catch (error) {
        if (deps.signal?.aborted) return [key, undefined] as const;
        log.warn({ pageId: page.id, attachmentId: target.meta.id, error: errorMessage(error) }, 'Image download failed, image not inlined');
        return [key, undefined] as const;
      }
    });
    const byKey = new Map(images);

    let out = '';
    let at = 0;
    let inlined = 0;
    const shownPages = new Set<string>();
    references.forEach((reference, i) => {
      const resolution = resolutions[i]!;
      const image = 'target' in resolution ? byKey.get(targetKey(resolution.target)) : undefined;
      if ('skip' in resolution && reference.resource.kind !== 'url') {
        log.debug({ pageId: page.id, reason: resolution.skip }, 'Image not inlined, macro kept');
      }
      if (image === undefined || reference.start < at) return;
      out += storage.slice(at, reference.start) + replacementFor(image, reference);
      at = reference.end;
      inlined += 1;
      if ('target' in resolution && resolution.target.pageId !== page.id) shownPages.add(resolution.target.pageId);
    });
    out += storage.slice(at);
    let appended = 0;
    for (const meta of orphans) {
      const image = byKey.get(targetKey({ pageId: page.id, meta }));
      if (image === undefined) continue;
      out += appendedMarkup(image);
      appended += 1;
    }
    if (inlined + appended > 0) log.debug({ pageId: page.id, inlined, appended, references: references.length }, 'Images inlined');
    // Other pages shown or refused are recorded like included pages: their read access is re-checked each cycle.
    const recorded = {
      ...(shownPages.size > 0 ? { includedPageIds: mergeIds(page.includedPageIds, [...shownPages]) } : {}),
      ...(refused.length > 0 ? { refusedPageIds: mergeIds(page.refusedPageIds, refused) } : {}),
    };
    if (inlined + appended === 0) return refused.length === 0 ? page : { ...page, ...recorded };
    return { ...page, storage: out, ...recorded };
  };

  /** One refusal per page and refused page, however many of its images the page shows; the refused pages' ids. */
  const refuseOnce = (page: PageRecord, resolutions: readonly Resolution[]): string[] => {
    const seen = new Set<string>();
    for (const resolution of resolutions) {
      if (!('refused' in resolution) || resolution.refused === undefined || seen.has(resolution.refused.owner.id)) continue;
      const { owner, verdict } = resolution.refused;
      seen.add(owner.id);
      deps.access.refuse(log, { page: { id: page.id, title: page.title }, refused: { id: owner.id, title: owner.title, type: owner.type }, verdict, via: 'image' });
    }
    return [...seen];
  };

  // Inlining only ever adds to a page: whatever goes wrong, the page goes on as it was.
  return async (page) => {
    try {
      return await inline(page);
    } catch (error) {
      log.warn({ pageId: page.id, error: errorMessage(error) }, 'Image inlining failed, page kept without inlined images');
      return page;
    }
  };
}

function targetKey(target: Target): string {
  return `${target.pageId}::${target.meta.id}`;
}

/** Runs `work` over `items`, at most `limit` at a time, results in input order. */
async function downloadAll<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
