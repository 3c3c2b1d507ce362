// The status of every site, live: derived from signaling (connection), media (ICE/DTLS,
// stats) and the pages' own reports. State changes are pushed at once and written to the
// store and its event log; metrics are pushed in batches with each stats sample. During a live
// session a drop or degradation raises an alert, and a site that keeps bouncing raises one
// alert, not a storm.
import { EventEmitter } from 'node:events';
import type { Roster } from '../../config/roster.js';
import type { Conference, SiteMediaStats, TransportState } from '../../media/index.js';
import type { Briefing, SiteReport } from '../briefing.js';
import type { Logger } from '../logger.js';
import type { SiteState, SiteStatus } from '../store/records.js';
import type { Store } from '../store/store.js';
import { deriveState, type SiteSignals, type Thresholds } from './derive.js';

export interface Alert {
  readonly siteId: string;
  readonly kind: 'dropped' | 'degraded';
  readonly reason: string;
  readonly at: string;
}

interface StatusEvents {
  /** One site's state changed (pushed at once). */
  status: [SiteStatus];
  /** Metrics moved for these sites (pushed once per stats sample). */
  metrics: [SiteStatus[]];
  alert: [Alert];
}

interface Tracked {
  signals: {
    connected: boolean;
    connectedAt: number | null;
    transports: { send?: TransportState; recv?: TransportState };
    media: SiteMediaStats | null;
    report: (SiteReport & { at: number }) | null;
  };
  status: SiteStatus;
  /** Consecutive evaluations that found the link quality past a threshold. */
  badQuality: number;
  changes: number[];
  flappingSince: number | null;
  lastConnectedAt: number | null;
}

export interface StatusOptions {
  readonly roster: Roster;
  readonly briefing: Briefing;
  readonly conference: Conference;
  readonly store: Store;
  readonly thresholds: Thresholds;
  readonly logger: Logger;
  /** A site offline for less than this after being connected is expected back ("reconnecting"). */
  readonly reconnectWindowMs?: number;
  readonly now?: () => number;
}

const FLAP_WINDOW_MS = 60_000;
const FLAP_CHANGES = 4;
const FLAP_QUIET_MS = 30_000;
const QUALITY_SAMPLES = 2;

export class StatusService extends EventEmitter<StatusEvents> {
  readonly #o: StatusOptions;
  readonly #log: Logger;
  readonly #sites = new Map<string, Tracked>();
  readonly #now: () => number;
  readonly #sweep: NodeJS.Timeout;
  readonly #unsubscribe: (() => void)[] = [];
  /** State changes by the state entered, since start (for /metrics). */
  readonly transitions: Record<SiteState, number> = { offline: 0, connecting: 0, online: 0, degraded: 0 };
  alerts = 0;
  #closed = false;

