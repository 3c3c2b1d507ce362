// What each site's latest rehearsal learned of its link (store/records.ts SiteProfile), kept in
// memory for the status board and the live session's joins, re-read from the store now and then
// and whenever a rehearsal stores a result. A store outage keeps the last known profiles.
import type { Logger } from '../kernel/logger.js';
import type { JoinProfile } from '../signaling/index.js';
import type { SiteProfile, SiteStatus } from '../store/records.js';
import type { Store } from '../store/store.js';

const REFRESH_MS = 30_000;

export class SiteProfiles {
  #profiles = new Map<string, SiteProfile>();
  readonly #store: Store;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#log = logger.child({ component: 'profiles' });
    this.#timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.#timer.unref();
  }

  async refresh(): Promise<void> {
    try {
      this.#profiles = await this.#store.getSiteProfiles();
    } catch (err) {
      this.#log.debug({ err: (err as Error).message }, 'could not read the site profiles; keeping the last ones');
    }
  }

  get(siteId: string): SiteProfile | undefined {
    return this.#profiles.get(siteId);
  }

  /** What the board shows beside the site's current link. */
  learned(siteId: string): SiteStatus['learned'] {
    const p = this.#profiles.get(siteId);
    if (!p) return undefined;
    return {
      transport: p.transport,
      relayed: p.relayed ?? false,
      downlinkKbps: p.downlinkKbps ?? null,
      uplinkKbps: p.uplinkKbps,
    };
  }

  /**
   * How the site starts in the live session: only the protocol that got through (TCP skips a
   * blocked UDP), straight to the relay if only the relay did, at the downlink it could carry.
   */
  forJoin(siteId: string): JoinProfile | undefined {
    const p = this.#profiles.get(siteId);
    if (!p) return undefined;
    return {
      ...(!p.relayed && p.transport === 'tcp' ? { protocols: ['tcp'] as const } : {}),
      ...(p.downlinkKbps ? { downlinkKbps: p.downlinkKbps } : {}),
      ...(p.uplinkLimited && p.uplinkKbps ? { uplinkKbps: p.uplinkKbps } : {}),
      relayOnly: p.relayed === true,
    };
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
