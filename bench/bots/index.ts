// The media of one load bot: recorded microphone and camera (simulcast) sent through a
// mediasoup-client send transport, consumers read without decoding, and the link figures a
// site page reports. Whatever drives the bot (signaling, a test, a benchmark) creates the
// Device and the transports and answers their 'connect' and 'produce' events; this module
// knows nothing of socket.io or the project's signaling.
//
//   const handlerFactory = installWeriftEnv();        // once per process, before any Device
//   const device = new Device({ handlerFactory });
//   await device.load({ routerRtpCapabilities });
//   const send = device.createSendTransport(...);      // + 'connect' / 'produce' listeners
//                                                      //   ('produce' gets appData.source: 'mic' | 'cam')
//   const recv = device.createRecvTransport(...);      // + 'connect' listener
//   const bot = await BotMedia.start({ device, sendTransport: send, recvTransport: recv, profile: 'bridge' });
//   await bot.consume(offer);                          // per consume offer; then ack the server
//   ... bot.pause('mic'), bot.stats(), await bot.report(), bot.cut() or await bot.close()
import type { Device, types } from 'mediasoup-client';
import type { MediaKind } from './fixture.js';
import { type BotLinkReport, LinkMeter } from './link-meter.js';
import { type ReceiverCounters, StreamReceiver } from './receiver.js';
import { type SentSource, sendThrough } from './simulcast.js';
import { type RecordedSource, recordedCamera, recordedMicrophone, type StreamCounters } from './sources.js';
import { domTrack, weriftTrack } from './werift-env.js';

export { installWeriftEnv, type WeriftEnvOptions } from './werift-env.js';

/** What a site sends. */
export type BotSource = 'mic' | 'cam';
/** A bridge sends 2 camera layers, the hub 3 (as pages/site/media-session.ts). */
export type BotProfile = 'bridge' | 'hub';

export interface BotMediaOptions {
  /** Loaded with installWeriftEnv()'s handler factory. */
  device: Device;
  /** Omit for a receive-only bot. BotMedia closes it on cut()/close(). */
  sendTransport?: types.Transport;
  /** Omit for a send-only bot. BotMedia closes it on cut()/close(). */
  recvTransport?: types.Transport;
  /** Default 'bridge'. */
  profile?: BotProfile;
  /** Camera layers (1-3), overriding the profile's. */
  cameraLayers?: number;
  /** Which sources to produce. Default both. */
  sources?: readonly BotSource[];
  /** A burst of PLIs within this gives one key frame. Default 300 ms. */
  keyframeMinIntervalMs?: number;
}

/** A consume offer as the server sends it (ids and the consumer's rtpParameters). */
export interface ConsumeRequest {
  id: string;
  producerId: string;
  kind: MediaKind;
  rtpParameters: types.RtpParameters;
  appData?: types.AppData;
}

export interface SentStats {
  producerId: string;
  paused: boolean;
  /** Per stream; for the camera, per simulcast layer from the smallest. */
  streams: (StreamCounters & { ssrc: number; rid: string | undefined })[];
}

export interface ConsumerStats extends ReceiverCounters {
  consumerId: string;
  producerId: string;
}

export interface BotStats {
  sent: Partial<Record<BotSource, SentStats>>;
  received: ConsumerStats[];
}

export type { BotLinkReport as LinkReport };

const layerBitrates = [120_000, 300_000, 900_000];
const sourceKind: Record<BotSource, MediaKind> = { mic: 'audio', cam: 'video' };

/** Encodings like the site page's: the top layer full size, each lower one half of it. */
function cameraEncodings(layers: number, profile: BotProfile): types.RtpEncodingParameters[] | undefined {
  if (layers < 2) return undefined;
  const rates = profile === 'bridge' ? [150_000, 600_000] : layerBitrates;
  return Array.from({ length: layers }, (_, i) => ({
    scaleResolutionDownBy: 2 ** (layers - 1 - i),
    maxBitrate: rates[rates.length - layers + i] ?? 600_000,
    maxFramerate: 15,
  }));
}

const micCodecOptions: types.ProducerCodecOptions = {
  opusStereo: false,
  opusDtx: true,
  opusFec: true,
  opusMaxAverageBitrate: 32_000,
};

export class BotMedia {
  readonly #send: types.Transport | undefined;
  readonly #recv: types.Transport | undefined;
  readonly #sent = new Map<BotSource, SentSource>();
  readonly #consumers = new Map<string, { consumer: types.Consumer; receiver: StreamReceiver }>();
  readonly #meter = new LinkMeter();
  #cut = false;

  private constructor(send: types.Transport | undefined, recv: types.Transport | undefined) {
    this.#send = send;
    this.#recv = recv;
  }

