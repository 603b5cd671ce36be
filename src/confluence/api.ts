/**
 * Confluence Cloud and Data Center behind one face (contract §3–§9, §11). Knows HTTP
 * and the wire contract; knows nothing of streams or stages. Built per tenant: it
 * holds that tenant's HTTP client, credentials and the cached instance id.
 */
import { confluenceCredentialHint } from '../auth/credential-hint.js';
import type { ConfluenceConfig } from '../config/types.js';
import { ConnectorError, isConnectorError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { boundToOrigins } from '../http/origins.js';
import type { AuthProvider, HttpResponse } from '../http/types.js';
import type { Logger } from '../log.js';
import type { PageRecord, SyncLabels } from '../records.js';
import { listAttachments } from './attachments.js';
import { BODY_BATCH_SIZE, BODY_EXPAND, batches, contentExpand, idsCql, titleCql } from './cql.js';
import { DEFAULT_LISTING_LIMITS, followListing, idOfItem, nextLinkOf, type ListingLimits, type ListingPage } from './listing.js';
import { mapContent, toUtcIso } from './map-content.js';
import { asValid, invalidContentReason, type RawAttachment, type RawContent, type ValidContent } from './raw.js';
import { confluenceUrls, type ConfluenceUrls } from './urls.js';

export interface ConfluenceApiOptions {
  /** Tenant name, for messages and error details. */
  tenant: string;
  config: ConfluenceConfig;
  http: HttpClient;
  auth: AuthProvider;
  atlassianApiBaseUrl: string;
  /** Chooses the E1/E2/E8 expand list (§3). */
  attachmentsEnabled: boolean;
  logger: Logger;
  /** Loop guard of every listing; tests lower it. */
  maxPages?: number;
  /**
   * The most bytes a download may deliver (`maxFileSizeMb`); a download is cut there,
   * or at its declared size plus a margin when that is smaller. Default: no cap beyond the declared size.
   */
  maxDownloadBytes?: number;
  /** Bounds of every listing (items, empty pages); tests lower them. */
  listingLimits?: Partial<ListingLimits>;
}

export interface SearchOptions {
  limit?: number;
  start?: number;
  /**
   * Told about every listed item the client cannot use (after its warning is logged).
   * Discovery needs to know: a listing that dropped an item is incomplete, and what it
   * did not see must not be taken for deleted.
   */
  onInvalid?: (reason: string) => void;
  /** Aborts the listing's requests (a stop request). */
  signal?: AbortSignal;
  /** Each answer of the listing fails (HTTP_RESPONSE_TOO_LARGE) past this many bytes; default the client's JSON cap. */
  maxResponseBytes?: number;
}

export interface PageBody {
  storage: string;
  /** UTC ISO. */
  versionWhen: string;
}

/** Something to download: an AttachmentRecord, or an AttachmentMeta plus its page id. */
export interface DownloadTarget {
  id: string;
  pageId: string;
  downloadPath?: string;
  /** The size Confluence declared (`extensions.fileSize`); the download is cut a margin above it. */
  fileSize?: number;
}

/**
 * Slack above the declared size before a download is cut: Confluence's `fileSize` is
 * what it listed, not a promise, and a few bytes more must not fail a real file; a
 * declared 100 KB image streaming gigabytes must fail within about a megabyte.
 */
export function downloadCap(declared: number | undefined, maxBytes: number | undefined): number | undefined {
  const limits: number[] = [];
  if (maxBytes !== undefined) limits.push(maxBytes);
  if (declared !== undefined && Number.isFinite(declared) && declared >= 0) limits.push(declared + Math.max(DOWNLOAD_MARGIN_BYTES, Math.ceil(declared * 0.1)));
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/** At least this much above the declared size is read before a download is cut. */
export const DOWNLOAD_MARGIN_BYTES = 1024 * 1024;

export interface RequestOptions {
  endpoint: string;
  /** Statuses answered instead of thrown. */
  allowStatus?: number[];
  headers?: Record<string, string>;
  /** False for the unauthenticated manifest call (§9). */
  authenticated?: boolean;
  signal?: AbortSignal;
  /** Read the JSON answer within the request's retries (`HttpRequest.buffer`). */
  buffer?: boolean;
  maxResponseBytes?: number;
}

export class ConfluenceApi {
  readonly urls: ConfluenceUrls;
  readonly labels: SyncLabels;
  readonly attachmentsEnabled: boolean;
  readonly #options: ConfluenceApiOptions;
  /** The bounds every listing of this tenant follows (discovery's total item count too). */
  readonly listingLimits: ListingLimits;
  readonly #auth: AuthProvider;
  #instanceId: Promise<string> | undefined;

  constructor(options: ConfluenceApiOptions) {
    this.#options = options;
    this.urls = confluenceUrls(options.config, options.atlassianApiBaseUrl);
    this.labels = { single: options.config.ingestSingleLabel, all: options.config.ingestAllLabel };
    this.attachmentsEnabled = options.attachmentsEnabled;
    this.listingLimits = {
      ...DEFAULT_LISTING_LIMITS,
      ...Object.fromEntries(Object.entries(options.listingLimits ?? {}).filter(([, value]) => value !== undefined)),
      ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
    };
    // Finding: an absolute download link or `_links.next` on another host used to receive the PAT.
    this.#auth = boundToOrigins(options.auth, this.urls.credentialOrigins);
  }

  get flavour(): ConfluenceConfig['instanceType'] {
    return this.#options.config.instanceType;
  }

  /**
   * Pages of a v1 content search (E1, E2, body batches, Cloud E8), following
   * `_links.next` verbatim. Items lacking id, type, title, space or a version time
   * are skipped with a warning; the listing guards of `followListing` apply.
   */
  async *searchContent(cql: string, expand: string, options: SearchOptions = {}): AsyncGenerator<ValidContent[]> {
    const firstUrl = this.urls.contentSearch(cql, expand, options.limit ?? 100, options.start);
    yield* this.#contentPages(firstUrl, `content search for CQL ${JSON.stringify(cql)}`, 'content/search', options);
  }

  /**
   * Storage bodies for many pages in few calls (§3.1: `id IN (…)`, 50 a request, the
   * DC cap with a body expansion). Ids missing from the answer (deleted, not visible)
   * are absent from the map; the caller skips those pages. `signal` aborts the search;
   * an answer above `maxResponseBytes` fails with HTTP_RESPONSE_TOO_LARGE (`isTooLargeError`).
   */
  async fetchBodies(ids: readonly string[], signal?: AbortSignal, maxResponseBytes?: number): Promise<Map<string, PageBody>> {
    const bodies = new Map<string, PageBody>();
    const unique = [...new Set(ids)];
    for (const batch of batches(unique, BODY_BATCH_SIZE)) {
      for await (const items of this.searchContent(idsCql(batch), BODY_EXPAND, { limit: BODY_BATCH_SIZE, signal, maxResponseBytes })) {
        for (const item of items) {
          const value = item.body?.storage?.value;
          bodies.set(item.id, { storage: typeof value === 'string' ? value : '', versionWhen: toUtcIso(item.version.when) });
        }
      }
    }
    return bodies;
  }

  /**
   * The complete attachment list of a content item (§6.2): the inline expansion when
   * it is complete; otherwise Cloud re-lists via v2 and replaces it, DC follows the
   * expansion's next links and appends. A 404 means the content was deleted meanwhile:
   * no attachments (§11 [R]).
   */
  async listMoreAttachments(content: ValidContent): Promise<RawAttachment[]> {
    return listAttachments(this, content, this.listingLimits);
  }

  /** Cloud E6 (302 to the media host, followed without Authorization) or DC E7. The caller streams the body. */
  async downloadAttachment(att: DownloadTarget, signal?: AbortSignal): Promise<HttpResponse> {
    const url = this.urls.attachmentDownload(att.pageId, att.id, att.downloadPath);
    // Counted while it streams (images and attachments alike), so a file larger than it
    // said is cut after its declared size plus a margin, never read whole.
    const maxResponseBytes = downloadCap(att.fileSize, this.#options.maxDownloadBytes);
    // Any media type is acceptable: asking for JSON here could earn a 406 from a strict proxy.
    return this.request(url, { endpoint: 'attachment/download', headers: { accept: '*/*' }, signal, maxResponseBytes });
  }

  /**
   * E8: the page titled `title` in space `spaceKey`, with its complete attachment list,
   * or undefined. Cloud uses the CQL fallback of §3.1 (the v1 content endpoint is
   * deprecated there and may answer 410); DC the content endpoint. With
   * `readRestrictions` the answer carries the §17 expansion too (the page's ancestors
   * always), so the page can be judged without a request of its own.
   */
  async findPageByTitle(spaceKey: string, title: string, options: { readRestrictions?: boolean } = {}): Promise<PageRecord | undefined> {
    const expand = contentExpand(this.attachmentsEnabled, options);
    let found: ValidContent | undefined;
    if (this.flavour === 'cloud') {
      for await (const items of this.searchContent(titleCql(spaceKey, title), expand, { limit: 1 })) {
        found = items.find((item) => item.type === 'page');
        break;
      }
    } else {
      const url = this.urls.contentByTitle(spaceKey, title, expand);
      const page = await this.fetchListingPage(url, 'content', true);
      found = this.validItems(page?.results ?? [], 'content').find((item) => item.type === 'page');
    }
    if (!found) return undefined;
    const attachments = this.attachmentsEnabled ? await this.listMoreAttachments(found) : [];
    return mapContent(found, { urls: this.urls, labels: this.labels, attachments });
  }

  /** The ownership mark's instance id: Cloud the configured cloudId; DC the applinks manifest `id` (E9), cached. */
  instanceId(): Promise<string> {
    const { config } = this.#options;
    if (config.instanceType === 'cloud') {
      if (!config.cloudId) return Promise.reject(new ConnectorError('CONFIG_INVALID', `tenant ${this.#options.tenant}: a Cloud instance needs a cloudId`));
      return Promise.resolve(config.cloudId);
    }
    this.#instanceId ??= this.#fetchManifestId().catch((error: unknown) => {
      // A failed lookup is not cached: the next cycle asks again.
      this.#instanceId = undefined;
      throw error;
    });
    return this.#instanceId;
  }

  async #fetchManifestId(): Promise<string> {
    const url = this.urls.manifest();
    const response = await this.request(url, { endpoint: 'applinks/manifest', authenticated: false, headers: { accept: 'application/json' }, buffer: true });
    const body = await this.#json(response, 'applinks/manifest');
    const id = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).id : undefined;
    if (typeof id !== 'string' || id.trim() === '') {
      throw new ConnectorError('CONFLUENCE_RESPONSE_INVALID', `Confluence applinks manifest of tenant ${this.#options.tenant} has no id`, {
        details: { tenant: this.#options.tenant, endpoint: 'applinks/manifest', url },
      });
    }
    return id;
  }

  /** One GET with the tenant's credentials; HTTP failures become CONFLUENCE_HTTP_ERROR with the status kept (a 401: CONFLUENCE_AUTH_FAILED). */
  async request(url: string, options: RequestOptions): Promise<HttpResponse> {
    try {
      return await this.#options.http.request({
        method: 'GET',
        url,
        headers: options.headers ?? { accept: 'application/json' },
        auth: options.authenticated === false ? undefined : this.#auth,
        allowStatus: options.allowStatus,
        endpoint: options.endpoint,
        signal: options.signal,
        buffer: options.buffer,
        maxResponseBytes: options.maxResponseBytes,
      });
    } catch (error) {
      // An abort is the caller's own doing, not a Confluence failure: it passes through unchanged.
      // So is a refused origin: the link, not Confluence, is at fault, and its code says so.
      if (isConnectorError(error) && error.code.startsWith('HTTP_') && error.code !== 'HTTP_ABORTED' && error.code !== 'HTTP_ORIGIN_REFUSED') {
        const status = error.details.status;
        // A 401 outlived the client's one token refresh: the credential itself is refused (contract §11).
        if (status === 401 && options.authenticated !== false) {
          throw new ConnectorError(
            'CONFLUENCE_AUTH_FAILED',
            `Confluence refused the credentials of tenant ${this.#options.tenant} (HTTP 401 on ${options.endpoint}); ${confluenceCredentialHint(this.#options.config)}`,
            { cause: error, details: { ...error.details, tenant: this.#options.tenant, endpoint: options.endpoint, status } },
          );
        }
        throw new ConnectorError(
          'CONFLUENCE_HTTP_ERROR',
          `Confluence ${options.endpoint} request of tenant ${this.#options.tenant} failed: ${error.message}`,
          { cause: error, details: { ...error.details, tenant: this.#options.tenant, endpoint: options.endpoint, status } },
        );
      }
      throw error;
    }
  }

  /**
   * One page of a v1 envelope (§5.2) or v2 list (§6.3): `results` must be an array
   * and (v1) `_links` an object. With `allowNotFound`, a 404 yields undefined.
   */
  async fetchListingPage(url: string, endpoint: string, requireLinks: boolean, allowNotFound = false, signal?: AbortSignal, maxResponseBytes?: number): Promise<ListingPage | undefined> {
    const response = await this.request(url, { endpoint, allowStatus: allowNotFound ? [404] : undefined, buffer: true, signal, maxResponseBytes });
    if (response.status === 404) {
      await response.text();
      return undefined;
    }
    const body = await this.#json(response, endpoint);
    if (body === null || typeof body !== 'object' || !Array.isArray((body as Record<string, unknown>).results)) {
      throw this.#invalid(endpoint, url, 'has no results array');
    }
    const links = (body as Record<string, unknown>)._links;
    if (requireLinks && (links === null || typeof links !== 'object' || Array.isArray(links))) {
      throw this.#invalid(endpoint, url, 'has no _links object');
    }
    const record = body as Record<string, unknown>;
    return { results: record.results as unknown[], next: nextLinkOf(record) };
  }

  /** Items usable as content; the others are logged and dropped, never fatal. */
  validItems(results: readonly unknown[], endpoint: string, onInvalid?: (reason: string) => void): ValidContent[] {
    const valid: ValidContent[] = [];
    for (const item of results) {
      const reason = invalidContentReason(item as RawContent);
      if (reason === undefined) {
        valid.push(asValid(item as RawContent));
        continue;
      }
      const id = item !== null && typeof item === 'object' ? (item as RawContent).id : undefined;
      this.#options.logger.warn({ endpoint, contentId: id === undefined ? undefined : String(id), reason }, 'Skipped a Confluence content item the client cannot use.');
      onInvalid?.(reason);
    }
    return valid;
  }

  /** Follows a v1 content listing from `firstUrl`, validating envelope and items. */
  async *#contentPages(firstUrl: string, what: string, endpoint: string, options: SearchOptions): AsyncGenerator<ValidContent[]> {
    const { onInvalid, signal, maxResponseBytes } = options;
    const pages = followListing({
      firstUrl,
      what,
      endpoint,
      limits: this.listingLimits,
      fetchPage: (url) => this.fetchListingPage(url, endpoint, true, false, signal, maxResponseBytes),
      resolveNext: (link) => this.urls.resolveNext(link),
      idOf: idOfItem,
    });
    for await (const results of pages) {
      const items = this.validItems(results, endpoint, onInvalid);
      if (items.length > 0) yield items;
    }
  }

  async #json(response: HttpResponse, endpoint: string): Promise<unknown> {
    try {
      return await response.json();
    } catch (error) {
      throw this.#invalid(endpoint, response.url, 'is not JSON', error);
    }
  }

  #invalid(endpoint: string, url: string, problem: string, cause?: unknown): ConnectorError {
    const shown = url.split('?')[0];
    return new ConnectorError('CONFLUENCE_RESPONSE_INVALID', `Confluence ${endpoint} response of tenant ${this.#options.tenant} ${problem} (${shown})`, {
      cause,
      details: { tenant: this.#options.tenant, endpoint, url: shown },
    });
  }
}
