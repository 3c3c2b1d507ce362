// The grid: one tile per site, grouped by region (north to south) in two columns so all 64 fit
// a 1366x768 screen. A tile shows the state (colour), the name, the link in a few numbers, the
// time of the last change and the flags; a click opens the site's detail. Each tile reads its
// own site's signals, so a push re-renders the tiles it concerns, in place: the button under
// the operator's pointer is never replaced.
import { useComputed } from '@preact/signals';
import { useMemo } from 'preact/hooks';
import { useBoard } from './context.js';
import { siteFlags } from './flags.js';
import { clock, num } from './format.js';
import { t } from './i18n.js';
import { Icon } from './icons.js';
import { reasonText } from './reasons.js';
import { type Region, regionName, siteName } from './roster.js';
import { isUp } from './store.js';

const TILES_PER_ROW = 4;

/** A tile's short name: "Thành phố Hồ Chí Minh" does not fit a tile, "TP. Hồ Chí Minh" does. */
const shortName = (name: string) =>
  name
    .replace(/^Thành phố /, 'TP. ')
    .replace(/^Điểm cầu /, '')
    .replace(/ – /g, '–');

export function Grid() {
  const { store } = useBoard();
  const columns = useMemo(() => splitColumns(store.regions), [store]);
  return (
    <div class="grid" id="grid">
      {columns.map((regions, i) => (
        <div class="grid-column" key={i}>
          {regions.map((region) => (
            <section class="region" data-region={region.id} key={region.id}>
              <h2 class="region-name">
                <span>{regionName(region.id)}</span>
                <RegionCount region={region} />
              </h2>
              <div class="tiles">
                {region.sites.map((site) => (
                  <Tile id={site.id} key={site.id} />
                ))}
              </div>
            </section>
          ))}
        </div>
      ))}
    </div>
  );
}

/** "5/8": the region's sites in the conference; on its own, so a push does not redraw the region. */
function RegionCount({ region }: { region: Region }) {
  const { store } = useBoard();
  const up = region.sites.filter((s) => isUp(store.live(s.id)?.status.value.state)).length;
  return <span class="region-count">{`${up}/${region.sites.length}`}</span>;
}

function Tile({ id }: { id: string }) {
  const board = useBoard();
  const live = board.store.live(id);
  const selected = useComputed(() => board.store.selected.value === id);
  if (!live) return null;
  const { site } = live;
  const s = live.status.value;
  const up = isUp(s.state);
  const m = s.metrics;
  const loss = num(m.lossPct, 1);
  const rehearsal = live.rehearsal.value;
  const failed = rehearsal === 'fail' || rehearsal === 'absent' ? rehearsal : null;
  const classes = [
    'tile',
    live.speaking.value && 'speaking',
    s.flags.floor && 'has-floor',
    selected.value && 'selected',
    live.alerting.value && 'alerting',
  ];
  return (
    <button
      type="button"
      class={classes.filter(Boolean).join(' ')}
      data-site-id={id}
      data-kind={site.kind}
      data-state={s.state}
      title={[siteName(site), t(`state.${s.state}`), reasonText(s.reason)].filter(Boolean).join(' · ')}
      onClick={() => board.select(id)}
    >
      <span class="tile-top">
        <span class="tile-name">{shortName(siteName(site))}</span>
        <span class="tile-flags">
          {siteFlags
            .filter((f) => s.flags[f.flag])
            .map((f) => (
              <Icon name={f.icon} title={t(f.label)} key={f.flag} />
            ))}
        </span>
      </span>
      <span class="tile-line tile-middle">
        <span class="tile-quality">
          {up
            ? `RTT ${num(m.rttMs) ?? '–'} · ${loss === null ? '–' : loss}% · J ${num(m.jitterMs) ?? '–'}`
            : t(s.flags.reconnecting ? 'flag.reconnecting' : `state.${s.state}`)}
        </span>
        {/* The latest rehearsal's verdict when the site failed or missed it, so the operator sees
            before the live session which rooms still need a technician's call. */}
        <span class="tile-rehearsal" data-result={failed ?? undefined}>
          {failed ? (
            <Icon
              name="rehearsalFailed"
              title={t(failed === 'fail' ? 'tile.rehearsal.fail' : 'tile.rehearsal.absent')}
            />
          ) : null}
        </span>
      </span>
      <span class="tile-line tile-bottom">
        <span class="tile-rates">{up ? `↑${rate(m.inKbps)} ↓${rate(m.outKbps)}` : ''}</span>
        <span class="tile-transport" data-transport={up ? (s.transport ?? '') : undefined}>
          {up ? (s.flags.relayed ? 'TURN' : (s.transport?.toUpperCase() ?? '')) : ''}
        </span>
        <span class="tile-since">{clock(s.since)}</span>
      </span>
    </button>
  );
}

/** A bitrate in few characters: kbit/s up to 999, then Mbit/s ("1,2M"). */
function rate(kbps: number | null | undefined): string {
  if (kbps === null || kbps === undefined) return '–';
  return kbps < 1000 ? (num(kbps) ?? '–') : `${num(kbps / 1000, 1)}M`;
}

/**
 * Regions in order, split into two columns of about equal height (rows of tiles plus a header
 * each), so the grid fills the screen without scrolling.
 */
function splitColumns(regions: readonly Region[]): [Region[], Region[]] {
  const height = (rs: readonly Region[]) => rs.reduce((h, r) => h + 0.4 + Math.ceil(r.sites.length / TILES_PER_ROW), 0);
  let best = 0;
  let bestHeight = Number.POSITIVE_INFINITY;
  for (let k = 0; k <= regions.length; k++) {
    const h = Math.max(height(regions.slice(0, k)), height(regions.slice(k)));
    if (h < bestHeight) {
      bestHeight = h;
      best = k;
    }
  }
  return [regions.slice(0, best), regions.slice(best)];
}
