// A real WebRTC site peer in Node, for the tests and the benchmarks: the shared site client
// (client/site-client.ts, the code the technicians' page runs) on libwebrtc from @roamhq/wrtc,
// with a synthetic microphone and camera so real RTP flows, and readers of what it receives.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { types } from 'mediasoup-client';
import type { Socket } from 'socket.io-client';
import { request as contractRequest, RequestError } from '../../client/request.js';
import { SiteClient } from '../../client/site-client.js';
import type {
  CloseReason,
  ConferenceView,
  ConsumeOffer,
  ErrorBody,
  MediaKind,
  MediaSource,
  SiteClientEvents,
  SiteEvent,
  SiteInput,
  SiteOutputs,
  SiteServerEvents,
  Welcome,
} from '../../contract/index.js';
import { type FakeSource, fakeCamera, fakeMicrophone } from './fake-media.js';
import { createWrtcDevice, wrtc } from './wrtc-env.js';
import { countersBySsrc, ssrcsOf, sumFor } from './wrtc-stats.js';

export type SiteSocket = Socket<SiteServerEvents, SiteClientEvents>;
export type { MediaKind };
/** An Error with the code of a refused ack or a refused connection. */
export { RequestError as PeerError };

export interface SitePeerOptions {
  /** The service's base URL, e.g. http://127.0.0.1:3000 (the namespace is added here). */
  url: string;
  /** The site's link token. */
  token: string;
  /** Produce the microphone (a quiet 440 Hz tone). Default true. */
  audio?: boolean;
  /** Produce the camera (a small moving pattern). Default true. */
  video?: boolean;
  /** Camera size and rate; thumbnails by default so 64 peers fit on 2 cores beside the server. */
  width?: number;
  height?: number;
  fps?: number;
  /** A camera that is expensive to encode (see fakeCamera), for tests of thin links. */
  busyCamera?: boolean;
  /** Camera encodings (e.g. simulcast layers); default: a single layer. */
  videoEncodings?: types.RtpEncodingParameters[];
  /** Come back by itself after a drop, as the page does. Default false: a dropped test peer stays dropped. */
  reconnection?: boolean;
  /** Send the page's link reports (site:report) every this many ms; 0 (default): none. */
  reportIntervalMs?: number;
  /** The whole join must finish within this. Default 30 s. */
  joinTimeoutMs?: number;
  log?: (msg: string) => void;
}

/** A consumer this peer holds, with the offer that explains whose media it is and why. */
export interface PeerConsumer {
  readonly consumer: types.Consumer;
  readonly offer: ConsumeOffer;
}

export interface JoinTimings {
  /** performance.now() values, of the first join (a rejoin leaves them as they are). */
  start: number;
  welcome?: number;
  /** All own producers exist on the server. */
  producing?: number;
  /** The hub's video (feed 'hub') arrived: its first decoded frame. */
  firstHubVideoByte?: number;
}

const RAW_TIMEOUT_MS = 5_000;
const sourceKind: Record<MediaSource, MediaKind> = { mic: 'audio', cam: 'video' };

/** One contract request on a raw socket: resolves with the ack's data, throws with its code. */
export function request<E extends SiteEvent>(
  socket: SiteSocket,
  event: E,
  input: SiteInput<E>,
  timeoutMs?: number,
): Promise<SiteOutputs[E]> {
  return contractRequest<SiteOutputs[E]>(socket, event, input, timeoutMs);
}

let peerSeed = 0;

