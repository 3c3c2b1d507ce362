// The header's buttons for the panels over the side column that load when first opened
// (lazy-panel.tsx): the technicians' call list, with how many sites still wait for their
// technician, and the recordings, with a red dot while one runs. Opening one closes the others.
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { Icon } from './icons.js';
import { recordingsOf } from './recordings.js';

export function CallListToggle() {
  const board = useBoard();
  const calls = board.callList;
  const open = calls.open.value;
  const n = calls.waiting.value;
  return (
    <button
      type="button"
      class="tool"
      id="calls-toggle"
      aria-controls="calls"
      aria-expanded={open}
      title={t('calls.buttonTitle')}
      onClick={() => {
        if (open) return calls.hide();
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
    </button>
  );
}

export function RecordingsToggle() {
  const board = useBoard();
  const recordings = recordingsOf(board);
  const open = recordings.open.value;
  const running = recordings.running.value;
  return (
    <button
      type="button"
      class="tool"
      id="recordings-toggle"
      aria-controls="recordings"
      aria-expanded={open}
      title={t('rec.buttonTitle')}
      onClick={() => {
        if (open) return recordings.hide();
        board.select(null);
        board.schedule.hide();
        board.callList.hide();
        recordings.show();
      }}
    >
      <span class="rec-dot" data-on={String(Boolean(running))} aria-hidden="true" />
      {t('rec.button')}
    </button>
  );
}
