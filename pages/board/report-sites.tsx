// The sites a rehearsal report asks the operator to act on: those that failed (with the checks
// they failed, and a button to check one again while the rehearsal is under way), those absent,
// and those that passed with a note worth telling (a warning is not a failure). Keyed by site,
// so the read every 3 s does not replace a button under the operator's click.
import type { RehearsalReport, ReportSite } from './api.js';
import { CheckList, severityOf } from './checks.js';
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { siteName } from './roster.js';

function useName(): (s: ReportSite) => string {
  const { store } = useBoard();
  return (s) => siteName(store.site(s.siteId), s.name);
}

export function FailedSites({ report }: { report: RehearsalReport }) {
  const board = useBoard();
  const data = board.schedule.report;
  const name = useName();
  const failed = report.sites.filter((s) => s.result === 'fail');
  const underWay = data.underWay.value;
  const busy = data.busy.value !== null;
  const retesting = data.retesting.value;
  return (
    <>
      <h4 class="report-subheading">{t('report.failedHeading', { n: failed.length })}</h4>
      {failed.length ? (
        <ul class="report-sites">
          {failed.map((s) => (
            <li class="report-site" data-report-site={s.siteId} data-result={s.result} key={s.siteId}>
              <div class="report-site-line">
                <button type="button" class="link-button report-site-name" onClick={() => board.select(s.siteId)}>
                  {name(s)}
                </button>
                {retesting.has(s.siteId) ? <span class="report-retesting">{t('report.retesting')}</span> : null}
                {underWay && !retesting.has(s.siteId) ? (
                  <button
                    type="button"
                    class="small"
                    data-site-action="retest"
                    disabled={busy}
                    onClick={() => void data.retestSite(s.siteId)}
                  >
                    {t('report.retestSite')}
                  </button>
                ) : null}
              </div>
              <CheckList checks={s.checks} class="report-checks" />
            </li>
          ))}
        </ul>
      ) : (
        <p class="report-empty">{t('report.noFailures')}</p>
      )}
    </>
  );
}

/** Left folded as the operator left it: `open` is not rendered, so a read does not undo a click. */
export function AbsentSites({ report }: { report: RehearsalReport | null }) {
  const name = useName();
  const absent = report?.sites.filter((s) => s.result === 'absent') ?? [];
  return (
    <details class="report-absent" hidden={!absent.length}>
      <summary>{t('report.absentHeading', { n: absent.length })}</summary>
      <p class="report-absent-names">{absent.map(name).join(', ')}</p>
    </details>
  );
}

export function NotedSites({ report }: { report: RehearsalReport | null }) {
  const name = useName();
  const noted =
    report?.sites.filter((s) => s.result === 'pass' && s.checks.some((c) => severityOf(c) === 'warn')) ?? [];
  return (
    <details class="report-noted" hidden={!noted.length}>
      <summary>{t('report.notedHeading', { n: noted.length })}</summary>
      <ul class="report-noted-sites">
        {noted.map((s) => (
          <li data-noted-site={s.siteId} key={s.siteId}>
            <strong>{name(s)}</strong>
            <CheckList checks={s.checks} class="report-checks" />
          </li>
        ))}
      </ul>
    </details>
  );
}
