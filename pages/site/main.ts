// The technician's page for one bridge room (or the hub), at /join/<siteId>#token=…:
// pre-join (devices, preview, microphone level, network check), then the conference, kept up
// all day by the shared site client (client/site-client.ts). This file wires the parts
// together and owns the pre-join state.
import { Device } from 'mediasoup-client';
import { type ClientState, SiteClient } from '../../client/site-client.js';
import { AlertBanners } from './alert-banner.js';
import {
  type DeviceProblem,
  LevelMeter,
  listDevices,
  loadChoice,
  openLocalMedia,
  playTestSound,
  saveChoice,
  videoConstraints,
} from './devices.js';
import { getLang, onLangChange, setLang, translateDom } from './i18n.js';
import { emptyCheck, runNetworkCheck } from './network-check.js';
import { currentCpuPressure, watchCpuPressure } from './pressure.js';
import { type PrejoinModel, Ui } from './ui.js';

/** Read-only facts for tests and for whoever debugs a room remotely. */
export interface GiaoBanHooks {
  readonly state: ClientState;
  readonly siteId: string | null;
  readonly transport: 'udp' | 'tcp' | null;
  /** True when the media goes through the TURN relay. */
  readonly relayed: boolean;
  /** True while the server holds back video because the downlink cannot carry it. */
  readonly audioOnly: boolean;
  /** What arrives: audio samples (and how many were concealed) and the largest picture. */
  received(): Promise<ReceivedMedia>;
  /** The join's steps with their time (performance.now()), to see where a slow join waits. */
  steps(): readonly (readonly [string, number])[];
  consumers(): ReturnType<SiteClient['consumers']>;
  /** The conference as the server last described it (phase, floor, hands, present, muted). */
  view(): SiteClient['view'];
  readonly check: PrejoinModel['check'];
}

export interface ReceivedMedia {
  readonly audioSamples: number;
  readonly concealedSamples: number;
  readonly frameWidth: number;
  readonly frameHeight: number;
  readonly framesDecoded: number;
}

declare global {
  interface Window {
    giaoBan: GiaoBanHooks;
  }
}

// ---- the link's token: out of the address bar, kept for a reload of this tab ----
const tokenKey = `giaoBan.token:${location.pathname}`;
const joinedKey = `giaoBan.joined:${location.pathname}`;

function session(key: string, value?: string): string | undefined {
  try {
    if (value !== undefined) sessionStorage.setItem(key, value);
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    return value; // storage disabled: this page load only
  }
}

function readToken(): string | undefined {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromLink) {
    session(tokenKey, fromLink);
    // Not shown on screen, not copied with the address, not in a screenshot of the room PC.
    history.replaceState(history.state, '', location.pathname + location.search);
    return fromLink;
  }
  return session(tokenKey);
}

const token = readToken();

const model: PrejoinModel = {
  devices: { cameras: [], mics: [], speakers: [] },
  choice: loadChoice(),
  problems: [],
  check: emptyCheck(),
  checking: false,
};

let checkAbort: AbortController | undefined;
/** The page's own WebRTC: mediasoup-client picks the handler for this browser. */
const createDevice = () => Device.factory();
watchCpuPressure();
const conference = new SiteClient(token ?? '', {
  url: '',
  createDevice,
  cpuPressure: currentCpuPressure,
  warn: (message, detail) => console.warn(message, detail ?? ''),
});
conference.on('welcome', () => {
  fitCameraToRole();
  // Check (again) unless a check already ran to its end on a working connection.
  const { check: last } = model;
  const incomplete =
    !last.done ||
    [last.signaling.status, last.udp.status, last.tcp.status].some((s) => s === 'skipped' || s === 'unreachable');
  if (conference.state === 'prejoin' && incomplete && !model.checking) void check();
});
conference.on('joined', () => {
  checkAbort?.abort();
  session(joinedKey, '1');
  keepScreenOn();
});

