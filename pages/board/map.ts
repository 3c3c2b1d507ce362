// A schematic map of Vietnam: one dot per site at its roster position, coloured by state. The
// roster's map.x/map.y (0..100) spread longitude 102.1–109.5° E and latitude 23.4–8.6° N over
// the same range, so x is squeezed here to keep the country's real proportions.
import { svg } from './dom.js';
import { t } from './i18n.js';
import { type BoardModel, siteName } from './model.js';

/** Width of the roster's 100 x-units relative to its 100 y-units (7.4° of longitude at ~16° N vs 14.8° of latitude). */
const X_SCALE = 0.48;
const WIDTH = 60;

const fromLonLat = (lon: number, lat: number): [number, number] => [
  ((lon - 102.1) / 7.4) * 100 * X_SCALE,
  ((23.4 - lat) / 14.8) * 100,
];

// A coarse trace of the mainland border and coast (lon, lat), clockwise from the western tip.
const outline: readonly [number, number][] = [
  [102.14, 22.4],
  [102.5, 22.77],
  [103.0, 22.55],
  [103.6, 22.78],
  [104.0, 22.55],
  [104.4, 22.75],
  [104.8, 23.15],
  [105.33, 23.39],
  [105.9, 22.95],
  [106.5, 22.95],
  [106.7, 22.85],
  [106.55, 22.45],
  [106.8, 22.0],
  [107.35, 21.6],
  [108.05, 21.55],
  [107.4, 21.25],
  [106.8, 20.7],
  [106.5, 20.25],
  [106.1, 19.95],
  [105.8, 19.4],
  [105.65, 18.9],
  [106.1, 18.2],
  [106.5, 17.7],
  [107.1, 16.9],
  [107.8, 16.4],
  [108.25, 16.05],
  [108.7, 15.4],
  [109.05, 14.5],
  [109.25, 13.8],
  [109.45, 12.9],
  [109.2, 12.25],
  [109.2, 11.7],
  [108.95, 11.3],
  [108.1, 10.9],
  [107.5, 10.5],
  [107.05, 10.35],
  [106.8, 10.15],
  [106.55, 9.7],
  [106.1, 9.35],
  [105.7, 9.0],
  [105.1, 8.7],
  [104.73, 8.6],
  [104.85, 9.3],
  [104.9, 9.9],
  [104.45, 10.42],
  [105.1, 10.95],
  [105.8, 11.0],
  [106.2, 10.95],
  [106.1, 11.3],
  [106.4, 11.7],
  [106.8, 11.95],
  [107.5, 12.25],
  [107.55, 12.75],
  [107.5, 13.5],
  [107.5, 14.4],
  [107.55, 14.7],
  [107.4, 15.5],
  [107.2, 15.9],
  [107.0, 16.3],
  [106.5, 16.6],
  [106.2, 17.2],
  [105.6, 17.9],
  [105.1, 18.6],
  [104.5, 19.0],
  [104.0, 19.3],
  [104.2, 19.9],
  [104.6, 20.15],
  [104.2, 20.75],
  [103.7, 20.7],
  [103.2, 20.85],
  [102.8, 21.3],
  [102.65, 21.75],
  [102.35, 22.1],
];

// The two archipelagos, placed schematically (not to scale) off the coast they belong to.
const islands: readonly { label: string; x: number; y: number }[] = [
  { label: 'Hoàng Sa', x: 53, y: 40 },
  { label: 'Trường Sa', x: 52, y: 76 },
];

export class SiteMap {
  readonly #dots = new Map<string, SVGCircleElement>();
  readonly #titles = new Map<string, SVGTitleElement>();
  readonly #flashing = new Set<string>();

  constructor(
    readonly root: HTMLElement,
    readonly model: BoardModel,
    readonly onSelect: (siteId: string) => void,
    signal: AbortSignal,
  ) {
    root.addEventListener(
      'click',
      (e) => {
        const id = (e.target as Element).closest('[data-map-site]')?.getAttribute('data-map-site');
        if (id) this.onSelect(id);
      },
      { signal },
    );
  }

  build(): void {
    this.#dots.clear();
    this.#titles.clear();
    const map = svg('svg', {
      viewBox: `0 0 ${WIDTH} 100`,
      class: 'map-svg',
      role: 'img',
      'aria-label': t('map.heading'),
    });
    const land = outline
      .map(([lon, lat]) =>
        fromLonLat(lon, lat)
          .map((n) => n.toFixed(2))
          .join(','),
      )
      .join(' ');
    map.append(svg('polygon', { points: land, class: 'map-land' }));
    for (const island of islands) {
      for (const [dx, dy] of [
        [0, 0],
        [1.4, 0.9],
        [-0.8, 1.6],
        [0.9, 2.6],
      ] as const) {
        map.append(svg('circle', { cx: island.x + dx, cy: island.y + dy, r: 0.35, class: 'map-island' }));
      }
      const label = svg('text', { x: island.x + 0.3, y: island.y + 6, class: 'map-island-label' });
      label.textContent = island.label;
      map.append(label);
    }
    // The hub last, so it sits on top of Hanoi's other dots.
    const sites = [...this.model.sites].sort((a, b) => Number(a.kind === 'hub') - Number(b.kind === 'hub'));
    for (const site of sites) {
      if (!site.map) continue;
      const dot = svg('circle', {
        cx: (site.map.x * X_SCALE).toFixed(2),
        cy: site.map.y.toFixed(2),
        r: site.kind === 'hub' ? 1.9 : 1.25,
        class: `map-dot${site.kind === 'hub' ? ' map-hub' : ''}`,
        'data-map-site': site.id,
      });
      if (this.#flashing.has(site.id)) dot.classList.add('alerting');
      const title = svg('title');
      dot.append(title);
      map.append(dot);
      this.#dots.set(site.id, dot);
      this.#titles.set(site.id, title);
    }
    this.root.replaceChildren(map);
    this.update();
  }

  update(siteIds?: Iterable<string>): void {
    for (const id of siteIds ?? this.#dots.keys()) {
      const dot = this.#dots.get(id);
      const status = this.model.status(id);
      if (!dot || !status) continue;
      dot.dataset.state = status.state;
      dot.classList.toggle('map-floor', Boolean(status.flags.floor));
      const title = this.#titles.get(id);
      if (title) title.textContent = `${siteName(this.model.site(id), id)}: ${t(`state.${status.state}`)}`;
    }
  }

  select(siteId: string | null): void {
    for (const [id, dot] of this.#dots) dot.classList.toggle('selected', id === siteId);
  }

  flash(siteId: string, on: boolean): void {
    if (on) this.#flashing.add(siteId);
    else this.#flashing.delete(siteId);
    this.#dots.get(siteId)?.classList.toggle('alerting', on);
  }
}
