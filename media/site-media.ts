// One site's media in the conference, for one connection: its two transports, its producers
// (microphone, camera) and the consumers it receives. Closed as a whole when the connection
// goes, is taken over, or its router dies.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { AppError } from '../server/errors.js';
import type { Logger } from '../server/logger.js';
import type {
  ConsumeOffer,
  DtlsParameters,
  Feed,
  MediaSource,
  RtpCapabilities,
  RtpParameters,
  SiteRole,
  TransportOptions,
} from '../signaling/contract.js';
import type { ConferenceRouter } from './routers.js';

/** How the conference reaches the site's client (signaling implements it). */
export interface ConsumerSink {
  /** Resolves once the client holds the consumer; the conference then resumes it. */
  offer(offer: ConsumeOffer): Promise<void>;
  closed(consumerId: string): void;
}

export interface ConsumerEntry {
  readonly consumer: types.Consumer;
  readonly siteId: string;
  readonly source: MediaSource;
  feed: Feed;
}

export type Direction = 'send' | 'recv';

export interface TransportState {
  readonly direction: Direction;
  readonly ice: types.IceState;
  readonly dtls: types.DtlsState;
  readonly protocol: 'udp' | 'tcp' | null;
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
  readonly protocols: readonly ('udp' | 'tcp')[];
  /** Cap on what the site may send (bit/s): a branch uplink of a few Mbit/s. */
  readonly maxIncomingBitrate: number;
  readonly logger: Logger;
}

