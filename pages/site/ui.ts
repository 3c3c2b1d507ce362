// Rendering: the page's elements brought in line with the conference and the pre-join check.
// Every render is idempotent and cheap (a video's source changes only when its track does),
// so it can run after any change. Rendering is not tied to animation frames: a page in a
// background tab must still start playing a new speaker's audio.

import type { RemoteMedia } from '../../client/media-session.js';
import { grade } from '../../client/quality.js';
import type { ClientError, SiteClient } from '../../client/site-client.js';
import type { SiteSummary } from '../../contract/index.js';
import {
  applySpeaker,
  canChooseSpeaker,
  type DeviceChoice,
  type DeviceLists,
  type DeviceProblem,
  problemMessage,
} from './devices.js';
import { getLang, type Message, type StringKey, render as say, t } from './i18n.js';
import type { CheckResult, ProbeResult } from './network-check.js';

export interface PrejoinModel {
  devices: DeviceLists;
  choice: DeviceChoice;
  problems: readonly DeviceProblem[];
  check: CheckResult;
  checking: boolean;
}

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

const text = (el: HTMLElement, value: string) => {
  if (el.textContent !== value) el.textContent = value;
};
const show = (el: HTMLElement, visible: boolean) => {
  if (el.hidden === visible) el.hidden = !visible;
};

/** Put a track on a video element, only when it changes (a new srcObject restarts playback). */
function attach(video: HTMLVideoElement, track: MediaStreamTrack | undefined): void {
  const current = (video.srcObject as MediaStream | null)?.getTracks()[0];
  if (current === track) return;
  video.srcObject = track ? new MediaStream([track]) : null;
  if (track) video.play().catch(() => undefined); // muted video may always play
}

const siteName = (s: SiteSummary | undefined) => (s ? (getLang() === 'en' ? s.nameEn : s.name) : '');

