import type { InstanceType } from '../config/types.js';
import { convertStorage, webContextOf, type ConvertOptions } from '../convert/index.js';
import type { PageWithHtml, PageWithStorage } from '../records.js';

export interface ConvertBodyOptions {
  /** The tenant's Confluence base URL (DC: including any context path). */
  baseUrl: string;
  instanceType: InstanceType;
}

/**
 * Storage format to the HTML uploaded to Unique, with page links built from the
 * tenant's base URL. Links to pages in the same space use the page's own space key.
 * The storage body is not carried on: once converted, nothing needs it.
 */
export function convertBodyWith(options: ConvertBodyOptions): (page: PageWithStorage) => PageWithHtml {
  const webContext = webContextOf(options.baseUrl, options.instanceType);
  return (page) => converted(page, webContext);
}

/**
 * The page with its HTML and without its storage body (nothing needs it once converted).
 * What resolve-references looked up (included pages, user names) goes into the
 * conversion and is not carried on.
 */
function converted(page: PageWithStorage, webContext: string | undefined): PageWithHtml {
  const parent = page.ancestors[page.ancestors.length - 1];
  const options: ConvertOptions = {
    webContext,
    spaceKey: page.space.key,
    page: { id: page.id, title: page.title, parentTitle: parent?.title, parentId: parent?.id },
    includes: page.includes,
    users: page.users,
  };
  const { storage: _converted, includes: _included, users: _named, ...rest } = page;
  // Tolerant of a record built by hand without a body (explain, tests): no body, no HTML.
  return { ...rest, html: convertStorage(page.storage ?? '', options) };
}

/**
 * The same without tenant options: the site's web context is read from the page's own
 * web URL, whose shapes the connector builds itself (confluence/urls.ts); when it has
 * none of them, page links keep their text without an href.
 */
export function convertBody(page: PageWithStorage): PageWithHtml {
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
