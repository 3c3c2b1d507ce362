// One media session with the SFU, for one join on one server connection: a mediasoup-client
// Device, the send and receive transports, the room's producers (microphone, camera with
// simulcast) and the consumers the server offers. The join sequence is here, once, for every
// client: join, capabilities, transports, produce, ready; consumers as they are offered. A
// reconnection or a rebuild makes a new one; the room's camera and microphone tracks outlive
// it (stopTracks: false).
import type { Device, types } from 'mediasoup-client';
import type { ConsumeOffer, Direction, IceServer, MediaSource, SiteRole } from '../contract/index.js';
import type { SiteLink } from './link.js';

export type { Direction } from '../contract/index.js';
export type ConnectionState = types.ConnectionState;

export interface RemoteMedia {
  readonly consumer: types.Consumer;
  readonly offer: ConsumeOffer;
}

export interface LocalTracks {
  readonly audio: MediaStreamTrack | undefined;
  readonly video: MediaStreamTrack | undefined;
}

export interface SessionHooks {
  /** Consumers came or went. */
  remoteChanged(): void;
  transportState(direction: Direction, state: ConnectionState): void;
  /** Where the join got to (for a client that must say where it got stuck). */
  step?(step: string): void;
  /** Something failed outside any awaited call (the relay fallback). */
  trouble?(what: string, err: Error): void;
}

/** How long a transport may try UDP and TCP to the SFU before the TURN servers are added. */
export const RELAY_AFTER_MS = 2500;

/** What differs between a page, a Node test peer and a load bot. */
export interface MediaEnv {
  /** A mediasoup-client Device for this runtime (the page's own WebRTC, libwebrtc, werift). */
  createDevice(): Promise<Device>;
  /**
   * Camera layers for a role (default: cameraEncodings); `null`: one layer at the runtime's
   * own settings (test peers that send a thumbnail).
   */
  cameraEncodings?(role: SiteRole): types.RtpEncodingParameters[] | null;
  /**
   * Fresh tracks for each media session, instead of the client's local ones (a load bot
   * replays a new recording per producer).
   */
  tracksForSession?(role: SiteRole): LocalTracks;
  /** A producer exists (a load bot attaches its recorded layers to it). */
  produced?(source: MediaSource, producer: types.Producer): void;
}

/**
 * Camera layers. A bridge sends 2 (320x180 for the hub's grid, 640x360 when watched large),
 * under 0.8 Mbit/s in all; the hub, watched large by every bridge, sends 3 up to ~1.3 Mbit/s.
 */
export const cameraEncodings: Record<SiteRole, types.RtpEncodingParameters[]> = {
  bridge: [
    { scaleResolutionDownBy: 2, maxBitrate: 150_000, maxFramerate: 15 },
    { scaleResolutionDownBy: 1, maxBitrate: 600_000, maxFramerate: 15 },
  ],
  hub: [
    { scaleResolutionDownBy: 4, maxBitrate: 120_000, maxFramerate: 15 },
    { scaleResolutionDownBy: 2, maxBitrate: 300_000, maxFramerate: 20 },
    { scaleResolutionDownBy: 1, maxBitrate: 900_000, maxFramerate: 20 },
  ],
};

/**
 * The layers a learned uplink carries, lowest first, with room for the voice and for the
 * link's other users (70 %): a thin uplink sends its low layer from the first second instead
 * of finding out by losing packets. At least the lowest layer is always sent.
 */
export function fitLayers(
  layers: readonly types.RtpEncodingParameters[],
  uplinkKbps: number | undefined,
): types.RtpEncodingParameters[] {
  if (!uplinkKbps) return [...layers];
  const budget = uplinkKbps * 1000 * 0.7 - 40_000;
  const kept: types.RtpEncodingParameters[] = [];
  let sum = 0;
  for (const layer of layers) {
    sum += layer.maxBitrate ?? 0;
    if (kept.length > 0 && sum > budget) break;
    kept.push(layer);
  }
  return kept;
}

/** Speech in mono with in-band FEC against loss, and DTX so a silent room sends almost nothing. */
const micCodecOptions: types.ProducerCodecOptions = {
  opusStereo: false,
  opusDtx: true,
  opusFec: true,
  opusMaxAverageBitrate: 32_000,
};

export class SessionClosedError extends Error {
  constructor() {
    super('the media session was closed');
    this.name = 'SessionClosedError';
  }
}

export async function loadDevice(link: SiteLink, env: MediaEnv): Promise<Device> {
  const { routerRtpCapabilities } = await link.request('media:capabilities', {});
  // Throws UnsupportedError in a browser without usable WebRTC.
  const device = await env.createDevice();
  await device.load({ routerRtpCapabilities });
  return device;
}

export function vp8(device: Device): types.RtpCodecCapability | undefined {
  return device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
}

