// A real WebRTC site peer in Node, for the tests and the join benchmark: libwebrtc from
// @roamhq/wrtc behind mediasoup-client's Chrome111 handler, signaling over socket.io exactly as
// signaling/contract.ts says, and synthetic microphone and camera sources so real RTP flows.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import wrtc from '@roamhq/wrtc';
import { Device, type types } from 'mediasoup-client';
import { Chrome111 } from 'mediasoup-client/handlers/Chrome111';
import { io, type Socket } from 'socket.io-client';
import {
  type Ack,
  type CloseReason,
  type ConferenceView,
  type ConsumeOffer,
  type ErrorBody,
  type MediaSource,
  SITE_NAMESPACE,
  type SiteClientEvents,
  type SiteEvent,
  type SiteInput,
  type SiteOutputs,
  type SiteServerEvents,
  type TransportOptions,
  type Welcome,
} from '../../signaling/contract.js';

// ---- libwebrtc on globalThis ------------------------------------------------------------------
// mediasoup-client's handlers use the browser globals (new RTCPeerConnection(), instanceof
// checks), so they must exist before the first Device is created. Only where absent, so a
// runtime that has its own WebRTC keeps it.
const wrtcGlobals = {
  RTCPeerConnection: wrtc.RTCPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
  MediaStream: wrtc.MediaStream,
  MediaStreamTrack: wrtc.MediaStreamTrack,
  RTCRtpSender: wrtc.RTCRtpSender,
  RTCRtpReceiver: wrtc.RTCRtpReceiver,
  RTCRtpTransceiver: wrtc.RTCRtpTransceiver,
};
for (const [name, value] of Object.entries(wrtcGlobals)) {
  if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
}

// wrtc 0.10 crashes when Node frees the environment after a natural exit (SIGSEGV or SIGABRT
// "Check failed: node->IsInUse()" in its N-API finalizers), even with every peer connection
// closed: node-webrtc#636, WonderInventions/node-webrtc#7. tap counts that as a failed test file.
// process.exit() skips that teardown, so once the event loop has drained, a final 'exit'
// listener ends the process with its own exit code. It is added at 'beforeExit' so that every
// other 'exit' listener (the test runner's) was registered before it and still runs.
let exitArmed = false;
process.on('beforeExit', () => {
  if (exitArmed) return;
  exitArmed = true;
  process.on('exit', (code) => process.exit(code));
});

// mediasoup-client's Chrome111 handler, with libwebrtc's native capabilities asked once per
// process: Device.load() otherwise builds two throwaway RTCPeerConnections per peer, and every
// peer in the process shares wrtc's one signaling thread, so 64 joins would queue behind 128
// of them. The answer cannot change within a process; Device.load() clones what it gets.
const chrome111 = Chrome111.createFactory({});
const nativeCapabilities = new Map<string, Promise<types.RtpCapabilities>>();
const handlerFactory: types.HandlerFactory = {
  ...chrome111,
  getNativeRtpCapabilities: (options) => {
    const key = options.direction;
    let caps = nativeCapabilities.get(key);
    if (!caps) {
      caps = chrome111.getNativeRtpCapabilities(options);
      caps.catch(() => nativeCapabilities.delete(key)); // a failure is not cached; the caller sees it
      nativeCapabilities.set(key, caps);
    }
    return caps;
  },
};

// ---- types ------------------------------------------------------------------------------------
export type SiteSocket = Socket<SiteServerEvents, SiteClientEvents>;
export type MediaKind = 'audio' | 'video';

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
  /** Camera encodings passed to mediasoup-client as they are (e.g. simulcast layers). */
  videoEncodings?: types.RtpEncodingParameters[];
  /** Let socket.io reconnect by itself. Default false, so a dropped test peer stays dropped. */
  reconnection?: boolean;
  /** The whole join (and each rejoinMedia) must finish within this. Default 30 s. */
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
  /**
   * The hub's video (feed 'hub') arrived: its first decoded frame (a frame sink watches from
   * the consumer's creation), or else the first stats reading with bytes > 0 that
   * waitUntilReceivingHub() takes.
   */
  firstHubVideoByte?: number;
}

/** An Error with the code of a refused ack or a refused connection. */
export class PeerError extends Error {
  readonly code: string;
  readonly data: unknown;
  constructor(message: string, code: string, data?: unknown) {
    super(message);
    this.name = 'PeerError';
    this.code = code;
    this.data = data;
  }
}