const cause = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class SiteMedia extends EventEmitter<SiteMediaEvents> {
  readonly siteId: string;
  readonly role: SiteRole;
  readonly router: ConferenceRouter;
  readonly sink: ConsumerSink;
  readonly consumers = new Map<string, ConsumerEntry>();
  readonly log: Logger;
  rtpCapabilities: RtpCapabilities | undefined;
  /** The bridge the hub watches large (hub only). */
  focus: string | null = null;
  /** Set while the operator has muted this site: its microphone stays paused. */
  mutedByOperator = false;
  readonly #opts: SiteMediaOptions;
  readonly #transports = new Map<Direction, types.WebRtcTransport>();
  readonly #producers = new Map<MediaSource, types.Producer>();
  /** Network-check transports: their producers reach nobody. */
  readonly #probes = new Map<string, types.WebRtcTransport>();
  #closed = false;

  constructor(opts: SiteMediaOptions) {
    super();
    this.#opts = opts;
    this.siteId = opts.siteId;
    this.role = opts.role;
    this.router = opts.router;
    this.sink = opts.sink;
    this.log = opts.logger;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get ready(): boolean {
    return this.rtpCapabilities !== undefined && this.#transports.has('recv') && !this.#closed;
  }

  get producers(): ReadonlyMap<MediaSource, types.Producer> {
    return this.#producers;
  }

  transport(direction: Direction): types.WebRtcTransport | undefined {
    return this.#transports.get(direction);
  }

  #assertOpen() {
    if (this.#closed) throw new AppError('conflict', 'this connection has been closed');
  }

  #transportById(transportId: string): [Direction | 'probe', types.WebRtcTransport] {
    for (const [dir, t] of this.#transports) if (t.id === transportId) return [dir, t];
    const probe = this.#probes.get(transportId);
    if (probe) return ['probe', probe];
    throw new AppError('out_of_order', `no transport ${transportId} on this connection; create one first`);
  }

  /**
   * A throw-away send transport offering one protocol, for the pre-join network check. At most
   * two at a time, so a page cannot pile them up.
   */
  async createProbe(protocol: 'udp' | 'tcp'): Promise<TransportOptions> {
    this.#assertOpen();
    if (!this.#opts.protocols.includes(protocol)) {
      throw new AppError('conflict', `this server does not offer media over ${protocol.toUpperCase()}`);
    }
    if (this.#probes.size >= 2) throw new AppError('conflict', 'close the previous network check first');
    const transport = await this.router.router.createWebRtcTransport({
      webRtcServer: this.router.media.webRtcServer,
      enableUdp: protocol === 'udp',
      enableTcp: protocol === 'tcp',
      appData: { siteId: this.siteId, probe: protocol },
    });
    if (this.#closed) {
      transport.close();
      this.#assertOpen();
    }
    this.#probes.set(transport.id, transport);
    transport.observer.once('close', () => this.#probes.delete(transport.id));
    return {
      id: transport.id,
      iceParameters: { ...transport.iceParameters },
      iceCandidates: transport.iceCandidates.map((c) => ({ ...c })),
      dtlsParameters: { ...transport.dtlsParameters },
    };
  }

  closeTransport(transportId: string): void {
    this.#assertOpen();
    this.#transportById(transportId)[1].close();
  }

  /** A new transport; a second one in the same direction replaces the first (a rebuild). */
  async createTransport(direction: Direction): Promise<TransportOptions> {
    this.#assertOpen();
    const { media } = this.router;
    const transport = await this.router.router.createWebRtcTransport({
      webRtcServer: media.webRtcServer,
      enableUdp: this.#opts.protocols.includes('udp'),
      enableTcp: this.#opts.protocols.includes('tcp'),
      preferUdp: true,
      initialAvailableOutgoingBitrate: 600_000,
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
        protocol: tuple ? (tuple.protocol as 'udp' | 'tcp') : null,
      });
    };
    transport.on('icestatechange', report);
    transport.on('iceselectedtuplechange', report);
    transport.on('dtlsstatechange', report);
    transport.on('routerclose', () => this.close('media-lost'));
    transport.observer.once('close', () => {
      if (this.#transports.get(direction) === transport) this.#transports.delete(direction);
    });
    return {
      id: transport.id,
      iceParameters: { ...transport.iceParameters },
      iceCandidates: transport.iceCandidates.map((c) => ({ ...c })),
      dtlsParameters: { ...transport.dtlsParameters },
    };
  }

  async connectTransport(transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    this.#assertOpen();
    const [, transport] = this.#transportById(transportId);
    try {
      await transport.connect({ dtlsParameters: dtlsParameters as unknown as types.DtlsParameters });
    } catch (err) {
      throw new AppError('bad_request', `cannot connect transport: ${cause(err)}`);
    }
  }

  async restartIce(transportId: string): Promise<Record<string, unknown>> {
    this.#assertOpen();
    const [, transport] = this.#transportById(transportId);
    return { ...(await transport.restartIce()) };
  }

  async produce(transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpParameters) {
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
        rtpParameters: rtpParameters as unknown as types.RtpParameters,
        appData: { siteId: this.siteId, source },
        paused: source === 'mic' && this.mutedByOperator,
      });
    } catch (err) {
      throw new AppError('bad_request', `cannot produce ${source}: ${cause(err)}`);
    }
    if (this.#closed) {
      producer.close();
      this.#assertOpen();
    }
    // A probe's producer lives and dies with its transport and is never forwarded.
    if (direction === 'probe') return producer;
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
    throw new AppError('not_found', `no producer ${producerId} on this connection`);
  }

  async pauseProducer(producerId: string, paused: boolean): Promise<void> {
    this.#assertOpen();
    const [source, producer] = this.#producerById(producerId);
    if (!paused && source === 'mic' && this.mutedByOperator) {
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
    this.mutedByOperator = muted;
    const mic = this.#producers.get('mic');
    if (!mic || mic.closed) return;
    if (muted) await mic.pause();
    else await mic.resume();
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing the transports closes their producers and consumers in the worker too.
    for (const t of [...this.#transports.values(), ...this.#probes.values()]) t.close();
    this.#transports.clear();
    this.#probes.clear();
    this.#producers.clear();
    this.consumers.clear();
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
      consumers: [...this.consumers.values()].map((c) => ({
        from: c.siteId,
        source: c.source,
        feed: c.feed,
        paused: c.consumer.paused,
      })),
    };
  }
}
