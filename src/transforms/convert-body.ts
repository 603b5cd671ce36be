import type { InstanceType } from '../config/types.js';
import { convertStorage, webContextOf, type ConvertOptions } from '../convert/index.js';
import type { PageRecord } from '../records.js';

export interface ConvertBodyOptions {
  /** The tenant's Confluence base URL (DC: including any context path). */
  baseUrl: string;
  instanceType: InstanceType;
}

/**
 * Storage format to the HTML uploaded to Unique, with page links built from the
 * tenant's base URL. Links to pages in the same space use the page's own space key.
 */
export function convertBodyWith(options: ConvertBodyOptions): (page: PageRecord) => PageRecord {
  const webContext = webContextOf(options.baseUrl, options.instanceType);
  return (page) => converted(page, webContext);
}

/**
 * The page with its HTML. What resolve-references looked up (included pages, user
 * names) goes into the conversion; the included bodies are not needed after it.
 */
function converted(page: PageRecord, webContext: string | undefined): PageRecord {
  const parent = page.ancestors[page.ancestors.length - 1];
  const options: ConvertOptions = {
    webContext,
    spaceKey: page.space.key,
    page: { id: page.id, title: page.title, parentTitle: parent?.title, parentId: parent?.id },
    includes: page.includes,
    users: page.users,
  };
  const { includes: _looked, ...rest } = page;
  return { ...rest, html: convertStorage(page.storage ?? '', options) };
}

/**
 * The same without tenant options: the site's web context is read from the page's own
 * web URL, whose shapes the connector builds itself (confluence/urls.ts); when it has
 * none of them, page links keep their text without an href.
 */
export function convertBody(page: PageRecord): PageRecord {
  return converted(page, webContextFromPageUrl(page.webUrl));
}

/**
 * `{ctx}/pages/viewpage.action?pageId=…` (DC, and Cloud without `_links.webui`) or
 * `{ctx}/spaces/{key}/pages|blog/…` (Cloud `_links.webui`) → `{ctx}`.
 */
export function webContextFromPageUrl(webUrl: string): string | undefined {
  const match = /^(https?:\/\/.+?)\/(?:pages\/viewpage\.action|spaces\/[^/]+\/(?:pages|blog)\/|display\/)/i.exec(webUrl);
  return match?.[1];
}
