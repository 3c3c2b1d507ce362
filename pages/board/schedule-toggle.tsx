// The header's "Lịch" button, and the schedule panel loaded the first time it opens: planning
// and reading reports happen a few times a day, so their code is not in the board's first load
// (a branch office link is slow; the board must show the 64 sites at once).
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { Icon } from './icons.js';
import { LazyPanel } from './lazy-panel.js';
import { PanelToggle } from './panel-toggles.js';

const loadSchedule = () => import('./schedule.js').then((m) => m.SchedulePanel);

/** The panel, fetched when first opened. */
export function LazySchedulePanel() {
  const { schedule } = useBoard();
  return (
    <LazyPanel
      open={schedule.open.value}
      load={loadSchedule}
      id="schedule"
      className="schedule"
      label={t('schedule.heading')}
    />
  );
}

/** The header's button that opens and closes the panel; opening it closes a site's detail. */
export function ScheduleToggle() {
  const board = useBoard();
  return (
    <PanelToggle
      panel="schedule"
      open={board.schedule.open.value}
      title={t('schedule.buttonTitle')}
      hide={() => board.schedule.hide()}
      show={() => {
        // The detail would cover the panel.
        board.select(null);
        board.schedule.show();
      }}
    >
      <Icon name="calendar" />
      {t('schedule.button')}
    </PanelToggle>
  );
}