const sourceKind: Record<MediaSource, MediaKind> = { mic: 'audio', cam: 'video' };
const REQUEST_TIMEOUT_MS = 10_000;
const RAW_TIMEOUT_MS = 5_000;
const WELCOME_TIMEOUT_MS = 10_000;

// ---- signaling --------------------------------------------------------------------------------
export function openSiteSocket(url: string, token: string, reconnection = false): SiteSocket {
  return io(`${url}${SITE_NAMESPACE}`, { auth: { token }, transports: ['websocket'], reconnection, forceNew: true });
}

// socket.io types emitWithAck's result as `any` once timeout() decorates the ack, and cannot
// resolve the argument list for a generic event name; this is the shape it really has.
interface AckEmitter {
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
}

function isAck(reply: unknown): reply is Ack<unknown> {
  if (typeof reply !== 'object' || reply === null || !('ok' in reply)) return false;
  return reply.ok === true ? 'data' in reply : reply.ok === false && 'error' in reply;
}

/** One contract request: resolves with the ack's data, throws a PeerError with its code. */
export async function request<E extends SiteEvent>(
  socket: SiteSocket,
  event: E,
  input: SiteInput<E>,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<SiteOutputs[E]> {
  const emitter = socket.timeout(timeoutMs) as unknown as AckEmitter;
  let reply: unknown;
  try {
    reply = await emitter.emitWithAck(event, input);
  } catch (err) {
    // socket.io rejects pending acks at once when the socket drops, and after timeoutMs otherwise.
    const dropped = !socket.connected;
    const why = dropped ? `the socket disconnected (${(err as Error).message})` : `no ack within ${timeoutMs} ms`;
    throw new PeerError(`${event}: ${why}`, dropped ? 'disconnected' : 'timeout');
  }
  if (!isAck(reply)) throw new PeerError(`${event}: the ack is not { ok, data | error }`, 'bad_ack', reply);
  if (!reply.ok) {
    const error: Partial<ErrorBody> = reply.error ?? {};
    throw new PeerError(`${event}: ${error.code}: ${error.message}`, String(error.code), reply.error);
  }
  return reply.data as SiteOutputs[E];
}

// ---- synthetic media --------------------------------------------------------------------------
// One interval per distinct period drives every source of every peer in the process, so 64
// peers cost 2 timers, not 128. A period's timer is cleared when its last source leaves.
type Tick = () => void;
const clocks = new Map<number, { timer: NodeJS.Timeout; ticks: Set<Tick> }>();

function everyPeriod(periodMs: number, tick: Tick): () => void {
  let clock = clocks.get(periodMs);
  if (!clock) {
    const ticks = new Set<Tick>();
    const timer = setInterval(function driveSources() {
      for (const t of ticks) t();
    }, periodMs);
    clock = { timer, ticks };
    clocks.set(periodMs, clock);
  }
  const { ticks } = clock;
  ticks.add(tick);
  return () => {
    ticks.delete(tick);
    const current = clocks.get(periodMs);
    if (current && current.ticks.size === 0) {
      clearInterval(current.timer);
      clocks.delete(periodMs);
    }
  };
}

interface FakeSource {
  readonly track: MediaStreamTrack;
  stop(): void;
}

// 10 ms of 48 kHz mono is 480 samples; 440 Hz makes a whole number of cycles (22) in 50 ms, so
// five precomputed frames loop without a click. About -30 dBFS: audible, not loud.
const AUDIO_RATE = 48_000;
const AUDIO_FRAME = 480;
const toneFrames = Array.from({ length: 5 }, (_, f) =>
  Int16Array.from({ length: AUDIO_FRAME }, (_, i) =>
    Math.round(1000 * Math.sin((2 * Math.PI * 440 * (f * AUDIO_FRAME + i)) / AUDIO_RATE)),
  ),
);

function fakeMicrophone(onError: (err: Error) => void): FakeSource {
  const source = new wrtc.nonstandard.RTCAudioSource();
  const track = source.createTrack();
  let n = 0;
  const stopClock = everyPeriod(10, function pushAudioFrame() {
    const samples = toneFrames[n++ % toneFrames.length] as Int16Array;
    try {
      source.onData({
        samples,
        sampleRate: AUDIO_RATE,
        bitsPerSample: 16,
        channelCount: 1,
        numberOfFrames: AUDIO_FRAME,
      });
    } catch (err) {
      stop();
      onError(err as Error);
    }
  });
  const stop = () => {
    stopClock();
    if (track.readyState !== 'ended') track.stop();
  };
  return { track, stop };
}

// An I420 frame: a grey gradient (different per peer) with a bright square that moves one step
// per frame, so the encoder always has something to send but little to encode.
function fakeCamera(width: number, height: number, fps: number, seed: number, onError: (err: Error) => void) {
  if (width % 2 || height % 2 || width < 16 || height < 16)
    throw new Error(`camera size ${width}x${height}: even, >= 16`);
  const source = new wrtc.nonstandard.RTCVideoSource();
  const track = source.createTrack();
  const lumaSize = width * height;
  const data = new Uint8Array(lumaSize * 1.5);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = 40 + ((x + y + seed * 7) % 120);
  }
  data.fill(128, lumaSize);
  const backdrop = data.slice(0, lumaSize);
  const side = Math.max(8, Math.floor(height / 6));
  let step = 0;
  let last = { x: 0, y: 0 };
  const drawSquare = (x0: number, y0: number, fromBackdrop: boolean) => {
    for (let y = y0; y < y0 + side; y++) {
      const row = y * width;
      if (fromBackdrop) data.set(backdrop.subarray(row + x0, row + x0 + side), row + x0);
      else data.fill(235, row + x0, row + x0 + side);
    }
  };
  const stopClock = everyPeriod(Math.round(1000 / fps), function pushVideoFrame() {
    drawSquare(last.x, last.y, true);
    const x = (step * 4) % (width - side);
    const y = Math.floor((step * 4) / (width - side)) % (height - side);
    drawSquare(x, y, false);
    last = { x, y };
    step++;
    try {
      source.onFrame({ width, height, data });
    } catch (err) {
      stop();
      onError(err as Error);
    }
  });
  const stop = () => {
    stopClock();
    if (track.readyState !== 'ended') track.stop();
  };
  return { track, stop };
}

