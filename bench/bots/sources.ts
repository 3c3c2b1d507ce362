// Recorded microphone and camera for the bots: each RTP stream replays a fixture into a werift
// MediaStreamTrack (track.writeRtp), paced by the process's one timer (pacer.ts), with its own
// sequence numbers, timestamps and VP8 picture ids so the loop is seamless to a receiver.
// Nothing is encoded. A camera has one stream per simulcast layer (simulcast.ts sends them).
//
// Timing: a stream sends each packet when its recorded time comes (timestamp deltas over the
// clock rate). Whenever it skips media time (paused, transport not up yet, the process stalled
// for more than maxLagMs, a key frame jump), the next packet's timestamp advances by the real
// time that passed, as an encoder's capture clock would, and sequence numbers stay contiguous.
//
// Looping: the first packet of a fixture starts a key frame. A stream starts there; at the end
// of the fixture it wraps to the frame after that key frame, so a key frame goes out only at
// the start and on request (PLI/FIR), as libwebrtc does. (A real decoder would show the wrap
// as a small glitch; the bots never decode and the recorded pattern drifts slowly.)
import { performance } from 'node:perf_hooks';
import * as werift from 'werift';
import { type Fixture, fixtureFiles, loadFixture, type MediaKind } from './fixture.js';
import { everyTick } from './pacer.js';
import { parseVp8, writePictureId } from './vp8.js';

export interface StreamCounters {
  packets: number;
  bytes: number;
  keyframes: number;
  /** PLI/FIR that asked for a key frame, and those of them answered with one. */
  keyframeRequests: number;
  keyframesOnRequest: number;
}

export interface StreamOptions {
  /** Requests closer than this to the last answered one are ignored: a burst of PLIs gives one. Default 300 ms. */
  keyframeMinIntervalMs?: number;
  /** How far a stream may fall behind before it skips ahead instead of bursting. Default 250 ms. */
  maxLagMs?: number;
}

const random = (bits: number) => Math.floor(Math.random() * 2 ** bits);

/** One RTP stream replayed from a fixture into a werift track. */
export class RecordedStream {
  readonly track: werift.MediaStreamTrack;
  readonly counters: StreamCounters = {
    packets: 0,
    bytes: 0,
    keyframes: 0,
    keyframeRequests: 0,
    keyframesOnRequest: 0,
  };
  readonly #fixture: Fixture;
  readonly #minKeyframeMs: number;
  readonly #maxLagMs: number;
  /** Index the loop returns to: the frame after the opening key frame (0 for audio). */
  readonly #loopIndex: number;
  #stopClock: (() => void) | undefined;
  #ready: () => boolean = () => false;
  #index = 0;
  #nextDue = 0;
  #started = false;
  #stopped = false;
  #paused = false;
  #active = true;
  /** When the stream stopped sending (paused, not ready); undefined while sending. */
  #holdSince: number | undefined;
  /** Real ms to add to the next packet's timestamp step (time that passed without media). */
  #skippedMs = 0;
  /** The next packet starts a frame although its recorded delta may say otherwise. */
  #forceFrameStart = false;
  #wrapping = false;
  #seq = random(16);
  #ts = random(32);
  #pictureId = random(15);
  #tl0 = random(8);
  #lastRequestServedAt = Number.NEGATIVE_INFINITY;
  #lastSentAt = 0;
  #levelExtId: number | undefined;

  constructor(fixture: Fixture, options: StreamOptions = {}) {
    this.#fixture = fixture;
    this.track = new werift.MediaStreamTrack({ kind: fixture.kind });
    this.#minKeyframeMs = options.keyframeMinIntervalMs ?? 300;
    this.#maxLagMs = options.maxLagMs ?? 250;
    const afterKey = fixture.packets.findIndex((p, i) => i > 0 && p.tsDelta > 0);
    this.#loopIndex = fixture.kind === 'video' && afterKey > 0 ? afterKey : 0;
  }