export class Ui {
  readonly el = {
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
  readonly #audio = new Map<string, HTMLAudioElement>();
  readonly #thumbs = new Map<string, { tile: HTMLElement; video: HTMLVideoElement; label: HTMLElement }>();
  #deviceSignature = '';
  #speakerId: string | undefined;
  #soundBlocked = false;

  constructor(
    readonly conference: SiteClient,
    readonly onFocus: (siteId: string | null) => void,
  ) {
    this.el.soundUnlock.addEventListener('click', () => {
      this.#soundBlocked = false;
      show(this.el.soundUnlock, false);
      for (const audio of this.#audio.values()) audio.play().catch(() => this.#blocked());
    });
  }

  render(prejoin: PrejoinModel): void {
    const c = this.conference;
    document.body.dataset.state = c.state;
    document.body.dataset.role = c.role ?? '';
    this.#topbar();
    if (c.state === 'prejoin' || c.state === 'joining' || c.state === 'error') this.#prejoin(prejoin);
    else attach(this.el.previewVideo, undefined);
    this.#stage();
    this.#controls();
    this.#audioElements(prejoin.choice.speakerId);
    this.#overlay();
    this.#error();
  }

  // ---- top bar ----
  #topbar(): void {
    const c = this.conference;
    text(this.el.siteName, siteName(c.site));
    const phase = c.view?.phase;
    show(this.el.phase, Boolean(phase));
    if (phase) {
      this.el.phase.dataset.phase = phase;
      text(this.el.phase, t(`phase.${phase}`));
    }
    const isHub = c.role === 'hub';
    show(this.el.presence, isHub && Boolean(c.view));
    if (isHub && c.view && c.welcome) {
      const bridges = c.welcome.sites.filter((s) => s.role === 'bridge').map((s) => s.id);
      const present = c.view.present.filter((id) => bridges.includes(id)).length;
      text(this.el.presence, t('hub.present', { n: present, total: bridges.length }));
    }
    const inConference = c.state === 'in-conference' || c.state === 'reconnecting';
    show(this.el.quality, inConference);
    const g = c.state === 'reconnecting' ? 'poor' : grade(c.report);
    this.el.quality.dataset.grade = g;
    text(this.el.qualityText, t(`quality.${g}`));
  }

  // ---- pre-join ----
  #prejoin(m: PrejoinModel): void {
    const signature = JSON.stringify([m.devices, m.choice, getLang()]);
    if (signature !== this.#deviceSignature) {
      this.#deviceSignature = signature;
      fillSelect(this.el.cameraSelect, m.devices.cameras, m.choice.cameraId, 'device.camera');
      fillSelect(this.el.micSelect, m.devices.mics, m.choice.micId, 'device.mic');
      fillSelect(this.el.speakerSelect, m.devices.speakers, m.choice.speakerId, 'device.speaker', true);
    }
    const canChoose = canChooseSpeaker();
    this.el.speakerSelect.disabled = !canChoose;
    show(this.el.speakerUnsupported, !canChoose);

    const problem = m.problems[0];
    show(this.el.deviceProblem, Boolean(problem));
    if (problem) text(this.el.deviceProblemText, m.problems.map((p) => say(problemMessage(p))).join(' '));
    show(this.el.previewEmpty, !this.conference.local.video);
    attach(this.el.previewVideo, this.conference.local.video);

    const { check } = m;
    const row = (el: HTMLElement, result: string, value: string) => {
      el.dataset.result = result;
      text(el.querySelector('td') as HTMLElement, value);
    };
    const sig = check.signaling;
    const connected = this.conference.connected;
    const refused = this.conference.state === 'error';
    row(
      this.el.checkRows.signaling,
      refused ? 'skipped' : !connected && sig.status !== 'running' ? 'unreachable' : sig.status,
      refused
        ? '—'
        : !connected
          ? t(this.conference.attempts > 0 ? 'check.unreachable' : 'check.running')
          : sig.status === 'ok'
            ? t('check.okRtt', { rtt: sig.rttMs ?? 0 })
            : sig.status === 'unreachable'
              ? t('check.unreachable')
              : t(sig.status === 'running' ? 'check.running' : 'check.waiting'),
    );
    row(this.el.checkRows.udp, check.udp.status, probeText(check.udp));
    row(this.el.checkRows.tcp, check.tcp.status, probeText(check.tcp));
    const uplink = check.uplinkKbps;
    row(
      this.el.checkRows.uplink,
      uplink === null ? (check.done ? 'unknown' : 'waiting') : uplink >= 800 ? 'ok' : 'low',
      uplink === null ? t(check.done ? 'check.unknown' : 'check.waiting') : t('check.kbps', { kbps: uplink }),
    );
    show(this.el.verdict, Boolean(check.verdict));
    if (check.verdict) {
      this.el.verdict.dataset.verdict = check.verdict;
      text(this.el.verdict, t('check.verdict', { verdict: t(`verdict.${check.verdict}`) }));
    }
    const advice = check.advice.map(say);
    if (this.el.advice.dataset.text !== advice.join('\n')) {
      this.el.advice.dataset.text = advice.join('\n');
      this.el.advice.replaceChildren(
        ...advice.map((a) => {
          const li = document.createElement('li');
          li.textContent = a;
          return li;
        }),
      );
    }
    this.el.checkAgain.disabled = m.checking || !connected;
    const joining = this.conference.state === 'joining';
    this.el.joinButton.disabled = joining || this.conference.state === 'error';
    text(this.el.joinStatus, joining && this.conference.recovery ? say(this.conference.recovery) : '');
  }

  // ---- the conference ----
  /** Who is shown large, beside, and in the hub's grid. */
  #stage(): void {
    const c = this.conference;
    const me = c.site?.id;
    const hubId = c.welcome?.hub.id;
    const floor = c.view?.floor ?? null;
    const videos = new Map<string, RemoteMedia>();
    for (const r of c.remote) if (r.offer.kind === 'video') videos.set(r.offer.siteId, r);
    const trackOf = (siteId: string | null | undefined) => (siteId ? videos.get(siteId)?.consumer.track : undefined);

