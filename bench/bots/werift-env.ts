// werift (pure TypeScript WebRTC) behind mediasoup-client's Chrome111 handler, for the load
// bots: its classes go on globalThis where the handler expects the browser's, and every peer
// connection gets the codecs and header extensions a bot needs. A process uses werift or
// @roamhq/wrtc, never both: installing over another implementation throws.
//
// What Chrome111 needs from werift, checked against mediasoup-client 3.24 and werift 0.25.2:
// - RTCPeerConnection with addTransceiver(track|kind, { direction, streams, sendEncodings }),
//   createOffer/Answer, set{Local,Remote}Description({ type, sdp }), getTransceivers,
//   removeTrack, getStats, addEventListener, connectionState: all present.
// - RTCRtpSender getParameters/setParameters (setMaxSpatialLayer) and getStats, RTCRtpReceiver
//   getStats: present (setParameters only stores the encodings; simulcast.ts applies them).
// - Simulcast: werift offers a=simulcast/a=rid from sendEncodings' rids, but one sender sends
//   one SSRC with the first rid only ("sender simulcast unsupported"). simulcast.ts adds a
//   sender per further layer.
// - RTCSessionDescription: werift's core class takes (sdp, type); the browser's takes an init
//   object. Chrome111 passes plain objects, but other code may construct one, so a browser-
//   shaped class is installed.
// - ICE: werift queries a default STUN server even with iceServers: [] (see below); the bot
//   peer connection turns that off unless a STUN server is configured.
import type { types } from 'mediasoup-client';
import { Chrome111 } from 'mediasoup-client/handlers/Chrome111';
import * as werift from 'werift';

export interface WeriftEnvOptions {
  /**
   * Negotiate transport-wide congestion control (transport-cc) as Chrome does, so mediasoup
   * runs its bandwidth estimation for the bots' transports. Costs the bots some CPU (werift
   * answers and reads the feedback). Default false.
   */
  transportCc?: boolean;
  /** Passed to every werift RTCPeerConnection (e.g. iceUseIpv6, icePortRange). */
  peerConfig?: werift.RTCPeerConnectionConfig;
}

// The browser's RTCSessionDescription(init) shape.
class SessionDescription {
  readonly type: RTCSdpType;
  readonly sdp: string;
  constructor(init: { type: RTCSdpType; sdp?: string }) {
    this.type = init.type;
    this.sdp = init.sdp ?? '';
  }
  toJSON() {
    return { type: this.type, sdp: this.sdp };
  }
}

function peerDefaults(options: WeriftEnvOptions): werift.RTCPeerConnectionConfig {
  const cc = options.transportCc ? [werift.useTWCC()] : [];
  const ccExt = options.transportCc ? [werift.useTransportWideCC()] : [];
  return {
    // VP8 and Opus only, no RTX or RED: the bots replay VP8/Opus and retransmit on the media
    // SSRC, which keeps every simulcast layer one SSRC that mediasoup finds by its rid.
    codecs: {
      audio: [werift.useOPUS({ rtcpFeedback: [...cc] })],
      video: [werift.useVP8({ rtcpFeedback: [werift.useNACK(), werift.usePLI(), werift.useFIR(), ...cc] })],
    },
    // mid and rid let mediasoup map the layers; ssrc-audio-level feeds its audio level
    // observer (the sources copy the recorded level into each packet); abs-send-time as
    // Chrome sends it.
    headerExtensions: {
      audio: [werift.useSdesMid(), werift.useAudioLevelIndication(), ...ccExt],
      video: [werift.useSdesMid(), werift.useSdesRTPStreamId(), werift.useAbsSendTime(), ...ccExt],
    },
    ...options.peerConfig,
  };
}

const hasStunServer = (servers: werift.RTCPeerConnectionConfig['iceServers']) =>
  (servers ?? []).some((s) => [s.urls].flat().some((u) => u.startsWith('stun:')));

