import type { ChildNode } from 'domhandler';
import type { InstanceType } from '../config/types.js';
import type { OutNode } from './out.js';

export interface ConvertOptions {
  /**
   * Where the site's web pages live: DC `{baseUrl}` (with any context path), Cloud
   * `{baseUrl}/wiki`; see `webContextOf`. Without it page, blog-post and space links
   * keep their text but get no `href`.
   */
  webContext?: string;
  /** The converted page's space key: the space of an `ri:page` that names none. */
  spaceKey?: string;
}

/** The web context for a tenant's base URL (what Confluence serves `/display/…` under). */
export function webContextOf(baseUrl: string, instanceType: InstanceType): string {
  const base = baseUrl.replace(/\/+$/, '');
  return instanceType === 'cloud' ? `${base}/wiki` : base;
}

/**
 * What a rule gets: the options, and `convert` to turn child nodes into output with the
 * same rules (one level deeper, so the depth guard in convert.ts sees every level).
 */
export interface Context {
  readonly options: ConvertOptions;
  readonly depth: number;
  convert(nodes: readonly ChildNode[]): OutNode[];
}
