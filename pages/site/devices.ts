// The room's camera, microphone and speaker: opening them with settings that suit a branch
// network, telling the technician plainly why one cannot be opened, a microphone level meter,
// and the speaker choice (setSinkId where the browser has it).
import type { SiteRole } from '../../contract/index.js';
import type { Message, StringKey } from './i18n.js';

export interface DeviceChoice {
  cameraId?: string | undefined;
  micId?: string | undefined;
  speakerId?: string | undefined;
}

export type DeviceProblemKind = 'denied' | 'not-found' | 'busy' | 'insecure' | 'ended' | 'other';

export interface DeviceProblem {
  readonly kind: DeviceProblemKind;
  /** Which device: the camera, the microphone, or both. */
  readonly what: 'cam' | 'mic' | 'both';
  readonly detail: string;
}

export interface LocalMedia {
  readonly audio: MediaStreamTrack | undefined;
  readonly video: MediaStreamTrack | undefined;
  readonly problems: readonly DeviceProblem[];
}

const STORAGE_KEY = 'giaoBan.devices';

export function loadChoice(): DeviceChoice {
  try {
    const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return { cameraId: str(raw.cameraId), micId: str(raw.micId), speakerId: str(raw.speakerId) };
  } catch {
    return {}; // storage disabled or garbled: the defaults
  }
}

export function saveChoice(choice: DeviceChoice): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(choice));
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/**
 * A bridge's room camera: 640x360 at 15 fps is plenty for a meeting room on a few Mbit/s and
 * light on an office PC. The hub is watched large by every bridge: 960x540 at 20 fps.
 */
export function videoConstraints(role: SiteRole, deviceId: string | undefined): MediaTrackConstraints {
  const size = role === 'hub' ? { width: 960, height: 540, fps: 20 } : { width: 640, height: 360, fps: 15 };
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    width: { ideal: size.width },
    height: { ideal: size.height },
    frameRate: { ideal: size.fps, max: size.fps + 5 },
    aspectRatio: { ideal: 16 / 9 },
  };
}

export function audioConstraints(deviceId: string | undefined): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
    channelCount: { ideal: 1 },
  };
}

export function classify(err: unknown, what: DeviceProblem['what']): DeviceProblem {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return { kind: window.isSecureContext ? 'denied' : 'insecure', what, detail };
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError': // the chosen device is gone (unplugged since last time)
      return { kind: 'not-found', what, detail };
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return { kind: 'busy', what, detail };
    default:
      return { kind: 'other', what, detail };
  }
}

const problemKeys = {
  denied: 'device.err.denied',
  'not-found': 'device.err.notFound',
  busy: 'device.err.busy',
  insecure: 'device.err.insecure',
  ended: 'device.err.ended',
  other: 'device.err.other',
} as const satisfies Record<DeviceProblemKind, StringKey>;

const whatKeys = { cam: 'device.whatCam', mic: 'device.whatMic', both: 'device.whatBoth' } as const;

/** What to tell the technician about a device problem. */
export function problemMessage(p: DeviceProblem): Message {
  return { key: problemKeys[p.kind], params: { what: { key: whatKeys[p.what] }, detail: p.detail } };
}

async function open(constraints: MediaStreamConstraints): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new DOMException('getUserMedia is not available (not https?)', 'SecurityError');
  }
  return navigator.mediaDevices.getUserMedia(constraints);
}

/**
 * Opens the camera and microphone. If both cannot be opened together, each is tried alone,
 * so the technician learns which one is the problem and the other one still works.
 */
