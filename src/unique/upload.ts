import type { Readable } from 'node:stream';
import { ConnectorError, errorMessage, isConnectorError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { redactUrl } from '../http/redact.js';
import { serviceUrl } from './urls.js';

export type UploadMode = 'cluster_local' | 'external';

export interface UploadRequest {
  /** The `writeUrl` of the registration. */
  writeUrl: string;
  contentType: string;
  /** Pages: a buffer or string. Attachments: the download stream, piped through unbuffered. */
  body: Buffer | string | Readable;
  /** Required for a stream (the declared file size); computed for a buffer or string, and checked if given. */
  contentLength?: number;
}

export interface UploadClientOptions {
  http: HttpClient;
  mode: UploadMode;
  ingestionBaseUrl: string;
}

/**
 * Unique contract §6: PUT the bytes as an Azure-style block blob. No auth headers (the
 * encrypted `key` is the credential) and no retry (a consumed stream cannot be
 * replayed, and a failed item is cleaned up and retried next cycle instead).
 */
export class UploadClient {
  readonly #http: HttpClient;
  readonly #mode: UploadMode;
  readonly #ingestionBaseUrl: string;

  constructor(options: UploadClientOptions) {
    this.#http = options.http;
    this.#mode = options.mode;
    this.#ingestionBaseUrl = options.ingestionBaseUrl;
  }

  /** Where the bytes go: cluster_local stays in the cluster via `/scoped/upload?key=…`; external uses the writeUrl verbatim. */
  uploadUrl(writeUrl: string): string {
    if (this.#mode === 'external') return writeUrl;
    let key: string | null = null;
    try {
      key = new URL(writeUrl).searchParams.get('key');
    } catch {
      key = null;
    }
    if (key === null || key === '') {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', 'Unique writeUrl carries no key parameter', { details: { writeUrl: redactUrl(writeUrl) } });
    }
    return `${serviceUrl(this.#ingestionBaseUrl, '/scoped/upload')}?key=${encodeURIComponent(key)}`;
  }

  async upload(request: UploadRequest): Promise<void> {
    const url = this.uploadUrl(request.writeUrl);
    const length = contentLength(request);
    try {
      const response = await this.#http.request({
        method: 'PUT',
        url,
        headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': request.contentType, 'content-length': String(length) },
        body: request.body,
        retry: false,
        endpoint: 'upload',
        // 2xx is success; the (small) answer is read inside the attempt only to release the connection.
        buffer: true,
      });
      await response.text();
    } catch (error) {
      const details = isConnectorError(error) ? error.details : {};
      throw new ConnectorError('UNIQUE_HTTP_ERROR', `Unique upload failed: ${errorMessage(error)}`, {
        cause: error,
        details: { ...details, operation: 'upload', url: redactUrl(url), contentLength: length },
      });
    }
  }
}

function contentLength(request: UploadRequest): number {
  const { body } = request;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const actual = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
    if (request.contentLength !== undefined && request.contentLength !== actual) {
      throw new ConnectorError('UNIQUE_HTTP_ERROR', 'Upload body length differs from the declared content length', {
        details: { operation: 'upload', declared: request.contentLength, actual },
      });
    }
    return actual;
  }
  if (request.contentLength === undefined || !Number.isInteger(request.contentLength) || request.contentLength < 0) {
    throw new ConnectorError('UNIQUE_HTTP_ERROR', 'A streamed upload needs its exact content length', { details: { operation: 'upload' } });
  }
  return request.contentLength;
}
