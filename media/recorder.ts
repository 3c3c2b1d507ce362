// A recording's way into the conference; the mediasoup objects stay here. A tap follows what
// the bridges see (recording-view.ts) as the floor moves and producers come, go, pause and
// resume, and says when that changed. A feed sends one such view out of mediasoup: for each
// stream a PlainTransport (plain RTP on the recorder's address, this host's loopback) and a
// consumer, paused until the recorder listens, so its first packet of video is a key frame.
// The recorder process itself (ffmpeg) is the server's business (server/recording/).
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { MediaKind, MediaSource } from '../contract/index.js';
import type { Logger } from '../kernel/logger.js';
import {
  describeView,
  type RecordableSource,
  type RecordingView,
  recordingView,
  sameView,
  viewKey,
} from './recording-view.js';
import type { ConferenceRouter } from './routers.js';

/** A source the conference offers a recording, and how to reach its producer here. */
export interface TapSource extends RecordableSource {
  /** The local producer, to hear it pause, resume or close (none for one relayed from another node). */
  readonly producer?: types.Producer;
  /** The router its producer can be consumed on (a remote one is relayed in first). */
  readonly router: () => Promise<ConferenceRouter>;
}

/** One RTP stream as the recorder must be told of it (one media section of its SDP). */
export interface RecorderStream {
  readonly kind: MediaKind;
  readonly siteId: string;
  readonly source: MediaSource;
  readonly payloadType: number;
  /** The RTP encoding name: 'VP8' or 'opus'. */
  readonly codec: string;
  readonly clockRate: number;
  readonly channels?: number;
}

/** Where the recorder listens for one stream. */
export interface RecorderPorts {
  readonly rtp: number;
  readonly rtcp: number;
}

export interface RecordingTapOptions {
  /** Where the recorder runs: the transports listen and send there (loopback: plain RTP stays on the host). */
  readonly address: string;
  readonly sources: () => TapSource[];
  readonly floor: () => string | null;
  readonly logger: Logger;
}

interface TapEvents {
  /** What the bridges see changed: a new file should follow. */
  changed: [];
  closed: [];
}

/**
 * What a recorder can take: VP8 and Opus, and no RTCP feedback or header extension. Without
 * transport-cc and REMB mediasoup runs no bandwidth estimation on the transport, so it sends
 * no probation padding (which ffmpeg would take for media) and never lowers the layer.
 */
function recorderCapabilities(router: types.Router): types.RtpCapabilities {
  const codecs = (router.rtpCapabilities.codecs ?? [])
    .filter((c) => c.mimeType.toLowerCase() === 'video/vp8' || c.mimeType.toLowerCase() === 'audio/opus')
    .map((c) => ({ ...c, rtcpFeedback: [] }));
  return { codecs, headerExtensions: [] };
}

export class RecordingTap extends EventEmitter<TapEvents> {
  readonly #opts: RecordingTapOptions;
  readonly #log: Logger;
  #view: RecordingView<TapSource>;
  /** Producers whose pause, resume or close can change the view, with how to stop hearing them. */
  readonly #watched = new Map<types.Producer, () => void>();
  readonly #feeds = new Set<RecordingFeed>();
  #closed = false;

  constructor(opts: RecordingTapOptions) {
    super();
    this.#opts = opts;
    this.#log = opts.logger;
    this.#view = this.#compute();
    this.#watch();
  }

