// A load bot that is a real site: the shared site client (client/site-client.ts, the code the
// technicians' page runs) on werift, sending recorded VP8 simulcast and Opus instead of a
// camera and a microphone, reading what it receives without decoding, and reporting its link
// through the same site:report as the page. It joins with a real link token, does real ICE,
// DTLS and SRTP, and can be silenced, cut abruptly and brought back like the page.
//
// installWeriftEnv() must run before the first bot of a process; never in a process that uses
// @roamhq/wrtc (the libwebrtc test peers).
import { performance } from 'node:perf_hooks';
import { Device, type types } from 'mediasoup-client';
import { cameraEncodings as pageCameraEncodings } from '../../client/media-session.js';
import { SiteClient } from '../../client/site-client.js';
import type { MediaSource, SiteRole } from '../../contract/index.js';
import { LinkMeter } from './link-meter.js';
import { type ReceiverCounters, StreamReceiver } from './receiver.js';
import { type SentSource, sendThrough } from './simulcast.js';
import { type RecordedSource, recordedCamera, recordedMicrophone } from './sources.js';
import { domTrack, installWeriftEnv, weriftTrack } from './werift-env.js';

export interface SiteBotOptions {
  readonly url: string;
  readonly token: string;
  /** Which sources to send. Default both. */
  readonly sources?: readonly MediaSource[];
  /** Camera layers (1-3); default the page's for the site's role (bridge 2, hub 3). */
  readonly cameraLayers?: number;
  /** Send the smallest recorded layers (thumbnails) instead of the largest. */
  readonly thumbnail?: boolean;
  /** Come back by itself after a drop, as the page does. Default true. */
  readonly reconnect?: boolean;
  /** Link reports to the server every this many ms, as the page; 0: none. Default 2000. */
  readonly reportIntervalMs?: number;
  /** The join must finish within this. Default 30 s. */
  readonly joinTimeoutMs?: number;
}

export interface BotTimings {
  /** performance.now() values of the first join. */
  start: number;
  welcome?: number;
  /** The producers exist on the server. */
  producing?: number;
  /** media:ready answered: the client holds its consumers. */
  joined?: number;
  /** The hub's video consumer was taken (the server resumes it right after). */
  hubVideoConsumer?: number;
  firstHubRtp?: number;
  firstHubKeyframe?: number;
}

interface Received {
  readonly siteId: string;
  readonly feed: string;
  readonly receiver: StreamReceiver;
}

let handlerFactory: types.HandlerFactory | undefined;
const createDevice = async () => {
  handlerFactory ??= installWeriftEnv();
  return new Device({ handlerFactory });
};

export class SiteBot {
  readonly client: SiteClient;
  readonly timings: BotTimings;
  /** Media sessions that finished joining (1 after the join; +1 per rebuild). */
  joins = 0;
  /** The last few things that happened to its link and join (for a benchmark's "stuck" line). */
  readonly trail: string[] = [];
  readonly #recorded = new Map<MediaStreamTrack, RecordedSource>();
  readonly #sent = new Map<MediaSource, SentSource>();
  readonly #received = new Map<string, Received>();
  readonly #meter = new LinkMeter();
  readonly #hubWaiters = new Set<() => void>();
  #closed = false;