let peerSeed = 0;

// ---- stats ----------------------------------------------------------------------------------
// wrtc 0.10 implements RTCPeerConnection.getStats() but not RTCRtpSender/Receiver.getStats()
// ("Not yet implemented"), so producer.getStats() and consumer.getStats() reject. Read the
// transport's whole report instead and pick the RTP streams by SSRC: mediasoup puts the SSRCs
// in each consumer's rtpParameters, mediasoup-client in each producer's.
function ssrcsOf(rtpParameters: types.RtpParameters): Set<number> {
  return new Set((rtpParameters.encodings ?? []).flatMap((e) => (e.ssrc === undefined ? [] : [e.ssrc])));
}

/** Per SSRC, the named counter of every stat of that type (e.g. inbound-rtp bytesReceived). */
async function countersBySsrc(transport: types.Transport, type: string, field: string): Promise<Map<number, number>> {
  const counters = new Map<number, number>();
  if (transport.closed) return counters;
  const report = await transport.getStats();
  report.forEach((stat: Record<string, unknown>) => {
    const { ssrc, [field]: value } = stat;
    if (stat.type === type && typeof ssrc === 'number' && typeof value === 'number') {
      counters.set(ssrc, (counters.get(ssrc) ?? 0) + value);
    }
  });
  return counters;
}

function sumFor(counters: Map<number, number>, ssrcs: Set<number>): number {
  let sum = 0;
  for (const ssrc of ssrcs) sum += counters.get(ssrc) ?? 0;
  return sum;
}

// ---- the peer ---------------------------------------------------------------------------------
export class SitePeer {
  readonly opts: Readonly<SitePeerOptions>;
  readonly timings: JoinTimings;
  /** Set by joinMany: ms from its call until this peer produced and (bridges) got hub video. */
  joinedAt: number | undefined;
  readonly producers = new Map<MediaSource, types.Producer>();
  /** The latest conference view (from welcome, then conference:changed). */
  conference: ConferenceView | undefined;
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

  #socket: SiteSocket;
  #welcome: Welcome | undefined;
  /** socket.id of the connection the last welcome arrived on: says "this connection is welcomed". */
  #welcomedOn: string | undefined;
  #device: Device | undefined;
  #sendTransport: types.Transport | undefined;
  #recvTransport: types.Transport | undefined;
  readonly #consumers = new Map<string, PeerConsumer>();
  /** Offers being turned into consumers now, and those of them the server closed meanwhile. */
  readonly #consuming = new Set<string>();
  readonly #cancelled = new Set<string>();
  readonly #sources: FakeSource[] = [];
  /** Stops the frame sinks still waiting for the hub's first video frame. */
  readonly #frameWatchers = new Set<() => void>();
  /** Wakes the waitUntilReceivingHub() calls in progress. */
  readonly #hubWaiters = new Set<() => void>();
  readonly #seed = peerSeed++;
  #closing: Promise<void> | undefined;

