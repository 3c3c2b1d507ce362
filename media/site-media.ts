// One site's media in the conference, for one join of one connection: its two transports, its
// producers (microphone, camera) and the consumers it receives. It owns all of them: the
// conference decides who receives what and asks, through consume() and dropConsumer(); nothing
// else creates or closes them. Closed as a whole when the site leaves, rejoins, is taken over,
// or its router dies.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type {
  ConsumeOffer,
  Direction,
  DtlsParameters,
  Feed,
  IceParameters,
  MediaKind,
  MediaProtocol,
  MediaSource,
  RtpCapabilities,
  RtpParameters,
  SiteRole,
  TransportOptions,
} from '../contract/index.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { ConferenceRouter } from './routers.js';
import { wantsHighLayer } from './topology.js';
import { transportOptions, rtpParameters as wireRtpParameters } from './wire.js';

/** How the conference reaches the site's client (signaling implements it). */
export interface ConsumerSink {
  /** Resolves once the client holds the consumer; the site then resumes it. */
  offer(offer: ConsumeOffer): Promise<void>;
  closed(consumerId: string): void;
}

/** A stream this site receives, as the rest of the media plane may read it. */
export interface Reception {
  readonly consumerId: string;
  readonly producerId: string;
  readonly siteId: string;
  readonly source: MediaSource;
  readonly kind: MediaKind;
  readonly feed: Feed;
}

interface Held extends Reception {
  readonly consumer: types.Consumer;
  feed: Feed;
}

export interface TransportState {
  readonly direction: Direction;
  readonly ice: types.IceState;
  readonly dtls: types.DtlsState;
  readonly protocol: MediaProtocol | null;
}

interface SiteMediaEvents {
  closed: [reason: string];
  transport: [TransportState];
  producersChanged: [];
  producerScore: [source: MediaSource, score: number];
}

export interface SiteMediaOptions {
  readonly siteId: string;
  readonly role: SiteRole;
  readonly router: ConferenceRouter;
  readonly sink: ConsumerSink;
  readonly protocols: readonly MediaProtocol[];
  /** Cap on what the site may send (bit/s): a branch uplink of a few Mbit/s. */
  readonly maxIncomingBitrate: number;
  /** Whether the operator has muted the site: its microphone starts paused. */
  readonly mutedByOperator: boolean;
  /** A bound on consumers, far above what the topology gives any site. */
  readonly maxConsumers: number;
  /** What the SFU may send the site at first (bit/s): its learned downlink, else 600 kbit/s. */
  readonly initialOutgoingBitrate?: number;
  readonly logger: Logger;
}

