/**
 * Every Confluence URL the connector builds, per flavour (contract §1, §3, §8). API
 * URLs go to the REST root (Cloud: the Atlassian gateway, because OAuth tokens are
 * only accepted there); web URLs go to the site, because they are what a reader of
 * the Unique answer clicks, and they are identity-relevant (sent as Unique `url`).
 */
import type { ConfluenceConfig, InstanceType } from '../config/types.js';

export interface ConfluenceUrls {
  flavour: InstanceType;
  /** Cloud `{ATLASSIAN_API_BASE_URL}/ex/confluence/{cloudId}`, DC `{baseUrl}`. */
  restRoot: string;
  /** Cloud `{R}/wiki/rest/api`, DC `{baseUrl}/rest/api`. */
  v1: string;
  /** Cloud `{R}/wiki/api/v2`; undefined on DC (no v2 there). */
  v2: string | undefined;
  /**
   * Where the tenant's credentials may go: the configured site and, on Cloud, the
   * Atlassian gateway and media origins (§1, §6.4). Nothing else ever receives them.
   */
  credentialOrigins: readonly string[];
  /** Absolute URL of a `_links.next` (v1 or v2) per §8. */
  resolveNext(link: string): string;
  /** `GET …/content/search?cql=…&expand=…&limit=…[&start=…]` (E1, E2, E3 batch, E8 Cloud). */
  contentSearch(cql: string, expand: string, limit?: number, start?: number): string;
  /** DC E8: `GET {baseUrl}/rest/api/content?spaceKey=…&title=…&type=page&expand=…`. */
  contentByTitle(spaceKey: string, title: string, expand: string): string;
  /** Cloud E4: the v2 attachment listing of a page or a blog post. */
  v2Attachments(contentId: string, type: string, limit: number): string;
  /** Cloud E6 / DC E7. */
  attachmentDownload(pageId: string, attachmentId: string, downloadPath: string | undefined): string;
  /** DC E9 (the ownership mark); Cloud has none. */
  manifest(): string;
  /** §1 page / blog post web URL. */
  pageWebUrl(id: string, webui: string | undefined): string;
  /** §1 attachment web URL. */
  attachmentWebUrl(pageId: string, attachmentId: string, title: string): string;
}

const ABSOLUTE = /^https?:\/\//i;

/** §6.4: where the Cloud gateway redirects downloads (a signed, self-authorising URL). */
export const ATLASSIAN_MEDIA_ORIGIN = 'https://api.media.atlassian.com';

export function confluenceUrls(config: Pick<ConfluenceConfig, 'instanceType' | 'baseUrl' | 'cloudId'>, atlassianApiBaseUrl: string): ConfluenceUrls {
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const cloud = config.instanceType === 'cloud';
  if (cloud && !config.cloudId) throw new Error('a Cloud Confluence configuration needs a cloudId');
  const restRoot = cloud ? `${atlassianApiBaseUrl.replace(/\/+$/, '')}/ex/confluence/${config.cloudId}` : baseUrl;
  // Cloud API paths live under the `/wiki` context of the gateway; DC paths under the context path already in baseUrl.
  const apiContext = cloud ? `${restRoot}/wiki` : baseUrl;
  const v1 = `${apiContext}/rest/api`;
  const webContext = cloud ? `${baseUrl}/wiki` : baseUrl;

  return {
    flavour: config.instanceType,
    restRoot,
    v1,
    v2: cloud ? `${restRoot}/wiki/api/v2` : undefined,
    credentialOrigins: [...new Set([baseUrl, ...(cloud ? [restRoot, ATLASSIAN_MEDIA_ORIGIN] : [])].map((url) => new URL(url).origin))],
    resolveNext(link) {
      if (ABSOLUTE.test(link)) return link;
      const path = link.startsWith('/') ? link : `/${link}`;
      if (!cloud) return `${baseUrl}${path}`;
      // v2 links (and some v1 links) already carry the /wiki context: prefix the root only.
      if (path === '/wiki' || path.startsWith('/wiki/')) return `${restRoot}${path}`;
      return `${restRoot}/wiki${path}`;
    },
    contentSearch(cql, expand, limit, start) {
      let url = `${v1}/content/search?cql=${encodeURIComponent(cql)}&expand=${expand}`;
      if (limit !== undefined) url += `&limit=${limit}`;
      if (start !== undefined) url += `&start=${start}`;
      return url;
    },
    contentByTitle(spaceKey, title, expand) {
      return `${v1}/content?spaceKey=${encodeURIComponent(spaceKey)}&title=${encodeURIComponent(title)}&type=page&expand=${expand}`;
    },
    v2Attachments(contentId, type, limit) {
      if (!cloud) throw new Error('the v2 API exists on Confluence Cloud only');
      // Contract §6.3 [R]: blog posts have their own v2 path; everything else is listed as a page.
      const collection = type === 'blogpost' ? 'blogposts' : 'pages';
      return `${restRoot}/wiki/api/v2/${collection}/${encodeURIComponent(contentId)}/attachments?limit=${limit}`;
    },
    attachmentDownload(pageId, attachmentId, downloadPath) {
      if (cloud) {
        // §6.4: never the legacy download path on Cloud; the gateway redirects to the media host.
        return `${v1}/content/${encodeURIComponent(pageId)}/child/attachment/${encodeURIComponent(attachmentId)}/download`;
      }
      if (!downloadPath) throw new Error(`attachment ${attachmentId} has no download path`);
      return ABSOLUTE.test(downloadPath) ? downloadPath : `${baseUrl}${downloadPath.startsWith('/') ? '' : '/'}${downloadPath}`;
    },
    manifest() {
      if (cloud) throw new Error('the applinks manifest is a Data Center endpoint');
      return `${baseUrl}/rest/applinks/1.0/manifest`;
    },
    pageWebUrl(id, webui) {
      if (!cloud) return `${baseUrl}/pages/viewpage.action?pageId=${encodeURIComponent(id)}`;
      // Without `_links.webui` (never seen, but not guaranteed) the id-based URL still opens the page.
      if (!webui) return `${webContext}/pages/viewpage.action?pageId=${encodeURIComponent(id)}`;
      return `${webContext}${webui.startsWith('/') ? '' : '/'}${webui}`;
    },
    attachmentWebUrl(pageId, attachmentId, title) {
      const id = cloud ? attachmentId.replace(/^att/, '') : attachmentId;
      const preview = encodeURIComponent(`/${pageId}/${id}/${title}`);
      return `${webContext}/pages/viewpageattachments.action?pageId=${encodeURIComponent(pageId)}&preview=${preview}`;
    },
  };
}
