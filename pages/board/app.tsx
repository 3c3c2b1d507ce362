// The whole page: the header, the signed-in board (while there is one) and the sign-in form.
// Components render from signals (store.ts, sign-in.ts, the language in i18n.ts); the only
// listeners set by hand are the two on the document: Escape closes the panel on top, and any
// gesture lets the alert beep play.
import { useEffect } from 'preact/hooks';
import { AlertBanner, SoundToggle } from './alerts.js';
import { BoardContext, useBoard } from './context.js';
import { FloorPanel } from './floor.js';
import { Grid } from './grid.js';
import { switchLang, t } from './i18n.js';
import { LazyPanel } from './lazy-panel.js';
import { LoginScreen } from './login.js';
import { SiteMap } from './map.js';
import { CallListToggle, RecordingsToggle } from './panel-toggles.js';
import { recordingsOf } from './recordings.js';
import { LazySchedulePanel, ScheduleToggle } from './schedule-toggle.js';
import { board, signOut, sound } from './sign-in.js';
import { Counts, Phase } from './summary.js';
import { Timeline } from './timeline.js';

export function App() {
  const current = board.value;
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      sound.unlock();
      const b = board.peek();
      if (e.key !== 'Escape' || !b) return;
      // One Escape, one panel: the detail first (it lies over the schedule), then the schedule.
      if (b.store.selected.peek()) b.select(null);
      else if (b.schedule.open.peek()) b.schedule.hide();
      else if (b.callList.open.peek()) b.callList.hide();
      else if (recordingsOf(b).open.peek()) recordingsOf(b).hide();
    };
    const pointer = () => sound.unlock();
    document.addEventListener('keydown', key);
    document.addEventListener('pointerdown', pointer, { passive: true });
    return () => {
      document.removeEventListener('keydown', key);
      document.removeEventListener('pointerdown', pointer);
    };
  }, []);
  return (
    <BoardContext.Provider value={current}>
      <header class="topbar">
        <span class="brand">{t('app.title')}</span>
        {current ? [<Phase key="phase" />, <Counts key="counts" />, <AlertBanner key="alert" />] : null}
        <span class="spacer" />
        {current ? <RecordingsToggle /> : null}
        {current ? <CallListToggle /> : null}
        {current ? <ScheduleToggle /> : null}
        <SoundToggle sound={sound} />
        <button type="button" class="tool" id="lang-switch" title={t('lang.switchTitle')} onClick={switchLang}>
          {t('lang.switch')}
        </button>
        <button type="button" class="tool" id="logout" onClick={signOut}>
          {t('login.logout')}
        </button>
      </header>
      {current ? <SignedIn key={current.serial} /> : <main class="board" id="board" />}
      <LoginScreen />
    </BoardContext.Provider>
  );
}

const loadCallList = () => import('./call-list-panel.js').then((m) => m.CallListPanel);
// A site's detail is opened many times a day, but not before the operator clicks a site.
const loadDetail = () => import('./detail.js').then((m) => m.DetailPanel);
const loadRecordings = () => import('./recordings-panel.js').then((m) => m.RecordingsPanel);

function SignedIn() {
  const board = useBoard();
  return (
    <main class="board" id="board">
      <Grid />
      <div class="side">
        <div class="side-top">
          <SiteMap />
          <FloorPanel />
        </div>
        <Timeline />
        <LazyPanel
          open={board.callList.open.value}
          load={loadCallList}
          id="calls"
          className="calls"
          label={t('calls.heading')}
        />
        <LazyPanel
          open={recordingsOf(board).open.value}
          load={loadRecordings}
          id="recordings"
          className="recordings"
          label={t('rec.heading')}
        />
        <LazySchedulePanel />
        <LazyPanel open={board.store.selected.value !== null} load={loadDetail} id="detail" className="detail" />
      </div>
      <ConnectionBanner />
    </main>
  );
}

/** On its own, so the socket coming and going re-renders the banner, not the board. */
function ConnectionBanner() {
  const { store } = useBoard();
  return (
    <div class="conn-banner" id="conn-banner" role="status" hidden={!store.cutOff.value}>
      {t('conn.reconnecting')}
    </div>
  );
}