const cause = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class SiteMedia extends EventEmitter<SiteMediaEvents> {
  readonly siteId: string;
  readonly role: SiteRole;
  readonly router: ConferenceRouter;
  readonly log: Logger;
  readonly #opts: SiteMediaOptions;
  readonly #transports = new Map<Direction, types.WebRtcTransport>();
  readonly #producers = new Map<MediaSource, types.Producer>();
  readonly #consumers = new Map<string, Held>();
  /** Producers being consumed now, so two reconciles do not consume one producer twice. */
  readonly #consuming = new Set<string>();
  #rtpCapabilities: types.RtpCapabilities | undefined;
  #focus: string | null = null;
  #mutedByOperator: boolean;
  #videoPaused = false;
  #closed = false;

  constructor(opts: SiteMediaOptions) {
    super();
    this.#opts = opts;
    this.siteId = opts.siteId;
    this.role = opts.role;
    this.router = opts.router;
    this.log = opts.logger;
    this.#mutedByOperator = opts.mutedByOperator;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The client has its receive transport and capabilities: it can take consumers. */
  get ready(): boolean {
    return this.#rtpCapabilities !== undefined && this.#transports.has('recv') && !this.#closed;
  }

  get producers(): ReadonlyMap<MediaSource, types.Producer> {
    return this.#producers;
  }

  /** What this site receives now. */
  receptions(): Reception[] {
    return [...this.#consumers.values()].map(({ consumer: _, ...r }) => r);
  }

  get consumerCount(): number {
    return this.#consumers.size;
  }

  /** The bridge the hub watches large (hub only). */
  get focus(): string | null {
    return this.#focus;
  }

  transport(direction: Direction): types.WebRtcTransport | undefined {
    return this.#transports.get(direction);
  }

  /** Its consumers, for stats sampling only (media/stats.ts). */
  consumerObjects(): types.Consumer[] {
    return [...this.#consumers.values()].map((h) => h.consumer);
  }

  #assertOpen() {
    if (this.#closed) throw new AppError('conflict', 'this media session has been closed; join again');
  }

  #transportById(transportId: string): [Direction, types.WebRtcTransport] {
    for (const [dir, t] of this.#transports) if (t.id === transportId) return [dir, t];
    throw new AppError('out_of_order', `no transport ${transportId} in this media session; create one first`);
  }

  has(transportId: string): boolean {
    for (const t of this.#transports.values()) if (t.id === transportId) return true;
    return false;
  }

  /** A new transport; a second one in the same direction replaces the first. */
  async createTransport(direction: Direction): Promise<TransportOptions> {
    this.#assertOpen();
    const { media } = this.router;
    const transport = await this.router.router.createWebRtcTransport({
      webRtcServer: media.webRtcServer,
      enableUdp: this.#opts.protocols.includes('udp'),
      enableTcp: this.#opts.protocols.includes('tcp'),
      preferUdp: true,
      initialAvailableOutgoingBitrate: this.#opts.initialOutgoingBitrate ?? 600_000,
      appData: { siteId: this.siteId, direction },
    });
    if (this.#closed) {
      transport.close();
      this.#assertOpen();
    }
    if (direction === 'send') await transport.setMaxIncomingBitrate(this.#opts.maxIncomingBitrate);
    this.#transports.get(direction)?.close();
    this.#transports.set(direction, transport);
    const report = () => {
      const tuple = transport.iceSelectedTuple;
      this.emit('transport', {
        direction,
        ice: transport.iceState,
        dtls: transport.dtlsState,
        protocol: tuple ? tuple.protocol : null,
      });
    };
    transport.on('icestatechange', report);
    transport.on('iceselectedtuplechange', report);
    transport.on('dtlsstatechange', report);
    transport.on('routerclose', () => this.close('media-lost'));
    transport.observer.once('close', () => {
      if (this.#transports.get(direction) === transport) this.#transports.delete(direction);
    });
    return transportOptions(transport);
  }

  closeTransport(transportId: string): void {
    this.#assertOpen();
    this.#transportById(transportId)[1].close();
  }

  async connectTransport(transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    this.#assertOpen();
    const [, transport] = this.#transportById(transportId);
    try {
      await transport.connect({ dtlsParameters });
    } catch (err) {
      throw new AppError('bad_request', `cannot connect transport: ${cause(err)}`);
    }
  }

  async restartIce(transportId: string): Promise<IceParameters> {
    this.#assertOpen();
    const [, transport] = this.#transportById(transportId);
    return { ...(await transport.restartIce()) };
  }

  async produce(transportId: string, kind: MediaKind, source: MediaSource, rtpParameters: RtpParameters) {
    this.#assertOpen();
    const [direction, transport] = this.#transportById(transportId);
    if (direction === 'recv') throw new AppError('bad_request', 'produce on the send transport, not the receive one');
    if ((source === 'mic') !== (kind === 'audio')) {
      throw new AppError('bad_request', `source "${source}" cannot carry ${kind}`);
    }
    let producer: types.Producer;
    try {
      producer = await transport.produce({
        kind,
        rtpParameters,
        appData: { siteId: this.siteId, source },
        paused: source === 'mic' && this.#mutedByOperator,
      });
    } catch (err) {
      throw new AppError('bad_request', `cannot produce ${source}: ${cause(err)}`);
    }
    if (this.#closed) {
      producer.close();
      this.#assertOpen();
    }
    // A site sends one microphone and one camera; a new one replaces the old (device switch).
    this.#producers.get(source)?.close();
    this.#producers.set(source, producer);
    producer.on('score', (scores) => {
      this.emit('producerScore', source, Math.min(...scores.map((s) => s.score)));
    });
    producer.observer.once('close', () => {
      if (this.#producers.get(source) === producer) {
        this.#producers.delete(source);
        if (!this.#closed) this.emit('producersChanged');
      }
    });
    this.emit('producersChanged');
    return producer;
  }

  #producerById(producerId: string): [MediaSource, types.Producer] {
    for (const [source, p] of this.#producers) if (p.id === producerId) return [source, p];
    throw new AppError('not_found', `no producer ${producerId} in this media session`);
  }

  async pauseProducer(producerId: string, paused: boolean): Promise<void> {
    this.#assertOpen();
    const [source, producer] = this.#producerById(producerId);
    if (!paused && source === 'mic' && this.#mutedByOperator) {
      throw new AppError('forbidden', 'the operator has muted this site; ask the hub to unmute it');
    }
    if (paused) await producer.pause();
    else await producer.resume();
  }

  closeProducer(producerId: string): void {
    this.#assertOpen();
    this.#producerById(producerId)[1].close();
  }

  /** Apply or lift the operator's mute on this site's microphone. */
  async setMutedByOperator(muted: boolean): Promise<void> {
    this.#mutedByOperator = muted;
    const mic = this.#producers.get('mic');
    if (!mic || mic.closed) return;
    if (muted) await mic.pause();
    else await mic.resume();
  }

  /** The client can take consumers, decoding what these capabilities say. */
  setReady(rtpCapabilities: RtpCapabilities): void {
    this.#assertOpen();
    if (!this.#transports.has('recv'))
      throw new AppError('out_of_order', 'create a receive transport before media:ready');
    this.#rtpCapabilities = rtpCapabilities;
  }

  /** The producers this site consumes now (or is about to). */
  consumedProducers(): Set<string> {
    return new Set([...[...this.#consumers.values()].map((c) => c.producerId), ...this.#consuming]);
  }

  /**
   * Receive a producer of `from` under `feed`: a consumer is created paused, offered to the
   * client, and resumed once the client holds it. Returns false if it could not be made.
   */
  async consume(producerId: string, from: { siteId: string; source: MediaSource }, feed: Feed): Promise<boolean> {
    const recv = this.#transports.get('recv');
    const caps = this.#rtpCapabilities;
    if (!recv || !caps || this.#closed || this.#consuming.has(producerId)) return false;
    if (this.#consumers.size >= this.#opts.maxConsumers) {
      this.log.warn({ max: this.#opts.maxConsumers }, 'consumer cap reached; not consuming more');
      return false;
    }
    if (!this.router.router.canConsume({ producerId, rtpCapabilities: caps })) {
      this.log.warn({ from: from.siteId, source: from.source }, 'the client cannot decode this stream');
      return false;
    }
    this.#consuming.add(producerId);
    try {
      let consumer: types.Consumer;
      try {
        consumer = await recv.consume({ producerId, rtpCapabilities: caps, paused: true });
      } catch (err) {
        // The producer closed meanwhile: nothing to receive.
        this.log.debug({ err: cause(err), from: from.siteId }, 'consume failed');
        return false;
      }
      const held: Held = {
        consumer,
        consumerId: consumer.id,
        producerId,
        siteId: from.siteId,
        source: from.source,
        kind: consumer.kind,
        feed,
      };
      this.#consumers.set(consumer.id, held);
      this.router.consumerOpened();
      consumer.observer.once('close', () => {
        this.router.consumerClosed();
        if (this.#consumers.get(consumer.id) === held) this.#consumers.delete(consumer.id);
      });
      consumer.on('producerclose', () => {
        this.#consumers.delete(consumer.id);
        if (!this.#closed) this.#opts.sink.closed(consumer.id);
      });
      await this.#applyLayers(held);
      try {
        await this.#opts.sink.offer({
          consumerId: consumer.id,
          producerId,
          kind: consumer.kind,
          rtpParameters: wireRtpParameters(consumer.rtpParameters),
          siteId: from.siteId,
          source: from.source,
          feed,
        });
      } catch (err) {
        this.log.warn({ err: cause(err), from: from.siteId, source: from.source }, 'client did not take a consumer');
        consumer.close();
        this.#consumers.delete(consumer.id);
        return false;
      }
      if (!consumer.closed && !(consumer.kind === 'video' && this.#videoPaused)) await consumer.resume();
      return !consumer.closed;
    } finally {
      this.#consuming.delete(producerId);
    }
  }

  /** Stop receiving a stream the topology no longer gives this site. */
  dropConsumer(consumerId: string): void {
    const held = this.#consumers.get(consumerId);
    if (!held) return;
    held.consumer.close();
    this.#consumers.delete(consumerId);
    if (!this.#closed) this.#opts.sink.closed(consumerId);
  }

  /** The same stream under another feed (the floor moved): its layer may change. */
  async setFeed(consumerId: string, feed: Feed): Promise<void> {
    const held = this.#consumers.get(consumerId);
    if (!held || held.feed === feed) return;
    held.feed = feed;
    await this.#applyLayers(held);
  }

  /**
   * Audio only (the site's downlink cannot carry video): its video consumers pause, its audio
   * goes on. Consumers made while it holds start paused too.
   */
  async setVideoPaused(paused: boolean): Promise<void> {
    this.#videoPaused = paused;
    await Promise.all(
      [...this.#consumers.values()]
        .filter((h) => h.kind === 'video' && !h.consumer.closed)
        .map((h) => (paused ? h.consumer.pause() : h.consumer.resume())),
    );
  }

  get videoPaused(): boolean {
    return this.#videoPaused;
  }

  /** The hub watches `siteId` large: its video in the high layer, the rest low. */
  async setFocus(siteId: string | null): Promise<void> {
    this.#focus = siteId;
    await Promise.all([...this.#consumers.values()].map((h) => this.#applyLayers(h)));
  }

  async #applyLayers(held: Held): Promise<void> {
    const { consumer } = held;
    if (consumer.closed || consumer.kind !== 'video' || consumer.type === 'simple') return;
    const high = wantsHighLayer(held.feed, this.#focus === held.siteId);
    await consumer.setPreferredLayers({ spatialLayer: high ? 2 : 0, temporalLayer: 2 }).catch((err: Error) => {
      this.log.debug({ err: err.message }, 'setPreferredLayers failed');
    });
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing the transports closes their producers and consumers in the worker too.
    for (const t of this.#transports.values()) t.close();
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
    this.log.info({ reason }, 'site media closed');
    this.emit('closed', reason);
    this.removeAllListeners();
  }

  serialize() {
    return {
      siteId: this.siteId,
      role: this.role,
      router: this.router.index,
      worker: this.router.media.index,
      ready: this.ready,
      producers: [...this.#producers].map(([source, p]) => ({ source, id: p.id, paused: p.paused })),
      consumers: [...this.#consumers.values()].map((c) => ({
        from: c.siteId,
        source: c.source,
        feed: c.feed,
        paused: c.consumer.paused,
      })),
    };
  }
}