  private constructor(opts: SiteBotOptions) {
    this.timings = { start: performance.now() };
    const sources = opts.sources ?? ['mic', 'cam'];
    const layersFor = (role: SiteRole) => opts.cameraLayers ?? pageCameraEncodings[role].length;
    this.client = new SiteClient(opts.token, {
      url: opts.url,
      createDevice,
      reconnect: opts.reconnect ?? true,
      transports: ['websocket'],
      reportIntervalMs: opts.reportIntervalMs ?? 2000,
      // The page's layers, cut to what the recording has (the top layers dropped first).
      cameraEncodings: (role) => pageCameraEncodings[role].slice(0, layersFor(role)),
      tracksForSession: (role) => ({
        audio: sources.includes('mic') ? this.#record(recordedMicrophone()) : undefined,
        video: sources.includes('cam')
          ? this.#record(recordedCamera(layersFor(role), {}, opts.thumbnail ? 'smallest' : 'largest'))
          : undefined,
      }),
      produced: (source, producer) => this.#attach(source, producer),
      sampleLink: (send, recv) => this.#sampleLink(send, recv),
    });
    const c = this.client;
    const note = (what: string) => {
      this.trail.push(`${Math.round(performance.now())} ${what}`);
      if (this.trail.length > 8) this.trail.shift();
    };
    c.on('welcome', () => {
      this.timings.welcome ??= performance.now();
    });
    c.on('step', (step) => {
      note(step);
      if (step === 'media:ready') this.timings.producing ??= performance.now();
    });
    c.on('trouble', (what, err) => note(`trouble ${what}: ${err.message}`));
    c.link.on('welcome', () => note('welcome'));
    c.link.on('lost', (why) => note(`lost ${why.reason}${why.closed ? ` (${why.closed})` : ''}`));
    c.link.on('retrying', (n) => note(`retrying ${n}`));
    c.link.on('node', (url) => note(`node ${url}`));
    c.link.on('refused', (e) => note(`refused ${e.code}`));
    c.link.on('ended', (r) => note(`ended ${r}`));
    c.on('media', () => {
      this.joins++;
      this.timings.joined ??= performance.now();
    });
    c.on('consumer', ({ consumer, offer }) => {
      const codec = offer.rtpParameters.codecs[0];
      const levelId = offer.rtpParameters.headerExtensions?.find(
        (e) => e.uri === 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
      )?.id;
      const hubVideo = offer.feed === 'hub' && offer.kind === 'video';
      if (hubVideo) this.timings.hubVideoConsumer ??= performance.now();
      const receiver = new StreamReceiver(weriftTrack(consumer.track), {
        kind: offer.kind,
        clockRate: codec?.clockRate ?? 90_000,
        mimeType: codec?.mimeType ?? '',
        audioLevelExtId: levelId,
        ...(hubVideo ? { onFirstKeyframe: (at: number) => this.#hubKeyframe(at) } : {}),
      });
      this.#received.set(consumer.id, { siteId: offer.siteId, feed: offer.feed, receiver });
      consumer.observer.once('close', () => {
        receiver.close();
        this.#received.delete(consumer.id);
      });
    });
  }

  /** Connect with the link token and join the conference; resolves when media flows both ways. */
  static async join(opts: SiteBotOptions): Promise<SiteBot> {
    const bot = new SiteBot(opts);
    const ms = opts.joinTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        bot.#joinedOnce(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`join not done after ${ms} ms (state ${bot.client.state})`)), ms);
        }),
      ]);
      return bot;
    } catch (err) {
      bot.cut();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  #joinedOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const off = [
        this.client.on('media', () => {
          for (const f of off) f();
          resolve();
        }),
        this.client.on('change', () => {
          if (this.client.state !== 'error') return;
          for (const f of off) f();
          reject(new Error(`join refused: ${this.client.error?.code}`));
        }),
      ];
      this.client.start();
      this.client.join();
    });
  }

  #record(source: RecordedSource): MediaStreamTrack {
    const track = domTrack(source.track);
    this.#recorded.set(track, source);
    return track;
  }

  #attach(source: MediaSource, producer: types.Producer): void {
    const track = producer.track;
    const recorded = track ? this.#recorded.get(track) : undefined;
    if (!track || !recorded) return;
    this.#recorded.delete(track);
    this.#sent.get(source)?.close();
    this.#sent.set(source, sendThrough(producer, recorded));
  }

  #hubKeyframe(at: number): void {
    if (this.timings.firstHubKeyframe !== undefined) return;
    this.timings.firstHubKeyframe = at;
    for (const wake of [...this.#hubWaiters]) wake();
  }

  /** Resolves once the hub's video key frame arrived (performance.now() of its first packet). */
  waitForHub(timeoutMs = 20_000): Promise<number> {
    const at = this.timings.firstHubKeyframe;
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.#hubWaiters.delete(wake);
        const t = this.timings.firstHubKeyframe;
        if (t === undefined) reject(new Error(`no hub key frame within ${timeoutMs} ms`));
        else resolve(t);
      };
      const timer = setTimeout(wake, timeoutMs);
      this.#hubWaiters.add(wake);
    });
  }

  get siteId(): string | undefined {
    return this.client.welcome?.site.id;
  }

  /** What this bot receives, per stream. */
  received(): (ReceiverCounters & { siteId: string; feed: string })[] {
    return [...this.#received.values()].map((r) => ({ siteId: r.siteId, feed: r.feed, ...r.receiver.counters }));
  }

  /** Packets sent so far, all sources and layers. */
  get packetsSent(): number {
    let n = 0;
    for (const s of this.#sent.values()) for (const st of s.source.streams) n += st.counters.packets;
    return n;
  }

  #sampleLink(send: types.Transport | undefined, recv: types.Transport | undefined) {
    let bytesOut = 0;
    for (const s of this.#sent.values()) for (const st of s.source.streams) bytesOut += st.counters.bytes;
    const received = [...this.#received.values()].map((r) => r.receiver.counters);
    return this.#meter.sample({ bytesOut, received, transports: [send, recv] });
  }

  /** Mute or unmute like the page: no packets leave, and the server is told. */
  async setPaused(source: MediaSource, paused: boolean): Promise<void> {
    if (source === 'mic') await this.client.setMicMuted(paused);
    else await this.client.setCamOff(paused);
  }

  /**
   * Goes quiet as if the cable were pulled: the socket stops reading (no pongs, no FIN), media
   * stops; nothing is closed, so neither a FIN nor a DTLS alert reaches the server.
   */
  silence(): void {
    // A pulled cable: nothing reaches the server, and this side cannot get back either.
    this.client.link.stopReconnecting();
    const engine = this.client.link.socket.io.engine as unknown as {
      transport?: { ws?: { _socket?: { pause(): void } } };
    };
    engine.transport?.ws?._socket?.pause();
    for (const s of this.#sent.values()) s.source.pause();
  }

  /** The tab closes: the connection ends at once (a FIN), media stops, no goodbye. */
  cut(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#sent.values()) s.close();
    this.#sent.clear();
    for (const r of this.#received.values()) r.receiver.close();
    this.#received.clear();
    for (const wake of [...this.#hubWaiters]) wake();
    this.client.close();
  }

  /** Leave politely (the server hears the goodbye), then stop. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    await this.client.leave();
    this.cut();
  }

  get closed(): boolean {
    return this.#closed;
  }
}