    let main: string | null | undefined;
    let side: string | null | undefined;
    if (c.role === 'hub') {
      main = c.focus ?? (floor && videos.has(floor) ? floor : null);
    } else {
      const floorShown = floor && floor !== me && videos.has(floor);
      main = floorShown ? floor : hubId;
      side = floorShown ? hubId : undefined;
    }
    attach(this.el.mainVideo, trackOf(main));
    this.el.mainTile.dataset.siteId = main ?? '';
    text(this.el.mainLabel, main ? siteName(c.siteById(main)) : '');
    show(this.el.mainLabel, Boolean(main));
    const mainTrack = trackOf(main);
    show(this.el.mainPlaceholder, !mainTrack);
    if (!mainTrack) {
      const who = c.siteById(main ?? '');
      text(
        this.el.mainPlaceholder,
        c.role === 'hub' && !main
          ? t(videos.size ? 'hub.focusHint' : 'hub.noBridges')
          : who && !c.view?.present.includes(who.id)
            ? t('conf.notConnected', { name: siteName(who) })
            : t('conf.waitingVideo', { name: siteName(who) }),
      );
    }
    show(this.el.unfocus, c.role === 'hub' && Boolean(c.focus));

    show(this.el.sideTile, Boolean(side));
    attach(this.el.sideVideo, trackOf(side));
    text(this.el.sideLabel, side ? siteName(c.siteById(side)) : '');

    attach(this.el.selfVideo, c.camOff ? undefined : c.local.video);
    show(this.el.floorBanner, c.hasFloor);

