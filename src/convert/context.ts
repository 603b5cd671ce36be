import type { ChildNode } from 'domhandler';
import type { InstanceType } from '../config/types.js';
import type { OutNode } from './out.js';

/** A page named by an `include` or `excerpt-include` macro, looked up before conversion. */
export interface IncludedPage {
  id: string;
  title: string;
  spaceKey: string;
  /** Its storage body (the converter converts it with the same rules). */
  storage: string;
}

/** The page being converted, for the special link targets `@self` and `@parent`. */
export interface PageIdentity {
  id?: string;
  title?: string;
  /** The parent page's title (the last ancestor), for `@parent`. */
  parentTitle?: string;
  parentId?: string;
}

export interface ConvertOptions {
  /**
   * Where the site's web pages live: DC `{baseUrl}` (with any context path), Cloud
   * `{baseUrl}/wiki`; see `webContextOf`. Without it page, blog-post and space links
   * keep their text but get no `href`.
   */
  webContext?: string;
  /** The converted page's space key: the space of an `ri:page` that names none. */
  spaceKey?: string;
  page?: PageIdentity;
  /**
   * Included pages by `includeKey(spaceKey, title)`. Without an entry an include keeps
   * its "[Included page: …]" marker: the converter does no I/O.
   */
  includes?: Readonly<Record<string, IncludedPage>>;
  /** Display names of mentioned users by Cloud account id, DC user key or username. */
  users?: Readonly<Record<string, string>>;
}

/** The key of an included page in `ConvertOptions.includes`. */
export function includeKey(spaceKey: string, title: string): string {
  return `${spaceKey}\n${title}`;
}

/** The web context for a tenant's base URL (what Confluence serves `/display/…` under). */
export function webContextOf(baseUrl: string, instanceType: InstanceType): string {
  const base = baseUrl.replace(/\/+$/, '');
  return instanceType === 'cloud' ? `${base}/wiki` : base;
}

/**
 * What one conversion accumulates while it walks the page: footnotes (rendered at the
 * end of the page) and the chain of pages being included (for cycle detection).
 */
export interface ConversionState {
  footnotes: OutNode[][];
  /** Include keys of the pages whose bodies are being converted, the page itself first when known. */
  includeChain: readonly string[];
  /** How many includes deep the current body is (0: the page itself). */
  includeDepth: number;
}

/**
 * What a rule gets: the options, and `convert` to turn child nodes into output with the
 * same rules (one level deeper, so the depth guard in convert.ts sees every level).
 */
export interface Context {
  readonly options: ConvertOptions;
  readonly depth: number;
  readonly state: ConversionState;
  convert(nodes: readonly ChildNode[]): OutNode[];
  /** Converts another page's nodes (an included body, `key` its include key) with that page's options. */
  convertIncluded(nodes: readonly ChildNode[], options: ConvertOptions, key: string): OutNode[];
}
