// The grid: one tile per site, grouped by region (north to south) in two columns so all 64 fit
// a 1366x768 screen. A tile shows the state (colour), the name, the link in a few numbers, the
// time of the last change and the flags; a click opens the site's detail.
import type { Site } from '../../config/roster.js';
import type { SiteStatusView } from '../../contract/index.js';
import { el, type IconName, icon } from './dom.js';
import { clock, num } from './format.js';
import { type StringKey, t } from './i18n.js';
import { type BoardModel, type Region, type RehearsalResult, regionName, siteName } from './model.js';
import { reasonText } from './reasons.js';

interface Tile {
  readonly root: HTMLButtonElement;
  readonly name: HTMLElement;
  readonly flags: HTMLElement;
  readonly quality: HTMLElement;
  readonly rates: HTMLElement;
  /** The latest rehearsal's verdict when the site failed or missed it. */
  readonly rehearsal: HTMLElement;
  readonly transport: HTMLElement;
  readonly since: HTMLElement;
}

/** Flags shown on a tile, in this order, with their icon. */
export const tileFlags: readonly { flag: string; icon: IconName; label: StringKey }[] = [
  { flag: 'floor', icon: 'floor', label: 'flag.floor' },
  { flag: 'hand', icon: 'hand', label: 'flag.hand' },
  { flag: 'muted', icon: 'muted', label: 'flag.muted' },
  { flag: 'selfMuted', icon: 'selfMuted', label: 'flag.selfMuted' },
  { flag: 'reconnecting', icon: 'reconnecting', label: 'flag.reconnecting' },
  { flag: 'flapping', icon: 'flapping', label: 'flag.flapping' },
];

const TILES_PER_ROW = 4;
const ALERT_FLASH_MS = 15_000;

/** A tile's short name: "Thành phố Hồ Chí Minh" does not fit a tile, "TP. Hồ Chí Minh" does. */
const shortName = (name: string) =>
  name
    .replace(/^Thành phố /, 'TP. ')
    .replace(/^Điểm cầu /, '')
    .replace(/ – /g, '–');

export class Grid {
  readonly #tiles = new Map<string, Tile>();
  readonly #counts = new Map<string, HTMLElement>();
  readonly #flashTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #selected: string | null = null;

  constructor(
    readonly root: HTMLElement,
    readonly model: BoardModel,
    readonly onSelect: (siteId: string) => void,
    signal: AbortSignal,
  ) {
    root.addEventListener(
      'click',
      (e) => {
        const tile = (e.target as Element).closest<HTMLElement>('[data-site-id]');
        if (tile?.dataset.siteId) this.onSelect(tile.dataset.siteId);
      },
      { signal },
    );
  }