    if (c.role === 'hub') this.#grid(videos);
    this.#notices();
  }

  /** The hub's grid: one playing thumbnail per bridge that sends video, in roster order. */
  #grid(videos: Map<string, RemoteMedia>): void {
    const c = this.conference;
    const order = new Map((c.welcome?.sites ?? []).map((s, i) => [s.id, i]));
    const ids = [...videos.keys()].sort((a, b) => (order.get(a) ?? 999) - (order.get(b) ?? 999));
    // Few bridges get big thumbnails; all 63 still fit the screen at the smallest size.
    const min = ids.length <= 4 ? 300 : ids.length <= 9 ? 240 : ids.length <= 16 ? 190 : ids.length <= 30 ? 140 : 100;
    if (this.el.thumbs.style.getPropertyValue('--thumb-min') !== `${min}px`) {
      this.el.thumbs.style.setProperty('--thumb-min', `${min}px`);
    }
    for (const [id, thumb] of this.#thumbs) {
      if (!videos.has(id)) {
        thumb.tile.remove();
        this.#thumbs.delete(id);
      }
    }
    const view = c.view;
    ids.forEach((id, index) => {
      let thumb = this.#thumbs.get(id);
      if (!thumb) {
        const tile = document.createElement('button');
        tile.type = 'button';
        tile.className = 'thumb';
        tile.dataset.siteId = id;
        const video = document.createElement('video');
        video.autoplay = true;
        video.muted = true;
        video.playsInline = true;
        video.dataset.siteId = id;
        const label = document.createElement('span');
        label.className = 'tile-label';
        tile.append(video, label);
        tile.addEventListener('click', () => this.onFocus(this.conference.focus === id ? null : id));
        thumb = { tile, video, label };
        this.#thumbs.set(id, thumb);
      }
      if (this.el.thumbs.children[index] !== thumb.tile)
        this.el.thumbs.insertBefore(thumb.tile, this.el.thumbs.children[index] ?? null);
      attach(thumb.video, videos.get(id)?.consumer.track);
      // Short marks on the small label; the full words in the tooltip.
      const hand = Boolean(view?.hands.includes(id));
      const muted = Boolean(view?.muted.includes(id));
      const name = siteName(c.siteById(id));
      text(thumb.label, [hand ? '✋' : '', name, muted ? `(${t('hub.mutedShort')})` : ''].filter(Boolean).join(' '));
      thumb.tile.title = [name, hand ? t('hub.hand') : '', muted ? t('hub.muted') : ''].filter(Boolean).join(' · ');
      thumb.tile.dataset.floor = String(view?.floor === id);
      thumb.tile.dataset.hand = String(Boolean(view?.hands.includes(id)));
      thumb.tile.dataset.focused = String(c.focus === id);
    });
  }

  #notices(): void {
    const c = this.conference;
    const notes: Message[] = [];
    const floor = c.view?.floor;
    if (floor && floor !== c.site?.id && c.role === 'bridge')
      notes.push({ key: 'conf.floorOther', params: { name: siteName(c.siteById(floor)) } });
    if (c.handRaised) notes.push({ key: 'conf.handUp' });
    const hands = c.role === 'hub' ? (c.view?.hands ?? []) : [];
    if (hands.length) {
      notes.push({ key: 'hub.hands', params: { names: hands.map((id) => siteName(c.siteById(id))).join(', ') } });
    }
    if (c.role === 'hub' && floor)
      notes.push({ key: 'conf.floorOther', params: { name: siteName(c.siteById(floor)) } });
    if (c.mutedByOperator) notes.push({ key: 'conf.mutedByOperator' });
    else if (c.micMuted) notes.push({ key: 'conf.micMuted' });
    if (c.camOff) notes.push({ key: 'conf.camMuted' });
    if (c.transport === 'tcp') notes.push({ key: 'conf.onTcp' });
    if (!c.local.audio || !c.local.video)
      notes.push({
        key: 'conf.noLocalMedia',
        params: {
          problem: t(
            !c.local.audio && !c.local.video ? 'device.whatBoth' : !c.local.audio ? 'device.whatMic' : 'device.whatCam',
          ),
        },
      });
    const lines = notes.map(say);
    if (this.el.notices.dataset.text === lines.join('\n')) return;
    this.el.notices.dataset.text = lines.join('\n');
    this.el.notices.replaceChildren(
      ...lines.map((line) => {
        const li = document.createElement('li');
        li.className = 'notice';
        li.textContent = line;
        return li;
      }),
    );
  }

  #controls(): void {
    const c = this.conference;
    const micOn = !c.micMuted && !c.mutedByOperator;
    this.el.micButton.dataset.on = String(micOn);
    text(this.el.micButton, t(c.micMuted ? 'conf.micOn' : 'conf.micOff'));
    this.el.micButton.disabled = c.mutedByOperator || !c.local.audio;
    this.el.camButton.dataset.on = String(!c.camOff);
    text(this.el.camButton, t(c.camOff ? 'conf.camOn' : 'conf.camOff'));
    this.el.camButton.disabled = !c.local.video;
    show(this.el.handButton, c.role === 'bridge');
    this.el.handButton.dataset.raised = String(c.handRaised);
    text(this.el.handButton, t(c.handRaised ? 'conf.handLower' : 'conf.handRaise'));
    this.el.handButton.disabled = c.hasFloor || !c.connected;
    const r = c.report;
    text(
      this.el.qualityDetail,
      r && r.rttMs !== null
        ? t('quality.detail', {
            rtt: r.rttMs,
            loss: r.lossPct ?? 0,
            in: r.inKbps ?? 0,
            out: r.outKbps ?? 0,
            transport: (r.transport ?? c.transport ?? '').toUpperCase(),
          })
        : '',
    );
  }

  /** One playing <audio> per audio consumer, on the chosen speaker. */
  #audioElements(speakerId: string | undefined): void {
    const audioTracks = new Map<string, MediaStreamTrack>();
    for (const r of this.conference.remote)
      if (r.offer.kind === 'audio') audioTracks.set(r.consumer.id, r.consumer.track);
    for (const [id, el] of this.#audio) {
      if (!audioTracks.has(id)) {
        el.srcObject = null;
        el.remove();
        this.#audio.delete(id);
      }
    }
    const speakerChanged = speakerId !== this.#speakerId;
    this.#speakerId = speakerId;
    for (const [id, track] of audioTracks) {
      let el = this.#audio.get(id);
      if (!el) {
        el = document.createElement('audio');
        el.autoplay = true;
        el.dataset.consumerId = id;
        el.srcObject = new MediaStream([track]);
        this.el.audioSinks.append(el);
        this.#audio.set(id, el);
        const audio = el;
        void applySpeaker(audio, speakerId).then(() => audio.play().catch(() => this.#blocked()));
      } else if (speakerChanged) {
        void applySpeaker(el, speakerId);
      }
    }
  }

  /** The browser blocks sound until the page is clicked (after a reload, say): ask for a click. */
  #blocked(): void {
    if (this.#soundBlocked) return;
    this.#soundBlocked = true;
    show(this.el.soundUnlock, true);
  }

  #overlay(): void {
    const c = this.conference;
    show(this.el.overlay, c.state === 'reconnecting');
    text(this.el.overlayDetail, c.recovery ? say(c.recovery) : '');
  }

  #error(): void {
    const e = this.conference.error;
    show(this.el.error, Boolean(e));
    this.el.error.dataset.errorCode = e?.code ?? '';
    if (!e) return;
    const words = errorWords(e);
    text(this.el.errorTitle, say(words.title));
    text(this.el.errorMessage, say(words.message));
    show(this.el.errorAction, Boolean(words.action));
    if (words.action) text(this.el.errorAction, say(words.action));
  }
}

