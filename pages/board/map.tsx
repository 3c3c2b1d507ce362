// A schematic map of Vietnam: one dot per site at its roster position, coloured by state; a
// click on a dot opens the site's detail. Each dot reads its own site's signals.
import { useComputed } from '@preact/signals';
import { useMemo } from 'preact/hooks';
import type { Site } from '../../config/roster.js';
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { islands, land, WIDTH, X_SCALE } from './map-outline.js';
import { siteName } from './roster.js';

/** Where the islands' few dots sit around each archipelago's anchor. */
const ISLAND_DOTS = [
  [0, 0],
  [1.4, 0.9],
  [-0.8, 1.6],
  [0.9, 2.6],
] as const;

export function SiteMap() {
  const board = useBoard();
  // The hub last, so it sits on top of Hanoi's other dots.
  const sites = useMemo(
    () => board.store.sites.filter((s) => s.map).sort((a, b) => Number(a.kind === 'hub') - Number(b.kind === 'hub')),
    [board],
  );
  const open = (e: MouseEvent) => {
    const id = (e.target as Element).closest('[data-map-site]')?.getAttribute('data-map-site');
    if (id) board.select(id);
  };
  return (
    <figure class="map" id="map">
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: a pointer shortcut; the grid's tiles are the keyboard's way in */}
      <svg viewBox={`0 0 ${WIDTH} 100`} class="map-svg" role="img" aria-label={t('map.heading')} onClick={open}>
        <polygon points={land} class="map-land" />
        {islands.map((island) => [
          ...ISLAND_DOTS.map(([dx, dy]) => (
            <circle cx={island.x + dx} cy={island.y + dy} r={0.35} class="map-island" key={`${island.label}${dx}`} />
          )),
          <text x={island.x + 0.3} y={island.y + 6} class="map-island-label" key={island.label}>
            {island.label}
          </text>,
        ])}
        {sites.map((site) => (
          <MapDot site={site} key={site.id} />
        ))}
      </svg>
    </figure>
  );
}

function MapDot({ site }: { site: Site }) {
  const { store } = useBoard();
  const selected = useComputed(() => store.selected.value === site.id);
  const live = store.live(site.id);
  if (!site.map || !live) return null;
  const s = live.status.value;
  const hub = site.kind === 'hub';
  const classes = [
    'map-dot',
    hub && 'map-hub',
    s.flags.floor && 'map-floor',
    selected.value && 'selected',
    live.alerting.value && 'alerting',
  ];
  return (
    <circle
      cx={(site.map.x * X_SCALE).toFixed(2)}
      cy={site.map.y.toFixed(2)}
      r={hub ? 1.9 : 1.25}
      class={classes.filter(Boolean).join(' ')}
      data-map-site={site.id}
      data-state={s.state}
    >
      <title>{`${siteName(site)}: ${t(`state.${s.state}`)}`}</title>
    </circle>
  );
}
