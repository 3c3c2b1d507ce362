// What a bot receives, read from the RTP headers and the first payload bytes, never decoded:
// packets and bytes, the first packet and the first VP8 key frame (performance.now()), loss
// from sequence gaps and interarrival jitter as RFC 3550 (A.1, A.8) computes them, and whether
// the audio carries sound. One StreamReceiver per consumer (a consumer is one SSRC).
//
// Key frame test (vp8.ts): the VP8 payload descriptor's S bit is set and its partition index
// is 0 (first packet of a frame), and the lowest bit (P, inverse key frame flag) of the first
// byte after the descriptor is 0.
//
// Sound: a packet counts as sound when its ssrc-audio-level extension (RFC 6464, 0 = loudest,
// 127 = silence) says louder than -80 dBov, or, without the extension, when it is larger than
// an Opus DTX/comfort-noise frame (a few bytes).
import { performance } from 'node:perf_hooks';
import type * as werift from 'werift';
import type { MediaKind } from './fixture.js';
import { isVp8KeyframeStart } from './vp8.js';

const QUIET_DBOV = 80;
const DTX_MAX_BYTES = 8;

export interface ReceiverCounters {
  kind: MediaKind;
  packets: number;
  /** Payload bytes (as inbound-rtp bytesReceived counts them). */
  bytes: number;
  /** performance.now() of the first RTP packet and of the first key frame's first packet. */
  firstRtpAt: number | undefined;
  firstKeyframeAt: number | undefined;
  keyframes: number;
  /** Packets the sequence numbers say were sent (RFC 3550 A.3 "expected"). */
  expected: number;
  /** expected - packets, never below 0 (duplicates can make packets exceed expected). */
  lost: number;
  /** RFC 3550 interarrival jitter in ms. */
  jitterMs: number;
  lastRtpAt: number | undefined;
  /** Last packet that carried sound (audio only). */
  lastSoundAt: number | undefined;
}

export interface StreamReceiverOptions {
  kind: MediaKind;
  clockRate: number;
  /** 'video/VP8' enables the key frame test; other codecs count packets only. */
  mimeType: string;
  /** Negotiated id of the ssrc-audio-level extension, if any. */
  audioLevelExtId?: number;
  /** Called once, when the first key frame starts arriving. */
  onFirstKeyframe?: (at: number) => void;
}

export class StreamReceiver {
  readonly counters: ReceiverCounters;
  readonly #opts: StreamReceiverOptions;
  readonly #vp8: boolean;
  #unsubscribe: (() => void) | undefined;
  #baseSeq = -1;
  #maxSeq = 0;
  #cycles = 0;
  #transit: number | undefined;
  #jitter = 0;

  constructor(track: werift.MediaStreamTrack, opts: StreamReceiverOptions) {
    this.#opts = opts;
    this.#vp8 = opts.mimeType.toLowerCase() === 'video/vp8';
    this.counters = {
      kind: opts.kind,
      packets: 0,
      bytes: 0,
      firstRtpAt: undefined,
      firstKeyframeAt: undefined,
      keyframes: 0,
      expected: 0,
      lost: 0,
      jitterMs: 0,
      lastRtpAt: undefined,
      lastSoundAt: undefined,
    };
    const sub = track.onReceiveRtp.subscribe((packet) => this.#onRtp(packet));
    this.#unsubscribe = sub.unSubscribe;
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #onRtp(packet: werift.RtpPacket): void {
    const now = performance.now();
    const c = this.counters;
    const { header, payload } = packet;
    c.packets++;
    c.bytes += payload.length;
    c.firstRtpAt ??= now;
    c.lastRtpAt = now;
    this.#sequence(header.sequenceNumber);
    this.#interarrival(header.timestamp, now);
    if (this.#vp8 && isVp8KeyframeStart(payload)) {
      c.keyframes++;
      if (c.firstKeyframeAt === undefined) {
        c.firstKeyframeAt = now;
        this.#opts.onFirstKeyframe?.(now);
      }
    }
    if (c.kind === 'audio' && this.#sound(header, payload.length)) c.lastSoundAt = now;
  }

  // RFC 3550 A.1, without the probation: the extended highest sequence number over the base.
  #sequence(seq: number): void {
    const c = this.counters;
    if (this.#baseSeq < 0) {
      this.#baseSeq = seq;
      this.#maxSeq = seq;
    } else {
      const delta = (seq - this.#maxSeq) & 0xffff;
      if (delta > 0 && delta < 0x8000) {
        if (seq < this.#maxSeq) this.#cycles += 0x10000;
        this.#maxSeq = seq;
      }
    }
    c.expected = this.#cycles + this.#maxSeq - this.#baseSeq + 1;
    c.lost = Math.max(0, c.expected - c.packets);
  }

  // RFC 3550 A.8: J += (|D| - J) / 16, with arrival time in the media clock's units.
  #interarrival(timestamp: number, now: number): void {
    const arrival = (now * this.#opts.clockRate) / 1000;
    const transit = arrival - timestamp;
    if (this.#transit !== undefined) {
      let d = Math.abs(transit - this.#transit);
      // A timestamp wrap (2^32) shows as a huge jump; it is not jitter.
      if (d > 2 ** 31) d = Math.abs(d - 2 ** 32);
      this.#jitter += (d - this.#jitter) / 16;
      this.counters.jitterMs = (this.#jitter * 1000) / this.#opts.clockRate;
    }
    this.#transit = transit;
  }

  #sound(header: werift.RtpHeader, size: number): boolean {
    const id = this.#opts.audioLevelExtId;
    const ext = id === undefined ? undefined : header.extensions.find((e) => e.id === id);
    const level = ext?.payload[0];
    if (level !== undefined) return (level & 0x7f) < QUIET_DBOV;
    return size > DTX_MAX_BYTES;
  }
}
