// The pre-join screen: the device lists, the preview, a device problem in plain words, the
// network check's rows, its verdict and advice, and the join button. The device lists are
// refilled only when they or the language change, so an open list is not closed under the
// technician's pointer.
import type { SiteClient } from '../../client/site-client.js';
import {
  canChooseSpeaker,
  type DeviceChoice,
  type DeviceLists,
  type DeviceProblem,
  problemMessage,
} from './devices.js';
import { getLang, type StringKey, render as say, t } from './i18n.js';
import type { CheckResult, ProbeResult } from './network-check.js';
import { attach, type PageElements, show, text } from './page-dom.js';

/** What the pre-join screen shows, owned by main.ts. */
export interface PrejoinModel {
  devices: DeviceLists;
  choice: DeviceChoice;
  problems: readonly DeviceProblem[];
  check: CheckResult;
  checking: boolean;
}

export class PrejoinView {
  #devices = '';

  constructor(
    readonly el: PageElements,
    readonly conference: SiteClient,
  ) {}

  render(m: PrejoinModel): void {
    const { el, conference: c } = this;
    const signature = JSON.stringify([m.devices, m.choice, getLang()]);
    if (signature !== this.#devices) {
      this.#devices = signature;
      fillSelect(el.cameraSelect, m.devices.cameras, m.choice.cameraId, 'device.camera');
      fillSelect(el.micSelect, m.devices.mics, m.choice.micId, 'device.mic');
      fillSelect(el.speakerSelect, m.devices.speakers, m.choice.speakerId, 'device.speaker', true);
    }
    const canChoose = canChooseSpeaker();
    el.speakerSelect.disabled = !canChoose;
    show(el.speakerUnsupported, !canChoose);

    const problem = m.problems[0];
    show(el.deviceProblem, Boolean(problem));
    if (problem) text(el.deviceProblemText, m.problems.map((p) => say(problemMessage(p))).join(' '));
    show(el.previewEmpty, !c.local.video);
    attach(el.previewVideo, c.local.video);

    const { check } = m;
    const row = (tr: HTMLElement, result: string, value: string) => {
      tr.dataset.result = result;
      text(tr.querySelector('td') as HTMLElement, value);
    };
    const sig = check.signaling;
    const connected = c.connected;
    const refused = c.state === 'error';
    row(
      el.checkRows.signaling,
      refused ? 'skipped' : !connected && sig.status !== 'running' ? 'unreachable' : sig.status,
      refused
        ? '—'
        : !connected
          ? t(c.attempts > 0 ? 'check.unreachable' : 'check.running')
          : sig.status === 'ok'
            ? t('check.okRtt', { rtt: sig.rttMs ?? 0 })
            : sig.status === 'unreachable'
              ? t('check.unreachable')
              : t(sig.status === 'running' ? 'check.running' : 'check.waiting'),
    );
    row(el.checkRows.udp, check.udp.status, probeText(check.udp));
    row(el.checkRows.tcp, check.tcp.status, probeText(check.tcp));
    const uplink = check.uplinkKbps;
    row(
      el.checkRows.uplink,
      uplink === null ? (check.done ? 'unknown' : 'waiting') : uplink >= 800 ? 'ok' : 'low',
      uplink === null ? t(check.done ? 'check.unknown' : 'check.waiting') : t('check.kbps', { kbps: uplink }),
    );
    show(el.verdict, Boolean(check.verdict));
    if (check.verdict) {
      el.verdict.dataset.verdict = check.verdict;
      text(el.verdict, t('check.verdict', { verdict: t(`verdict.${check.verdict}`) }));
    }
    const advice = check.advice.map(say);
    if (el.advice.dataset.text !== advice.join('\n')) {
      el.advice.dataset.text = advice.join('\n');
      el.advice.replaceChildren(
        ...advice.map((a) => {
          const li = document.createElement('li');
          li.textContent = a;
          return li;
        }),
      );
    }
    el.checkAgain.disabled = m.checking || !connected;
    const joining = c.state === 'joining';
    el.joinButton.disabled = joining || c.state === 'error';
    text(el.joinStatus, joining && c.recovery ? say(c.recovery) : '');
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
