// One-off: records the bots' media fixtures (bench/bots/fixtures) from a real encoder, so the
// bots replay what libwebrtc really sends without encoding anything themselves.
//
// A libwebrtc peer (@roamhq/wrtc) sends a synthetic camera as 3 simulcast layers (VP8, as
// Chrome sends them: 3 temporal layers each) and a voice-like microphone (Opus, mono, DTX) to
// a werift peer in this process, which records the RTP per layer. After a warm-up (the encoder
// reaches its bitrate), a PLI per layer makes every recording start with a key frame.
//
//   node --import tsx scripts/capture-bot-fixtures.ts [--seconds 3] [--out bench/bots/fixtures]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import wrtc from '@roamhq/wrtc';
import * as werift from 'werift';
import { type Fixture, type FixturePacket, fixtureFiles, fixturesDir, writeFixture } from '../bench/bots/fixture.js';
import { isVp8KeyframeStart, vp8KeyframeSize } from '../bench/bots/vp8.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    'audio-seconds': { type: 'string', default: '4' },
    out: { type: 'string', default: fixturesDir },
  },
});
const SECONDS = Number(args.seconds);
const AUDIO_SECONDS = Number(args['audio-seconds']);
const OUT = resolve(args.out);
const WARMUP_MS = 4000;
const FPS = 15;
// The camera is 1280x720 so that libwebrtc allows 3 simulcast layers (it caps the layer count
// by input size); scaled by 8, 4 and 2 they are the thumbnails the bots send.
const WIDTH = 1280;
const HEIGHT = 720;
const LAYERS = [
  { rid: 'r0', scaleResolutionDownBy: 8, maxBitrate: 80_000, file: fixtureFiles.video[0] },
  { rid: 'r1', scaleResolutionDownBy: 4, maxBitrate: 200_000, file: fixtureFiles.video[1] },
  { rid: 'r2', scaleResolutionDownBy: 2, maxBitrate: 450_000, file: fixtureFiles.video[2] },
];
const out = (line: string) => process.stdout.write(`${line}\n`);

// ---- synthetic camera: a drifting gradient, a moving square and a busy "face" patch -----------
function startCamera(source: InstanceType<typeof wrtc.nonstandard.RTCVideoSource>): () => void {
  const luma = WIDTH * HEIGHT;
  const frame = new Uint8Array(luma * 1.5);
  const period = 256;
  const backdrop = new Uint8Array((WIDTH + period) * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH + period; x++) backdrop[y * (WIDTH + period) + x] = 48 + ((x + (y >> 1)) % period) / 2;
  }
  frame.fill(128, luma);
  let n = 0;
  let seed = 1;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 23;
  };
  const draw = () => {
    const shift = (n * 2) % period;
    for (let y = 0; y < HEIGHT; y++) {
      const row = y * (WIDTH + period) + shift;
      frame.set(backdrop.subarray(row, row + WIDTH), y * WIDTH);
    }
    // The "face": a block whose texture changes a little every frame, like a talking head.
    const fx = 480 + Math.round(40 * Math.sin(n / 20));
    for (let y = 200; y < 520; y++) {
      for (let x = fx; x < fx + 320; x += 2) {
        if ((x + y + n) % 7 === 0) frame[y * WIDTH + x] = 90 + (noise() & 127);
      }
    }
    const side = 96;
    const sx = (n * 12) % (WIDTH - side);
    const sy = 60 + Math.round(200 * Math.abs(Math.sin(n / 30)));
    for (let y = sy; y < sy + side; y++) frame.fill(235, y * WIDTH + sx, y * WIDTH + sx + side);
    n++;
    source.onFrame({ width: WIDTH, height: HEIGHT, data: frame });
  };
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    draw();
    timer = setTimeout(next, Math.max(0, start + (n * 1000) / FPS - performance.now()));
  };
  next();
  return () => clearTimeout(timer);
}

