// The schedule panel, opened from the header's "Lịch": plan a briefing day, see the sessions,
// cancel one, and read a rehearsal's report. It covers the side column only, so all 64 tiles
// stay in view. What it shows lives in sessions.ts and rehearsal-report.ts; this is its frame.
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { Icon } from './icons.js';
import { PlanForm } from './plan-form.js';
import { ReportPanel } from './report.js';
import { SessionList } from './session-list.js';

export function SchedulePanel() {
  const { schedule } = useBoard();
  return (
    <aside class="schedule" id="schedule" hidden={!schedule.open.value} aria-label={t('schedule.heading')}>
      <header class="schedule-header">
        <h2 class="schedule-title">
          <Icon name="calendar" />
          {t('schedule.heading')}
        </h2>
        <button type="button" class="detail-close" aria-label={t('schedule.close')} onClick={() => schedule.hide()}>
          ×
        </button>
      </header>
      <PlanForm />
      <SessionList />
      <ReportPanel />
    </aside>
  );
}
