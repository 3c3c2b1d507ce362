// The conference: one, open whenever the service runs. It places sites on routers, decides
// who receives what (topology.ts) and asks each site's media to receive exactly that, as sites
// come and go and the floor moves; it reports who is talking and how each link is doing. Each
// SiteMedia owns its own transports, producers and consumers.
import { EventEmitter } from 'node:events';
import type { Feed, MediaKind, MediaProtocol, MediaSource, RtpCapabilities, SiteRole } from '../contract/index.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { Cascade, type LinkEndpoint, type RelayOffer } from './cascade.js';
import { NetworkProbes } from './probes.js';
import { RecordingTap, type TapSource } from './recorder.js';
import { type ConferenceRouter, RouterSet } from './routers.js';
import { type ConsumerSink, SiteMedia, type TransportState } from './site-media.js';
import { type SiteMediaStats, sampleSite } from './stats.js';
import { feedFor } from './topology.js';
import { rtpCapabilities as wireRtpCapabilities } from './wire.js';
import type { WorkerPool } from './workers.js';

export interface ConferenceOptions {
  readonly pool: WorkerPool;
  /** Where this node's cascade links listen and the address other nodes reach. */
  readonly listenIp: string;
  readonly announcedAddress: string;
  readonly routerConsumerBudget: number;
  readonly hubHears: 'all' | 'floor';
  readonly protocols: readonly MediaProtocol[];
  readonly statsIntervalMs: number;
  readonly logger: Logger;
}

/** A producer of a site, as other nodes learn of it. */
export interface SourceInfo {
  readonly siteId: string;
  readonly role: SiteRole;
  readonly source: MediaSource;
  readonly producerId: string;
  readonly kind: MediaKind;
  readonly paused: boolean;
}

/** A producer of a site connected to another node. */
export interface RemoteSource extends SourceInfo {
  readonly node: string;
}

export interface Speaking {
  readonly siteId: string;
  readonly volume: number;
}

/** What the rest of the service may know of a site's media: plain data, no mediasoup object. */
export interface SiteMediaSnapshot {
  readonly joined: boolean;
  readonly producers: Partial<Record<MediaSource, { readonly paused: boolean }>>;
  /** Whether some other site sends what the topology gives this site. */
  readonly expectsToReceive: boolean;
  /** Whether the hub sends now (so a bridge without the hub is not blamed for it). */
  readonly hubSending: boolean;
}

interface ConferenceEvents {
  /** A site's media ended: left, rejoined, taken over, or lost with its router ('media-lost'). */
  siteClosed: [siteId: string, reason: string, media: SiteMedia];
  transport: [siteId: string, state: TransportState];
  producerScore: [siteId: string, source: string, score: number];
  speaking: [Speaking[]];
  stats: [SiteMediaStats[]];
  /** A bridge's downlink cannot carry video (true) or can again (false). */
  audioOnly: [siteId: string, on: boolean];
  /** This node's producers changed (a site produced, paused, left): other nodes should know. */
  sources: [];
  /** A producer this node relays to `peer` was paused or resumed at its source. */
  relayPaused: [peer: string, producerId: string, paused: boolean];
  closed: [];
}

const BRIDGE_MAX_UPLINK = 1_500_000;
/** Below this downlink estimate (kbit/s) a bridge's video pauses and its audio goes on. */
const AUDIO_ONLY_BELOW_KBPS = 250;
/** A paused video is tried again after this long (doubling up to a minute) to see if the link came back. */
const AUDIO_ONLY_RETRY_MS = 10_000;
/**
 * Thin samples in a row (one a second) before video pauses: an estimate dips for a second or
 * two when a keyframe or a probe fills a small router's queue, and a bridge on 1 Mbit/s must
 * not lose its picture for that.
 */
const THIN_SAMPLES_TO_PAUSE = 4;

/** One bridge's downlink guard: counts thin samples, holds audio-only, tries video again. */
interface DownlinkGuard {
  thin: number;
  audioOnly: boolean;
  retryAt: number;
  backoffMs: number;
  /** Trying video again since: judged after a few samples. */
  probingSince: number | null;
}
const HUB_MAX_UPLINK = 4_000_000;