const steps: [string, number][] = [];
conference.on('step', (step) => {
  steps.push([step, Math.round(performance.now())]);
  if (steps.length > 200) steps.shift();
});

const ui = new Ui(conference, (siteId) => void conference.setFocus(siteId));
// Alerts for the technician and the operator's messages, over whatever the page shows.
new AlertBanners(conference).render();

let renderQueued = false;
function update(): void {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    ui.render(model);
  });
}
conference.on('change', update);

// ---- camera, microphone, speaker ----
/**
 * The camera opens before the page knows its role (a bridge's 640x360); the hub's camera is
 * watched large by every bridge, so once the hub is known it asks for 960x540 at 20 fps.
 */
function fitCameraToRole(): void {
  const video = conference.local.video;
  if (conference.role !== 'hub' || !video || video.readyState === 'ended') return;
  if ((video.getSettings().width ?? 0) >= 960) return;
  video.applyConstraints(videoConstraints('hub', model.choice.cameraId)).catch((err: unknown) => {
    console.warn('the camera cannot do the hub size', err);
  });
}

let meter: LevelMeter | undefined;
let opening: Promise<void> | undefined;

function onTrackEnded(kind: 'audio' | 'video', track: MediaStreamTrack): void {
  track.addEventListener('ended', () => {
    const local = conference.local;
    if (local[kind] !== track) return;
    const problem: DeviceProblem = { kind: 'ended', what: kind === 'video' ? 'cam' : 'mic', detail: 'ended' };
    model.problems = [...model.problems.filter((p) => p.what !== problem.what), problem];
    void conference.setLocal({ ...local, [kind]: undefined });
    update();
  });
}

/** (Re)open the chosen camera and microphone and hand them to the conference. */
function openDevices(): Promise<void> {
  opening ??= (async () => {
    try {
      const before = conference.local;
      const result = await openLocalMedia(conference.role ?? 'bridge', model.choice);
      model.problems = result.problems;
      // Remember what actually opened, so the lists show it.
      const camId = result.video?.getSettings().deviceId;
      const micId = result.audio?.getSettings().deviceId;
      model.choice = { ...model.choice, ...(camId ? { cameraId: camId } : {}), ...(micId ? { micId } : {}) };
      if (result.video) onTrackEnded('video', result.video);
      if (result.audio) onTrackEnded('audio', result.audio);
      await conference.setLocal({ audio: result.audio, video: result.video });
      fitCameraToRole();
      for (const old of [before.audio, before.video])
        if (old && old !== result.audio && old !== result.video) old.stop();
      meter?.stop();
      meter = result.audio ? new LevelMeter(result.audio) : undefined;
      model.devices = await listDevices();
    } catch (err) {
      console.warn('opening devices failed', err);
    } finally {
      opening = undefined;
      update();
    }
  })();
  return opening;
}

function showMicLevel(): void {
  const bar = ui.el.micMeter;
  const level = meter && conference.state === 'prejoin' ? meter.level() : 0;
  bar.style.width = `${Math.round(level * 100)}%`;
  requestAnimationFrame(showMicLevel);
}

function choose(which: 'cameraId' | 'micId' | 'speakerId', select: HTMLSelectElement): void {
  select.addEventListener('change', () => {
    model.choice = { ...model.choice, [which]: select.value || undefined };
    saveChoice(model.choice);
    if (which === 'speakerId') update();
    else void openDevices();
  });
}

// A device plugged in or out: refresh the lists, and pick up a camera or microphone we lack.
navigator.mediaDevices?.addEventListener('devicechange', () => {
  void listDevices().then((devices) => {
    model.devices = devices;
    update();
    if (!conference.local.audio || !conference.local.video) void openDevices();
  });
});