/** What the page says about why the client stopped, and the button that starts it again. */
function errorWords(e: ClientError): { title: Message; message: Message; action?: Message } {
  switch (e.code) {
    case 'unauthorized':
      return { title: { key: 'error.unauthorized.title' }, message: { key: 'error.unauthorized' } };
    case 'no-token':
      return { title: { key: 'error.noToken.title' }, message: { key: 'error.noToken' } };
    case 'unsupported':
      return {
        title: { key: 'error.unsupported.title' },
        message: { key: 'error.unsupported', params: { detail: e.detail ?? '' } },
      };
    case 'taken-over':
      return {
        title: { key: 'error.takenOver.title' },
        message: { key: 'error.takenOver' },
        action: { key: 'error.takenOver.action' },
      };
    case 'link-reissued':
      return { title: { key: 'error.linkReissued.title' }, message: { key: 'error.linkReissued' } };
    case 'disconnected-by-operator':
      return {
        title: { key: 'error.byOperator.title' },
        message: { key: 'error.byOperator' },
        action: { key: 'error.byOperator.action' },
      };
    default:
      return {
        title: { key: 'error.left.title' },
        message: { key: 'error.left' },
        action: { key: 'error.left.action' },
      };
  }
}

function probeText(p: ProbeResult): string {
  switch (p.status) {
    case 'ok':
      return p.rttMs !== undefined ? t('check.okRtt', { rtt: p.rttMs }) : t('check.ok');
    case 'blocked':
      return t('check.blocked');
    case 'unavailable':
      return t('check.unavailable');
    case 'skipped':
      return t('check.skipped');
    case 'running':
      return t('check.running');
    default:
      return t('check.waiting');
  }
}

function fillSelect(
  select: HTMLSelectElement,
  devices: readonly MediaDeviceInfo[],
  chosen: string | undefined,
  kind: StringKey,
  withDefault = false,
): void {
  const options: HTMLOptionElement[] = [];
  if (withDefault) options.push(new Option(t('device.default'), ''));
  devices.forEach((d, i) => {
    if (withDefault && d.deviceId === 'default') return; // the "default" entry is the line above
    options.push(new Option(d.label || t('device.unnamed', { kind: t(kind), n: i + 1 }), d.deviceId));
  });
  if (options.length === 0) options.push(new Option(t('device.none'), ''));
  select.replaceChildren(...options);
  const known = options.some((o) => o.value === chosen);
  select.value = known && chosen !== undefined ? chosen : (options[0]?.value ?? '');
  select.disabled = devices.length === 0;
}
