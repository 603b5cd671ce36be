/**
 * Read access for content taken from another page (Confluence contract §17 applied to
 * what one page shows of another): an included page's body or excerpt, an image
 * attached to another page. Confluence shows such content to a reader only when the
 * reader may view that other page; the connector's account may view everything, so the
 * rule is applied here: the other page's content is used only when that page would
 * itself pass the restrictions verdict (own restriction, any restricted ancestor,
 * unknown state: refused). In `ingest` mode everything is open and nothing is asked.
 *
 * One instance per cycle, built by the restrictions stage (which decides the discovered
 * pages with the same states) and handed by the pipeline to the stages that show other
 * pages' content: a withheld page is refused without a request, and ancestors learnt
 * once are never asked for again.
 */
import type { RestrictedPagesMode } from '../config/types.js';
import type { CycleReport } from '../cycle-report.js';
import { errorMessage, isConnectorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RestrictionSubject } from '../records.js';
import { RestrictionStates, type RestrictionDeps } from './states.js';
import { decidingContent, restrictionField, verdictOf, type RestrictionVerdict } from './verdict.js';

export type Refused = Exclude<RestrictionVerdict, { kind: 'open' }>;

/** One page's use of another page's content, refused. */
export interface Refusal {
  /** The page being built: its body names the other page. */
  page: { id: string; title: string };
  /** The page whose body, excerpt or attachment was refused. */
  refused: { id: string; title: string; type: string };
  verdict: Refused;
  /** What wanted the content: an `include` / `excerpt-include` macro, or an image. */
  via: 'include' | 'image';
}

export interface ReadAccessOptions extends RestrictionDeps {
  mode: RestrictedPagesMode;
  report?: Pick<CycleReport, 'add'>;
}

export class ReadAccess {
  /** False in `ingest` mode: every verdict is open, lookups need not ask for restrictions. */
  readonly enforced: boolean;
  /** The cycle's states; the restrictions stage resolves the discovered pages on them. */
  readonly states: RestrictionStates;
  readonly #options: ReadAccessOptions;
  /** Refused pages already named at INFO this cycle: later uses of the same page go to debug. */
  readonly #named = new Set<string>();
  readonly #warned = new Set<'lookup' | 'unknown'>();

  constructor(options: ReadAccessOptions) {
    this.#options = options;
    this.enforced = options.mode === 'skip';
    this.states = new RestrictionStates(options);
  }

  /**
   * A verdict per subject. Never rejects but for a stop: when a lookup fails, what it
   * would have decided is unknown (refused), with one WARN a cycle.
   */
  async verdicts(subjects: readonly RestrictionSubject[]): Promise<Map<string, RestrictionVerdict>> {
    if (!this.enforced) return new Map(subjects.map((subject) => [subject.id, { kind: 'open' }]));
    try {
      return (await this.states.resolve(subjects)).verdicts;
    } catch (error) {
      if (isConnectorError(error, 'HTTP_ABORTED')) throw error;
      this.#warnOnce('lookup', { items: subjects.length, error: errorMessage(error) }, 'Read restriction lookup failed: content of the pages concerned is refused');
      const own = (subject: RestrictionSubject): Refused => ({ kind: 'unknown', of: { id: subject.id, title: subject.title, type: subject.type, own: true } });
      return new Map(subjects.map((subject) => [subject.id, verdictOf(subject, this.states.known, false) ?? own(subject)]));
    }
  }

  /**
   * Counts a refusal (`refusedReferences` in the cycle summary) and logs it: INFO the
   * first time a refused page is met in a cycle, naming the page that wanted it; debug
   * for further pages wanting the same one, so one restricted page included everywhere
   * is one line, not one per includer.
   */
  refuse(log: Logger, refusal: Refusal): void {
    this.#options.report?.add('refusedReferences');
    const deciding = decidingContent(refusal.verdict);
    const fields = {
      pageId: refusal.page.id,
      title: refusal.page.title,
      via: refusal.via,
      refusedPage: { ...refusal.refused },
      restriction: restrictionField(refusal.verdict),
      restrictingPage: { id: deciding.id, title: deciding.title, type: deciding.type },
    };
    const first = !this.#named.has(refusal.refused.id);
    this.#named.add(refusal.refused.id);
    if (first) log.info(fields, 'Content of a read-restricted page refused');
    else log.debug(fields, 'Content of a read-restricted page refused');
    if (refusal.verdict.kind === 'unknown') {
      this.#warnOnce('unknown', { refusedPageId: refusal.refused.id }, 'Read restriction state unknown: content of other pages refused');
    }
  }

  #warnOnce(kind: 'lookup' | 'unknown', fields: Record<string, unknown>, message: string): void {
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    this.#options.logger.warn(fields, message);
  }
}

/** Open when the verdict says so; anything else (restricted, unknown, no verdict at all) is refused. */
export function refusalOf(verdicts: ReadonlyMap<string, RestrictionVerdict>, id: string): Refused | undefined {
  const verdict = verdicts.get(id) ?? { kind: 'unknown', of: { id, title: '', type: 'page', own: true } };
  return verdict.kind === 'open' ? undefined : verdict;
}
