// The operator's actions on the site whose detail is open: give or take the floor, mute, ask
// to reconnect, disconnect, copy or re-issue its join link. Disconnecting and re-issuing are
// asked about first, on the panel (window.confirm would stop the board's updates while it
// waits). Keyed by site in the detail, so another site starts with no question or outcome.
import { useSignal } from '@preact/signals';
import { copyText, describeError } from './actions.js';
import type { Result } from './connection.js';
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { siteName } from './roster.js';
import type { SiteLive } from './store.js';

type ActionName = 'floor' | 'mute' | 'restart-ice' | 'disconnect' | 'copy-link' | 'reissue';
type Confirmable = 'disconnect' | 'reissue';

interface Outcome {
  readonly ok: boolean;
  readonly text: string;
  /** A link to select and copy by hand, or to send to the technician. */
  readonly link?: string;
}

export function DetailActions({ live }: { live: SiteLive }) {
  const board = useBoard();
  const { actions, store } = board;
  const confirming = useSignal<Confirmable | null>(null);
  const busy = useSignal(false);
  const outcome = useSignal<Outcome | null>(null);
  const { site } = live;
  const siteId = site.id;
  const status = live.status.value;
  const hasFloor = Boolean(status.flags.floor);
  const muted = store.conference.value?.muted.includes(siteId) ?? Boolean(status.flags.muted);
  const offline = status.state === 'offline';

  const run = async (name: ActionName) => {
    const n = { name: siteName(site) };
    busy.value = true;
    outcome.value = null;
    const plain = (r: Result<unknown>, done: string): Outcome =>
      r.ok ? { ok: true, text: done } : { ok: false, text: describeError(r.error) };
    let o: Outcome;
    switch (name) {
      case 'floor':
        o = live.status.peek().flags.floor
          ? plain(await actions.takeFloor(), t('action.done.takeFloor'))
          : plain(await actions.giveFloor(siteId), t('action.done.floor', n));
        break;
      case 'mute': {
        const mute = !(store.conference.peek()?.muted.includes(siteId) ?? false);
        o = plain(await actions.mute(siteId, mute), t(mute ? 'action.done.mute' : 'action.done.unmute', n));
        break;
      }
      case 'restart-ice':
        o = plain(await actions.restartIce(siteId), t('action.done.restartIce', n));
        break;
      case 'disconnect':
        o = plain(await actions.disconnect(siteId), t('action.done.disconnect', n));
        break;
      case 'copy-link': {
        const r = await actions.joinLink(siteId);
        if (!r.ok) o = plain(r, '');
        else if (await copyText(r.data)) o = { ok: true, text: t('action.done.copied', n) };
        else o = { ok: true, text: t('action.done.copyManual'), link: r.data };
        break;
      }
      case 'reissue': {
        const r = await actions.reissue(siteId);
        o = r.ok ? { ok: true, text: t('action.done.reissued', n), link: r.data } : plain(r, '');
        break;
      }
    }
    busy.value = false;
    outcome.value = o;
  };
  const act = (name: ActionName) => {
    if (name === 'disconnect' || name === 'reissue') confirming.value = name;
    else void run(name);
  };

  const button = (name: ActionName, text: string, cls = '', hidden = false) => {
    const needsConnection = name === 'restart-ice' || name === 'disconnect';
    return (
      <button
        type="button"
        class={cls ? `action ${cls}` : 'action'}
        data-action={name}
        hidden={hidden}
        disabled={busy.value || confirming.value !== null || (needsConnection && offline)}
        data-has={name === 'floor' ? String(hasFloor) : undefined}
        data-muted={name === 'mute' ? String(muted) : undefined}
        onClick={() => act(name)}
      >
        {text}
      </button>
    );
  };
  const asking = confirming.value;
  const o = outcome.value;
  return (
    <>
      <div class="detail-actions">
        {button('floor', t(hasFloor ? 'action.takeFloor' : 'action.giveFloor'), 'primary', site.kind !== 'bridge')}
        {button('mute', t(muted ? 'action.unmute' : 'action.mute'))}
        {button('restart-ice', t('action.restartIce'))}
        {button('disconnect', t('action.disconnect'), 'danger')}
        {button('copy-link', t('action.copyLink'))}
        {button('reissue', t('action.reissue'), 'danger')}
      </div>
      <div class="detail-confirm" role="alertdialog" hidden={!asking}>
        {asking ? (
          <>
            <p>
              {t(asking === 'reissue' ? 'action.confirmReissue' : 'action.confirmDisconnect', {
                name: siteName(site),
              })}
            </p>
            <div class="confirm-buttons">
              <button
                type="button"
                class="danger"
                data-confirm="yes"
                onClick={() => {
                  confirming.value = null;
                  void run(asking);
                }}
              >
                {t('action.confirm')}
              </button>
              <button
                type="button"
                data-confirm="no"
                onClick={() => {
                  confirming.value = null;
                }}
              >
                {t('action.cancel')}
              </button>
            </div>
          </>
        ) : null}
      </div>
      <div class="detail-result" role="status" aria-live="polite" hidden={!o} data-ok={o ? String(o.ok) : undefined}>
        {o ? <p>{o.text}</p> : null}
        {o?.link ? (
          <input type="text" readOnly class="link-field" value={o.link} onFocus={(e) => e.currentTarget.select()} />
        ) : null}
      </div>
    </>
  );
}