// ---- synthetic microphone: voiced syllables at ~4 Hz, phrases with pauses ---------------------
const RATE = 48_000;
const CHUNK = 480;
/** One phrase period: sound from 0.3 s to 3.4 s, silence around it (Opus DTX kicks in there). */
const PHRASE_S = AUDIO_SECONDS;
function voiceSample(t: number): number {
  const phase = t % PHRASE_S;
  if (phase < 0.3 || phase > PHRASE_S - 0.6) return 0;
  const syllable = Math.abs(Math.sin(Math.PI * 3.7 * (phase - 0.3))) ** 0.7;
  const phrase = 0.6 + 0.4 * Math.sin((2 * Math.PI * phase) / PHRASE_S);
  const f0 = 130 + 25 * Math.sin(2 * Math.PI * 0.8 * t);
  let v = 0;
  for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
  return 5000 * syllable * phrase * v;
}

function startMicrophone(source: InstanceType<typeof wrtc.nonstandard.RTCAudioSource>): {
  stop: () => void;
  /** Resolves at the next start of a phrase period (to within a chunk). */
  nextPhrase: () => Promise<void>;
} {
  let sampleIndex = 0;
  const waiters: (() => void)[] = [];
  const samples = new Int16Array(CHUNK);
  const start = performance.now();
  let chunks = 0;
  let timer: NodeJS.Timeout | undefined;
  const push = () => {
    for (let i = 0; i < CHUNK; i++) samples[i] = Math.round(voiceSample((sampleIndex + i) / RATE));
    const before = Math.floor(sampleIndex / (RATE * PHRASE_S));
    sampleIndex += CHUNK;
    if (Math.floor(sampleIndex / (RATE * PHRASE_S)) !== before) for (const w of waiters.splice(0)) w();
    source.onData({ samples, sampleRate: RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: CHUNK });
    chunks++;
    timer = setTimeout(push, Math.max(0, start + chunks * 10 - performance.now()));
  };
  push();
  return {
    stop: () => clearTimeout(timer),
    nextPhrase: () => new Promise((r) => waiters.push(r)),
  };
}

// ---- recording ------------------------------------------------------------------------------
interface Captured {
  seq: number;
  ts: number;
  marker: boolean;
  pt: number;
  level: number | undefined;
  payload: Buffer;
}

/** Collects one stream's packets from the first key frame (video) or from start() (audio). */
class StreamRecorder {
  readonly packets = new Map<number, Captured>();
  ssrc = 0;
  #armed = false;
  #firstTs: number | undefined;
  #firstSeq: number | undefined;
  #done = false;
  #onDone: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(
    readonly kind: 'audio' | 'video',
    readonly spanTicks: number,
    readonly levelExtId: number | undefined,
  ) {
    this.done = new Promise((r) => {
      this.#onDone = r;
    });
  }

  arm(): void {
    this.#armed = true;
  }

  take(p: werift.RtpPacket): void {
    this.ssrc = p.header.ssrc;
    if (!this.#armed || this.#done) return;
    const { sequenceNumber: seq, timestamp: ts } = p.header;
    if (this.#firstTs === undefined) {
      if (p.payload.length === 0) return;
      if (this.kind === 'video' && !isVp8KeyframeStart(p.payload)) return;
      this.#firstTs = ts;
      this.#firstSeq = seq;
    }
    const firstTs = this.#firstTs;
    const firstSeq = this.#firstSeq ?? seq;
    const elapsed = (ts - firstTs) >>> 0;
    if (elapsed >= this.spanTicks && elapsed < 0x80000000) {
      this.#done = true;
      this.#onDone?.();
      return;
    }
    // Retransmissions repeat a sequence number; late ones from before the start are dropped.
    const rel = (seq - firstSeq) & 0xffff;
    if (rel > 0x8000) return;
    const ext = p.header.extensions.find((e) => e.id === this.levelExtId);
    this.packets.set(rel, {
      seq: rel,
      ts: elapsed,
      marker: p.header.marker,
      pt: p.header.payloadType,
      level: ext?.payload[0],
      payload: Buffer.from(p.payload),
    });
  }

  /** The recording as a fixture; throws if a media packet is missing. */
  toFixture(clockRate: number, loopDelta: number | undefined): Fixture {
    const ordered = [...this.packets.values()].sort((a, b) => a.seq - b.seq);
    const last = ordered.at(-1);
    if (!last) throw new Error(`${this.kind} ${this.ssrc}: nothing recorded`);
    for (let s = 0; s <= last.seq; s++) {
      if (!this.packets.has(s)) throw new Error(`${this.kind} ${this.ssrc}: packet ${s} missing (loss); run again`);
    }
    // Padding-only packets (bandwidth probes) carry no media.
    const media = ordered.filter((p) => p.payload.length > 0);
    // Keep whole frames only: drop a last frame whose marker never came.
    while (this.kind === 'video' && media.length && !media.at(-1)?.marker) media.pop();
    const packets: FixturePacket[] = [];
    let prevTs = 0;
    for (const p of media) {
      packets.push({
        tsDelta: p.ts - prevTs,
        marker: p.marker,
        keyframe: this.kind === 'video' && isVp8KeyframeStart(p.payload),
        audioLevel: p.level,
        payload: p.payload,
      });
      prevTs = p.ts;
    }
    const first = packets[0];
    const size = first && this.kind === 'video' ? vp8KeyframeSize(first.payload) : undefined;
    const frameDeltas = packets.map((p) => p.tsDelta).filter((d) => d > 0);
    const median = frameDeltas.sort((a, b) => a - b)[frameDeltas.length >> 1] ?? 1;
    return {
      kind: this.kind,
      payloadType: media[0]?.pt ?? 0,
      clockRate,
      width: size?.width ?? 0,
      height: size?.height ?? 0,
      loopDelta: loopDelta ?? median,
      packets,
    };
  }
}