// ---- the network check ----
async function check(): Promise<void> {
  if (model.checking || !conference.connected || conference.state !== 'prejoin') return;
  const abort = new AbortController();
  checkAbort = abort;
  model.checking = true;
  model.check = emptyCheck();
  update();
  try {
    await runNetworkCheck(conference.link, createDevice, abort.signal, (r) => {
      model.check = r;
      update();
    });
  } catch (err) {
    console.warn('network check failed', err);
  } finally {
    model.checking = false;
    update();
  }
}

// ---- keeping the room PC awake all day ----
let wakeLock: WakeLockSentinel | undefined;
function keepScreenOn(): void {
  if (!('wakeLock' in navigator) || wakeLock) return;
  navigator.wakeLock.request('screen').then(
    (lock) => {
      wakeLock = lock;
      lock.addEventListener('release', () => {
        wakeLock = undefined;
      });
    },
    () => undefined, // not allowed now (hidden tab); tried again when visible
  );
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && conference.state !== 'prejoin') keepScreenOn();
});

// ---- controls ----
const { el } = ui;
el.langSwitch.addEventListener('click', () => setLang(getLang() === 'vi' ? 'en' : 'vi'));
onLangChange(() => {
  translateDom(document);
  update();
});
el.joinButton.addEventListener('click', () => conference.join());
el.checkAgain.addEventListener('click', () => void check());
el.deviceRetry.addEventListener('click', () => void openDevices());
el.speakerTest.addEventListener('click', () => {
  playTestSound(model.choice.speakerId).catch((err: unknown) => console.warn('test sound', err));
});
choose('cameraId', el.cameraSelect);
choose('micId', el.micSelect);
choose('speakerId', el.speakerSelect);
el.micButton.addEventListener('click', () => void conference.toggleMic());
el.camButton.addEventListener('click', () => void conference.toggleCam());
el.handButton.addEventListener('click', () => void conference.toggleHand());
el.unfocus.addEventListener('click', () => void conference.setFocus(null));
el.errorAction.addEventListener('click', () => conference.retry());

async function received(): Promise<ReceivedMedia> {
  const totals = { audioSamples: 0, concealedSamples: 0, frameWidth: 0, frameHeight: 0, framesDecoded: 0 };
  const stats = await conference.session?.recvTransport?.getStats();
  for (const s of stats?.values() ?? []) {
    if (s.type !== 'inbound-rtp') continue;
    if (s.kind === 'audio') {
      totals.audioSamples += s.totalSamplesReceived ?? 0;
      totals.concealedSamples += s.concealedSamples ?? 0;
    } else {
      totals.framesDecoded += s.framesDecoded ?? 0;
      if ((s.frameWidth ?? 0) >= totals.frameWidth) {
        totals.frameWidth = s.frameWidth ?? 0;
        totals.frameHeight = s.frameHeight ?? 0;
      }
    }
  }
  return totals;
}

const hooks: GiaoBanHooks = {
  get state() {
    return conference.state;
  },
  get siteId() {
    return conference.site?.id ?? null;
  },
  get transport() {
    return conference.transport;
  },
  get relayed() {
    return conference.report?.relayed === true;
  },
  get audioOnly() {
    return conference.audioOnly;
  },
  received: () => received(),
  steps: () => steps.map(([s, at]) => [s, at] as const),
  consumers: () => conference.consumers(),
  view: () => structuredClone(conference.view),
  get check() {
    return structuredClone(model.check);
  },
};
Object.defineProperty(window, 'giaoBan', { value: Object.freeze(hooks), enumerable: true });

// ---- start ----
translateDom(document);
if (!window.RTCPeerConnection) {
  conference.showError({ code: 'unsupported', detail: 'WebRTC', retryable: false });
} else if (!token) {
  conference.showError({ code: 'no-token', retryable: false });
} else {
  conference.start();
  const devicesOpened = openDevices();
  requestAnimationFrame(showMicLevel);
  // A reload of a page that was in the conference goes straight back in.
  if (session(joinedKey) === '1') void devicesOpened.then(() => conference.join());
}
update();
