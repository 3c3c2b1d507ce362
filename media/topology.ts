// Who receives what in a briefing. Pure, so the rules can be read and tested on their own:
// - every bridge receives the hub (audio and video);
// - everyone receives the site holding the floor (audio and video);
// - the hub receives every bridge's video (its grid), and bridges' audio either from all of
//   them or only from the floor holder (HUB_HEARS);
// - a bridge's audio never reaches another bridge unless it holds the floor.
import type { Feed, MediaSource, SiteRole } from '../contract/index.js';

export interface FeedSource {
  readonly siteId: string;
  readonly role: SiteRole;
  readonly source: MediaSource;
}

export interface TopologyState {
  readonly floor: string | null;
  readonly hubHears: 'all' | 'floor';
}

/** The feed under which `viewer` receives `src`, or undefined if it must not receive it. */
export function feedFor(
  viewer: { readonly siteId: string; readonly role: SiteRole },
  src: FeedSource,
  state: TopologyState,
): Feed | undefined {
  if (src.siteId === viewer.siteId) return undefined;
  if (src.role === 'hub') return 'hub';
  const hasFloor = state.floor === src.siteId;
  if (viewer.role === 'hub') {
    if (src.source === 'cam') return hasFloor ? 'floor' : 'grid';
    if (hasFloor) return 'floor';
    return state.hubHears === 'all' ? 'grid' : undefined;
  }
  return hasFloor ? 'floor' : undefined;
}

/** Video layer a viewer should get: the hub's grid takes the low layer, large views the high one. */
export function wantsHighLayer(feed: Feed, focused: boolean): boolean {
  return feed !== 'grid' || focused;
}