  private constructor(o: StatusOptions) {
    super();
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#log = o.logger.child({ component: 'status' });
    const at = new Date(this.#now()).toISOString();
    for (const site of o.roster.sites) {
      this.#sites.set(site.id, {
        signals: { connected: false, connectedAt: null, transports: {}, media: null, report: null },
        status: {
          siteId: site.id,
          state: 'offline',
          since: at,
          updatedAt: at,
          reason: 'not connected yet',
          transport: null,
          flags: {},
          metrics: {},
        },
        badQuality: 0,
        changes: [],
        flappingSince: null,
        lastConnectedAt: null,
      });
    }
    this.#listen();
    // Time alone changes some things: the connect grace ends, "reconnecting" lapses, flapping calms.
    this.#sweep = setInterval(() => {
      for (const id of this.#sites.keys()) this.#evaluate(id, false);
    }, 1000);
  }

  /** Starts with every site offline: nobody is connected to a process that just started. */
  static async create(o: StatusOptions): Promise<StatusService> {
    const service = new StatusService(o);
    const stored = await o.store.getSiteStatuses().catch((err: Error) => {
      service.#log.warn({ err: err.message }, 'could not read stored statuses');
      return new Map<string, SiteStatus>();
    });
    for (const [id, previous] of stored) {
      if (previous.state !== 'offline' && service.#sites.has(id)) {
        await o.store
          .appendEvent({
            type: 'site.state',
            siteId: id,
            data: { from: previous.state, to: 'offline', reason: 'server restarted' },
          })
          .catch((err: Error) => service.#log.warn({ err: err.message }, 'could not record a restart'));
      }
    }
    await Promise.all([...service.#sites.values()].map((t) => o.store.putSiteStatus(t.status))).catch((err: Error) => {
      service.#log.warn({ err: err.message }, 'could not write initial statuses');
    });
    return service;
  }

  #listen() {
    const { briefing, conference } = this.#o;
    const onPresence = (siteId: string, connected: boolean) => {
      const t = this.#sites.get(siteId);
      if (!t) return;
      const now = this.#now();
      t.signals = connected
        ? { connected: true, connectedAt: now, transports: {}, media: null, report: null }
        : { ...t.signals, connected: false, transports: {}, media: null };
      if (connected) t.lastConnectedAt = now;
      t.badQuality = 0;
      this.#evaluate(siteId, true);
    };
    const onChanged = () => {
      for (const id of this.#sites.keys()) this.#evaluate(id, false);
    };
    const onReport = (siteId: string, report: SiteReport) => {
      const t = this.#sites.get(siteId);
      if (t?.signals.connected) t.signals.report = { ...report, at: this.#now() };
    };
    const onTransport = (siteId: string, state: TransportState) => {
      const t = this.#sites.get(siteId);
      if (!t?.signals.connected) return;
      t.signals.transports = { ...t.signals.transports, [state.direction]: state };
      this.#evaluate(siteId, true);
    };
    const onStats = (all: SiteMediaStats[]) => {
      const moved: SiteStatus[] = [];
      for (const media of all) {
        const t = this.#sites.get(media.siteId);
        if (!t?.signals.connected) continue;
        t.signals.media = media;
        const status = this.#evaluate(media.siteId, true, true);
        if (status) moved.push(status);
      }
      if (moved.length) this.emit('metrics', moved);
    };
    briefing.on('presence', onPresence);
    briefing.on('changed', onChanged);
    briefing.on('report', onReport);
    conference.on('transport', onTransport);
    conference.on('stats', onStats);
    this.#unsubscribe.push(
      () => briefing.off('presence', onPresence),
      () => briefing.off('changed', onChanged),
      () => briefing.off('report', onReport),
      () => conference.off('transport', onTransport),
      () => conference.off('stats', onStats),
    );
  }

  all(): SiteStatus[] {
    return [...this.#sites.values()].map((t) => t.status);
  }

  get(siteId: string): SiteStatus | undefined {
    return this.#sites.get(siteId)?.status;
  }

  counts(): Record<SiteState, number> {
    const counts: Record<SiteState, number> = { offline: 0, connecting: 0, online: 0, degraded: 0 };
    for (const t of this.#sites.values()) counts[t.status.state]++;
    return counts;
  }

  /**
   * Re-derive one site. Returns the status when metrics moved (for the batch push); a state
   * change is pushed at once and written to the store.
   */
  #evaluate(siteId: string, fromSignal: boolean, fromStats = false): SiteStatus | undefined {
    const t = this.#sites.get(siteId);
    if (!t || this.#closed) return undefined;
    const now = this.#now();
    const view = this.#o.briefing.view();
    const site = this.#o.conference.sites.get(siteId);
    const expectsToReceive = [...this.#o.conference.sites.values()].some(
      (s) =>
        s.siteId !== siteId &&
        s.producers.size > 0 &&
        (s.role === 'hub' || view.floor === s.siteId || site?.role === 'hub'),
    );
    const selfPaused = site ? [...site.producers.values()].every((p) => p.paused) && site.producers.size > 0 : false;
    const signals: SiteSignals = { ...t.signals, expectsToReceive, selfPaused };
    let derived = deriveState(signals, this.#o.thresholds, now);
    // Link quality must stay bad for two samples before it counts, so one spike does not flap.
    if (fromStats) t.badQuality = derived.quality ? t.badQuality + 1 : 0;
    if (derived.quality && t.badQuality < QUALITY_SAMPLES && t.status.state !== 'degraded') {
      derived = {
        state: t.status.state === 'offline' ? 'connecting' : t.status.state,
        reason: t.status.reason ?? '',
        quality: true,
      };
    }

    const media = t.signals.media;
    const report = t.signals.report;
    const metrics: SiteStatus['metrics'] = t.signals.connected
      ? {
          rttMs: media?.rttMs ?? report?.rttMs ?? null,
          lossPct: maxOf(media?.lossInPct, media?.lossOutPct, report?.lossPct),
          jitterMs: maxOf(media?.jitterMs, report?.jitterMs),
          inKbps: media?.inKbps ?? null,
          outKbps: media?.outKbps ?? null,
          micScore: media?.producers.mic?.score ?? null,
          camScore: media?.producers.cam?.score ?? null,
        }
      : {};
    if (t.flappingSince !== null && now - (t.changes.at(-1) ?? 0) > FLAP_QUIET_MS) t.flappingSince = null;
    const flags = {
      floor: view.floor === siteId,
      hand: view.hands.includes(siteId),
      muted: view.muted.includes(siteId),
      selfMuted: site?.producers.get('mic')?.paused ?? false,
      reconnecting:
        !t.signals.connected &&
        t.lastConnectedAt !== null &&
        now - t.lastConnectedAt < (this.#o.reconnectWindowMs ?? 30_000),
      flapping: t.flappingSince !== null,
    };

    const previous = t.status;
    const changed = derived.state !== previous.state;
    const at = new Date(now).toISOString();
    const next: SiteStatus = {
      siteId,
      state: derived.state,
      since: changed ? at : previous.since,
      updatedAt: at,
      reason: derived.reason,
      transport: t.signals.connected ? (media?.transport ?? report?.transport ?? null) : null,
      flags,
      metrics,
    };
    const flagsMoved = JSON.stringify(flags) !== JSON.stringify(previous.flags);
    t.status = next;
    if (changed) {
      this.#onChange(t, previous, next, now);
      return undefined;
    }
    if (flagsMoved) this.emit('status', next);
    return fromSignal ? next : undefined;
  }

  #onChange(t: Tracked, previous: SiteStatus, next: SiteStatus, now: number) {
    t.changes = [...t.changes.filter((c) => now - c < FLAP_WINDOW_MS), now];
    if (t.changes.length >= FLAP_CHANGES && t.flappingSince === null) {
      t.flappingSince = now;
      next.flags.flapping = true;
    }
    this.transitions[next.state]++;
    this.#log.info(
      { site: next.siteId, from: previous.state, to: next.state, reason: next.reason },
      'site state changed',
    );
    this.emit('status', next);
    const { store } = this.#o;
    const data = { from: previous.state, to: next.state, reason: next.reason ?? '' };
    Promise.all([
      store.putSiteStatus(next),
      store.appendEvent({ type: 'site.state', siteId: next.siteId, data, at: next.since }),
    ]).catch((err: Error) =>
      this.#log.warn({ err: err.message, site: next.siteId }, 'could not record a state change'),
    );
    const wasUp = previous.state === 'online' || previous.state === 'degraded';
    const kind =
      next.state === 'offline' && wasUp
        ? 'dropped'
        : next.state === 'degraded' && previous.state === 'online'
          ? 'degraded'
          : null;
    if (!kind || this.#o.briefing.phase !== 'live') return;
    // One alert per bout of flapping: the first change that made it flap alerts, the rest do not.
    if (t.flappingSince !== null && t.flappingSince !== now) return;
    const alert: Alert = { siteId: next.siteId, kind, reason: next.reason ?? '', at: next.since };
    this.alerts++;
    this.emit('alert', alert);
    store
      .appendEvent({ type: 'alert', siteId: next.siteId, data: { kind, reason: alert.reason } })
      .catch((err: Error) => this.#log.warn({ err: err.message, site: next.siteId }, 'could not record an alert'));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const off of this.#unsubscribe) off();
    this.removeAllListeners();
  }
}

function maxOf(...xs: (number | null | undefined)[]): number | null {
  const ns = xs.filter((x): x is number => typeof x === 'number');
  return ns.length ? Math.max(...ns) : null;
}