  /** What a file started now would record, in site ids. */
  get view(): { video: string | null; audio: string[] } {
    return describeView(this.#view);
  }

  /** Which producers it would record (the same sites with new producers, after a rejoin, differ). */
  get key(): string {
    return viewKey(this.#view);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The conference changed (the floor, producers, other nodes' sources): see if the view moved. */
  refresh(): void {
    if (this.#closed) return;
    this.#watch();
    const next = this.#compute();
    if (sameView(next, this.#view)) return;
    this.#view = next;
    this.#log.info(describeView(next), 'what the recording takes changed');
    this.emit('changed');
  }

  #compute(): RecordingView<TapSource> {
    const sources = this.#opts.sources().filter((s) => !s.producer?.closed);
    return recordingView(sources, this.#opts.floor());
  }

  /** Hear the producers a view can take (the hub's and the floor holder's) pause, resume, close. */
  #watch(): void {
    const floor = this.#opts.floor();
    const wanted = new Set<types.Producer>();
    for (const s of this.#opts.sources()) {
      if (s.producer && !s.producer.closed && (s.role === 'hub' || s.siteId === floor)) wanted.add(s.producer);
    }
    for (const [producer, off] of this.#watched) {
      if (wanted.has(producer)) continue;
      off();
      this.#watched.delete(producer);
    }
    for (const producer of wanted) {
      if (this.#watched.has(producer)) continue;
      const changed = () => this.refresh();
      producer.observer.on('pause', changed);
      producer.observer.on('resume', changed);
      producer.observer.on('close', changed);
      this.#watched.set(producer, () => {
        producer.observer.off('pause', changed);
        producer.observer.off('resume', changed);
        producer.observer.off('close', changed);
      });
    }
  }

  /** The current view's streams, ready to send to a recorder (paused until the feed starts). */
  async open(): Promise<RecordingFeed> {
    if (this.#closed) throw new Error('the recording tap is closed');
    const view = this.#view;
    const sources = [view.video, ...view.audio].filter((s): s is TapSource => s !== null);
    const legs: Leg[] = [];
    try {
      for (const source of sources) legs.push(await openLeg(source, this.#opts.address));
    } catch (err) {
      for (const leg of legs) leg.transport.close();
      throw err;
    }
    const feed = new RecordingFeed(legs, describeView(view), viewKey(view), this.#opts.address);
    if (this.#closed) {
      feed.close();
      throw new Error('the recording tap is closed');
    }
    this.#feeds.add(feed);
    feed.onClose(() => this.#feeds.delete(feed));
    return feed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#watched.values()) off();
    this.#watched.clear();
    for (const feed of [...this.#feeds]) feed.close();
    this.emit('closed');
    this.removeAllListeners();
  }
}

interface Leg {
  readonly source: TapSource;
  readonly router: ConferenceRouter;
  readonly transport: types.PlainTransport;
  readonly consumer: types.Consumer;
}

async function openLeg(source: TapSource, address: string): Promise<Leg> {
  const router = await source.router();
  // comedia off and no RTCP mux: the recorder listens on the ports the feed is told, as ffmpeg
  // does (RTCP on the port after RTP); the transport sends there once connected.
  const transport = await router.router.createPlainTransport({
    listenIp: { ip: address },
    rtcpMux: false,
    comedia: false,
    appData: { recording: true, siteId: source.siteId, source: source.source },
  });
  try {
    // A simulcast producer gives its highest layer: mediasoup's default preferred layers.
    const consumer = await transport.consume({
      producerId: source.producerId,
      rtpCapabilities: recorderCapabilities(router.router),
      paused: true,
    });
    router.consumerOpened();
    consumer.observer.once('close', () => router.consumerClosed());
    return { source, router, transport, consumer };
  } catch (err) {
    transport.close();
    throw err;
  }
}

/** One view's streams on their way to one recorder process. */
export class RecordingFeed {
  readonly streams: readonly RecorderStream[];
  /** Whose video and audio it carries. */
  readonly view: { readonly video: string | null; readonly audio: readonly string[] };
  /** Which producers it carries (RecordingTap.key). */
  readonly key: string;
  readonly #legs: readonly Leg[];
  readonly #address: string;
  readonly #onClose = new Set<() => void>();
  #closed = false;
  #flow: () => void = () => undefined;
  /**
   * Settles once media flows to the recorder: the video's first key frame has left mediasoup
   * (a feed without video: once started). The file's picture begins there.
   */
  readonly flowing: Promise<void>;

  constructor(legs: readonly Leg[], view: { video: string | null; audio: string[] }, key: string, address: string) {
    this.#legs = legs;
    this.key = key;
    this.flowing = new Promise((resolve) => {
      this.#flow = resolve;
    });
    this.view = view;
    this.#address = address;
    this.streams = legs.map(({ source, consumer }) => {
      const codec = consumer.rtpParameters.codecs[0];
      if (!codec) throw new Error(`no codec for ${source.siteId}'s ${source.source}`);
      return {
        kind: consumer.kind,
        siteId: source.siteId,
        source: source.source,
        payloadType: codec.payloadType,
        codec: codec.mimeType.split('/')[1] ?? codec.mimeType,
        clockRate: codec.clockRate,
        ...(codec.channels ? { channels: codec.channels } : {}),
      };
    });
    for (const leg of legs) {
      // The router went with its worker: nothing more will come; the recording starts a new file.
      leg.transport.on('routerclose', () => this.close());
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  onClose(listener: () => void): void {
    this.#onClose.add(listener);
  }

  /** The recorder listens on `ports` (one per stream, in order): send, starting with a key frame. */
  async start(ports: readonly RecorderPorts[]): Promise<void> {
    if (ports.length !== this.#legs.length) throw new Error(`expected ${this.#legs.length} port pairs`);
    const video = this.#legs.find((l) => l.consumer.kind === 'video')?.consumer;
    if (video) {
      // mediasoup tells when a key frame goes out (the consumer forwards nothing before one).
      await video.enableTraceEvent(['keyframe']);
      const onTrace = (trace: types.ConsumerTraceEventData) => {
        if (trace.type !== 'keyframe' || trace.direction !== 'out') return;
        video.off('trace', onTrace);
        this.#flow();
      };
      video.on('trace', onTrace);
    }
    await Promise.all(
      this.#legs.map(async (leg, i) => {
        const p = ports[i] as RecorderPorts;
        await leg.transport.connect({ ip: this.#address, port: p.rtp, rtcpPort: p.rtcp });
        // A resumed video consumer forwards nothing until a key frame; ask for one at once.
        await leg.consumer.resume();
      }),
    );
    if (!video) this.#flow();
    await this.requestKeyFrame();
  }

  /** Ask the video's sender for a key frame (a recorder that has none yet to start its file with). */
  async requestKeyFrame(): Promise<void> {
    await Promise.all(
      this.#legs
        .filter((l) => l.consumer.kind === 'video' && !l.consumer.closed)
        .map((l) => l.consumer.requestKeyFrame()),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const leg of this.#legs) leg.transport.close();
    for (const listener of this.#onClose) listener();
    this.#onClose.clear();
  }
}
