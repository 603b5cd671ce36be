/**
 * Which attachments the connector takes, and whether images are inlined into their
 * pages. Shared by the attachment-extraction and inline-images stages (a stage never
 * imports another stage), so both apply exactly the same rules: an image that would
 * be rejected as an attachment is never inlined either.
 */
import type { TenantConfig } from './config/types.js';
import type { AttachmentMeta } from './records.js';

export interface AttachmentPolicy {
  enabled: boolean;
  /** Normalised media types. */
  allowed: ReadonlySet<string>;
  maxBytes: number;
  imageOcr: boolean;
  /** Images become `data:` URLs inside their pages instead of standalone contents. */
  inlineImages: boolean;
}

const MB = 1024 * 1024;

export function attachmentPolicy(tenant: TenantConfig): AttachmentPolicy {
  const { attachments } = tenant.ingestion;
  return {
    enabled: attachments.enabled,
    allowed: new Set(attachments.allowedMimeTypes.map(normaliseMediaType)),
    maxBytes: Math.floor(attachments.maxFileSizeMb * MB),
    imageOcr: attachments.imageOcr,
    inlineImages: imageInliningEnabled(tenant),
  };
}

/**
 * Unique contract §9: inlining is on when the page ingestion config asks for image
 * content extraction and names the model that does it. Without attachment ingestion
 * the connector lists no attachments and makes no cross-page lookups (Confluence
 * contract §7), so there is nothing to inline.
 */
export function imageInliningEnabled(tenant: TenantConfig): boolean {
  if (!tenant.ingestion.attachments.enabled) return false;
  const config = tenant.ingestion.pageIngestionConfig;
  const html = asRecord(config?.htmlConfig);
  const extraction = asRecord(html?.imageContentExtraction);
  return extraction?.enabled === true && typeof extraction.languageModel === 'string' && extraction.languageModel.trim() !== '';
}

/** Confluence contract §6.1: cut at `;`, trim, lower-case. `image/PNG; charset=binary` → `image/png`. */
export function normaliseMediaType(mediaType: string): string {
  return mediaType.split(';')[0]!.trim().toLowerCase();
}

export function isImageType(mediaType: string): boolean {
  return normaliseMediaType(mediaType).startsWith('image/');
}

/**
 * Why an attachment is not taken, or undefined when it is. The order is the order an
 * operator reads `dump` in: switched off, wrong type, too big, empty.
 */
export function rejectionReason(att: Pick<AttachmentMeta, 'mediaType' | 'fileSize'>, policy: AttachmentPolicy): string | undefined {
  if (!policy.enabled) return 'attachment ingestion is disabled';
  const type = normaliseMediaType(att.mediaType);
  if (!policy.allowed.has(type)) return `media type ${type} is not in allowedMimeTypes`;
  if (att.fileSize > policy.maxBytes) return `size ${att.fileSize} bytes exceeds maxFileSizeMb (${policy.maxBytes} bytes)`;
  if (att.fileSize === 0) return 'zero-byte file';
  return undefined;
}

/** An attachment that inlining would put into its page: an accepted image. */
export function isInlinableImage(att: Pick<AttachmentMeta, 'mediaType' | 'fileSize'>, policy: AttachmentPolicy): boolean {
  return policy.inlineImages && isImageType(att.mediaType) && rejectionReason(att, policy) === undefined;
}

/** Unique contract §9: OCR is asked for on JPEG and PNG attachments only, unless switched off. */
export function attachmentIngestionConfig(mediaType: string, policy: Pick<AttachmentPolicy, 'imageOcr'>): Record<string, unknown> | undefined {
  const type = normaliseMediaType(mediaType);
  if (!policy.imageOcr || (type !== 'image/jpeg' && type !== 'image/png')) return undefined;
  return { jpgReadMode: 'DOC_INTELLIGENCE_DEFAULT' };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
