// The recordings panel, opened from the header's "Ghi hình": start or stop the recording, see
// what it takes now (whose picture, who is heard), and every recording with its state, length,
// size and a download per segment. Like the call list, it covers the side column only.
import { useEffect } from 'preact/hooks';
import type { RecordingSegmentView, RecordingView } from './api.js';
import { useBoard } from './context.js';
import { clock, dateTime } from './format.js';
import { lang, type StringKey, t } from './i18n.js';
import { duration, recordingsOf, size } from './recordings.js';
import { siteName } from './roster.js';

/** The list is read this often while the panel is open (recordings are not pushed). */
const READ_EVERY_MS = 3000;

export function RecordingsPanel() {
  const board = useBoard();
  const recordings = recordingsOf(board);
  const open = recordings.open.value;
  const otherPanel = board.schedule.open.value || board.callList.open.value;
  useEffect(() => {
    if (!open) return;
    void recordings.load();
    const timer = setInterval(() => void recordings.load(), READ_EVERY_MS);
    return () => clearInterval(timer);
  }, [open, recordings]);
  // Another panel opened over the same column: this one steps aside.
  useEffect(() => {
    if (otherPanel) recordings.hide();
  }, [otherPanel, recordings]);
  const list = recordings.list.value;
  const error = recordings.error.value;
  const running = recordings.running.value;
  const busy = recordings.busy.value;
  const outcome = recordings.outcome.value;
  return (
    <aside class="recordings" id="recordings" hidden={!open} aria-label={t('rec.heading')}>
      <header class="recordings-header">
        <h2 class="recordings-title">
          <span class="rec-dot" data-on={String(Boolean(running))} aria-hidden="true" />
          {t('rec.heading')}
        </h2>
        <button type="button" class="detail-close" aria-label={t('rec.close')} onClick={() => recordings.hide()}>
          ×
        </button>
      </header>
      <div class="recordings-now" id="recording-now" data-state={running ? 'recording' : 'idle'}>
        <p class="recordings-status">{running ? <Takes r={running} /> : t('rec.idle')}</p>
        {running ? (
          <button
            type="button"
            id="recording-stop"
            data-recording-action="stop"
            disabled={busy}
            onClick={() => void recordings.stop(running.id)}
          >
            {t('rec.stop')}
          </button>
        ) : (
          <button
            type="button"
            id="recording-start"
            data-recording-action="start"
            disabled={busy || list === null}
            onClick={() => void recordings.start()}
          >
            {t('rec.start')}
          </button>
        )}
      </div>
      {outcome ? (
        <p class="recordings-outcome" role="status" data-ok={String(outcome.ok)}>
          {outcome.text()}
        </p>
      ) : null}
      {error ? <p class="recordings-note">{t('rec.unreadable', { message: error })}</p> : null}
      {list === null && !error ? <p class="recordings-note">{t('rec.loading')}</p> : null}
      {list?.length === 0 ? <p class="recordings-note">{t('rec.empty')}</p> : null}
      <ul class="recording-rows">
        {(list ?? []).map((r) => (
          <RecordingRow key={r.id} r={r} />
        ))}
      </ul>
    </aside>
  );
}

/** "Đang ghi · hình: Cà Mau · tiếng: Trung tâm, Cà Mau · 3:12". */
function Takes({ r }: { r: RecordingView }) {
  const board = useBoard();
  const name = (id: string) => siteName(board.store.site(id), id);
  const now = r.now ?? { video: null, audio: [] };
  const parts = [
    t('rec.running'),
    now.video ? t('rec.video', { site: name(now.video) }) : t('rec.noVideo'),
    now.audio.length ? t('rec.audio', { sites: now.audio.map(name).join(', ') }) : t('rec.noAudio'),
    duration(r.seconds),
  ];
  return <>{parts.join(' · ')}</>;
}

function RecordingRow({ r }: { r: RecordingView }) {
  const board = useBoard();
  const recordings = recordingsOf(board);
  const locale = lang.value === 'en' ? 'en-GB' : 'vi-VN';
  const by = r.by === 'session' ? t('rec.bySession') : t('rec.byOperator');
  return (
    <li class="recording-row" data-recording-id={r.id} data-state={r.state}>
      <p class="recording-head">
        <span class="recording-id">{r.id}</span>
        <span class="recording-state" data-state={r.state}>
          {t(`rec.state.${r.state}` as StringKey)}
        </span>
      </p>
      <p class="recording-meta">
        {[
          dateTime(r.startedAt),
          r.sessionId ? t('rec.session', { id: r.sessionId }) : by,
          `${t('rec.length')} ${duration(r.seconds)}`,
          size(r.bytes, locale),
          r.restarts ? t('rec.restarts', { n: r.restarts }) : '',
          r.stopReason ? t('rec.stopReason', { reason: r.stopReason }) : '',
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <ul class="recording-segments">
        {r.segments.map((s) => (
          <Segment key={s.n} id={r.id} s={s} locale={locale} busy={recordings.busy.value} />
        ))}
      </ul>
    </li>
  );
}

function Segment(props: { id: string; s: RecordingSegmentView; locale: string; busy: boolean }) {
  const { id, s, locale, busy } = props;
  const board = useBoard();
  const label = `${t('rec.segment', { n: s.n })} · ${clock(s.startedAt)} · ${duration(s.seconds ?? 0)} · ${size(s.bytes, locale)}`;
  const who = s.video ? siteName(board.store.site(s.video), s.video) : '';
  return (
    <li class="recording-segment" data-n={s.n} data-end={s.end ?? 'writing'}>
      <span>{who ? `${label} · ${who}` : label}</span>
      {s.endedAt ? (
        <button
          type="button"
          data-segment-download={s.n}
          disabled={busy}
          onClick={() => void recordingsOf(board).download(id, s.n)}
        >
          {t('rec.download')}
        </button>
      ) : (
        <span class="recording-writing">{t('rec.writing')}</span>
      )}
    </li>
  );
}
