// The status of every site, live: derived from signaling (connection), media (ICE/DTLS,
// stats) and the pages' own reports. State changes are pushed at once and written to the
// store and its event log; metrics are pushed in batches with each stats sample. During a
// rehearsal or the live session a drop or degradation raises an alert (the operator's board and
// the site's technician get it), and a site that keeps bouncing raises one alert, not a storm.
import { EventEmitter } from 'node:events';
import type { Briefing, SiteReport } from '../../briefing/briefing.js';
import type { Roster } from '../../config/roster.js';
import type { Logger } from '../../kernel/logger.js';
import type { Conference, SiteMediaStats, TransportState } from '../../media/index.js';
import type { Outbox } from '../../store/outbox.js';
import type { SiteState, SiteStatus } from '../../store/records.js';
import type { Store } from '../../store/store.js';
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
    joined: boolean;
    connectedAt: number | null;
    transports: { send?: TransportState; recv?: TransportState };
    media: SiteMediaStats | null;
    report: (SiteReport & { at: number }) | null;
  };
  status: SiteStatus;
  /** Consecutive evaluations that found the link quality past a threshold. */
  badQuality: number;
  /** Its downlink cannot carry video (the conference paused it). */
  audioOnly: boolean;
  /** No packet from any unpaused producer for a second (between two samples ≥ 0.9 s apart). */
  mediaStalled: boolean;
  stallBase: SiteMediaStats | null;
  changes: number[];
  flappingSince: number | null;
  lastConnectedAt: number | null;
}

/**
 * Sites connected to other nodes (cluster): their node derives their status; this one shows
 * what that node last said, and neither stores nor pushes anything for them.
 */
export interface RemoteStatuses {
  isRemote(siteId: string): boolean;
  statusOf(siteId: string): SiteStatus | undefined;
}

export interface StatusOptions {
  readonly roster: Roster;
  readonly briefing: Briefing;
  readonly conference: Conference;
  readonly store: Store;
  /** Where state changes and alerts are written (a store outage loses none). */
  readonly outbox: Outbox;
  /** What the site's last rehearsal learned of its link (shown beside what it uses now). */
  readonly learned?: (siteId: string) => SiteStatus['learned'];
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
  #remote: RemoteStatuses | undefined;

