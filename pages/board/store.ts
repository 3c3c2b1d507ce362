// What the server pushes, held as signals: the one store the board's components render from.
// Each site has signals of its own (status, speaking, alerting, rehearsal result), so a push
// that moves one site's numbers re-renders that site's tile and dot, not the other 63.
import { batch, computed, type Signal, signal } from '@preact/signals';
import type { Site } from '../../config/roster.js';
import type { AlertView, ConferenceView, SiteStatusView } from '../../contract/index.js';
import type { RehearsalResult, SitesResponse } from './api.js';
import { groupByRegion, type Region } from './roster.js';

export type SiteState = SiteStatusView['state'];
/** Worst first: the order the board counts and sorts problems in. */
export const siteStates: readonly SiteState[] = ['offline', 'degraded', 'connecting', 'online'];

/** How long a site stays highlighted after the last `conference:speaking` that named it. */
const SPEAKING_HOLD_MS = 1500;
/** How long an alerting site flashes unless the operator opens it first. */
const ALERT_FLASH_MS = 15_000;

export interface SiteLive {
  readonly site: Site;
  readonly status: Signal<SiteStatusView>;
  readonly speaking: Signal<boolean>;
  /** An alert was raised and not yet seen: the tile and the map dot flash. */
  readonly alerting: Signal<boolean>;
  /** Its result in the latest rehearsal; null while there is none, or none yet for this site. */
  readonly rehearsal: Signal<RehearsalResult | null>;
}

export type LastRehearsal = NonNullable<SitesResponse['lastRehearsal']>;

/** A site's state change carried by a push, for the timeline. */
export interface StateChange {
  readonly before: SiteStatusView;
  readonly after: SiteStatusView;
}

export const isUp = (state: SiteState | undefined) => state === 'online' || state === 'degraded';

export class LiveStore {
  readonly sites: readonly Site[];
  readonly regions: readonly Region[];
  readonly hub: Site | undefined;
  readonly #live = new Map<string, SiteLive>();
  readonly conference = signal<ConferenceView | null>(null);
  /** Raised and not yet seen, oldest first; one per site. */
  readonly alerts = signal<readonly AlertView[]>([]);
  /** The site whose detail is open. */
  readonly selected = signal<string | null>(null);
  readonly lastRehearsal = signal<LastRehearsal | null>(null);
  /** The socket dropped or cannot reach the server: what the board shows may be out of date. */
  readonly cutOff = signal(false);
  readonly #heardAt = new Map<string, number>();
  readonly #flashTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor({ sites: entries, lastRehearsal }: SitesResponse) {
    const sites: Site[] = [];
    for (const { state, since, reason, transport, flags, metrics, lastRehearsal: _, ...site } of entries) {
      sites.push(site);
      const at = since ?? new Date().toISOString();
      this.#live.set(site.id, {
        site,
        status: signal<SiteStatusView>({
          siteId: site.id,
          state,
          since: at,
          updatedAt: at,
          ...(reason ? { reason } : {}),
          transport,
          flags,
          metrics,
        }),
        speaking: signal(false),
        alerting: signal(false),
        rehearsal: signal(null),
      });
    }
    this.sites = sites;
    this.regions = groupByRegion(this.sites);
    this.hub = this.sites.find((s) => s.kind === 'hub');
    this.updateRehearsal({ sites: entries, lastRehearsal });
  }

  live(id: string): SiteLive | undefined {
    return this.#live.get(id);
  }

  site(id: string): Site | undefined {
    return this.#live.get(id)?.site;
  }

  /** The state counts of the bridges (the hub is shown on its own). */
  readonly bridgeCounts = computed(() => {
    const counts: Record<SiteState, number> = { offline: 0, degraded: 0, connecting: 0, online: 0 };
    for (const { site, status } of this.#live.values()) if (site.kind === 'bridge') counts[status.value.state]++;
    return counts;
  });

  /** Apply pushed statuses (unknown sites are ignored); returns the state changes among them. */
  apply(list: readonly SiteStatusView[]): StateChange[] {
    const changes: StateChange[] = [];
    batch(() => {
      for (const after of list) {
        const live = this.#live.get(after.siteId);
        if (!live) continue;
        const before = live.status.peek();
        live.status.value = after;
        if (before.state !== after.state) changes.push({ before, after });
      }
    });
    return changes;
  }

  /**
   * Take the rehearsal results of a fresh GET /api/sites; true when any changed (or it is
   * another rehearsal: the detail shows its date).
   */
  updateRehearsal({ sites: entries, lastRehearsal }: SitesResponse): boolean {
    let changed = (lastRehearsal?.sessionId ?? null) !== (this.lastRehearsal.peek()?.sessionId ?? null);
    batch(() => {
      this.lastRehearsal.value = lastRehearsal ?? null;
      for (const e of entries) {
        const live = this.#live.get(e.id);
        if (!live || live.rehearsal.peek() === (e.lastRehearsal ?? null)) continue;
        live.rehearsal.value = e.lastRehearsal ?? null;
        changed = true;
      }
    });
    return changed;
  }

  /** Sites named by a `conference:speaking` push, from now on. */
  heard(siteIds: readonly string[], now: number): void {
    batch(() => {
      for (const id of siteIds) {
        const live = this.#live.get(id);
        if (!live) continue;
        this.#heardAt.set(id, now);
        live.speaking.value = true;
      }
    });
  }

  /** Sites whose highlight lapsed are no longer speaking. */
  sweepSpeaking(now: number): void {
    batch(() => {
      for (const [id, at] of this.#heardAt) {
        if (now - at < SPEAKING_HOLD_MS) continue;
        this.#heardAt.delete(id);
        const live = this.#live.get(id);
        if (live) live.speaking.value = false;
      }
    });
  }

  raise(alert: AlertView): void {
    this.alerts.value = [...this.alerts.peek().filter((a) => a.siteId !== alert.siteId), alert];
    const live = this.#live.get(alert.siteId);
    if (!live) return;
    live.alerting.value = true;
    clearTimeout(this.#flashTimers.get(alert.siteId));
    this.#flashTimers.set(
      alert.siteId,
      setTimeout(() => this.#unflash(alert.siteId), ALERT_FLASH_MS),
    );
  }

  #unflash(siteId: string): void {
    clearTimeout(this.#flashTimers.get(siteId));
    this.#flashTimers.delete(siteId);
    const live = this.#live.get(siteId);
    if (live) live.alerting.value = false;
  }

  /** Open a site's detail: its alert is seen. */
  select(siteId: string | null): void {
    if (siteId !== null && !this.#live.has(siteId)) return;
    batch(() => {
      this.selected.value = siteId;
      if (!siteId) return;
      this.alerts.value = this.alerts.peek().filter((a) => a.siteId !== siteId);
      this.#unflash(siteId);
    });
  }

  dismissAlerts(): void {
    batch(() => {
      for (const a of this.alerts.peek()) this.#unflash(a.siteId);
      this.alerts.value = [];
    });
  }

  close(): void {
    for (const timer of this.#flashTimers.values()) clearTimeout(timer);
    this.#flashTimers.clear();
  }
}