  private constructor(opts: SitePeerOptions, start: number) {
    this.opts = { ...opts };
    this.timings = { start };
    this.joinedAt = undefined;
    this.#socket = this.#openSocket();
  }

  /** Connect, load the device, send mic and camera, take every offered consumer. */
  static async join(opts: SitePeerOptions): Promise<SitePeer> {
    const peer = new SitePeer(opts, performance.now());
    try {
      await peer.#withDeadline(async () => {
        await peer.#awaitWelcome();
        peer.timings.welcome = performance.now();
        await peer.#joinMedia();
      });
      return peer;
    } catch (err) {
      await peer.close();
      throw err;
    }
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
        // The stalled run() fails later, when close() tears its transports down; this error
        // is the one that explains it, so that later failure is only logged.
        running.catch((err: Error) => this.#log(`after the join timed out: ${err.message}`));
        reject(new PeerError(`${this.#name}: join not done after ${ms} ms, stuck at: ${this.step}`, 'timeout'));
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
    return this.#socket;
  }
  get welcome(): Welcome {
    if (!this.#welcome) throw new Error('no welcome yet');
    return this.#welcome;
  }
  get siteId(): string {
    return this.welcome.site.id;
  }
  get isHub(): boolean {
    return this.welcome.site.id === this.welcome.hub.id;
  }
  get device(): Device {
    if (!this.#device) throw new Error(`${this.#name}: no device yet`);
    return this.#device;
  }
  get sendTransport(): types.Transport {
    if (!this.#sendTransport) throw new Error(`${this.#name}: no send transport yet`);
    return this.#sendTransport;
  }
  get recvTransport(): types.Transport {
    if (!this.#recvTransport) throw new Error(`${this.#name}: no receive transport yet`);
    return this.#recvTransport;
  }
  get consumers(): PeerConsumer[] {
    return [...this.#consumers.values()];
  }
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---- signaling ----
  request<E extends SiteEvent>(event: E, input: SiteInput<E>, timeoutMs?: number): Promise<SiteOutputs[E]> {
    return request(this.#socket, event, input, timeoutMs);
  }

  /** Any event name, any payload, the raw ack back: for tests of unknown or malformed messages. */
  emitRaw(event: string, payload: unknown): Promise<unknown> {
    return (this.#socket.timeout(RAW_TIMEOUT_MS) as unknown as AckEmitter).emitWithAck(event, payload);
  }

  #openSocket(): SiteSocket {
    const socket = openSiteSocket(this.opts.url, this.opts.token, this.opts.reconnection ?? false);
    // Listeners go on before the first packet can arrive (io() connects on the next tick), and
    // media:consume in particular before media:ready is ever sent.
    socket.on('welcome', (w) => {
      this.#welcome = w;
      this.#welcomedOn = socket.id;
      this.conference = w.conference;
    });
    socket.on('conference:changed', (c) => {
      this.conference = c;
    });
    socket.on('session:closed', (p) => {
      this.closedReason = p;
      this.#log(`session closed: ${p.reason} (${p.message})`);
    });
    socket.on('protocol:error', (p) => {
      this.protocolErrors.push(p);
    });
    socket.on('media:consume', (offer, ack) => this.#onConsume(offer, ack));
    socket.on('media:consumer-closed', ({ consumerId }) => {
      const held = this.#consumers.get(consumerId);
      if (held) {
        held.consumer.close();
        this.#consumers.delete(consumerId);
      } else if (this.#consuming.has(consumerId)) {
        this.#cancelled.add(consumerId); // #consume drops it when it is ready
      }
    });
    socket.on('media:restart-ice-requested', (p) => {
      this.restartIceRequests.push(p);
      this.restartIce().catch((err: Error) => this.#backgroundError('restart ICE', err));
    });
    socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
    });
    return socket;
  }

  /**
   * Resolves once the current connection got its welcome; rejects if the server refuses it, it
   * drops, or time runs out. While socket.io is retrying by itself (a rejoin with reconnection
   * on), a connect_error without the server's { code, message } is a failed attempt, not a refusal.
   */
  #awaitWelcome(): Promise<void> {
    const socket = this.#socket;
    if (socket.connected && this.#welcomedOn === socket.id) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        socket.off('welcome', onWelcome);
        socket.off('connect_error', onRefused);
        socket.off('disconnect', onDisconnect);
        if (err) reject(err);
        else resolve();
      };
      // Registered after the constructor's own welcome listener, so #welcome is set first.
      const onWelcome = () => done();
      const onRefused = (err: Error & { data?: unknown }) => {
        if (err.data === undefined && this.opts.reconnection) return;
        const data = err.data as Partial<ErrorBody> | undefined;
        done(new PeerError(err.message, data?.code ?? 'connect_error', err.data));
      };
      const onDisconnect = (reason: string) => {
        const closed = this.closedReason ? ` (session closed: ${this.closedReason.reason})` : '';
        done(new PeerError(`disconnected before welcome: ${reason}${closed}`, 'disconnected'));
      };
      const timer = setTimeout(
        () => done(new PeerError(`no welcome within ${WELCOME_TIMEOUT_MS} ms`, 'timeout')),
        WELCOME_TIMEOUT_MS,
      );
      socket.on('welcome', onWelcome);
      socket.on('connect_error', onRefused);
      socket.on('disconnect', onDisconnect);
    });
  }

  // ---- media ----
  /** Steps 2-5 of a join: device, transports, producers, media:ready. */
  async #joinMedia(): Promise<void> {
    this.step = 'media:capabilities';
    const { routerRtpCapabilities } = await this.request('media:capabilities', {});
    // A Device loads once; a rejoin may land on another router, so each round gets its own.
    this.step = 'device.load';
    const device = new Device({ handlerFactory });
    // The contract types router objects loosely; mediasoup-client validates them itself.
    await device.load({ routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities });
    this.#device = device;

    this.step = 'send transport';
    const sendOptions = await this.request('media:create-transport', { direction: 'send' });
    const sendTransport = device.createSendTransport(clientTransportOptions(sendOptions));
    this.#sendTransport = sendTransport;
    this.#wireTransport(sendTransport);
    sendTransport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      // #produce always sets appData.source; the server needs it to tell mic from cam.
      const source = appData.source as MediaSource;
      this.request('media:produce', { transportId: sendTransport.id, kind, source, rtpParameters }).then(
        ({ producerId }) => callback({ id: producerId }),
        errback,
      );
    });

    this.step = 'recv transport';
    const recvOptions = await this.request('media:create-transport', { direction: 'recv' });
    this.#recvTransport = device.createRecvTransport(clientTransportOptions(recvOptions));
    this.#wireTransport(this.#recvTransport);

    if (this.opts.audio ?? true) {
      this.step = 'produce mic';
      await this.#produce('mic', fakeMicrophone(this.#sourceError));
    }
    if (this.opts.video ?? true) {
      this.step = 'produce cam';
      const { width = 160, height = 120, fps = 10 } = this.opts;
      await this.#produce('cam', fakeCamera(width, height, fps, this.#seed, this.#sourceError));
    }
    this.timings.producing ??= performance.now();

    this.step = 'media:ready';
    this.ready = await this.request('media:ready', { rtpCapabilities: device.rtpCapabilities });
    this.step = 'joined';
    this.#log(`joined: ${this.producers.size} producers, ${this.ready.consumers} consumers offered`);
  }

  #wireTransport(transport: types.Transport): void {
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.request('media:connect-transport', { transportId: transport.id, dtlsParameters }).then(
        () => callback(),
        errback,
      );
    });
    transport.on('connectionstatechange', (state) => this.#log(`${transport.direction} transport ${state}`));
  }

  async #produce(source: MediaSource, fake: FakeSource): Promise<void> {
    this.#sources.push(fake);
    const producer = await this.sendTransport.produce({
      track: fake.track,
      appData: { source },
      ...(source === 'cam' && this.opts.videoEncodings ? { encodings: this.opts.videoEncodings } : {}),
    });
    this.producers.set(source, producer);
  }

  #onConsume(offer: ConsumeOffer, ack: (reply: Ack<Record<string, never>>) => void): void {
    if (typeof ack !== 'function') {
      this.#backgroundError('media:consume', new Error('offer without an ack'));
      return;
    }
    this.#consume(offer).then(
      () => ack({ ok: true, data: {} }),
      (err: Error) => {
        this.#backgroundError(`consume ${offer.kind} of ${offer.siteId}`, err);
        ack({ ok: false, error: { code: 'internal', message: err.message } });
      },
    );
  }

  async #consume(offer: ConsumeOffer): Promise<void> {
    const { consumerId } = offer;
    if (this.#consumers.has(consumerId) || this.#consuming.has(consumerId)) return;
    const transport = this.#recvTransport;
    if (!transport || transport.closed) throw new Error('no open receive transport');
    this.#consuming.add(consumerId);
    let consumer: types.Consumer;
    try {
      consumer = await transport.consume({
        id: consumerId,
        producerId: offer.producerId,
        kind: offer.kind,
        rtpParameters: offer.rtpParameters as types.RtpParameters,
        appData: { siteId: offer.siteId, source: offer.source, feed: offer.feed },
      });
    } finally {
      this.#consuming.delete(consumerId);
    }
    // The server, or this peer, may have closed it while it was being created.
    const cancelled = this.#cancelled.delete(consumerId);
    if (cancelled || this.closed || transport.closed) {
      consumer.close();
      return;
    }
    this.#consumers.set(consumerId, { consumer, offer });
    consumer.on('transportclose', () => this.#consumers.delete(consumerId));
    if (offer.feed === 'hub' && offer.kind === 'video' && this.timings.firstHubVideoByte === undefined) {
      this.#watchFirstHubFrame(consumer);
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

  /** Restart ICE on both transports, as a page does when the operator asks. */
  async restartIce(): Promise<void> {
    for (const transport of [this.#sendTransport, this.#recvTransport]) {
      if (!transport || transport.closed) continue;
      const { iceParameters } = await this.request('media:restart-ice', { transportId: transport.id });
      await transport.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
    }
  }

  /**
   * After a reconnect: on the same socket if socket.io reconnected it (reconnection: true),
   * else on a new socket. Closes the old transports and sources, then redoes the media join.
   */
  async rejoinMedia(): Promise<void> {
    if (this.closed) throw new Error(`${this.#name}: closed`);
    this.#stopMedia();
    if (!this.#socket.connected && !this.#socket.active) {
      this.#socket.removeAllListeners();
      this.#socket.disconnect();
      this.#socket = this.#openSocket();
    }
    await this.#withDeadline(async () => {
      this.step = 'welcome';
      await this.#awaitWelcome();
      await this.#joinMedia();
    });
  }

  #stopMedia(): void {
    for (const source of this.#sources.splice(0)) source.stop();
    for (const stop of [...this.#frameWatchers]) stop();
    for (const { consumer } of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
    // Closing a transport closes its producers (and their tracks).
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#sendTransport = undefined;
    this.#recvTransport = undefined;
    this.producers.clear();
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
    if (consumers.length === 0 || !this.#recvTransport) return bytes;
    const counters = await countersBySsrc(this.#recvTransport, 'inbound-rtp', 'bytesReceived');
    for (const { consumer } of consumers) bytes.set(consumer.id, sumFor(counters, ssrcsOf(consumer.rtpParameters)));
    return bytes;
  }

  async #bytesReceived(consumers: PeerConsumer[]): Promise<number> {
    const live = consumers.filter((c) => !c.consumer.closed);
    if (live.length === 0 || !this.#recvTransport) return 0;
    const counters = await countersBySsrc(this.#recvTransport, 'inbound-rtp', 'bytesReceived');
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
   * first decoded frame, noticed at once by a frame sink, which implies its bytes arrived a few
   * ms before; as a fallback, bytes > 0 in the stats, read once a second.
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
    if (!producer || producer.closed || !this.#sendTransport) return 0;
    const counters = await countersBySsrc(this.#sendTransport, 'outbound-rtp', 'bytesSent');
    return sumFor(counters, ssrcsOf(producer.rtpParameters));
  }

  // ---- lifecycle ----
  /** Stops the sources, closes the transports, disconnects. Safe to call again. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopMedia();
      this.#wakeHubWaiters(); // they see `closed` and stop waiting
      this.#socket.disconnect();
      this.#socket.removeAllListeners();
    })();
    return this.#closing;
  }

  get #name(): string {
    return this.#welcome ? `site ${this.#welcome.site.id}` : 'site peer';
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

function clientTransportOptions(options: TransportOptions): types.TransportOptions {
  // The contract carries ICE and DTLS objects as plain records; mediasoup-client checks them.
  return options as unknown as types.TransportOptions;
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
