// The call list panel, opened from the header's "Gọi kỹ thuật": each site in trouble with its
// technician and phone (a tel: link), the alert and how it went out (page, email, SMS), whether
// the technician acknowledged it on the page, and a short message to that site's page; at the
// top, a message to every page. Like the schedule, it covers the side column only.
import { useState } from 'preact/hooks';
import type { TechnicianAlertView } from '../../contract/index.js';
import { describeError } from './actions.js';
import type { CallRow } from './call-list.js';
import { useBoard } from './context.js';
import { clock } from './format.js';
import { type StringKey, t } from './i18n.js';
import { Icon } from './icons.js';
import { siteName } from './roster.js';

const channels = ['page', 'email', 'sms'] as const;

export function CallListPanel() {
  const { callList } = useBoard();
  const rows = callList.rows.value;
  const error = callList.error.value;
  const loaded = callList.alerts.value !== null;
  return (
    <aside class="calls" id="calls" hidden={!callList.open.value} aria-label={t('calls.heading')}>
      <header class="calls-header">
        <h2 class="calls-title">
          <Icon name="bell" />
          {t('calls.heading')}
        </h2>
        <button type="button" class="detail-close" aria-label={t('calls.close')} onClick={() => callList.hide()}>
          ×
        </button>
      </header>
      <MessageForm siteId={null} />
      {error ? <p class="calls-note">{t('calls.unreadable', { message: error })}</p> : null}
      {!loaded && !error ? <p class="calls-note">{t('calls.loading')}</p> : null}
      {loaded && !rows.length ? <p class="calls-note">{t('calls.empty')}</p> : null}
      <ul class="call-rows">
        {rows.map((row) => (
          <CallEntry key={row.siteId} row={row} />
        ))}
      </ul>
    </aside>
  );
}

function CallEntry({ row }: { row: CallRow }) {
  const board = useBoard();
  const a: TechnicianAlertView = row.latest;
  const site = board.store.site(row.siteId);
  const tech = site?.technician;
  const notes = [
    clock(a.openedAt),
    a.repeats ? t('calls.repeats', { n: a.repeats }) : '',
    a.closedAt ? t('calls.over') : '',
    row.earlier ? t('calls.earlier', { n: row.earlier }) : '',
  ].filter(Boolean);
  return (
    <li
      class="call-row"
      data-site={row.siteId}
      data-acked={String(Boolean(a.ackedAt))}
      data-over={String(Boolean(a.closedAt))}
    >
      <p class="call-site">
        <button type="button" class="call-name" onClick={() => board.select(row.siteId)}>
          {siteName(site, row.siteId)}
        </button>
        <span class="call-kind" data-kind={a.kind}>
          {t(`calls.kind.${a.kind}` as StringKey)}
        </span>
        <span class="call-when">{notes.join(' · ')}</span>
      </p>
      <p class="call-tech">
        {tech ? (
          <>
            {`${tech.name} · `}
            <a class="call-phone" href={`tel:${tech.phone.replace(/[^\d+]/g, '')}`}>
              {tech.phone}
            </a>
          </>
        ) : (
          t('calls.noTechnician')
        )}
      </p>
      <ul class="call-channels">
        {channels.map((channel) => {
          const d = a.deliveries[channel];
          const status = d?.status ?? 'none';
          return (
            <li key={channel} data-channel={channel} data-status={status} title={d?.detail ?? d?.to ?? ''}>
              {`${t(`calls.channel.${channel}`)}: ${t(`calls.status.${status}`)}`}
            </li>
          );
        })}
      </ul>
      <p class="call-ack" data-acked={String(Boolean(a.ackedAt))}>
        {a.ackedAt ? t('calls.acked', { time: clock(a.ackedAt) }) : t('calls.notAcked')}
      </p>
      <MessageForm siteId={row.siteId} />
    </li>
  );
}

/** A short message to one site's page (siteId) or to every page (null). */
function MessageForm({ siteId }: { siteId: string | null }) {
  const board = useBoard();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const send = async (e: Event) => {
    e.preventDefault();
    const message = text.trim();
    if (!message || busy) return;
    setBusy(true);
    const result = await board.actions.message(siteId, message);
    setBusy(false);
    if (result.ok) {
      setText('');
      const n = result.data.pages;
      setOutcome({ ok: true, text: n ? t('calls.sent', { n }) : t('calls.sentNone') });
    } else {
      setOutcome({ ok: false, text: t('calls.sendFailed', { message: describeError(result.error) }) });
    }
  };
  return (
    <form class="call-message" data-site={siteId ?? 'all'} onSubmit={(e) => void send(e)}>
      <input
        type="text"
        maxLength={500}
        value={text}
        placeholder={t(siteId ? 'calls.messagePlaceholder' : 'calls.messageAllPlaceholder')}
        aria-label={t(siteId ? 'calls.message' : 'calls.messageAll')}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
      />
      <button type="submit" disabled={busy || !text.trim()}>
        {t(siteId ? 'calls.send' : 'calls.messageAll')}
      </button>
      {outcome ? (
        <span class="call-outcome" role="status" data-ok={String(outcome.ok)}>
          {outcome.text}
        </span>
      ) : null}
    </form>
  );
}
