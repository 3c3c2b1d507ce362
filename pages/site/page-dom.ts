// The technician page's elements, found once by id, and the small helpers every part of the
// view uses. Each helper changes the DOM only when the value differs, so a render can run after
// any change without disturbing what the page shows.
import type { SiteSummary } from '../../contract/index.js';
import { getLang } from './i18n.js';

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

export const text = (el: HTMLElement, value: string) => {
  if (el.textContent !== value) el.textContent = value;
};

export const show = (el: HTMLElement, visible: boolean) => {
  if (el.hidden === visible) el.hidden = !visible;
};

/** Put a track on a video element, only when it changes (a new srcObject restarts playback). */
export function attach(video: HTMLVideoElement, track: MediaStreamTrack | undefined): void {
  const current = (video.srcObject as MediaStream | null)?.getTracks()[0];
  if (current === track) return;
  video.srcObject = track ? new MediaStream([track]) : null;
  if (track) video.play().catch(() => undefined); // muted video may always play
}

export const siteName = (s: SiteSummary | undefined) => (s ? (getLang() === 'en' ? s.nameEn : s.name) : '');

/** Every element the view fills, by what it is. */
export function pageElements() {
  return {
    siteName: $('site-name'),
    phase: $('phase'),
    presence: $('presence'),
    quality: $('quality'),
    qualityText: $('quality-text'),
    langSwitch: $<HTMLButtonElement>('lang-switch'),
    previewVideo: $<HTMLVideoElement>('preview-video'),
    previewEmpty: $('preview-empty'),
    micMeter: $('mic-meter'),
    deviceProblem: $('device-problem'),
    deviceProblemText: $('device-problem-text'),
    deviceRetry: $<HTMLButtonElement>('device-retry'),
    cameraSelect: $<HTMLSelectElement>('camera-select'),
    micSelect: $<HTMLSelectElement>('mic-select'),
    speakerSelect: $<HTMLSelectElement>('speaker-select'),
    speakerTest: $<HTMLButtonElement>('speaker-test'),
    speakerUnsupported: $('speaker-unsupported'),
    checkRows: {
      signaling: $('check-signaling'),
      udp: $('check-udp'),
      tcp: $('check-tcp'),
      uplink: $('check-uplink'),
    },
    verdict: $('verdict'),
    advice: $('advice'),
    checkAgain: $<HTMLButtonElement>('check-again'),
    joinButton: $<HTMLButtonElement>('join-button'),
    joinStatus: $('join-status'),
    mainTile: $('main-tile'),
    mainVideo: $<HTMLVideoElement>('main-video'),
    mainPlaceholder: $('main-placeholder'),
    mainLabel: $('main-label'),
    unfocus: $<HTMLButtonElement>('unfocus'),
    floorBanner: $('floor-banner'),
    sideTile: $('side-tile'),
    sideVideo: $<HTMLVideoElement>('side-video'),
    sideLabel: $('side-label'),
    selfVideo: $<HTMLVideoElement>('self-video'),
    notices: $('notices'),
    thumbs: $('thumbs'),
    micButton: $<HTMLButtonElement>('mic-button'),
    camButton: $<HTMLButtonElement>('cam-button'),
    handButton: $<HTMLButtonElement>('hand-button'),
    qualityDetail: $('quality-detail'),
    overlay: $('overlay'),
    overlayDetail: $('overlay-detail'),
    error: $('error'),
    errorTitle: $('error-title'),
    errorMessage: $('error-message'),
    errorAction: $<HTMLButtonElement>('error-action'),
    soundUnlock: $<HTMLButtonElement>('sound-unlock'),
    audioSinks: $('audio-sinks'),
  };
}

export type PageElements = ReturnType<typeof pageElements>;
