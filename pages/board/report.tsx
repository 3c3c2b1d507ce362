// A rehearsal's report in the schedule panel: the pass / fail / absent counts, the tools (check
// the failed sites again, download the CSV, open the printable page), then the sites to act on
// (report-sites.tsx). It renders from rehearsal-report.ts's signals, which a read every 3 s
// refreshes while the rehearsal is under way.
import { useBoard } from './context.js';
import { clock, wallClock } from './format.js';
import { t } from './i18n.js';
import { Icon } from './icons.js';
import { AbsentSites, FailedSites, NotedSites } from './report-sites.js';

export function ReportPanel() {
  const { schedule } = useBoard();
  const data = schedule.report;
  const session = data.session.value;
  const read = data.report.value;
  const report = read && read.sessionId === session?.id ? read : null;
  const error = data.error.value;
  const note = !session
    ? t('report.none')
    : error
      ? t('report.unreadable', { message: error })
      : report
        ? ''
        : t('report.loading');
  const busy = data.busy.value !== null;
  const underWay = data.underWay.value;
  const o = data.outcome.value;
  return (
    <section class="report" aria-live="polite" data-session-id={session?.id ?? ''} data-status={report?.status}>
      <header class="report-header">
        <h3 class="section-heading">{t('report.heading')}</h3>
        <span class="report-status" hidden={!report} data-status={report?.status}>
          {report ? t(report.status === 'complete' ? 'report.complete' : 'report.running') : ''}
        </span>
      </header>
      <p class="report-message" hidden={!note}>
        {note}
      </p>
      <p class="report-title" hidden={!report} title={report?.title}>
        {report && session ? `${wallClock(session.startsAtLocal, session.startsAt)} · ${report.title}` : ''}
      </p>
      <div class="report-totals" hidden={!report}>
        {report
          ? (['pass', 'fail', 'absent'] as const).map((r) => (
              <span class="report-total" data-result={r} data-count={report.totals[r]} key={r}>
                <strong>{String(report.totals[r])}</strong>
                {` ${t(`report.${r}`)}`}
              </span>
            ))
          : null}
      </div>
      <p class="report-last-pass" hidden={!report?.lastPassAt}>
        {report?.lastPassAt ? t('report.lastPass', { time: clock(report.lastPassAt, true) }) : ''}
      </p>
      <div class="report-tools" hidden={!report}>
        <button
          type="button"
          class="primary wide"
          data-report-action="retest-failed"
          disabled={busy || !underWay || !report || report.totals.fail + report.totals.absent === 0}
          title={underWay ? '' : t('report.retestClosed')}
          onClick={() => void data.retestFailed()}
        >
          {t('report.retestFailed')}
        </button>
        <button type="button" data-report-action="csv" disabled={busy} onClick={() => void data.csv()}>
          <Icon name="download" />
          {t('report.csv')}
        </button>
        <button
          type="button"
          data-report-action="print"
          title={t('report.printTitle')}
          disabled={busy}
          onClick={() => data.print()}
        >
          <Icon name="print" />
          {t('report.print')}
        </button>
      </div>
      <p class="report-outcome" role="status" hidden={!o} data-ok={o ? String(o.ok) : undefined}>
        {o?.text()}
      </p>
      <div class="report-failed" hidden={!report}>
        {report ? <FailedSites report={report} /> : null}
      </div>
      <AbsentSites report={report} />
      <NotedSites report={report} />
    </section>
  );
}
