// The hub's grid: one playing thumbnail per bridge that sends video, in roster order, with its
// hand, mute and floor marked; a click focuses the bridge (shown large). Thumbnails are kept
// per site and moved, not rebuilt, so their videos keep playing.
import type { RemoteMedia } from '../../client/media-session.js';
import type { SiteClient } from '../../client/site-client.js';
import { t } from './i18n.js';
import { attach, type PageElements, siteName, text } from './page-dom.js';

interface Thumb {
  readonly tile: HTMLElement;
  readonly video: HTMLVideoElement;
  readonly label: HTMLElement;
}

export class HubGrid {
  readonly #thumbs = new Map<string, Thumb>();

  constructor(
    readonly el: PageElements,
    readonly conference: SiteClient,
    readonly onFocus: (siteId: string | null) => void,
  ) {}

  render(videos: Map<string, RemoteMedia>): void {
    const { el, conference: c } = this;
    const order = new Map((c.welcome?.sites ?? []).map((s, i) => [s.id, i]));
    const ids = [...videos.keys()].sort((a, b) => (order.get(a) ?? 999) - (order.get(b) ?? 999));
    // Few bridges get big thumbnails; all 63 still fit the screen at the smallest size.
    const min = ids.length <= 4 ? 300 : ids.length <= 9 ? 240 : ids.length <= 16 ? 190 : ids.length <= 30 ? 140 : 100;
    if (el.thumbs.style.getPropertyValue('--thumb-min') !== `${min}px`) {
      el.thumbs.style.setProperty('--thumb-min', `${min}px`);
    }
    for (const [id, thumb] of this.#thumbs) {
      if (!videos.has(id)) {
        thumb.tile.remove();
        this.#thumbs.delete(id);
      }
    }
    const view = c.view;
    ids.forEach((id, index) => {
      let thumb = this.#thumbs.get(id);
      if (!thumb) {
        const tile = document.createElement('button');
        tile.type = 'button';
        tile.className = 'thumb';
        tile.dataset.siteId = id;
        const video = document.createElement('video');
        video.autoplay = true;
        video.muted = true;
        video.playsInline = true;
        video.dataset.siteId = id;
        const label = document.createElement('span');
        label.className = 'tile-label';
        tile.append(video, label);
        tile.addEventListener('click', () => this.onFocus(this.conference.focus === id ? null : id));
        thumb = { tile, video, label };
        this.#thumbs.set(id, thumb);
      }
      if (el.thumbs.children[index] !== thumb.tile)
        el.thumbs.insertBefore(thumb.tile, el.thumbs.children[index] ?? null);
      attach(thumb.video, videos.get(id)?.consumer.track);
      // Short marks on the small label; the full words in the tooltip.
      const hand = Boolean(view?.hands.includes(id));
      const muted = Boolean(view?.muted.includes(id));
      const name = siteName(c.siteById(id));
      text(thumb.label, [hand ? '✋' : '', name, muted ? `(${t('hub.mutedShort')})` : ''].filter(Boolean).join(' '));
      thumb.tile.title = [name, hand ? t('hub.hand') : '', muted ? t('hub.muted') : ''].filter(Boolean).join(' · ');
      thumb.tile.dataset.floor = String(view?.floor === id);
      thumb.tile.dataset.hand = String(Boolean(view?.hands.includes(id)));
      thumb.tile.dataset.focused = String(c.focus === id);
    });
  }
}
