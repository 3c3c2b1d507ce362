// Alerts: the server raises one when a site drops or degrades during the live session. The
// banner shows the newest (and how many more) in the header; the site's tile and map dot flash
// (store.ts) and a beep sounds (sound.ts), unless the operator turned it off with the toggle.
import { useEffect } from 'preact/hooks';
import { useBoard } from './context.js';
import { clock } from './format.js';
import { t } from './i18n.js';
import { Icon } from './icons.js';
import { reasonText } from './reasons.js';
import { siteName } from './roster.js';
import type { AlertSound } from './sound.js';

export function AlertBanner() {
  const board = useBoard();
  const alerts = board.store.alerts.value;
  const latest = alerts.at(-1);
  // The alert takes the place of the header's counts (style.css reads the class).
  useEffect(() => {
    document.body.classList.toggle('has-alert', Boolean(latest));
    return () => document.body.classList.remove('has-alert');
  }, [latest]);
  if (!latest) return <div class="alert-banner" id="alert-banner" role="alert" hidden />;
  const name = siteName(board.store.site(latest.siteId), latest.siteId);
  return (
    <div class="alert-banner" id="alert-banner" role="alert">
      <button
        type="button"
        class="alert-open"
        data-alert-site={latest.siteId}
        onClick={() => board.select(latest.siteId)}
      >
        <Icon name="warning" />
        <strong>{t(latest.kind === 'degraded' ? 'alert.degraded' : 'alert.dropped', { name })}</strong>
        <span class="alert-time">{clock(latest.at, true)}</span>
        <span class="alert-reason">{reasonText(latest.reason)}</span>
        {alerts.length > 1 ? <span class="alert-more">{t('alert.more', { n: alerts.length - 1 })}</span> : null}
      </button>
      <button type="button" class="alert-dismiss" onClick={() => board.store.dismissAlerts()}>
        {t('alert.dismiss')}
      </button>
    </div>
  );
}

/** Icon only: the header has no room for words; the tooltip and the label say it. */
export function SoundToggle({ sound }: { sound: AlertSound }) {
  const on = sound.on.value;
  const blocked = sound.blocked.value;
  const label = `${t(on ? 'sound.on' : 'sound.off')} · ${t(blocked ? 'sound.blocked' : 'sound.title')}`;
  return (
    <button
      type="button"
      class="tool"
      id="sound-toggle"
      data-on={String(on)}
      data-blocked={String(blocked)}
      title={label}
      aria-label={label}
      onClick={() => sound.toggle()}
    >
      <Icon name={on ? 'bell' : 'bellOff'} />
    </button>
  );
}