// ---- the two peers ----------------------------------------------------------------------------
async function main(): Promise<void> {
  const sender = new wrtc.RTCPeerConnection({ iceServers: [] });
  const camera = new wrtc.nonstandard.RTCVideoSource();
  const microphone = new wrtc.nonstandard.RTCAudioSource();
  const camTrack = camera.createTrack();
  const micTrack = microphone.createTrack();
  sender.addTransceiver(camTrack, {
    direction: 'sendonly',
    sendEncodings: LAYERS.map(({ rid, scaleResolutionDownBy, maxBitrate }) => ({
      rid,
      scaleResolutionDownBy,
      maxBitrate,
      maxFramerate: FPS,
    })),
  });
  sender.addTransceiver(micTrack, { direction: 'sendonly' });
  await sender.setLocalDescription(await sender.createOffer());
  await new Promise<void>((r) => {
    if (sender.iceGatheringState === 'complete') return r();
    sender.onicegatheringstatechange = () => sender.iceGatheringState === 'complete' && r();
  });

  const recorder = new werift.RTCPeerConnection({
    iceServers: [],
    codecs: {
      audio: [werift.useOPUS()],
      video: [werift.useVP8({ rtcpFeedback: [werift.useNACK(), werift.usePLI(), werift.useFIR()] })],
    },
    headerExtensions: {
      audio: [werift.useSdesMid(), werift.useAudioLevelIndication()],
      video: [werift.useSdesMid(), werift.useSdesRTPStreamId()],
    },
  });
  await recorder.setRemoteDescription({ type: 'offer', sdp: sender.localDescription?.sdp ?? '' });
  await recorder.setLocalDescription(await recorder.createAnswer());
  let answer = recorder.localDescription?.sdp ?? '';
  const vp8Pt = /a=rtpmap:(\d+) VP8\/90000/.exec(answer)?.[1];
  const levelId = Number(/a=extmap:(\d+) urn:ietf:params:rtp-hdrext:ssrc-audio-level/.exec(answer)?.[1]);
  // No congestion feedback comes back from werift, so libwebrtc's estimate would stay at its
  // start value and keep the upper layers off: pin it above the three layers' sum. usedtx=1
  // makes the Opus encoder send DTX frames in pauses, as the site pages ask for.
  answer = answer
    .replace(
      `a=rtpmap:${vp8Pt} VP8/90000\r\n`,
      `a=rtpmap:${vp8Pt} VP8/90000\r\na=fmtp:${vp8Pt} x-google-start-bitrate=900;x-google-min-bitrate=800\r\n`,
    )
    .replace('useinbandfec=1', 'useinbandfec=1;usedtx=1');
  await sender.setRemoteDescription({ type: 'answer', sdp: answer });

  const [videoTx, audioTx] = recorder.getTransceivers();
  if (!videoTx || !audioTx) throw new Error('the recorder has no transceivers');
  const layerRecorders = LAYERS.map(() => new StreamRecorder('video', SECONDS * 90_000, undefined));
  LAYERS.forEach(({ rid }, i) => {
    const track = videoTx.receiver.trackByRID[rid];
    const rec = layerRecorders[i];
    if (!track || !rec) throw new Error(`no track for ${rid}`);
    track.onReceiveRtp.subscribe((p) => rec.take(p));
  });
  const audioRecorder = new StreamRecorder('audio', AUDIO_SECONDS * RATE, levelId);
  audioTx.receiver.track.onReceiveRtp.subscribe((p) => audioRecorder.take(p));

  const stopCamera = startCamera(camera);
  const mic = startMicrophone(microphone);
  out(`warming up for ${WARMUP_MS} ms`);
  await new Promise((r) => setTimeout(r, WARMUP_MS));

  for (const rec of layerRecorders) {
    rec.arm();
    await videoTx.receiver.sendRtcpPLI(rec.ssrc);
  }
  await mic.nextPhrase();
  audioRecorder.arm();
  const deadline = setTimeout(() => {
    out('timed out waiting for the recordings');
    process.exit(1);
  }, 30_000);
  await Promise.all([...layerRecorders.map((r) => r.done), audioRecorder.done]);
  clearTimeout(deadline);
  stopCamera();
  mic.stop();

  const stats = await sender.getStats();
  stats.forEach((s: { type?: string; rid?: string; frameWidth?: number; framesPerSecond?: number }) => {
    if (s.type === 'outbound-rtp' && s.rid)
      out(`  encoder ${s.rid}: ${s.frameWidth} px wide, ${s.framesPerSecond} fps`);
  });

  let total = 0;
  LAYERS.forEach(({ file }, i) => {
    const fixture = layerRecorders[i]?.toFixture(90_000, undefined);
    if (!fixture) return;
    total += report(file, fixture);
  });
  const audio = audioRecorder.toFixture(RATE, undefined);
  // The phrase period is the loop: the step back to the first packet closes it exactly.
  const span = audio.packets.reduce((n, p) => n + p.tsDelta, 0);
  audio.loopDelta = Math.max(960, AUDIO_SECONDS * RATE - span);
  total += report(fixtureFiles.audio, audio);
  out(`total ${(total / 1024).toFixed(1)} KiB in ${OUT}`);

  sender.close();
  await recorder.close();
}

function report(file: string, f: Fixture): number {
  const bytes = writeFixture(resolve(OUT, file), f);
  const ticks = f.packets.reduce((n, p) => n + p.tsDelta, 0) + f.loopDelta;
  const seconds = ticks / f.clockRate;
  const payload = f.packets.reduce((n, p) => n + p.payload.length, 0);
  const keyframes = f.packets.filter((p) => p.keyframe).length;
  const frames = f.packets.filter((p) => p.marker).length;
  const small = f.packets.filter((p) => p.payload.length <= 8).length;
  const size = f.kind === 'video' ? `${f.width}x${f.height}, ${frames} frames, ${keyframes} key` : `${small} DTX-sized`;
  out(
    `${file}: ${f.packets.length} packets, ${seconds.toFixed(2)} s, ${((payload * 8) / seconds / 1000).toFixed(0)} kbit/s, ${size}, ${(bytes / 1024).toFixed(1)} KiB`,
  );
  return bytes;
}

main().then(
  // wrtc 0.10 can crash in its finalizers on a natural exit (see test/helpers/peer.ts).
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
