// The header's buttons for the panels over the side column that load when first opened
// (lazy-panel.tsx): the schedule, the technicians' call list, with how many sites still wait
// for their technician, and the recordings, with a red dot while one runs. Opening one closes
// a site's detail (it would cover the panel) and the panels before it in the header.
import type { ComponentChildren } from 'preact';
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { Icon } from './icons.js';
import { recordingsOf } from './recordings.js';

interface PanelToggleProps {
  /** The panel's element id (the button is `<panel>-toggle`). */
  readonly panel: string;
  readonly open: boolean;
  readonly title: string;
  readonly show: () => void;
  readonly hide: () => void;
  readonly children: ComponentChildren;
}

export function PanelToggle({ panel, open, title, show, hide, children }: PanelToggleProps) {
  return (
    <button
      type="button"
      class="tool"
      id={`${panel}-toggle`}
      aria-controls={panel}
      aria-expanded={open}
      title={title}
      onClick={() => (open ? hide() : show())}
    >
      {children}
    </button>
  );
}

export function CallListToggle() {
  const board = useBoard();
  const calls = board.callList;
  const n = calls.waiting.value;
  return (
    <PanelToggle
      panel="calls"
      open={calls.open.value}
      title={t('calls.buttonTitle')}
      hide={() => calls.hide()}
      show={() => {
        board.select(null);
        board.schedule.hide();
        calls.show();
      }}
    >
      <Icon name="bell" />
      {t('calls.button')}
      {n ? (
        <span class="calls-count" id="calls-count">
          {n}
        </span>
      ) : null}
    </PanelToggle>
  );
}

export function RecordingsToggle() {
  const board = useBoard();
  const recordings = recordingsOf(board);
  const running = recordings.running.value;
  return (
    <PanelToggle
      panel="recordings"
      open={recordings.open.value}
      title={t('rec.buttonTitle')}
      hide={() => recordings.hide()}
      show={() => {
        board.select(null);
        board.schedule.hide();
        board.callList.hide();
        recordings.show();
      }}
    >
      <span class="rec-dot" data-on={String(Boolean(running))} aria-hidden="true" />
      {t('rec.button')}
    </PanelToggle>
  );
}