  /** Produces the sources (mic, then cam) and returns once the server has both producers. */
  static async start(opts: BotMediaOptions): Promise<BotMedia> {
    if (!opts.device.loaded) throw new Error('BotMedia: load the Device first');
    const bot = new BotMedia(opts.sendTransport, opts.recvTransport);
    const profile = opts.profile ?? 'bridge';
    const layers = opts.cameraLayers ?? (profile === 'hub' ? 3 : 2);
    const streamOptions = { keyframeMinIntervalMs: opts.keyframeMinIntervalMs };
    try {
      for (const source of opts.sources ?? ['mic', 'cam']) {
        if (!opts.sendTransport) throw new Error(`BotMedia: ${source} needs a send transport`);
        if (!opts.device.canProduce(sourceKind[source])) throw new Error(`BotMedia: the device cannot send ${source}`);
        const recorded = source === 'mic' ? recordedMicrophone(streamOptions) : recordedCamera(layers, streamOptions);
        await bot.#produce(opts.sendTransport, source, recorded, profile);
      }
    } catch (err) {
      bot.cut();
      throw err;
    }
    return bot;
  }

  async #produce(transport: types.Transport, source: BotSource, recorded: RecordedSource, profile: BotProfile) {
    let producer: types.Producer;
    try {
      producer = await transport.produce({
        track: domTrack(recorded.track),
        ...(source === 'cam'
          ? { encodings: cameraEncodings(recorded.streams.length, profile) }
          : { codecOptions: micCodecOptions }),
        appData: { source },
      });
    } catch (err) {
      recorded.stop();
      throw err;
    }
    try {
      this.#sent.set(source, sendThrough(producer, recorded));
    } catch (err) {
      producer.close();
      recorded.stop();
      throw err;
    }
  }

  /** The mediasoup-client producer of a source (for the driver's pause/close requests). */
  producer(source: BotSource): types.Producer | undefined {
    return this.#sent.get(source)?.producer;
  }

  /** Takes a consumer the server offers; the caller acks the server, which then resumes it. */
  async consume(req: ConsumeRequest): Promise<types.Consumer> {
    if (!this.#recv) throw new Error('BotMedia: consuming needs a receive transport');
    const consumer = await this.#recv.consume({
      id: req.id,
      producerId: req.producerId,
      kind: req.kind,
      rtpParameters: req.rtpParameters,
      appData: req.appData ?? {},
    });
    if (this.#cut) {
      consumer.close();
      throw new Error('BotMedia: cut while consuming');
    }
    const codec = req.rtpParameters.codecs[0];
    const levelId = req.rtpParameters.headerExtensions?.find(
      (e) => e.uri === 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    )?.id;
    const receiver = new StreamReceiver(weriftTrack(consumer.track), {
      kind: req.kind,
      clockRate: codec?.clockRate ?? 90_000,
      mimeType: codec?.mimeType ?? '',
      audioLevelExtId: levelId,
    });
    this.#consumers.set(consumer.id, { consumer, receiver });
    consumer.observer.once('close', () => {
      receiver.close();
      this.#consumers.delete(consumer.id);
    });
    return consumer;
  }

  /** The server closed a consumer (media:consumer-closed). */
  closeConsumer(consumerId: string): void {
    this.#consumers.get(consumerId)?.consumer.close();
  }

  /**
   * Stops sending a source (no packets at all) and pauses its mediasoup-client producer. Telling
   * the server (the project's media:pause-producer) is the driver's part.
   */
  pause(source: BotSource): void {
    const s = this.#sent.get(source);
    s?.producer.pause();
    s?.source.pause();
  }

  resume(source: BotSource): void {
    const s = this.#sent.get(source);
    s?.producer.resume();
    s?.source.resume();
  }

  /**
   * Stops everything at once, as a pulled cable would: sources, consumers and both transports
   * close with no goodbye on the wire (werift sends no DTLS close alert) and no signaling.
   */
  cut(): void {
    if (this.#cut) return;
    this.#cut = true;
    for (const s of this.#sent.values()) s.close();
    for (const { receiver } of this.#consumers.values()) receiver.close();
    this.#consumers.clear();
    if (this.#send && !this.#send.closed) this.#send.close();
    if (this.#recv && !this.#recv.closed) this.#recv.close();
  }

  /** Leaves: the same as cut() on the wire; harmless the second time. */
  async close(): Promise<void> {
    this.cut();
  }

  get closed(): boolean {
    return this.#cut;
  }

  stats(): BotStats {
    const sent: BotStats['sent'] = {};
    for (const [source, s] of this.#sent) {
      const encodings = s.producer.rtpParameters.encodings ?? [];
      sent[source] = {
        producerId: s.producer.id,
        paused: s.source.paused,
        streams: s.source.streams.map((stream, i) => ({
          ...stream.counters,
          ssrc: s.senders[i]?.ssrc ?? 0,
          rid: encodings.length > 1 ? encodings[i]?.rid : undefined,
        })),
      };
    }
    const received = [...this.#consumers.values()].map(({ consumer, receiver }) => ({
      consumerId: consumer.id,
      producerId: consumer.producerId,
      ...receiver.counters,
    }));
    return { sent, received };
  }

  /** The site:report figures over the time since the previous call (rates are null on the first). */
  report(): Promise<BotLinkReport> {
    const { sent, received } = this.stats();
    let bytesOut = 0;
    for (const s of Object.values(sent)) for (const st of s.streams) bytesOut += st.bytes;
    return this.#meter.sample({ bytesOut, received, transports: [this.#send, this.#recv] });
  }
}
