// What the board knows: the roster (fetched once), every site's live status (from the
// /operator pushes) and the conference (floor, hands, muted, phase, who is speaking).
import { regionNames, regionOrder } from '../../config/roster.default.js';
import type { Site } from '../../config/roster.js';
import type { ConferenceView, SiteStatusView } from '../../contract/index.js';
import { getLang } from './i18n.js';

export type SiteState = SiteStatusView['state'];
/** Worst first: the order the board counts and sorts problems in. */
export const siteStates: readonly SiteState[] = ['offline', 'degraded', 'connecting', 'online'];

/** One entry of GET /api/sites: the roster entry and its status when it was read. */
export type SiteEntry = Site & {
  state: SiteState;
  since: string | null;
  reason: string | null;
  transport: 'udp' | 'tcp' | null;
  flags: Record<string, boolean>;
  metrics: Record<string, number | null>;
  /** This site's result in the latest rehearsal that had begun when the roster was read. */
  lastRehearsal?: RehearsalResult | null;
};

export type RehearsalResult = 'pass' | 'fail' | 'absent';

/** GET /api/sites: the sites and the latest rehearsal they were checked in. */
export interface SitesResponse {
  sites: SiteEntry[];
  lastRehearsal?: { sessionId: string; title: string; startsAt: string; status: string } | null;
}

export interface Region {
  readonly id: string;
  readonly sites: readonly Site[];
}

/** How long a site stays highlighted after the last `conference:speaking` that named it. */
const SPEAKING_HOLD_MS = 1500;

export class BoardModel {
  readonly sites: readonly Site[];
  readonly regions: readonly Region[];
  readonly #byId: Map<string, Site>;
  readonly #status = new Map<string, SiteStatusView>();
  conference: ConferenceView | null = null;
  readonly #speaking = new Map<string, number>();
  #rehearsal: SitesResponse['lastRehearsal'] = null;
  readonly #rehearsalResults = new Map<string, RehearsalResult | null>();

  constructor({ sites: entries, lastRehearsal }: SitesResponse) {
    this.updateRehearsal({ sites: entries, lastRehearsal });
    this.sites = entries.map(({ state, since, reason, transport, flags, metrics, lastRehearsal, ...site }) => site);
    this.#byId = new Map(this.sites.map((s) => [s.id, s]));
    for (const e of entries) {
      const at = e.since ?? new Date().toISOString();
      this.#status.set(e.id, {
        siteId: e.id,
        state: e.state,
        since: at,
        updatedAt: at,
        ...(e.reason ? { reason: e.reason } : {}),
        transport: e.transport,
        flags: e.flags,
        metrics: e.metrics,
      });
    }
    this.regions = groupByRegion(this.sites);
  }

  site(id: string): Site | undefined {
    return this.#byId.get(id);
  }

  /** The latest rehearsal that had begun when GET /api/sites was last read. */
  get rehearsal(): SitesResponse['lastRehearsal'] {
    return this.#rehearsal;
  }

  /**
   * Take the rehearsal results of a fresh GET /api/sites; returns the sites whose result changed
   * (every site when it is another rehearsal: the detail shows its date).
   */
  updateRehearsal({ sites: entries, lastRehearsal }: SitesResponse): string[] {
    const another = (lastRehearsal?.sessionId ?? null) !== (this.#rehearsal?.sessionId ?? null);
    this.#rehearsal = lastRehearsal ?? null;
    const changed: string[] = [];
    for (const e of entries) {
      const result = e.lastRehearsal ?? null;
      if (another || this.#rehearsalResults.get(e.id) !== result) changed.push(e.id);
      this.#rehearsalResults.set(e.id, result);
    }
    return changed;
  }

  /** Null when there was no rehearsal yet, or its result for this site is still to come. */
  rehearsalResult(id: string): RehearsalResult | null {
    return this.#rehearsalResults.get(id) ?? null;
  }

  get hub(): Site | undefined {
    return this.sites.find((s) => s.kind === 'hub');
  }

  status(id: string): SiteStatusView | undefined {
    return this.#status.get(id);
  }

  /** Apply one status; returns the one it replaced (undefined for an unknown site). */
  apply(s: SiteStatusView): SiteStatusView | undefined {
    const previous = this.#status.get(s.siteId);
    if (!previous) return undefined;
    this.#status.set(s.siteId, s);
    return previous;
  }

  /** The state counts of the bridges (the hub is shown on its own). */
  bridgeCounts(): Record<SiteState, number> {
    const counts: Record<SiteState, number> = { offline: 0, degraded: 0, connecting: 0, online: 0 };
    for (const site of this.sites) {
      if (site.kind === 'bridge') counts[this.#status.get(site.id)?.state ?? 'offline']++;
    }
    return counts;
  }

  /** Sites named by this `conference:speaking` push, from now on. */
  heard(siteIds: readonly string[], now: number): void {
    for (const id of siteIds) this.#speaking.set(id, now);
  }

  isSpeaking(id: string, now: number): boolean {
    const at = this.#speaking.get(id);
    return at !== undefined && now - at < SPEAKING_HOLD_MS;
  }

  /** Sites whose highlight lapsed; they are forgotten. */
  quietSince(now: number): string[] {
    const quiet: string[] = [];
    for (const [id, at] of this.#speaking) {
      if (now - at >= SPEAKING_HOLD_MS) {
        this.#speaking.delete(id);
        quiet.push(id);
      }
    }
    return quiet;
  }
}

/** Regions north to south as the roster module orders them; any other region comes after. */
function groupByRegion(sites: readonly Site[]): Region[] {
  const byRegion = new Map<string, Site[]>();
  for (const id of regionOrder) byRegion.set(id, []);
  for (const site of sites) {
    const list = byRegion.get(site.region) ?? [];
    // The hub leads its region: it presides.
    if (site.kind === 'hub') list.unshift(site);
    else list.push(site);
    byRegion.set(site.region, list);
  }
  return [...byRegion].filter(([, list]) => list.length > 0).map(([id, list]) => ({ id, sites: list }));
}

export function regionName(id: string): string {
  return regionNames[id]?.[getLang()] ?? id;
}

export function siteName(site: Site | undefined, fallbackId = ''): string {
  if (!site) return fallbackId;
  return getLang() === 'en' ? site.nameEn : site.name;
}
