import { type Infer, array, string, type, validate } from 'superstruct';
import { ConnectorError, errorMessage, isAuthFailure, isConnectorError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import type { AuthProvider, RetryOptions } from '../http/types.js';
import type { SourceKind } from './keys.js';
import { serviceUrl } from './urls.js';

/**
 * Unique contract §5 [V]: the vendor retries the diff on 429/500/502/503/504 up to 3
 * times, first wait 3 s, factor 2, cap 30 s, honouring Retry-After. The HTTP client
 * retries exactly those statuses (and network failures) with this schedule.
 */
export const FILE_DIFF_RETRY: RetryOptions = { retries: 3, minTimeoutMs: 3_000, factor: 2, maxTimeoutMs: 30_000 };

export interface FileDiffItem {
  /** Relative to the partial key: `{pageId}` or `{pageId}::{attachmentId}`. */
  key: string;
  url: string;
  /** UTC ISO instant. */
  updatedAt: string;
}

export interface FileDiffRequest {
  partialKey: string;
  sourceKind: SourceKind;
  sourceName: string;
  fileList: FileDiffItem[];
}

const FileDiffShape = type({ newFiles: array(string()), updatedFiles: array(string()), movedFiles: array(string()), deletedFiles: array(string()) });
export type FileDiffResult = Infer<typeof FileDiffShape>;

export interface FileDiffClientOptions {
  http: HttpClient;
  ingestionBaseUrl: string;
  auth: AuthProvider;
  /** Only tests shorten the schedule. */
  retry?: Partial<RetryOptions>;
}

export class FileDiffClient {
  readonly url: string;
  readonly #http: HttpClient;
  readonly #auth: AuthProvider;
  readonly #retry: RetryOptions;

  constructor(options: FileDiffClientOptions) {
    this.url = serviceUrl(options.ingestionBaseUrl, '/v2/content/file-diff');
    this.#http = options.http;
    this.#auth = options.auth;
    this.#retry = { ...FILE_DIFF_RETRY, ...options.retry };
  }

  /** One call per space with every discovered item (no batching); the four arrays hold relative item keys. */
  async diff(request: FileDiffRequest): Promise<FileDiffResult> {
    const body = {
      partialKey: request.partialKey,
      sourceKind: request.sourceKind,
      sourceName: request.sourceName,
      fileList: request.fileList.map((item) => ({ key: item.key, url: item.url, updatedAt: item.updatedAt })),
    };
    let parsed: unknown;
    try {
      const response = await this.#http.request({
        method: 'POST',
        url: this.url,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        auth: this.#auth,
        retry: this.#retry,
        endpoint: 'file-diff',
        buffer: true,
      });
      parsed = await response.json();
    } catch (error) {
      if (isAuthFailure(error)) throw error;
      const details = isConnectorError(error) ? error.details : {};
      throw new ConnectorError('UNIQUE_HTTP_ERROR', `Unique file diff for ${request.partialKey} failed: ${errorMessage(error)}`, {
        cause: error,
        details: { ...details, operation: 'file-diff', partialKey: request.partialKey },
      });
    }
    const [failure, result] = validate(parsed, FileDiffShape);
    if (failure !== undefined) {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', 'Unique file diff returned an unexpected shape', {
        details: { operation: 'file-diff', partialKey: request.partialKey, path: failure.path.join('.') || '(body)' },
      });
    }
    return { newFiles: result.newFiles, updatedFiles: result.updatedFiles, movedFiles: result.movedFiles, deletedFiles: result.deletedFiles };
  }
}
