// The day's timeline, newest first: state changes, floor, hands, mute, alerts (events.ts
// gathers them). Items are keyed by what happened and when, so a new entry is inserted at the
// top instead of the list being rebuilt.
import type { Site } from '../../config/roster.js';
import type { EventEntry } from './api.js';
import { useBoard } from './context.js';
import { isProblem, problemsOnly, setProblemsOnly, type TimedEvent } from './events.js';
import { clock } from './format.js';
import { type StringKey, t } from './i18n.js';
import { reasonText } from './reasons.js';
import { siteName } from './roster.js';
import { type SiteState, siteStates } from './store.js';

const SHOWN = 400;

const eventKeys: Record<string, StringKey> = {
  'floor.given': 'ev.floorGiven',
  'floor.taken': 'ev.floorTaken',
  'hand.raised': 'ev.handRaised',
  'hand.lowered': 'ev.handLowered',
  'site.muted': 'ev.muted',
  'site.unmuted': 'ev.unmuted',
  'site.ice-restart-requested': 'ev.iceRestart',
  'site.link-reissued': 'ev.reissued',
  'technician.alert': 'ev.techAlert',
  'technician.acknowledged': 'ev.techAck',
  'operator.message': 'ev.message',
};

const stateLabel = (s: unknown): string =>
  siteStates.includes(s as SiteState) ? t(`state.${s as SiteState}`) : String(s ?? '?');

export function Timeline() {
  const { events } = useBoard();
  const only = problemsOnly.value;
  const shown = events.entries.value
    .filter((e) => !only || isProblem(e))
    .slice(-SHOWN)
    .reverse();
  return (
    <section class="timeline">
      <header class="timeline-header">
        <h2 class="panel-heading">{t('timeline.heading')}</h2>
        <label class="filter">
          <input
            type="checkbox"
            id="timeline-filter"
            checked={only}
            onChange={(e) => setProblemsOnly(e.currentTarget.checked)}
          />
          <span>{t('timeline.problemsOnly')}</span>
        </label>
      </header>
      <ol class="timeline-list" id="timeline-list">
        {shown.length ? (
          shown.map((e) => <Item event={e} key={`${e.ms}|${e.seq ?? ''}|${e.type}|${e.siteId ?? ''}`} />)
        ) : (
          <li class="timeline-empty">{t('timeline.empty')}</li>
        )}
      </ol>
    </section>
  );
}

function Item({ event: e }: { event: TimedEvent }) {
  const { store } = useBoard();
  const { text, detail } = words(e, store.site(e.siteId ?? ''));
  return (
    <li
      class={isProblem(e) ? 'timeline-item problem' : 'timeline-item'}
      data-type={e.type}
      data-to={e.type === 'site.state' && e.data?.to ? String(e.data.to) : undefined}
      data-event-site={e.siteId}
    >
      <time dateTime={e.at}>{clock(e.at, true)}</time>
      <span class="timeline-text">{text}</span>
      {detail ? <span class="timeline-detail">{detail}</span> : null}
    </li>
  );
}

function words(e: EventEntry, site: Site | undefined): { text: string; detail: string } {
  const name = siteName(site, e.siteId ?? '');
  const reason = typeof e.data?.reason === 'string' ? reasonText(e.data.reason) : '';
  if (e.type === 'site.state') {
    const text = t('ev.state', { name, from: stateLabel(e.data?.from), to: stateLabel(e.data?.to) });
    return { text, detail: isProblem(e) ? reason : '' };
  }
  if (e.type === 'alert') {
    return {
      text: t(e.data?.kind === 'degraded' ? 'ev.alert.degraded' : 'ev.alert.dropped', { name }),
      detail: reason,
    };
  }
  const key = eventKeys[e.type];
  return { text: key ? t(key, { name }) : t('ev.other', { type: e.type, name }), detail: '' };
}