  private constructor(o: StatusOptions) {
    super();
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#log = o.logger.child({ component: 'status' });
    const at = new Date(this.#now()).toISOString();
    for (const site of o.roster.sites) {
      this.#sites.set(site.id, {
        signals: { connected: false, joined: false, connectedAt: null, transports: {}, media: null, report: null },
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
        mediaStalled: false,
        audioOnly: false,
        stallBase: null,
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
    const recorded = (err: Error) => service.#log.error({ err: err.message }, 'could not record a restart');
    for (const [id, previous] of stored) {
      if (previous.state !== 'offline' && service.#sites.has(id)) {
        o.outbox
          .event({
            type: 'site.state',
            siteId: id,
            data: { from: previous.state, to: 'offline', reason: 'server restarted' },
          })
          .catch(recorded);
      }
    }
    for (const t of service.#sites.values()) {
      o.outbox.write(`status ${t.status.siteId}`, (s) => s.putSiteStatus(t.status)).catch(recorded);
    }
    return service;
  }

  #listen() {
    const { briefing, conference } = this.#o;
    const onConnection = (siteId: string, connected: boolean) => {
      const t = this.#sites.get(siteId);
      if (!t) return;
      t.signals = connected
        ? { connected: true, joined: false, connectedAt: null, transports: {}, media: null, report: null }
        : { ...t.signals, connected: false, joined: false, transports: {}, media: null };
      t.badQuality = 0;
      t.mediaStalled = false;
      t.audioOnly = false;
      t.stallBase = null;
      this.#evaluate(siteId, true);
    };
    const onPresence = (siteId: string, joined: boolean) => {
      const t = this.#sites.get(siteId);
      if (!t?.signals.connected) return;
      const now = this.#now();
      t.signals = joined
        ? { ...t.signals, joined: true, connectedAt: now, transports: {}, media: null, report: null }
        : { ...t.signals, joined: false, connectedAt: null, transports: {}, media: null };
      if (joined) t.lastConnectedAt = now;
      t.badQuality = 0;
      t.mediaStalled = false;
      t.stallBase = null;
      this.#evaluate(siteId, true);
    };
    const onChanged = () => {
      for (const id of this.#sites.keys()) this.#evaluate(id, false);
    };
    const onReport = (siteId: string, report: SiteReport) => {
      const t = this.#sites.get(siteId);
      if (t?.signals.joined) t.signals.report = { ...report, at: this.#now() };
    };
    const onTransport = (siteId: string, state: TransportState) => {
      const t = this.#sites.get(siteId);
      if (!t?.signals.joined) return;
      t.signals.transports = { ...t.signals.transports, [state.direction]: state };
      this.#evaluate(siteId, true);
    };
    const onStats = (all: SiteMediaStats[]) => {
      const moved: SiteStatus[] = [];
      for (const media of all) {
        const t = this.#sites.get(media.siteId);
        if (!t?.signals.joined) continue;
        // Judged over a second or more: quiet audio with DTX still sends a packet every 400 ms.
        const base = t.stallBase;
        if (base === null || media.at - base.at >= 900) {
          const live = Object.entries(media.producers).filter(([, p]) => !p.paused);
          t.mediaStalled =
            base !== null &&
            live.length > 0 &&
            live.every(
              ([source, p]) => p.packets > 0 && p.packets === base.producers[source as 'mic' | 'cam']?.packets,
            );
          t.stallBase = media;
        }
        t.signals.media = media;
        const status = this.#evaluate(media.siteId, true, true);
        if (status) moved.push(status);
      }
      if (moved.length) this.emit('metrics', moved);
    };
    briefing.on('connection', onConnection);
    briefing.on('presence', onPresence);
    briefing.on('changed', onChanged);
    briefing.on('report', onReport);
    const onAudioOnly = (siteId: string, on: boolean) => {
      const t = this.#sites.get(siteId);
      if (!t) return;
      t.audioOnly = on;
      this.#evaluate(siteId, true);
    };
    conference.on('transport', onTransport);
    conference.on('stats', onStats);
    conference.on('audioOnly', onAudioOnly);
    this.#unsubscribe.push(
      () => briefing.off('connection', onConnection),
      () => briefing.off('presence', onPresence),
      () => briefing.off('changed', onChanged),
      () => briefing.off('report', onReport),
      () => conference.off('transport', onTransport),
      () => conference.off('stats', onStats),
      () => conference.off('audioOnly', onAudioOnly),
    );
  }

  /** Join a cluster: sites connected elsewhere are shown as their node says. */
  useRemote(remote: RemoteStatuses): void {
    this.#remote = remote;
  }

  #shown(t: Tracked): SiteStatus {
    const id = t.status.siteId;
    if (!t.signals.connected && this.#remote?.isRemote(id)) return this.#remote.statusOf(id) ?? t.status;
    return t.status;
  }

  /** Whether this node derives the site's status (it is here, or nowhere). */
  owns(siteId: string): boolean {
    const t = this.#sites.get(siteId);
    return t !== undefined && (t.signals.connected || !this.#remote?.isRemote(siteId));
  }

  all(): SiteStatus[] {
    return [...this.#sites.values()].map((t) => this.#shown(t));
  }

  get(siteId: string): SiteStatus | undefined {
    const t = this.#sites.get(siteId);
    return t && this.#shown(t);
  }

  counts(): Record<SiteState, number> {
    const counts: Record<SiteState, number> = { offline: 0, connecting: 0, online: 0, degraded: 0 };
    for (const t of this.#sites.values()) counts[this.#shown(t).state]++;
    return counts;
  }

  /**
   * A node died with these sites (cluster): they are offline now. Only the node that cleans up
   * after the dead one calls this; it stores and pushes the change like any other.
   */
  markGone(siteId: string, reason: string): SiteStatus | undefined {
    const t = this.#sites.get(siteId);
    // Already back, here or on another live node (a page reconnects in about a second, as fast
    // as a death is noticed): its new node tells the truth, an "offline" now would be stale.
    if (!t || t.signals.connected || this.#remote?.isRemote(siteId)) return undefined;
    // What its dead node said last (the placement may already be forgotten).
    const shown = this.#remote?.statusOf(siteId) ?? t.status;
    if (shown.state === 'offline') return undefined;
    const now = this.#now();
    const at = new Date(now).toISOString();
    const next: SiteStatus = {
      ...shown,
      state: 'offline',
      since: at,
      updatedAt: at,
      reason,
      metrics: {},
      transport: null,
    };
    t.status = next;
    this.#onChange(t, shown, next, now);
    return next;
  }

  /**
   * Re-derive one site. Returns the status when metrics moved (for the batch push); a state
   * change is pushed at once and written to the store.
   */
  #evaluate(siteId: string, fromSignal: boolean, fromStats = false): SiteStatus | undefined {
    const t = this.#sites.get(siteId);
    if (!t || this.#closed) return undefined;
    // Connected to another node: that node derives it.
    if (!t.signals.connected && this.#remote?.isRemote(siteId)) return undefined;
    const now = this.#now();
    const view = this.#o.briefing.view();
    const media = this.#o.conference.snapshot(siteId);
    const producers = Object.values(media.producers);
    const selfPaused = producers.length > 0 && producers.every((p) => p.paused);
    const waitingForHub = t.signals.joined && siteId !== this.#o.roster.hub.id && !media.hubSending;
    const signals: SiteSignals = {
      ...t.signals,
      expectsToReceive: media.expectsToReceive,
      selfPaused,
      waitingForHub,
      mediaStalled: t.mediaStalled,
      audioOnly: t.audioOnly,
    };
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

    const stats = t.signals.media;
    const report = t.signals.report;
    const metrics: SiteStatus['metrics'] = t.signals.joined
      ? {
          rttMs: stats?.rttMs ?? report?.rttMs ?? null,
          lossPct: maxOf(stats?.lossInPct, stats?.lossOutPct, report?.lossPct),
          jitterMs: maxOf(stats?.jitterMs, report?.jitterMs),
          inKbps: stats?.inKbps ?? null,
          outKbps: stats?.outKbps ?? null,
          micScore: stats?.producers.mic?.score ?? null,
          camScore: stats?.producers.cam?.score ?? null,
          downlinkKbps: stats?.availableOutKbps ?? null,
        }
      : {};
    if (t.flappingSince !== null && now - (t.changes.at(-1) ?? 0) > FLAP_QUIET_MS) t.flappingSince = null;
    const flags = {
      floor: view.floor === siteId,
      hand: view.hands.includes(siteId),
      muted: view.muted.includes(siteId),
      selfMuted: media.producers.mic?.paused ?? false,
      prejoin: t.signals.connected && !t.signals.joined,
      waitingForHub,
      relayed: t.signals.joined && t.signals.report?.relayed === true,
      audioOnly: t.signals.joined && t.audioOnly,
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
      transport: t.signals.joined ? (stats?.transport ?? report?.transport ?? null) : null,
      flags,
      metrics,
      ...(this.#o.learned?.(siteId) ? { learned: this.#o.learned(siteId) } : {}),
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
    const { outbox } = this.#o;
    const data = { from: previous.state, to: next.state, reason: next.reason ?? '' };
    const recorded = (err: Error) =>
      this.#log.error({ err: err.message, site: next.siteId }, 'could not record a state change');
    outbox.write(`status ${next.siteId}`, (s) => s.putSiteStatus(next)).catch(recorded);
    outbox.event({ type: 'site.state', siteId: next.siteId, data, at: next.since }).catch(recorded);
    const wasUp = previous.state === 'online' || previous.state === 'degraded';
    const kind =
      next.state === 'offline' && wasUp
        ? 'dropped'
        : next.state === 'degraded' && previous.state === 'online'
          ? 'degraded'
          : null;
    // Outside a session nobody is expected: a room that closes its page is not in trouble.
    if (!kind || this.#o.briefing.phase === 'open') return;
    // One alert per bout of flapping: the first change that made it flap alerts, the rest do not.
    if (t.flappingSince !== null && t.flappingSince !== now) return;
    const alert: Alert = { siteId: next.siteId, kind, reason: next.reason ?? '', at: next.since };
    this.alerts++;
    this.emit('alert', alert);
    outbox
      .event({ type: 'alert', siteId: next.siteId, data: { kind, reason: alert.reason } })
      .catch((err: Error) => this.#log.error({ err: err.message, site: next.siteId }, 'could not record an alert'));
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
