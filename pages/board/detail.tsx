// The detail of one site (opened from its tile, its map dot, a hand or an alert): every metric,
// the reason for its state, its technician's phone, its latest rehearsal with the checks to look
// at, and the operator's actions on it (detail-actions.tsx). It re-renders on every push for
// the site; the elements stay, so a push does not replace a link or a button under a click.

import { useEffect } from 'preact/hooks';
import type { SiteStatusView } from '../../contract/index.js';
import { useBoard } from './context.js';
import { DetailActions } from './detail-actions.js';
import { siteFlags } from './flags.js';
import { dateTime, num } from './format.js';
import { type StringKey, t } from './i18n.js';
import { Icon } from './icons.js';
import { LazyCheckList } from './lazy-checks.js';
import { reasonText } from './reasons.js';
import { regionName, siteName } from './roster.js';
import type { SiteLive } from './store.js';

const measured =
  (key: string, unit: string, digits = 0) =>
  (s: SiteStatusView): string | null => {
    const value = num(s.metrics[key], digits);
    return value === null ? null : `${value}${unit}`;
  };

/** Read in pairs, left to right: the quality on the left, the traffic on the right. */
const metricRows: readonly { label: StringKey; value: (s: SiteStatusView) => string | null }[] = [
  { label: 'metric.rtt', value: measured('rttMs', ' ms') },
  { label: 'metric.in', value: measured('inKbps', ' kb/s') },
  { label: 'metric.loss', value: measured('lossPct', '%', 1) },
  { label: 'metric.out', value: measured('outKbps', ' kb/s') },
  { label: 'metric.jitter', value: measured('jitterMs', ' ms') },
  { label: 'metric.transport', value: (s) => transportText(s.transport, s.flags.relayed === true) },
  { label: 'metric.downlink', value: measured('downlinkKbps', ' kb/s') },
  // What the rehearsal learned, beside what is used now: the live session starts from it.
  { label: 'metric.learned', value: (s) => learnedText(s.learned) },
  { label: 'metric.mic', value: measured('micScore', '/10') },
  { label: 'metric.cam', value: measured('camScore', '/10') },
];

function transportText(transport: SiteStatusView['transport'], relayed: boolean): string | null {
  if (!transport) return null;
  return relayed ? `TURN (${transport.toUpperCase()})` : transport.toUpperCase();
}

function learnedText(learned: SiteStatusView['learned']): string | null {
  if (!learned) return null;
  const parts = [transportText(learned.transport, learned.relayed) ?? '–'];
  if (learned.uplinkKbps !== null) parts.push(`↑${num(learned.uplinkKbps)}`);
  if (learned.downlinkKbps !== null) parts.push(`↓${num(learned.downlinkKbps)} kb/s`);
  return parts.join(' · ');
}

export function DetailPanel() {
  const board = useBoard();
  const id = board.store.selected.value;
  const live = id ? board.store.live(id) : undefined;
  if (!live) return <aside class="detail" id="detail" hidden />;
  const { site } = live;
  const s = live.status.value;
  const name = siteName(site);
  const other = site.kind === 'hub' ? t('detail.hub') : regionName(site.region);
  return (
    <aside class="detail" id="detail" data-state={s.state}>
      <header class="detail-header">
        <div>
          <h2 class="detail-title">{name}</h2>
          <p class="detail-subtitle">{`${site.name === name ? site.nameEn : site.name} · ${other}`}</p>
        </div>
        <button type="button" class="detail-close" aria-label={t('detail.close')} onClick={() => board.select(null)}>
          ×
        </button>
      </header>
      <p class="detail-state">
        <span class="state-badge" data-badge={s.state}>
          {t(`state.${s.state}`)}
        </span>
        <span class="detail-since">{`${t('detail.since')} ${dateTime(s.since)}`}</span>
      </p>
      <p class="detail-reason">{s.reason ? `${t('detail.reason')}: ${reasonText(s.reason)}` : ''}</p>
      <dl class="detail-metrics">
        {metricRows.flatMap((row) => [
          <dt key={`${row.label}:dt`}>{t(row.label)}</dt>,
          <dd key={`${row.label}:dd`}>{row.value(s) ?? t('metric.none')}</dd>,
        ])}
      </dl>
      <ul class="detail-flags">
        {siteFlags
          .filter((f) => s.flags[f.flag])
          .map((f) => (
            <li data-flag={f.flag} key={f.flag}>
              <Icon name={f.icon} />
              <span>{t(f.label)}</span>
            </li>
          ))}
      </ul>
      <DetailActions live={live} key={site.id} />
      <People live={live} />
    </aside>
  );
}

/** Who to call, the latest rehearsal's verdict and what to look at, where the room is. */
function People({ live }: { live: SiteLive }) {
  const board = useBoard();
  const { site } = live;
  const last = board.store.lastRehearsal.value;
  const result = live.rehearsal.value ?? 'pending';
  useEffect(() => {
    if (last) void board.wantLatestReport();
  }, [board, last]);
  const checks = board.latestReport.value?.sites.find((s) => s.siteId === site.id)?.checks ?? [];
  return (
    <div class="detail-people">
      {site.technician ? (
        <p class="detail-technician">
          {`${t('detail.technician')}: ${site.technician.name} · `}
          <a href={`tel:${site.technician.phone.replace(/[^\d+]/g, '')}`}>{site.technician.phone}</a>
        </p>
      ) : (
        <p class="detail-technician missing">{t('detail.noTechnician')}</p>
      )}
      {last ? (
        <p class="detail-rehearsal" data-result={result}>
          {`${t('detail.rehearsal', { when: dateTime(last.startsAt) })}: `}
          <strong class="rehearsal-result">{t(`rehearsal.${result}`)}</strong>
        </p>
      ) : null}
      {last && checks.length ? <LazyCheckList checks={checks} class="detail-checks" /> : null}
      <p>{`${t('detail.location')}: ${site.location}`}</p>
      {site.units.length ? <p class="detail-units">{`${t('detail.units')}: ${site.units.join('; ')}`}</p> : null}
    </div>
  );
}