  /** (Re)build every region and tile, e.g. after sign-in or a language switch. */
  build(): void {
    this.#tiles.clear();
    this.#counts.clear();
    const [left, right] = splitColumns(this.model.regions);
    this.root.replaceChildren(
      el('div', { class: 'grid-column' }, ...left.map((r) => this.#region(r))),
      el('div', { class: 'grid-column' }, ...right.map((r) => this.#region(r))),
    );
    for (const id of this.#flashTimers.keys()) this.#tiles.get(id)?.root.classList.add('alerting');
    this.update();
  }

  #region(region: Region): HTMLElement {
    const count = el('span', { class: 'region-count' });
    this.#counts.set(region.id, count);
    return el(
      'section',
      { class: 'region', 'data-region': region.id },
      el('h2', { class: 'region-name' }, el('span', {}, regionName(region.id)), count),
      el('div', { class: 'tiles' }, ...region.sites.map((s) => this.#tile(s))),
    );
  }

  #tile(site: Site): HTMLElement {
    const tile: Tile = {
      root: el('button', { type: 'button', class: 'tile', 'data-site-id': site.id, 'data-kind': site.kind }),
      name: el('span', { class: 'tile-name' }, shortName(siteName(site))),
      flags: el('span', { class: 'tile-flags' }),
      quality: el('span', { class: 'tile-quality' }),
      rates: el('span', { class: 'tile-rates' }),
      rehearsal: el('span', { class: 'tile-rehearsal' }),
      transport: el('span', { class: 'tile-transport' }),
      since: el('span', { class: 'tile-since' }),
    };
    tile.root.append(
      el('span', { class: 'tile-top' }, tile.name, tile.flags),
      el('span', { class: 'tile-line tile-middle' }, tile.quality, tile.rehearsal),
      el('span', { class: 'tile-line tile-bottom' }, tile.rates, tile.transport, tile.since),
    );
    this.#tiles.set(site.id, tile);
    return tile.root;
  }

  /** Re-render these sites' tiles (all when none given) and the region counts. */
  update(siteIds?: Iterable<string>): void {
    for (const id of siteIds ?? this.#tiles.keys()) {
      const tile = this.#tiles.get(id);
      const status = this.model.status(id);
      const site = this.model.site(id);
      if (!tile || !status || !site) continue;
      renderTile(tile, site, status, this.model.isSpeaking(id, Date.now()));
      renderRehearsal(tile, this.model.rehearsalResult(id));
    }
    for (const region of this.model.regions) {
      const up = region.sites.filter((s) => {
        const state = this.model.status(s.id)?.state;
        return state === 'online' || state === 'degraded';
      }).length;
      const count = this.#counts.get(region.id);
      if (count) count.textContent = `${up}/${region.sites.length}`;
    }
  }

  select(siteId: string | null): void {
    if (this.#selected) this.#tiles.get(this.#selected)?.root.classList.remove('selected');
    this.#selected = siteId;
    if (siteId) this.#tiles.get(siteId)?.root.classList.add('selected');
  }

  /** Make an alerting site's tile flash for a while (or until it is opened). */
  flash(siteId: string): void {
    const tile = this.#tiles.get(siteId);
    if (!tile) return;
    tile.root.classList.add('alerting');
    clearTimeout(this.#flashTimers.get(siteId));
    this.#flashTimers.set(
      siteId,
      setTimeout(() => this.stopFlash(siteId), ALERT_FLASH_MS),
    );
  }

  stopFlash(siteId: string): void {
    clearTimeout(this.#flashTimers.get(siteId));
    this.#flashTimers.delete(siteId);
    this.#tiles.get(siteId)?.root.classList.remove('alerting');
  }
}

function renderTile(tile: Tile, site: Site, s: SiteStatusView, speaking: boolean): void {
  const { root } = tile;
  root.dataset.state = s.state;
  root.classList.toggle('speaking', speaking);
  root.classList.toggle('has-floor', Boolean(s.flags.floor));
  root.title = [siteName(site), t(`state.${s.state}`), reasonText(s.reason)].filter(Boolean).join(' · ');

  const flags = tileFlags.filter((f) => s.flags[f.flag]);
  const signature = flags.map((f) => f.flag).join(' ');
  if (tile.flags.dataset.flags !== signature) {
    tile.flags.dataset.flags = signature;
    tile.flags.replaceChildren(...flags.map((f) => icon(f.icon, t(f.label))));
  }

  const up = s.state === 'online' || s.state === 'degraded';
  if (up) {
    const m = s.metrics;
    const rtt = num(m.rttMs);
    const loss = num(m.lossPct, 1);
    const jitter = num(m.jitterMs);
    tile.quality.textContent = [`RTT ${rtt ?? '–'}`, loss === null ? '–%' : `${loss}%`, `J ${jitter ?? '–'}`].join(
      ' · ',
    );
    tile.rates.textContent = `↑${rate(m.inKbps)} ↓${rate(m.outKbps)}`;
    tile.transport.textContent = s.transport ? s.transport.toUpperCase() : '';
    tile.transport.dataset.transport = s.transport ?? '';
  } else {
    tile.quality.textContent = s.flags.reconnecting ? t('flag.reconnecting') : t(`state.${s.state}`);
    tile.rates.textContent = '';
    tile.transport.textContent = '';
  }
  tile.since.textContent = clock(s.since);
}

/**
 * A small mark at the end of the tile's middle line (the link numbers leave room there) when the
 * site failed or missed the latest rehearsal, so the operator sees before the live session which
 * rooms still need a technician's call.
 */
function renderRehearsal(tile: Tile, result: RehearsalResult | null): void {
  const shown = result === 'fail' || result === 'absent' ? result : '';
  if ((tile.rehearsal.dataset.result ?? '') === shown) return; // tiles are rebuilt on a language switch
  if (!shown) {
    delete tile.rehearsal.dataset.result;
    tile.rehearsal.replaceChildren();
    return;
  }
  tile.rehearsal.dataset.result = shown;
  tile.rehearsal.replaceChildren(
    icon('rehearsalFailed', t(shown === 'fail' ? 'tile.rehearsal.fail' : 'tile.rehearsal.absent')),
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
