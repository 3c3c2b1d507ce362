// Synthetic microphone and camera for the libwebrtc test peers: a quiet tone and a small
// moving pattern, so the encoders really send. One interval per period drives every source
// of every peer in the process, so 64 peers cost 2 timers, not 128.
import { wrtc } from './wrtc-env.js';

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

export interface FakeSource {
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

export function fakeMicrophone(onError: (err: Error) => void): FakeSource {
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
// per frame, so the encoder always has something to send but little to encode. A busy camera
// (a hub filmed in a full room) adds a band of fresh noise each frame, so each simulcast layer
// sends near its cap and a thin link really cannot carry the top one.
export function fakeCamera(
  width: number,
  height: number,
  fps: number,
  seed: number,
  onError: (err: Error) => void,
  busy = false,
) {
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
  // Noise for the lower third of the picture: 6 precomputed bands, one per frame in turn.
  const bandStart = Math.floor((height * 2) / 3) * width;
  const bands = busy
    ? Array.from({ length: 6 }, () =>
        Uint8Array.from({ length: lumaSize - bandStart }, () => (Math.random() * 256) | 0),
      )
    : [];
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
    const band = bands[step % 6];
    if (band) data.set(band, bandStart);
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
