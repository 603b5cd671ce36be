import type { InstanceType } from '../config/types.js';
import { convertStorage, webContextOf } from '../convert/index.js';
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
  return (page) => withHtml(page, convertStorage(page.storage, { webContext, spaceKey: page.space.key }));
}

/**
 * The same without tenant options: the site's web context is read from the page's own
 * web URL, whose shapes the connector builds itself (confluence/urls.ts); when it has
 * none of them, page links keep their text without an href.
 */
export function convertBody(page: PageWithStorage): PageWithHtml {
  const webContext = webContextFromPageUrl(page.webUrl);
  // Tolerant of a record built by hand without a body (explain, tests): no body, no HTML.
  return withHtml(page, convertStorage(page.storage ?? '', { webContext, spaceKey: page.space.key }));
}

function withHtml(page: PageWithStorage, html: string): PageWithHtml {
  const { storage: _converted, ...rest } = page;
  return { ...rest, html };
}

/**
 * `{ctx}/pages/viewpage.action?pageId=…` (DC, and Cloud without `_links.webui`) or
 * `{ctx}/spaces/{key}/pages|blog/…` (Cloud `_links.webui`) → `{ctx}`.
 */
export function webContextFromPageUrl(webUrl: string): string | undefined {
  const match = /^(https?:\/\/.+?)\/(?:pages\/viewpage\.action|spaces\/[^/]+\/(?:pages|blog)\/|display\/)/i.exec(webUrl);
  return match?.[1];
}
