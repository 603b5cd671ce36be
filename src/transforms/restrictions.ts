/**
 * The restrictions stage (Confluence contract §17): a page that is read-restricted,
 * by its own restriction or an ancestor's, is withheld, and so is a page whose state
 * (or an ancestor's) cannot be read: fail closed. A withheld page simply does not
 * come out of this stage, so everything downstream treats it as unselected: it is not
 * ingested, the diff reports its stored copy and its attachments as vanished, and a
 * space left with nothing selected becomes an orphaned space scope. The withheld pages
 * are kept aside for the reports (`dump`, the dry-run plan).
 *
 * A page whose whole chain of states is known on arrival (the search answers that
 * brought it and its ancestors carried them) is decided at once and passes, so the
 * stages after this one work while discovery still lists. The others wait for the end
 * of the listing: which ancestors need a lookup depends on the whole discovered set.
 * The verdicts come from the cycle's read access (src/read-restrictions), which the
 * stage builds and hands on: the stages that show another page's content ask it too,
 * on the states this stage already learnt.
 */
import highland from 'highland';
import type { RestrictedPagesMode } from '../config/types.js';
import type { CycleReport } from '../cycle-report.js';
import { type Logger, stageLogger } from '../log.js';
import { ReadAccess } from '../read-restrictions/access.js';
import type { Resolution, RestrictionDeps } from '../read-restrictions/states.js';
import { decidingContent, describeVerdict, restrictionField, type RestrictionVerdict } from '../read-restrictions/verdict.js';
import type { PageRecord } from '../records.js';

export const STAGE = 'restrictions';

/** A page the stage withheld, as `dump` writes it: the page record plus why. */
export interface WithheldPage extends PageRecord {
  /** `read-restricted: own`, `read-restricted: inherited from 5001 "HR"`, `read restriction unknown: …`. */
  withheld: string;
  restriction: { verdict: 'restricted' | 'unknown'; contentId: string; contentTitle: string; own: boolean };
}

export interface RestrictionsStageOptions extends RestrictionDeps {
  mode: RestrictedPagesMode;
  report?: CycleReport;
}

export interface RestrictionsStage {
  /** For `stream.through(…)`: the pages sync may take, in their order. */
  readonly through: (pages: Highland.Stream<PageRecord>) => Highland.Stream<PageRecord>;
  /** The pages held back, filled once the stream has ended. */
  readonly withheld: WithheldPage[];
  /** The cycle's read access, for the stages that show another page's content (included pages, cross-page images). */
  readonly access: ReadAccess;
}

/** `mode: ingest` is the vendor's behaviour: every page passes, nothing is asked. */
export function withholdRestricted(options: RestrictionsStageOptions): RestrictionsStage {
  const withheld: WithheldPage[] = [];
  const log = stageLogger(options.logger, STAGE);
  const access = new ReadAccess({ ...options, logger: log });
  if (options.mode === 'ingest') return { through: (pages) => pages, withheld, access };
  const decide = (page: PageRecord, verdict: RestrictionVerdict): PageRecord | undefined => {
    if (verdict.kind === 'open') return page;
    withheld.push(withhold(page, verdict, log));
    return undefined;
  };
  const through = (pages: Highland.Stream<PageRecord>): Highland.Stream<PageRecord> => {
    const held: PageRecord[] = [];
    const arrival = new Map<string, number>();
    let failed = false;
    return pages.consume<PageRecord>((error, page, push, next) => {
      if (error) {
        failed = true;
        push(error);
        next();
      } else if (page === highland.nil) {
        // A failed listing ends the cycle: nothing is asked on its partial set.
        if (failed) return push(null, highland.nil);
        access.states.resolve(held).then(
          (resolution) => {
            for (const waiting of held) {
              const kept = decide(waiting, resolution.verdicts.get(waiting.id)!);
              if (kept !== undefined) push(null, kept);
            }
            // The reports list withheld pages in discovery order, whichever were decided first.
            withheld.sort((a, b) => arrival.get(a.id)! - arrival.get(b.id)!);
            report(resolution, arrival.size, withheld, log, options.report);
            push(null, highland.nil);
          },
          (caught: unknown) => {
            push(caught instanceof Error ? caught : new Error(String(caught)));
            push(null, highland.nil);
          },
        );
      } else {
        const record = page as PageRecord;
        arrival.set(record.id, arrival.size);
        const verdict = access.states.settledVerdict(record);
        if (verdict === undefined) held.push(record);
        else {
          const kept = decide(record, verdict);
          if (kept !== undefined) push(null, kept);
        }
        next();
      }
    });
  };
  return { through, withheld, access };
}

/** Logs the page at INFO (one line per withheld page, naming what restricts it) and builds its record. */
function withhold(page: PageRecord, verdict: Exclude<RestrictionVerdict, { kind: 'open' }>, log: Logger): WithheldPage {
  const deciding = decidingContent(verdict);
  const described = describeVerdict(verdict);
  // The title sits in its own field, so the log policy can conceal it; the id says which page.
  const restriction = restrictionField(verdict);
  const fields = { pageId: page.id, title: page.title, spaceKey: page.space.key, restriction, restrictingPage: { id: deciding.id, title: deciding.title, type: deciding.type } };
  if (verdict.kind === 'restricted') log.info({ ...fields, users: verdict.restriction.users, groups: verdict.restriction.groups }, 'Read-restricted page withheld');
  else log.info(fields, 'Page withheld: its read restriction could not be read');
  return {
    ...page,
    withheld: verdict.kind === 'restricted' ? `read-restricted: ${described}` : `read restriction ${described}`,
    restriction: { verdict: verdict.kind, contentId: deciding.id, contentTitle: deciding.title, own: deciding.own },
  };
}

/** Counts (summary and metrics come from the report) and the stage's lines: one WARN a cycle for unknown states. */
function report(resolution: Resolution, checked: number, withheld: readonly WithheldPage[], log: Logger, cycle?: CycleReport): void {
  const unknown = withheld.filter((page) => page.restriction.verdict === 'unknown');
  cycle?.add('restricted', withheld.length);
  cycle?.add('restrictionUnknown', unknown.length);
  if (resolution.fallbacks > 0) {
    log.info({ requests: resolution.fallbacks, failed: resolution.fallbackFailures }, 'Read restrictions missing from search answers; asked per content');
  }
  if (unknown.length > 0) {
    log.warn({ pages: unknown.length, firstPageIds: unknown.slice(0, 10).map((page) => page.id) }, 'Read restriction state unknown: pages withheld');
  }
  log.info({ pages: checked, withheld: withheld.length, unknown: unknown.length, lookedUp: resolution.lookedUp }, 'Read restrictions checked');
}
