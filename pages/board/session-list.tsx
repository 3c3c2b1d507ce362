// The sessions in the schedule panel: what is under way first, then what comes next (soonest
// first), then the past. A rehearsal's title opens its report; a scheduled or open session can
// be cancelled after a question asked on the panel. Items are keyed by session, so a read of
// the list every 15 s does not replace a button under the operator's click.
import type { SessionView } from './api.js';
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { startText } from './sessions.js';

/** Past sessions listed (newest first); older ones are only counted. */
const PAST_SHOWN = 12;

const activeStatuses: ReadonlySet<string> = new Set(['open', 'scheduled']);

function ordered(sessions: readonly SessionView[]): { shown: SessionView[]; older: number } {
  const rank = (s: SessionView) => (s.status === 'open' ? 0 : s.status === 'scheduled' ? 1 : 2);
  const sorted = [...sessions].sort((a, b) => {
    const r = rank(a) - rank(b);
    if (r !== 0) return r;
    return rank(a) === 2 ? b.startsAt.localeCompare(a.startsAt) : a.startsAt.localeCompare(b.startsAt);
  });
  const active = sorted.filter((s) => rank(s) < 2);
  const past = sorted.filter((s) => rank(s) === 2);
  return { shown: [...active, ...past.slice(0, PAST_SHOWN)], older: Math.max(0, past.length - PAST_SHOWN) };
}

/** "90 phút", "9 giờ", "1 giờ 30 phút". */
function duration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (!h) return t('duration.minutes', { m });
  return m ? t('duration.hoursMinutes', { h, m }) : t('duration.hours', { h });
}

const kindLabel = (s: SessionView) => t(s.kind === 'rehearsal' ? 'session.rehearsal' : 'session.live');

export function SessionList() {
  const { schedule } = useBoard();
  const sessions = schedule.sessions.value;
  const error = schedule.listError.value;
  const o = schedule.listOutcome.value;
  const { shown, older } = ordered(sessions ?? []);
  const note = error
    ? t('sessions.unreadable', { message: error })
    : !sessions
      ? t('sessions.loading')
      : !sessions.length
        ? t('sessions.empty')
        : older
          ? t('sessions.older', { n: older })
          : '';
  const reported = schedule.report.session.value?.id;
  return (
    <section class="sessions">
      <h3 class="section-heading">{t('sessions.heading')}</h3>
      <p class="sessions-result" role="status" hidden={!o} data-ok={o ? String(o.ok) : undefined}>
        {o?.text()}
      </p>
      <ul class="session-list">
        {shown.map((s) => (
          <Session session={s} reported={s.id === reported} key={s.id} />
        ))}
      </ul>
      <p class="sessions-note" hidden={!note}>
        {note}
      </p>
    </section>
  );
}

function Session({ session: s, reported }: { session: SessionView; reported: boolean }) {
  const { schedule } = useBoard();
  const confirming = schedule.confirming.value;
  const cancelling = schedule.cancelling.value;
  return (
    <li
      class={reported ? 'session reported' : 'session'}
      data-session-id={s.id}
      data-kind={s.kind}
      data-status={s.status}
    >
      <div class="session-line">
        <span class="kind-badge" data-kind={s.kind}>
          {kindLabel(s)}
        </span>
        {s.kind === 'rehearsal' ? (
          <button
            type="button"
            class="link-button session-title"
            title={t('session.showReport')}
            onClick={() => schedule.pick(s)}
          >
            {s.title}
          </button>
        ) : (
          <span class="session-title" title={s.title}>
            {s.title}
          </span>
        )}
        {activeStatuses.has(s.status) ? (
          <button
            type="button"
            class="small danger"
            data-session-action="cancel"
            title={t('session.cancelTitle')}
            disabled={cancelling !== null || confirming !== null}
            onClick={() => schedule.askCancel(s.id)}
          >
            {t('session.cancel')}
          </button>
        ) : null}
      </div>
      <div class="session-line session-meta">
        <time class="session-start" dateTime={s.startsAt}>
          {startText(s)}
        </time>
        <span class="session-duration">{duration(s.durationMinutes)}</span>
        <span class="session-status" data-status={s.status}>
          {t(`session.status.${s.status}`)}
        </span>
      </div>
      {confirming === s.id ? <CancelQuestion session={s} /> : null}
    </li>
  );
}

/** Asked on the panel itself: window.confirm would block the board's updates while it waits. */
function CancelQuestion({ session: s }: { session: SessionView }) {
  const { schedule } = useBoard();
  const question = t('session.confirmCancel', { kind: kindLabel(s).toLowerCase(), title: s.title, when: startText(s) });
  return (
    <div class="session-confirm" role="alertdialog">
      <p>{s.status === 'open' ? `${question} ${t('session.confirmCancelOpen')}` : question}</p>
      <div class="confirm-buttons">
        <button type="button" class="danger" data-confirm="yes" onClick={() => void schedule.cancel(s)}>
          {t('session.confirmYes')}
        </button>
        <button type="button" data-confirm="no" onClick={() => schedule.askCancel(null)}>
          {t('session.confirmNo')}
        </button>
      </div>
    </div>
  );
}