export async function openLocalMedia(role: SiteRole, choice: DeviceChoice): Promise<LocalMedia> {
  const video = videoConstraints(role, choice.cameraId);
  const audio = audioConstraints(choice.micId);
  try {
    const stream = await open({ video, audio });
    return { video: stream.getVideoTracks()[0], audio: stream.getAudioTracks()[0], problems: [] };
  } catch (both) {
    const name = both instanceof Error ? both.name : '';
    // Permission refused for the page or no secure context: the same for each device.
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      return { video: undefined, audio: undefined, problems: [classify(both, 'both')] };
    }
  }
  const problems: DeviceProblem[] = [];
  const one = async (kind: 'video' | 'audio') => {
    try {
      const stream = await open(kind === 'video' ? { video } : { audio });
      return stream.getTracks()[0];
    } catch (err) {
      problems.push(classify(err, kind === 'video' ? 'cam' : 'mic'));
      return undefined;
    }
  };
  const videoTrack = await one('video');
  const audioTrack = await one('audio');
  return { video: videoTrack, audio: audioTrack, problems };
}

export interface DeviceLists {
  readonly cameras: MediaDeviceInfo[];
  readonly mics: MediaDeviceInfo[];
  readonly speakers: MediaDeviceInfo[];
}

export async function listDevices(): Promise<DeviceLists> {
  const all = navigator.mediaDevices ? await navigator.mediaDevices.enumerateDevices() : [];
  return {
    cameras: all.filter((d) => d.kind === 'videoinput' && d.deviceId),
    mics: all.filter((d) => d.kind === 'audioinput' && d.deviceId),
    speakers: all.filter((d) => d.kind === 'audiooutput' && d.deviceId),
  };
}

export const canChooseSpeaker = (): boolean => 'setSinkId' in HTMLMediaElement.prototype;

/** Route an element's sound to the chosen speaker; the default output if that fails. */
export async function applySpeaker(el: HTMLMediaElement, speakerId: string | undefined): Promise<void> {
  if (!canChooseSpeaker()) return;
  try {
    await el.setSinkId(speakerId ?? '');
  } catch (err) {
    console.warn('speaker selection failed', err);
  }
}

let audioContext: AudioContext | undefined;
/** One AudioContext for the page (browsers limit them); created on first use. */
export function sharedAudioContext(): AudioContext {
  audioContext ??= new AudioContext();
  if (audioContext.state === 'suspended') void audioContext.resume();
  return audioContext;
}

/** Microphone level for the meter: 0..1, from an analyser on the track. */
export class LevelMeter {
  readonly #source: MediaStreamAudioSourceNode;
  readonly #analyser: AnalyserNode;
  readonly #buffer: Float32Array<ArrayBuffer>;

  constructor(track: MediaStreamTrack) {
    const ctx = sharedAudioContext();
    this.#source = ctx.createMediaStreamSource(new MediaStream([track]));
    this.#analyser = ctx.createAnalyser();
    this.#analyser.fftSize = 1024;
    this.#buffer = new Float32Array(this.#analyser.fftSize);
    this.#source.connect(this.#analyser);
  }

  /** RMS level mapped so ordinary speech fills about half the bar. */
  level(): number {
    this.#analyser.getFloatTimeDomainData(this.#buffer);
    let sum = 0;
    for (const v of this.#buffer) sum += v * v;
    const rms = Math.sqrt(sum / this.#buffer.length);
    const db = 20 * Math.log10(rms || 1e-8);
    return Math.min(1, Math.max(0, (db + 60) / 60));
  }

  stop(): void {
    this.#source.disconnect();
    this.#analyser.disconnect();
  }
}

/** A short two-note chime on the chosen speaker, so the technician hears which one it is. */
export async function playTestSound(speakerId: string | undefined): Promise<void> {
  const ctx = sharedAudioContext();
  const out = ctx.createMediaStreamDestination();
  const gain = ctx.createGain();
  gain.connect(out);
  const now = ctx.currentTime;
  for (const [i, freq] of [660, 880].entries()) {
    const osc = ctx.createOscillator();
    osc.frequency.value = freq;
    osc.connect(gain);
    osc.start(now + i * 0.35);
    osc.stop(now + i * 0.35 + 0.3);
  }
  gain.gain.setValueAtTime(0.25, now);
  const el = new Audio();
  el.srcObject = out.stream;
  await applySpeaker(el, speakerId);
  await el.play();
  setTimeout(() => {
    el.pause();
    el.srcObject = null;
    gain.disconnect();
  }, 1000);
}