function peerConnectionClass(options: WeriftEnvOptions): typeof werift.RTCPeerConnection {
  const defaults = peerDefaults(options);
  return class BotPeerConnection extends werift.RTCPeerConnection {
    constructor(config: werift.RTCPeerConnectionConfig = {}) {
      // mediasoup-client passes browser settings (bundlePolicy, iceServers...); the bot's
      // codecs and extensions win over werift's defaults, the caller's settings over both.
      const merged = { ...defaults, ...config };
      super(merged);
      // Without a STUN server configured, werift's ICE still queries stun.l.google.com and
      // holds candidate gathering until it answers or 5 s pass (iceStunGatherTimeout). Each
      // query resolves the name on libuv's thread pool, once per retry; in a join storm of
      // 64 bots the local resolver drops some of the burst, glibc waits its 5 s timeout, and
      // those bots start ICE 5 s late (the "64 at once stall ~5 s" of the notes; waves of 16
      // stay under the burst). A browser with iceServers: [] queries nobody: neither do the bots.
      if (!hasStunServer(merged.iceServers)) {
        const noDefaultStun = (t: werift.RTCRtpTransceiver) => {
          const ice = t.dtlsTransport?.iceTransport.connection;
          if (ice) ice.stunServer = undefined;
        };
        this.onTransceiverAdded.subscribe(noDefaultStun);
        this.onRemoteTransceiverAdded.subscribe(noDefaultStun);
      }
    }
  };
}

let installed: { options: string; factory: types.HandlerFactory } | undefined;

/**
 * Puts werift's WebRTC classes on globalThis (once per process) and returns the
 * mediasoup-client handler factory to pass to `new Device({ handlerFactory })`. Called again
 * without options, it returns the installed factory; with other options, it throws.
 */
export function installWeriftEnv(options?: WeriftEnvOptions): types.HandlerFactory {
  const key = JSON.stringify({ transportCc: options?.transportCc ?? false, peerConfig: options?.peerConfig ?? {} });
  if (installed) {
    if (options && installed.options !== key) throw new Error('werift env already installed with other options');
    return installed.factory;
  }
  options ??= {};
  const existing: unknown = Reflect.get(globalThis, 'RTCPeerConnection');
  if (existing !== undefined) {
    throw new Error('another WebRTC implementation is on globalThis; a bot process uses werift only');
  }
  const globals: Record<string, unknown> = {
    RTCPeerConnection: peerConnectionClass(options),
    RTCSessionDescription: SessionDescription,
    RTCIceCandidate: werift.RTCIceCandidate,
    MediaStream: werift.MediaStream,
    MediaStreamTrack: werift.MediaStreamTrack,
    RTCRtpSender: werift.RTCRtpSender,
    RTCRtpReceiver: werift.RTCRtpReceiver,
    RTCRtpTransceiver: werift.RTCRtpTransceiver,
  };
  for (const [name, value] of Object.entries(globals)) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
  }
  // Device.load() otherwise builds a throwaway peer connection per bot just to read what the
  // handler supports, which cannot change within a process.
  const chrome111 = Chrome111.createFactory({});
  const capabilities = new Map<string, Promise<types.RtpCapabilities>>();
  const factory: types.HandlerFactory = {
    ...chrome111,
    getNativeRtpCapabilities: (opts) => {
      let caps = capabilities.get(opts.direction);
      if (!caps) {
        caps = chrome111.getNativeRtpCapabilities(opts);
        caps.catch(() => capabilities.delete(opts.direction)); // not cached; the caller sees the failure
        capabilities.set(opts.direction, caps);
      }
      return caps;
    },
  };
  installed = { options: key, factory };
  return factory;
}

// mediasoup-client types its tracks and senders as the DOM's; in a bot they are werift's.
// These check at run time instead of casting blindly.

export function domTrack(track: werift.MediaStreamTrack): MediaStreamTrack {
  return track as unknown as MediaStreamTrack;
}

export function weriftTrack(track: MediaStreamTrack | null): werift.MediaStreamTrack {
  const t: unknown = track;
  if (!(t instanceof werift.MediaStreamTrack)) throw new TypeError('not a werift MediaStreamTrack');
  return t;
}

export function weriftSender(sender: RTCRtpSender | undefined): werift.RTCRtpSender {
  const s: unknown = sender;
  if (!(s instanceof werift.RTCRtpSender)) throw new TypeError('not a werift RTCRtpSender');
  return s;
}