export class SitePeer {
  readonly opts: Readonly<SitePeerOptions>;
  readonly client: SiteClient;
  readonly timings: JoinTimings;
  /** Set by joinMany: ms from its call until this peer produced and (bridges) got hub video. */
  joinedAt: number | undefined;
  /** The last session:closed the server sent before closing this connection. */
  closedReason: { reason: CloseReason; message: string } | undefined;
  /** socket.io's reason for the last disconnect. */
  disconnectReason: string | undefined;
  /** Where the join is (or got stuck): 'welcome', 'device.load', 'produce cam', ... 'joined'. */
  step = 'welcome';
  /** What media:ready answered last. */
  ready: SiteOutputs['media:ready'] | undefined;
  readonly protocolErrors: (ErrorBody & { event: string })[] = [];
  readonly restartIceRequests: { reason: string }[] = [];
  /** Failures outside any awaited call (consume, ICE restart, sources); tests can assert none. */
  readonly backgroundErrors: Error[] = [];
  /** Media sessions that finished joining on this peer (1 after the join; +1 per rebuild). */
  joins = 0;

  readonly #sources: FakeSource[] = [];
  readonly #frameWatchers = new Set<() => void>();
  readonly #hubWaiters = new Set<() => void>();
  readonly #seed = peerSeed++;
  #closing: Promise<void> | undefined;

