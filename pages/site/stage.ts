// The conference stage: who is shown large and who beside (a bridge watches the floor's holder
// with the hub beside it, or the hub; the hub watches the bridge it focused), its own camera,
// and the banner when this site has the floor. The hub's grid of bridges is hub-grid.ts.
import type { RemoteMedia } from '../../client/media-session.js';
import type { SiteClient } from '../../client/site-client.js';
import type { HubGrid } from './hub-grid.js';
import { t } from './i18n.js';
import { attach, type PageElements, show, siteName, text } from './page-dom.js';

export function renderStage(el: PageElements, c: SiteClient, grid: HubGrid): void {
  const me = c.site?.id;
  const hubId = c.welcome?.hub.id;
  const floor = c.view?.floor ?? null;
  const videos = new Map<string, RemoteMedia>();
  for (const r of c.remote) if (r.offer.kind === 'video') videos.set(r.offer.siteId, r);
  const trackOf = (siteId: string | null | undefined) => (siteId ? videos.get(siteId)?.consumer.track : undefined);

  let main: string | null | undefined;
  let side: string | null | undefined;
  if (c.role === 'hub') {
    main = c.focus ?? (floor && videos.has(floor) ? floor : null);
  } else {
    const floorShown = floor && floor !== me && videos.has(floor);
    main = floorShown ? floor : hubId;
    side = floorShown ? hubId : undefined;
  }
  attach(el.mainVideo, trackOf(main));
  el.mainTile.dataset.siteId = main ?? '';
  text(el.mainLabel, main ? siteName(c.siteById(main)) : '');
  show(el.mainLabel, Boolean(main));
  const mainTrack = trackOf(main);
  show(el.mainPlaceholder, !mainTrack);
  if (!mainTrack) {
    const who = c.siteById(main ?? '');
    text(
      el.mainPlaceholder,
      c.role === 'hub' && !main
        ? t(videos.size ? 'hub.focusHint' : 'hub.noBridges')
        : who && !c.view?.present.includes(who.id)
          ? t('conf.notConnected', { name: siteName(who) })
          : t('conf.waitingVideo', { name: siteName(who) }),
    );
  }
  show(el.unfocus, c.role === 'hub' && Boolean(c.focus));

  show(el.sideTile, Boolean(side));
  attach(el.sideVideo, trackOf(side));
  text(el.sideLabel, side ? siteName(c.siteById(side)) : '');

  attach(el.selfVideo, c.camOff ? undefined : c.local.video);
  show(el.floorBanner, c.hasFloor);

  if (c.role === 'hub') grid.render(videos);
}