export class Conference extends EventEmitter<ConferenceEvents> {
  readonly #routers: RouterSet;
  readonly #opts: ConferenceOptions;
  readonly #log: Logger;
  readonly #sites = new Map<string, SiteMedia>();
  readonly #producerSite = new Map<string, string>();
  readonly #volumes = new Map<ConferenceRouter, Speaking[]>();
  readonly #reconciling = new Map<SiteMedia, { dirty: boolean; done: Promise<void> }>();
  readonly #muted = new Set<string>();
  /** Ends a site's consumer reservation on its router (at its first reconcile, or its close). */
  readonly #settle = new Map<SiteMedia, () => void>();
  #floor: string | null = null;
  /** Producers of sites on other nodes, by producer id. */
  readonly #remote = new Map<string, RemoteSource>();
  /** Brings a remote producer here (the cluster layer asks its node to relay it). */
  #relayer: ((source: RemoteSource) => Promise<void>) | undefined;
  readonly #bringing = new Map<string, Promise<void>>();
  readonly #cascade: Cascade;
  /** Recordings following the conference (media/recorder.ts). */
  readonly #taps = new Set<RecordingTap>();
  readonly #downlink = new Map<SiteMedia, DownlinkGuard>();
  #statsTimer: NodeJS.Timeout | undefined;
  /** Extra samplings of a site whose media just connected, so recovery shows within a second. */
  readonly #soon = new Set<NodeJS.Timeout>();
  #sampling = false;
  #closed = false;