  get kind(): MediaKind {
    return this.#fixture.kind;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Starts pacing. Nothing is sent (and the fixture does not advance) while ready() is false:
   * before the transport can carry RTP, so the opening key frame is not lost to a DTLS
   * handshake, and while the producer's track is disabled (mediasoup-client's pause()).
   */
  start(ready: () => boolean): void {
    if (this.#stopped || this.#stopClock) return;
    this.#ready = ready;
    this.#stopClock = everyTick((now) => this.#tick(now));
  }

  /** The negotiated id of the ssrc-audio-level extension; recorded levels go out in it. */
  setAudioLevelExtension(id: number | undefined): void {
    this.#levelExtId = id;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  /** A simulcast layer switched on or off (RTCRtpSender.setParameters' `active`). */
  setActive(active: boolean): void {
    this.#active = active;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopClock?.();
    this.#stopClock = undefined;
    this.track.stop();
  }

  /**
   * A PLI or FIR arrived: send the fixture's key frame now, with continued numbering. Returns
   * whether one went out: not before the start, not while held, and not within
   * keyframeMinIntervalMs of the last one sent on request (libwebrtc's encoder feedback
   * waits 300 ms between requested key frames too), so a burst of requests gives one.
   */
  requestKeyframe(): boolean {
    this.counters.keyframeRequests++;
    const now = performance.now();
    if (this.#fixture.kind !== 'video' || !this.#started || this.#stopped || this.#hold()) return false;
    if (now - this.#lastRequestServedAt < this.#minKeyframeMs) return false;
    this.#lastRequestServedAt = now;
    this.#index = 0;
    this.#nextDue = now;
    // Everything since the last packet (a hold included) goes into this timestamp step.
    this.#skippedMs = Math.max(0, now - this.#lastSentAt);
    this.#holdSince = undefined;
    this.#forceFrameStart = true;
    this.#wrapping = false;
    this.counters.keyframesOnRequest++;
    this.#send(now);
    return true;
  }

  #hold(): boolean {
    return this.#paused || !this.#active || !this.#ready();
  }

  #tick(now: number): void {
    if (this.#stopped) return;
    if (this.track.stopped) {
      this.stop();
      return;
    }
    if (this.#hold()) {
      this.#holdSince ??= now;
      return;
    }
    if (!this.#started) {
      this.#started = true;
      this.#nextDue = now;
    } else if (this.#holdSince !== undefined) {
      this.#skippedMs += now - Math.max(this.#holdSince, this.#nextDue);
      this.#nextDue = now;
      this.#forceFrameStart = true;
    } else if (now - this.#nextDue > this.#maxLagMs) {
      // The process stalled: no burst of the backlog; the media clock jumps over the stall, as
      // a capture clock would, and the fixture goes on where it was.
      this.#skippedMs += now - this.#nextDue;
      this.#nextDue = now;
    }
    this.#holdSince = undefined;
    this.#send(now);
  }

  /** Sends every packet that is due. */
  #send(now: number): void {
    const { packets, clockRate, loopDelta } = this.#fixture;
    while (this.#nextDue <= now && !this.#stopped) {
      const p = packets[this.#index];
      if (!p) return;
      let step = this.#wrapping ? loopDelta : p.tsDelta;
      if (this.#skippedMs > 0) {
        step += Math.round((this.#skippedMs * clockRate) / 1000);
        this.#skippedMs = 0;
      }
      // Never repeat a timestamp across frames; within a frame the step is 0.
      if (this.#forceFrameStart && step === 0 && this.counters.packets > 0) step = 1;
      const frameStart = this.#forceFrameStart || p.tsDelta > 0 || this.#index === 0;
      this.#forceFrameStart = false;
      this.#wrapping = false;
      this.#seq = (this.#seq + 1) & 0xffff;
      this.#ts = (this.#ts + step) >>> 0;
      this.#write(p.payload, p.marker, p.audioLevel, frameStart);
      this.counters.packets++;
      this.counters.bytes += p.payload.length;
      if (p.keyframe) this.counters.keyframes++;
      this.#lastSentAt = now;
      this.#index++;
      if (this.#index >= packets.length) {
        this.#index = this.#loopIndex;
        this.#wrapping = true;
        this.#forceFrameStart = true;
        this.#nextDue += (loopDelta * 1000) / clockRate;
      } else {
        this.#nextDue += ((packets[this.#index]?.tsDelta ?? 0) * 1000) / clockRate;
      }
    }
  }

  #write(recorded: Buffer, marker: boolean, level: number | undefined, frameStart: boolean): void {
    let payload = recorded;
    if (this.#fixture.kind === 'video') {
      const d = parseVp8(recorded);
      if (d && (d.pictureIdAt >= 0 || d.tl0At >= 0)) {
        if (frameStart) {
          this.#pictureId = (this.#pictureId + 1) & 0x7fff;
          if (d.tid <= 0) this.#tl0 = (this.#tl0 + 1) & 0xff;
        }
        // The fixture is shared by every bot: rewrite a copy.
        payload = Buffer.from(recorded);
        if (d.pictureIdAt >= 0) writePictureId(payload, d, this.#pictureId);
        if (d.tl0At >= 0) payload[d.tl0At] = this.#tl0;
      }
    }
    const extensions =
      this.#levelExtId !== undefined && level !== undefined
        ? [{ id: this.#levelExtId, payload: Buffer.from([level]) }]
        : [];
    const header = new werift.RtpHeader({
      sequenceNumber: this.#seq,
      timestamp: this.#ts,
      marker,
      payloadType: this.#fixture.payloadType,
      extensions,
    });
    this.track.writeRtp(new werift.RtpPacket(header, payload));
  }
}

/** What a bot sends: the microphone (one stream) or the camera (one stream per layer). */
export class RecordedSource {
  readonly kind: MediaKind;
  /** Camera layers from the smallest; streams[0].track is the track to produce. */
  readonly streams: RecordedStream[];
  #paused = false;

  constructor(kind: MediaKind, streams: RecordedStream[]) {
    this.kind = kind;
    this.streams = streams;
  }

  /** The track to hand to transport.produce(). */
  get track(): werift.MediaStreamTrack {
    const first = this.streams[0];
    if (!first) throw new Error('a source without streams');
    return first.track;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Stops sending (silence: no packets at all) until resume(). */
  pause(): void {
    this.#paused = true;
    for (const s of this.streams) s.pause();
  }

  resume(): void {
    this.#paused = false;
    for (const s of this.streams) s.resume();
  }

  stop(): void {
    for (const s of this.streams) s.stop();
  }
}

/** The recorded Opus microphone (mono, 20 ms frames, voice with pauses and DTX). */
export function recordedMicrophone(options: StreamOptions = {}): RecordedSource {
  return new RecordedSource('audio', [new RecordedStream(loadFixture(fixtureFiles.audio), options)]);
}

/**
 * The recorded VP8 camera with `layers` simulcast layers (1-3): 160x90, 320x180, 640x360 for 3;
 * the largest ones for fewer (a bridge's 2 layers are 320x180 and 640x360), or the smallest
 * (`pick: 'smallest'`: a thumbnail bot for the scale benchmark).
 */
export function recordedCamera(
  layers: number,
  options: StreamOptions = {},
  pick: 'largest' | 'smallest' = 'largest',
): RecordedSource {
  const files = fixtureFiles.video;
  if (!Number.isInteger(layers) || layers < 1 || layers > files.length) {
    throw new RangeError(`camera layers: 1 to ${files.length}, not ${layers}`);
  }
  const chosen = pick === 'smallest' ? files.slice(0, layers) : files.slice(files.length - layers);
  const streams = chosen.map((f) => new RecordedStream(loadFixture(f), options));
  return new RecordedSource('video', streams);
}