  private constructor(opts: SitePeerOptions, start: number) {
    this.opts = { ...opts };
    this.timings = { start };
    const encodings = opts.videoEncodings;
    this.client = new SiteClient(opts.token, {
      url: opts.url,
      createDevice: createWrtcDevice,
      reconnect: opts.reconnection ?? false,
      transports: ['websocket'],
      reportIntervalMs: opts.reportIntervalMs ?? 0,
      cameraEncodings: () => encodings ?? null,
      warn: (message, detail) => this.#log(`${message}${detail ? `: ${String(detail)}` : ''}`),
    });
    const c = this.client;
    c.on('welcome', () => {
      this.timings.welcome ??= performance.now();
    });
    c.on('step', (step) => {
      this.step = step;
      if (step === 'media:ready') this.timings.producing ??= performance.now();
    });
    c.on('media', (consumers) => {
      this.ready = { consumers };
      this.joins++;
      this.#log(`joined: ${this.producers.size} producers, ${consumers} consumers offered`);
    });
    c.on('consumer', (remote) => {
      if (remote.offer.feed === 'hub' && remote.offer.kind === 'video' && this.timings.firstHubVideoByte === undefined)
        this.#watchFirstHubFrame(remote.consumer);
    });
    c.on('trouble', (what, err) => this.#backgroundError(what, err));
    c.on('protocolError', (p) => this.protocolErrors.push(p));
    c.on('restartIceRequested', (reason) => this.restartIceRequests.push({ reason }));
    c.on('closed', (reason, message) => {
      this.closedReason = { reason, message };
      this.#log(`session closed: ${reason} (${message})`);
    });
    c.link.on('lost', ({ reason }) => {
      this.disconnectReason = reason;
    });
    c.link.on('ended', (_closed, reason) => {
      this.disconnectReason = reason;
    });
  }

  /** Connect, open the fake devices, join: send mic and camera, take every offered consumer. */
  static async join(opts: SitePeerOptions): Promise<SitePeer> {
    const peer = new SitePeer(opts, performance.now());
    try {
      await peer.#withDeadline(async () => {
        await peer.#connect();
        const { width = 160, height = 120, fps = 10 } = opts;
        const audio = (opts.audio ?? true) ? peer.#source(fakeMicrophone(peer.#sourceError)) : undefined;
        const video =
          (opts.video ?? true)
            ? peer.#source(fakeCamera(width, height, fps, peer.#seed, peer.#sourceError, opts.busyCamera))
            : undefined;
        await peer.client.setLocal({ audio, video });
        peer.client.join();
        await peer.#joined(0);
      });
      return peer;
    } catch (err) {
      await peer.close();
      throw err;
    }
  }

  #source(s: FakeSource): MediaStreamTrack {
    this.#sources.push(s);
    return s.track;
  }

  /** Resolves on the welcome; rejects with the server's code if it refuses the link. */
  #connect(): Promise<void> {
    const socket = this.client.link.socket;
    return new Promise((resolve, reject) => {
      const offWelcome = this.client.on('welcome', () => {
        done();
        resolve();
      });
      const onRefused = (err: Error & { data?: unknown }) => {
        if (err.data === undefined && this.opts.reconnection) return; // a failed attempt; it retries
        const data = err.data as Partial<ErrorBody> | undefined;
        done();
        reject(new RequestError(err.message, data?.code ?? 'connect_error', err.data));
      };
      const onDisconnect = (reason: string) => {
        const closed = this.closedReason ? ` (session closed: ${this.closedReason.reason})` : '';
        done();
        reject(new RequestError(`disconnected before welcome: ${reason}${closed}`, 'disconnected'));
      };
      const done = () => {
        offWelcome();
        socket.off('connect_error', onRefused);
        socket.off('disconnect', onDisconnect);
      };
      socket.on('connect_error', onRefused);
      socket.on('disconnect', onDisconnect);
      this.client.start();
    });
  }

  /** Resolves once more than `joinsBefore` media sessions finished joining. */
  #joined(joinsBefore: number): Promise<void> {
    if (this.joins > joinsBefore) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.joins > joinsBefore) {
          done();
          resolve();
        } else if (this.client.state === 'error') {
          done();
          const e = this.client.error;
          reject(new RequestError(`join failed: ${e?.code}${e?.detail ? ` (${e.detail})` : ''}`, e?.code ?? 'error'));
        }
      };
      const offChange = this.client.on('change', check);
      const offMedia = this.client.on('media', check);
      const done = () => {
        offChange();
        offMedia();
      };
    });
  }

  /**
   * Runs a join within opts.joinTimeoutMs, so a join that stalls inside mediasoup-client or
   * libwebrtc (which have no timeouts of their own) fails with the step it was stuck at.
   */
  async #withDeadline(run: () => Promise<void>): Promise<void> {
    const ms = this.opts.joinTimeoutMs ?? 30_000;
    const running = run();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        running.catch((err: Error) => this.#log(`after the join timed out: ${err.message}`));
        reject(new RequestError(`${this.#name}: join not done after ${ms} ms, stuck at: ${this.step}`, 'timeout'));
      }, ms);
    });
    try {
      await Promise.race([running, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- accessors that fail loudly if used before join finished ----
  get socket(): SiteSocket {
    return this.client.link.socket;
  }
  get welcome(): Welcome {
    if (!this.client.welcome) throw new Error('no welcome yet');
    return this.client.welcome;
  }
  get conference(): ConferenceView | undefined {
    return this.client.view;
  }
  get siteId(): string {
    return this.welcome.site.id;
  }
  get isHub(): boolean {
    return this.welcome.site.id === this.welcome.hub.id;
  }
  get producers(): ReadonlyMap<MediaSource, types.Producer> {
    return this.client.session?.producers ?? new Map();
  }
  get sendTransport(): types.Transport {
    const t = this.client.session?.sendTransport;
    if (!t) throw new Error(`${this.#name}: no send transport yet`);
    return t;
  }
  get recvTransport(): types.Transport {
    const t = this.client.session?.recvTransport;
    if (!t) throw new Error(`${this.#name}: no receive transport yet`);
    return t;
  }
  get consumers(): PeerConsumer[] {
    return this.client.remote;
  }
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---- signaling ----
  request<E extends SiteEvent>(event: E, input: SiteInput<E>, timeoutMs?: number): Promise<SiteOutputs[E]> {
    return request(this.socket, event, input, timeoutMs);
  }

  /** Any event name, any payload, the raw ack back: for tests of unknown or malformed messages. */
  emitRaw(event: string, payload: unknown): Promise<unknown> {
    const emitter = this.socket.timeout(RAW_TIMEOUT_MS) as unknown as {
      emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
    };
    return emitter.emitWithAck(event, payload);
  }

  /** Rebuild the media session on this connection and wait until it is joined again. */
  async rejoinMedia(): Promise<void> {
    const before = this.joins;
    void this.client.rebuild();
    await this.#withDeadline(() => this.#joined(before));
  }

  /** Wait until the client joined again after something took its media or its connection. */
  async rejoined(joinsBefore: number, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.joins <= joinsBefore) {
      if (this.client.state === 'error') throw new Error(`${this.#name}: stopped with ${this.client.error?.code}`);
      if (performance.now() > deadline) throw new Error(`${this.#name}: not back within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  // The first frame of the hub's video is noticed by an RTCVideoSink rather than by polling
  // getStats: every wrtc call blocks the JS thread until libwebrtc's one signaling thread is
  // free, and during a 64-peer join storm that thread is the bottleneck.
  #watchFirstHubFrame(consumer: types.Consumer): void {
    const sink = new wrtc.nonstandard.RTCVideoSink(consumer.track);
    const stop = () => {
      this.#frameWatchers.delete(stop);
      if (!sink.stopped) sink.stop();
    };
    this.#frameWatchers.add(stop);
    sink.onframe = () => {
      stop();
      this.timings.firstHubVideoByte ??= performance.now();
      this.#wakeHubWaiters();
    };
    consumer.observer.once('close', stop);
  }

  #wakeHubWaiters(): void {
    for (const wake of [...this.#hubWaiters]) wake();
  }

  // ---- reading the media ----
  consumersFrom(siteId: string, kind?: MediaKind): PeerConsumer[] {
    return this.consumers.filter((c) => c.offer.siteId === siteId && (!kind || c.offer.kind === kind));
  }

  async bytesReceivedFrom(siteId: string, kind: MediaKind): Promise<number> {
    return this.#bytesReceived(this.consumersFrom(siteId, kind));
  }

  /** Bytes received so far by each live consumer, by consumer id (one getStats for all). */
  async bytesByConsumer(): Promise<Map<string, number>> {
    const consumers = this.consumers;
    const bytes = new Map<string, number>();
    const recv = this.client.session?.recvTransport;
    if (consumers.length === 0 || !recv) return bytes;
    const counters = await countersBySsrc(recv, 'inbound-rtp', 'bytesReceived');
    for (const { consumer } of consumers) bytes.set(consumer.id, sumFor(counters, ssrcsOf(consumer.rtpParameters)));
    return bytes;
  }

  async #bytesReceived(consumers: PeerConsumer[]): Promise<number> {
    const live = consumers.filter((c) => !c.consumer.closed);
    const recv = this.client.session?.recvTransport;
    if (live.length === 0 || !recv) return 0;
    const counters = await countersBySsrc(recv, 'inbound-rtp', 'bytesReceived');
    return live.reduce((sum, c) => sum + sumFor(counters, ssrcsOf(c.consumer.rtpParameters)), 0);
  }

  /** Waits until bytes from that site and kind grow by minBytes; the baseline is the first
   * reading taken while a consumer exists. */
  async waitForBytesFrom(
    siteId: string,
    kind: MediaKind,
    { minBytes = 1000, timeoutMs = 10_000 }: { minBytes?: number; timeoutMs?: number } = {},
  ): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let baseline: number | undefined;
    let bytes = 0;
    for (;;) {
      if (this.closed) throw new Error(`${this.#name}: closed while waiting for ${kind} from ${siteId}`);
      if (this.consumersFrom(siteId, kind).length > 0) {
        bytes = await this.bytesReceivedFrom(siteId, kind);
        baseline ??= bytes;
        if (bytes - baseline >= minBytes) return bytes;
      }
      if (performance.now() >= deadline) {
        const seen =
          baseline === undefined ? 'no consumer was offered' : `received ${bytes - baseline} bytes (${bytes} total)`;
        throw new Error(
          `${this.#name}: waited ${timeoutMs} ms for ${minBytes} bytes of ${kind} from site ${siteId}; ${seen}`,
        );
      }
      await sleep(200);
    }
  }

  /**
   * Resolves (with timings.firstHubVideoByte) once the hub's video (feed 'hub') arrives: the
   * first decoded frame, noticed at once by a frame sink; as a fallback, bytes > 0 in the
   * stats, read once a second.
   */
  async waitUntilReceivingHub(timeoutMs = 10_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (this.timings.firstHubVideoByte === undefined) {
      if (this.closed) throw new Error(`${this.#name}: closed while waiting for the hub's video`);
      const hubVideo = this.consumers.filter((c) => c.offer.feed === 'hub' && c.offer.kind === 'video');
      if (hubVideo.length > 0 && (await this.#bytesReceived(hubVideo)) > 0) {
        this.timings.firstHubVideoByte ??= performance.now();
        break;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        const state = hubVideo.length ? 'a consumer exists but no bytes arrived' : 'no hub video consumer was offered';
        throw new Error(`${this.#name}: no hub video within ${timeoutMs} ms; ${state}`);
      }
      await this.#hubFrameOrTimeout(Math.min(1000, left));
    }
    return this.timings.firstHubVideoByte;
  }

  #hubFrameOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#hubWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#hubWaiters.add(wake);
    });
  }

  async bytesSent(kind: MediaKind): Promise<number> {
    const producer = [...this.producers.entries()].find(([source]) => sourceKind[source] === kind)?.[1];
    const send = this.client.session?.sendTransport;
    if (!producer || producer.closed || !send) return 0;
    const counters = await countersBySsrc(send, 'outbound-rtp', 'bytesSent');
    return sumFor(counters, ssrcsOf(producer.rtpParameters));
  }

  // ---- lifecycle ----
  /** Stops the sources, closes the transports, disconnects. Safe to call again. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const stop of [...this.#frameWatchers]) stop();
      this.client.close();
      for (const source of this.#sources.splice(0)) source.stop();
      this.#wakeHubWaiters(); // they see `closed` and stop waiting
    })();
    return this.#closing;
  }

  get #name(): string {
    return this.client.welcome ? `site ${this.client.welcome.site.id}` : 'site peer';
  }

  #log(msg: string): void {
    this.opts.log?.(`[${this.#name}] ${msg}`);
  }

  #backgroundError(what: string, err: Error): void {
    this.backgroundErrors.push(err);
    this.#log(`${what} failed: ${err.message}`);
  }

  readonly #sourceError = (err: Error) => this.#backgroundError('media source', err);
}

// ---- many peers at once ----------------------------------------------------------------------
export interface JoinManyOptions {
  /** How long each bridge may wait for the hub's video; false to not wait. Default 20 s. */
  waitForHubMs?: number | false;
}

/**
 * Joins n peers concurrently. Each peer's joinedAt is the ms from this call until it was
 * producing and, unless it is the hub or waitForHubMs is false, received the hub's video. If
 * any join fails, the others are closed and one Error lists the failures.
 */
export async function joinMany(
  n: number,
  optsFor: (i: number) => SitePeerOptions,
  { waitForHubMs = 20_000 }: JoinManyOptions = {},
): Promise<SitePeer[]> {
  const t0 = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: n }, async (_, i) => {
      const peer = await SitePeer.join(optsFor(i));
      try {
        if (waitForHubMs !== false && !peer.isHub) await peer.waitUntilReceivingHub(waitForHubMs);
      } catch (err) {
        await peer.close();
        throw err;
      }
      const { producing = t0, firstHubVideoByte = producing } = peer.timings;
      peer.joinedAt = Math.max(producing, firstHubVideoByte) - t0;
      return peer;
    }),
  );
  const peers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`#${i}: ${(r.reason as Error).message}`] : [],
  );
  if (failures.length > 0) {
    await Promise.all(peers.map((p) => p.close()));
    throw new Error(`${failures.length} of ${n} joins failed:\n${failures.slice(0, 10).join('\n')}`);
  }
  return peers;
}