  private constructor(opts: ConferenceOptions) {
    super();
    this.#opts = opts;
    this.#log = opts.logger.child({ conference: 'main' });
    this.#routers = new RouterSet({
      pool: opts.pool,
      budget: opts.routerConsumerBudget,
      logger: this.#log,
      onVolumes: (router, volumes) => this.#onVolumes(router, volumes),
    });
    this.#cascade = new Cascade({
      router: () => this.#routers.first(),
      routerOf: (producerId) => {
        const siteId = this.#producerSite.get(producerId);
        return siteId ? this.#sites.get(siteId)?.router : undefined;
      },
      listenIp: opts.listenIp,
      announcedAddress: opts.announcedAddress,
      logger: this.#log.child({ component: 'cascade' }),
      relayPaused: (peer, producerId, paused) => this.emit('relayPaused', peer, producerId, paused),
    });
  }

  static async create(opts: ConferenceOptions): Promise<Conference> {
    const c = new Conference(opts);
    await c.#routers.first();
    c.#statsTimer = setInterval(() => void c.#sampleStats(), opts.statsIntervalMs);
    return c;
  }

  get floor(): string | null {
    return this.#floor;
  }

  get muted(): ReadonlySet<string> {
    return this.#muted;
  }

  /** Sites with media in the conference now. */
  siteIds(): string[] {
    return [...this.#sites.keys()];
  }

  /** A site's media, for the connection that owns it. */
  media(siteId: string): SiteMedia | undefined {
    return this.#sites.get(siteId);
  }

  async rtpCapabilities(): Promise<RtpCapabilities> {
    try {
      return wireRtpCapabilities((await this.#routers.first()).router.rtpCapabilities);
    } catch (err) {
      throw new AppError('media_unavailable', `no media router available: ${(err as Error).message}`);
    }
  }

  /** The network check's probes for one connection (usable before it joins). */
  probes(siteId: string): NetworkProbes {
    return new NetworkProbes({
      siteId,
      protocols: this.#opts.protocols,
      routerFor: async () => {
        try {
          return await this.#routers.first();
        } catch (err) {
          throw new AppError('media_unavailable', `no media router available: ${(err as Error).message}`);
        }
      },
    });
  }

  /**
   * Media for a join of `siteId`; any earlier media of the same site is closed first. `hints`:
   * what the site's rehearsal learned (only the protocol that worked; its downlink).
   */
  async join(
    siteId: string,
    role: SiteRole,
    sink: ConsumerSink,
    hints: { protocols?: readonly MediaProtocol[]; downlinkKbps?: number } = {},
  ): Promise<SiteMedia> {
    if (this.#closed) throw new AppError('media_unavailable', 'the conference is closed');
    this.#sites.get(siteId)?.close('replaced');
    let router: ConferenceRouter;
    try {
      router = await this.#routers.place();
    } catch (err) {
      throw new AppError('media_unavailable', `no media router available: ${(err as Error).message}`);
    }
    const site = new SiteMedia({
      siteId,
      role,
      router,
      sink,
      protocols: hints.protocols?.filter((p) => this.#opts.protocols.includes(p)).length
        ? hints.protocols.filter((p) => this.#opts.protocols.includes(p))
        : this.#opts.protocols,
      ...(hints.downlinkKbps ? { initialOutgoingBitrate: Math.min(2_000_000, hints.downlinkKbps * 1000) } : {}),
      maxIncomingBitrate: role === 'hub' ? HUB_MAX_UPLINK : BRIDGE_MAX_UPLINK,
      mutedByOperator: this.#muted.has(siteId),
      maxConsumers: 4 * 1024,
      logger: this.#log.child({ site: siteId }),
    });
    // A join that raced another join of the same site: the later one wins.
    this.#sites.get(siteId)?.close('replaced');
    this.#sites.set(siteId, site);
    this.#settle.set(site, router.reserve());
    site.on('producersChanged', () => {
      for (const [source, p] of site.producers) {
        this.#producerSite.set(p.id, siteId);
        if (source === 'mic')
          router.levels.addProducer({ producerId: p.id }).catch((err: Error) => {
            this.#log.debug({ err: err.message }, 'audio level observer refused a producer');
          });
      }
      this.emit('sources');
      this.#reconcileAll();
    });
    site.on('transport', (state) => {
      this.emit('transport', siteId, state);
      if (state.dtls === 'connected') this.#sampleSoon(site);
    });
    site.on('producerScore', (source, score) => this.emit('producerScore', siteId, source, score));
    site.once('closed', (reason) => {
      this.#settle.get(site)?.();
      this.#settle.delete(site);
      if (this.#sites.get(siteId) === site) this.#sites.delete(siteId);
      for (const [pid, sid] of this.#producerSite) if (sid === siteId) this.#producerSite.delete(pid);
      this.emit('siteClosed', siteId, reason, site);
      this.emit('sources');
    });
    return site;
  }

  /** The client can take consumers now. */
  async ready(site: SiteMedia, rtpCapabilities: RtpCapabilities): Promise<number> {
    site.setReady(rtpCapabilities);
    await this.#reconcile(site);
    this.#settle.get(site)?.();
    return site.consumerCount;
  }

  setFloor(siteId: string | null): void {
    if (siteId !== null && !this.#sites.has(siteId)) {
      // Giving the floor to a site that is not connected is allowed: it takes effect when it joins.
      this.#log.info({ site: siteId }, 'floor given to a site that is not connected');
    }
    if (this.#floor === siteId) return;
    this.#floor = siteId;
    this.#log.info({ floor: siteId }, 'floor changed');
    this.#reconcileAll();
  }

  async setMuted(siteId: string, muted: boolean): Promise<void> {
    if (muted) this.#muted.add(siteId);
    else this.#muted.delete(siteId);
    await this.#sites.get(siteId)?.setMutedByOperator(muted);
  }

  /** The hub watches `siteId` large: its video in the high layer, the rest low. */
  async setFocus(hub: SiteMedia, siteId: string | null): Promise<void> {
    await hub.setFocus(siteId);
  }

  // ---- the cascade: this node's part in a briefing spread over several nodes ----

  /** This node's producers, for the other nodes. */
  localSources(): SourceInfo[] {
    const out: SourceInfo[] = [];
    for (const site of this.#sites.values()) {
      if (site.closed) continue;
      for (const [source, p] of site.producers) {
        out.push({ siteId: site.siteId, role: site.role, source, producerId: p.id, kind: p.kind, paused: p.paused });
      }
    }
    return out;
  }

  /** Every producer on other nodes (replaces the previous list). */
  setRemoteSources(sources: readonly RemoteSource[]): void {
    const next = new Map(sources.map((s) => [s.producerId, s]));
    for (const id of this.#remote.keys()) if (!next.has(id)) this.#cascade.dropRelayed(id);
    this.#remote.clear();
    for (const [id, s] of next) this.#remote.set(id, s);
    this.#reconcileAll();
  }

  /** How to bring a remote producer here: the cluster asks its node to relay it to us. */
  setRelayer(relayer: (source: RemoteSource) => Promise<void>): void {
    this.#relayer = relayer;
  }

  linkEndpoint(peer: string): Promise<LinkEndpoint> {
    return this.#cascade.endpoint(peer);
  }

  connectLink(peer: string, remote: LinkEndpoint): Promise<void> {
    return this.#cascade.connect(peer, remote);
  }

  isLinked(peer: string): boolean {
    return this.#cascade.isConnected(peer);
  }

  relayOut(peer: string, producerId: string): Promise<RelayOffer> {
    return this.#cascade.relayOut(peer, producerId);
  }

  relayIn(peer: string, offer: RelayOffer): Promise<void> {
    return this.#cascade.relayIn(peer, offer);
  }

  setRelayedPaused(producerId: string, paused: boolean): Promise<void> {
    return this.#cascade.setRelayedPaused(producerId, paused);
  }

  /** A peer node is gone: its relayed producers close, and with them their consumers here. */
  closeLink(peer: string): void {
    this.#cascade.closeLink(peer);
  }

  links() {
    return this.#cascade.links();
  }

  /** Make a remote producer consumable here (once, however many viewers want it). */
  #bringIn(source: RemoteSource): Promise<void> {
    if (this.#cascade.hasRelayed(source.producerId)) return Promise.resolve();
    let bringing = this.#bringing.get(source.producerId);
    if (!bringing) {
      const relayer = this.#relayer;
      if (!relayer) return Promise.reject(new Error('no relay to other nodes'));
      bringing = relayer(source).finally(() => this.#bringing.delete(source.producerId));
      this.#bringing.set(source.producerId, bringing);
    }
    return bringing;
  }

  /** Record what the bridges see: a tap that follows the floor; the recorder runs at `address`. */
  record(address: string): RecordingTap {
    if (this.#closed) throw new AppError('media_unavailable', 'the conference is closed');
    const tap = new RecordingTap({
      address,
      sources: () => this.#recordable(),
      floor: () => this.#floor,
      logger: this.#log.child({ component: 'recording' }),
    });
    this.#taps.add(tap);
    tap.once('closed', () => this.#taps.delete(tap));
    return tap;
  }

  /** Every producer a recording could take: this node's, and those of sites on other nodes. */
  #recordable(): TapSource[] {
    const out: TapSource[] = [];
    for (const site of this.#sites.values()) {
      if (site.closed) continue;
      for (const [source, producer] of site.producers) {
        const { router } = site;
        out.push({
          siteId: site.siteId,
          role: site.role,
          source,
          kind: producer.kind,
          producerId: producer.id,
          paused: producer.paused,
          producer,
          router: async () => router,
        });
      }
    }
    for (const r of this.#remote.values()) {
      if (this.#sites.has(r.siteId)) continue;
      out.push({
        ...r,
        router: async () => {
          await this.#bringIn(r);
          return this.#routers.first();
        },
      });
    }
    return out;
  }

  /** Plain facts about one site's media, for the status service. */
  snapshot(siteId: string): SiteMediaSnapshot {
    const site = this.#sites.get(siteId);
    const producers: SiteMediaSnapshot['producers'] = {};
    for (const [source, p] of site?.producers ?? []) producers[source] = { paused: p.paused };
    const topo = { floor: this.#floor, hubHears: this.#opts.hubHears };
    let expectsToReceive = false;
    let hubSending = false;
    for (const src of this.#sites.values()) {
      if (src.closed || src.producers.size === 0) continue;
      if (src.role === 'hub') hubSending = true;
      if (!site || src === site || expectsToReceive) continue;
      for (const source of src.producers.keys()) {
        if (feedFor(site, { siteId: src.siteId, role: src.role, source }, topo)) expectsToReceive = true;
      }
    }
    for (const r of this.#remote.values()) {
      if (this.#sites.has(r.siteId)) continue;
      if (r.role === 'hub') hubSending = true;
      if (site && !expectsToReceive && feedFor(site, r, topo)) expectsToReceive = true;
    }
    return { joined: site !== undefined && !site.closed, producers, expectsToReceive, hubSending };
  }

  #reconcileAll(): void {
    for (const site of this.#sites.values()) if (site.ready) void this.#reconcile(site);
    for (const tap of this.#taps) tap.refresh();
  }

  /** Bring one viewer's consumers in line with the topology. Serialised per viewer; coalesced. */
  #reconcile(viewer: SiteMedia): Promise<void> {
    const running = this.#reconciling.get(viewer);
    if (running) {
      running.dirty = true;
      return running.done;
    }
    const state = { dirty: true, done: Promise.resolve() };
    state.done = (async () => {
      try {
        while (state.dirty && !viewer.closed) {
          state.dirty = false;
          await this.#reconcileOnce(viewer);
        }
      } catch (err) {
        viewer.log.error({ err }, 'reconcile failed');
      } finally {
        this.#reconciling.delete(viewer);
      }
    })();
    this.#reconciling.set(viewer, state);
    return state.done;
  }

  async #reconcileOnce(viewer: SiteMedia): Promise<void> {
    const topo = { floor: this.#floor, hubHears: this.#opts.hubHears };
    const wanted = new Map<string, { src: SiteMedia | RemoteSource; source: MediaSource; feed: Feed }>();
    for (const src of this.#sites.values()) {
      if (src.closed || src === viewer) continue;
      for (const [source, producer] of src.producers) {
        const feed = feedFor(viewer, { siteId: src.siteId, role: src.role, source }, topo);
        if (feed) wanted.set(producer.id, { src, source, feed });
      }
    }
    for (const r of this.#remote.values()) {
      // A site that moved here is local now; its old producers on the other node are stale.
      if (this.#sites.has(r.siteId) || r.siteId === viewer.siteId) continue;
      const feed = feedFor(viewer, r, topo);
      if (feed) wanted.set(r.producerId, { src: r, source: r.source, feed });
    }
    for (const r of viewer.receptions()) {
      const want = wanted.get(r.producerId);
      if (!want) viewer.dropConsumer(r.consumerId);
      else if (want.feed !== r.feed) await viewer.setFeed(r.consumerId, want.feed);
    }
    const consumed = viewer.consumedProducers();
    const missing = [...wanted].filter(([producerId]) => !consumed.has(producerId));
    await Promise.all(
      missing.map(async ([producerId, w]) => {
        try {
          if (w.src instanceof SiteMedia) {
            await viewer.router.ensureProducer(producerId, w.src.router);
          } else {
            await this.#bringIn(w.src);
            await viewer.router.ensureProducer(producerId, await this.#routers.first());
          }
        } catch (err) {
          viewer.log.warn({ err: (err as Error).message, from: w.src.siteId }, 'could not bring a producer here');
          return;
        }
        await viewer.consume(producerId, { siteId: w.src.siteId, source: w.source }, w.feed);
      }),
    );
  }

  #onVolumes(router: ConferenceRouter, volumes: { producerId: string; volume: number }[]) {
    this.#volumes.set(
      router,
      volumes.flatMap((v) => {
        const siteId = this.#producerSite.get(v.producerId);
        return siteId ? [{ siteId, volume: v.volume }] : [];
      }),
    );
    const all = [...this.#volumes.values()].flat().sort((a, b) => b.volume - a.volume);
    this.emit('speaking', all);
  }

  async #sampleStats(): Promise<void> {
    // A slow worker must not pile up samplings.
    if (this.#sampling || this.#closed || this.listenerCount('stats') === 0) return;
    this.#sampling = true;
    try {
      const stats = await Promise.all([...this.#sites.values()].map((s) => sampleSite(s)));
      if (this.#closed) return;
      for (const s of stats) this.#guardDownlink(s);
      this.emit('stats', stats);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'stats sampling failed');
    } finally {
      this.#sampling = false;
    }
  }

  /**
   * Bandwidth adaptation beyond the simulcast layers (which mediasoup already picks from its
   * estimate of each bridge's downlink): below ~250 kbit/s even the lowest video layer would
   * starve the audio, so the bridge's video pauses and its audio goes on; video is tried again
   * now and then and stays when the link carries it.
   */
  #guardDownlink(stats: SiteMediaStats): void {
    const site = this.#sites.get(stats.siteId);
    if (site?.role !== 'bridge' || site.closed) return;
    const kbps = stats.availableOutKbps;
    const hasVideo = site.receptions().some((r) => r.kind === 'video');
    let g = this.#downlink.get(site);
    if (!g) {
      g = { thin: 0, audioOnly: false, retryAt: 0, backoffMs: AUDIO_ONLY_RETRY_MS, probingSince: null };
      this.#downlink.set(site, g);
      site.once('closed', () => this.#downlink.delete(site));
    }
    const now = stats.at;
    if (kbps === null || !hasVideo) return;
    g.thin = kbps < AUDIO_ONLY_BELOW_KBPS ? g.thin + 1 : 0;
    const pause = (on: boolean) => {
      g.audioOnly = on;
      site
        .setVideoPaused(on)
        .catch((err: Error) => site.log.warn({ err: err.message }, 'could not pause or resume video'));
      this.emit('audioOnly', site.siteId, on);
      site.log.info(
        { downlinkKbps: kbps, audioOnly: on },
        on ? 'video paused: the downlink is too thin' : 'video back',
      );
    };
    if (g.probingSince !== null) {
      // Trying video again: three samples tell whether the link carries it now.
      if (g.thin >= 2) {
        g.probingSince = null;
        g.backoffMs = Math.min(60_000, g.backoffMs * 2);
        g.retryAt = now + g.backoffMs;
        pause(true);
      } else if (now - g.probingSince >= 3000) {
        g.probingSince = null;
        g.backoffMs = AUDIO_ONLY_RETRY_MS;
        g.audioOnly = false;
        this.emit('audioOnly', site.siteId, false);
        site.log.info({ downlinkKbps: kbps }, 'video back: the downlink carries it again');
      }
      return;
    }
    if (!g.audioOnly && g.thin >= THIN_SAMPLES_TO_PAUSE) {
      g.retryAt = now + g.backoffMs;
      pause(true);
    } else if (g.audioOnly && now >= g.retryAt) {
      g.probingSince = now;
      g.thin = 0;
      site.setVideoPaused(false).catch((err: Error) => site.log.warn({ err: err.message }, 'could not resume video'));
    }
  }

  /** Sample one site a moment after its media connects, ahead of the periodic sampling. */
  #sampleSoon(site: SiteMedia) {
    for (const delay of [400, 900]) {
      const timer = setTimeout(() => {
        this.#soon.delete(timer);
        if (this.#closed || site.closed) return;
        sampleSite(site).then(
          (stats) => {
            if (!this.#closed && !site.closed) this.emit('stats', [stats]);
          },
          (err: Error) => site.log.debug({ err: err.message }, 'early stats sampling failed'),
        );
      }, delay);
      this.#soon.add(timer);
    }
  }

  serialize() {
    return {
      floor: this.#floor,
      muted: [...this.#muted],
      routers: this.#routers.routers.map((r) => ({
        index: r.index,
        worker: r.media.index,
        pid: r.media.worker.pid,
        consumers: r.consumers,
        sites: [...this.#sites.values()].filter((s) => s.router === r).map((s) => s.siteId),
      })),
      sites: [...this.#sites.values()].map((s) => s.serialize()),
      links: this.#cascade.links(),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#statsTimer);
    for (const timer of this.#soon) clearTimeout(timer);
    this.#soon.clear();
    // Before the sites: a recording hears the end from its owner, not as sources leaving.
    for (const tap of [...this.#taps]) tap.close();
    for (const site of [...this.#sites.values()]) site.close('server-shutdown');
    this.#cascade.close();
    this.#routers.close();
    this.emit('closed');
    this.removeAllListeners();
  }
}