export class MediaSession {
  readonly remote = new Map<string, RemoteMedia>();
  readonly producers = new Map<MediaSource, types.Producer>();
  readonly #link: SiteLink;
  readonly #role: SiteRole;
  readonly #hooks: SessionHooks;
  readonly #env: MediaEnv;
  #device: Device | undefined;
  /** Offers being turned into consumers now, and those of them the server closed meanwhile. */
  readonly #consuming = new Set<string>();
  readonly #cancelled = new Set<string>();
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  #closed = false;
  /** The learned uplink (kbit/s) when the rehearsal found it thin. */
  #uplinkKbps: number | undefined;
  /** TURN servers held back until the direct paths (UDP, then TCP to the SFU) have had their chance. */
  #relayServers: IceServer[] = [];
  readonly #relayTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(link: SiteLink, env: MediaEnv, role: SiteRole, hooks: SessionHooks) {
    this.#link = link;
    this.#env = env;
    this.#role = role;
    this.#hooks = hooks;
  }

  get device(): Device | undefined {
    return this.#device;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get sendTransport(): types.Transport | undefined {
    return this.#send;
  }

  get recvTransport(): types.Transport | undefined {
    return this.#recv;
  }

  #check(): void {
    if (this.#closed) throw new SessionClosedError();
  }

  /**
   * The join: into the conference, then device, transports, producers, then media:ready
   * (the server starts offering). Returns how many consumers the server offered at once.
   */
  async start(tracks: LocalTracks, paused: { mic: boolean; cam: boolean }): Promise<number> {
    const step = (name: string) => this.#hooks.step?.(name);
    step('join');
    const { iceServers, iceTransportPolicy, uplinkKbps } = await this.#link.request('join', {});
    this.#check();
    this.#uplinkKbps = uplinkKbps;
    // In order, with no click: ICE over UDP, then TCP to the SFU (the SFU's candidates, by their
    // priorities); the TURN servers join only if a transport is not connected after
    // RELAY_AFTER_MS (#wire), so a relay never wins a race against a direct path that works.
    // A site whose rehearsal learned that only the relay works starts on it.
    const relayOnly = iceTransportPolicy === 'relay' && iceServers.length > 0;
    const ice = relayOnly ? { iceServers, iceTransportPolicy } : {};
    this.#relayServers = relayOnly ? [] : iceServers;
    step('device.load');
    const device = await loadDevice(this.#link, this.#env);
    this.#check();
    this.#device = device;

    step('send transport');
    const sendOptions = await this.#link.request('media:create-transport', { direction: 'send' });
    this.#check();
    const send = device.createSendTransport({ ...sendOptions, ...ice });
    this.#send = send;
    this.#wire(send, 'send');
    send.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      const source = appData.source as MediaSource;
      this.#link
        .request('media:produce', { transportId: send.id, kind, source, rtpParameters })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });

    step('recv transport');
    const recvOptions = await this.#link.request('media:create-transport', { direction: 'recv' });
    this.#check();
    const recv = device.createRecvTransport({ ...recvOptions, ...ice });
    this.#recv = recv;
    this.#wire(recv, 'recv');

    step('produce mic');
    if (tracks.audio) await this.#produce('mic', tracks.audio, paused.mic);
    step('produce cam');
    if (tracks.video) await this.#produce('cam', tracks.video, paused.cam);
    this.#check();
    step('media:ready');
    // The server answers once every consumer it offers now is taken (each may take up to 10 s).
    const { consumers } = await this.#link.request('media:ready', { rtpCapabilities: device.rtpCapabilities }, 30_000);
    this.#check();
    return consumers;
  }

  #wire(transport: types.Transport, direction: Direction): void {
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#relayLater(transport);
      this.#link
        .request('media:connect-transport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    transport.on('connectionstatechange', (state) => {
      if (!this.#closed) this.#hooks.transportState(direction, state);
    });
  }

  #cameraOptions(): Pick<types.ProducerOptions, 'encodings' | 'codecOptions'> {
    const own = this.#env.cameraEncodings?.(this.#role);
    if (own === null) return {};
    const encodings = fitLayers(own ?? cameraEncodings[this.#role], this.#uplinkKbps);
    return { encodings: encodings.map((e) => ({ ...e })), codecOptions: { videoGoogleStartBitrate: 500 } };
  }

  async #produce(source: MediaSource, track: MediaStreamTrack, paused: boolean): Promise<void> {
    const send = this.#send;
    const device = this.#device;
    if (!send || !device) throw new Error('no send transport');
    const producer =
      source === 'cam'
        ? await send.produce({
            track,
            ...this.#cameraOptions(),
            codec: vp8(device),
            stopTracks: false,
            appData: { source },
          })
        : await send.produce({
            track,
            codecOptions: micCodecOptions,
            // Under congestion the voice goes first.
            encodings: [{ priority: 'high', networkPriority: 'high' }],
            stopTracks: false,
            appData: { source },
          });
    if (this.#closed) {
      producer.close();
      throw new SessionClosedError();
    }
    this.producers.set(source, producer);
    producer.on('transportclose', () => this.producers.delete(source));
    this.#env.produced?.(source, producer);
    if (paused) await this.setPaused(source, true);
  }

  /** Mute or unmute: no RTP leaves the page (track disabled) and the server stops forwarding. */
  async setPaused(source: MediaSource, paused: boolean): Promise<void> {
    const producer = this.producers.get(source);
    if (!producer || producer.closed) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.#link.request('media:pause-producer', { producerId: producer.id, paused });
  }

  /** A new camera or microphone track (device change, a replugged device), or none. */
  async setTrack(source: MediaSource, track: MediaStreamTrack | undefined, paused: boolean): Promise<void> {
    this.#check();
    const producer = this.producers.get(source);
    if (producer && !producer.closed) {
      if (track) {
        await producer.replaceTrack({ track });
        return;
      }
      producer.close();
      this.producers.delete(source);
      await this.#link.request('media:close-producer', { producerId: producer.id });
      return;
    }
    if (track) await this.#produce(source, track, paused);
  }

  /** Take an offered consumer; resolves when it exists here (the server then resumes it). */
  async consume(offer: ConsumeOffer): Promise<RemoteMedia | undefined> {
    this.#check();
    const recv = this.#recv;
    if (!recv || recv.closed) throw new Error('no receive transport yet');
    if (this.remote.has(offer.consumerId) || this.#consuming.has(offer.consumerId)) return undefined;
    this.#consuming.add(offer.consumerId);
    let consumer: types.Consumer;
    try {
      consumer = await recv.consume({
        id: offer.consumerId,
        producerId: offer.producerId,
        kind: offer.kind,
        rtpParameters: offer.rtpParameters,
        appData: { siteId: offer.siteId, source: offer.source, feed: offer.feed },
      });
    } finally {
      this.#consuming.delete(offer.consumerId);
    }
    if (this.#closed || recv.closed) {
      consumer.close();
      throw new SessionClosedError();
    }
    // The server closed it while it was being made here: it is gone already.
    if (this.#cancelled.delete(offer.consumerId)) {
      consumer.close();
      return undefined;
    }
    // One consumer per producer: a newer offer replaces one the server has dropped silently
    // (e.g. one made on a receive transport that a rebuild replaced).
    for (const [id, r] of this.remote) {
      if (r.offer.producerId === offer.producerId) {
        r.consumer.close();
        this.remote.delete(id);
      }
    }
    this.remote.set(offer.consumerId, { consumer, offer });
    const drop = () => {
      if (this.remote.get(offer.consumerId)?.consumer === consumer) {
        this.remote.delete(offer.consumerId);
        this.#hooks.remoteChanged();
      }
    };
    consumer.on('transportclose', drop);
    consumer.on('trackended', drop);
    this.#hooks.remoteChanged();
    return { consumer, offer };
  }

  closeConsumer(consumerId: string): void {
    const r = this.remote.get(consumerId);
    if (!r) {
      if (this.#consuming.has(consumerId)) this.#cancelled.add(consumerId);
      return;
    }
    r.consumer.close();
    this.remote.delete(consumerId);
    this.#hooks.remoteChanged();
  }

  /**
   * The last rung of the ICE ladder: if the transport is not connected RELAY_AFTER_MS after ICE
   * began (or fails sooner), add the TURN servers and restart ICE so relay candidates are gathered.
   */
  #relayLater(transport: types.Transport): void {
    if (!this.#relayServers.length) return;
    const relay = () => {
      clearTimeout(timer);
      this.#relayTimers.delete(timer);
      transport.off('connectionstatechange', onState);
      if (this.#closed || transport.closed || transport.connectionState === 'connected') return;
      void (async () => {
        await transport.updateIceServers({ iceServers: this.#relayServers });
        const { iceParameters } = await this.#link.request('media:restart-ice', { transportId: transport.id });
        if (!this.#closed && !transport.closed) await transport.restartIce({ iceParameters });
      })().catch((err: unknown) => {
        // The page's own watchdog (site-client) restarts or rebuilds a transport that stays down.
        if (!this.#closed) this.#hooks.trouble?.('relay fallback', err instanceof Error ? err : new Error(String(err)));
      });
    };
    const onState = (state: ConnectionState) => {
      if (state === 'connected') {
        clearTimeout(timer);
        this.#relayTimers.delete(timer);
        transport.off('connectionstatechange', onState);
      } else if (state === 'failed') relay();
    };
    const timer = setTimeout(relay, RELAY_AFTER_MS);
    this.#relayTimers.add(timer);
    transport.on('connectionstatechange', onState);
  }

  /** ICE restart: new ICE credentials from the server, applied to the transport here. */
  async restartIce(directions: readonly Direction[]): Promise<void> {
    for (const direction of directions) {
      const transport = direction === 'send' ? this.#send : this.#recv;
      if (!transport || transport.closed) continue;
      const { iceParameters } = await this.#link.request('media:restart-ice', { transportId: transport.id });
      this.#check();
      await transport.restartIce({ iceParameters });
    }
  }

  connectionState(direction: Direction): ConnectionState | undefined {
    return (direction === 'send' ? this.#send : this.#recv)?.connectionState;
  }

  /** Closes everything here (the server closes its side when the connection goes or is rebuilt). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#relayTimers) clearTimeout(timer);
    this.#relayTimers.clear();
    for (const { consumer } of this.remote.values()) consumer.close();
    this.remote.clear();
    this.#send?.close();
    this.#recv?.close();
    this.producers.clear();
    this.#hooks.remoteChanged();
  }
}
