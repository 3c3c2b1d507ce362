// The connectivity checks of a rehearsal: what each site must show before the live session.
// Pure: evidence in, one result per check out, each with its measured value, a code with
// parameters (translated on the board and in the printed report) and its English words.
//
// The rules try hard not to blame a site for what is not its fault, because a false failure
// means a needless phone call to a province on the eve of the briefing:
// - audio is judged by what arrives, not by a bitrate: Opus with DTX sends a few small packets
//   a second when the room is quiet, so a working, quiet microphone passes (with a word);
// - the hub's stream is judged only when the hub sends at all;
// - delay, loss and jitter past a threshold while the site's own computer is overloaded (its
//   encoder limited by the CPU, CPU pressure, dropped frames) are the computer's, not the
//   link's: reported as a warning naming that cause, not as a failure of the link.
import {
  type BusyCause,
  type CheckCode,
  type CheckParams,
  type CheckSeverity,
  checkText,
} from '../../contract/checks.js';
import type { LinkReport } from '../../contract/index.js';
import type { SiteMediaStats } from '../../media/index.js';

export interface CheckThresholds {
  /** Defaults from published practice for interactive video: RTT < 300 ms, loss < 2 %, jitter < 30 ms. */
  readonly maxRttMs: number;
  readonly maxLossPct: number;
  readonly maxJitterMs: number;
  /** Audio at or above this is clearly a voice; below it, packets arriving still pass (DTX). */
  readonly minAudioKbps: number;
  readonly minVideoKbps: number;
  /** What the site must receive of the hub (audio + video together). */
  readonly minReceiveKbps: number;
}

export const defaultCheckThresholds: CheckThresholds = {
  maxRttMs: 300,
  maxLossPct: 2,
  maxJitterMs: 30,
  minAudioKbps: 12,
  minVideoKbps: 30,
  minReceiveKbps: 40,
};

/** Fewer audio packets a second than this means nothing arrives (DTX alone sends about 2.5). */
const MIN_AUDIO_PPS = 1;
/** A page that drops more of its video frames than this is overloaded. */
const BUSY_FRAMES_DROPPED_PCT = 10;

export interface Evidence {
  readonly role: 'hub' | 'bridge';
  readonly present: boolean;
  /** Media samples taken during the measurement window (oldest first), once media settled. */
  readonly samples: readonly SiteMediaStats[];
  /** The page's own reports during the window (oldest first), if the page sends them. */
  readonly reports: readonly LinkReport[];
  /** The technician confirmed hearing and seeing the hub. */
  readonly confirmed: { hears: boolean; sees: boolean } | null;
  /** The site's voice was heard (audio level above the observer's threshold) during the window. */
  readonly heard: boolean;
  /** The hub was sending during the window (a bridge is judged on receiving it only then). */
  readonly hubSending: boolean;
}

export interface CheckResult {
  readonly name: string;
  readonly pass: boolean;
  readonly severity: CheckSeverity;
  readonly value: string | number | boolean | null;
  readonly code: CheckCode;
  readonly params: CheckParams;
  /** The check's words in English (the API's and the log's; pages translate the code). */
  readonly reason: string;
}

export type SiteResult = 'pass' | 'fail' | 'absent';

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? null;
};
const num = (xs: (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === 'number');
const round = (n: number) => Math.round(n * 10) / 10;

function check(
  name: string,
  severity: CheckSeverity,
  value: CheckResult['value'],
  code: CheckCode,
  params: CheckParams = {},
): CheckResult {
  return { name, pass: severity !== 'fail', severity, value, code, params, reason: checkText(code, params, 'en') };
}

/** Why the site's own computer may be what hurts its media, from its page's reports. */
export function busyCause(reports: readonly LinkReport[]): { cause: BusyCause; pct?: number } | null {
  const recent = reports.slice(-3);
  if (recent.some((r) => r.limitation === 'cpu')) return { cause: 'cause.cpu' };
  if (recent.some((r) => r.cpuPressure === 'serious' || r.cpuPressure === 'critical'))
    return { cause: 'cause.pressure' };
  const dropped = Math.max(0, ...recent.map((r) => r.framesDroppedPct ?? 0));
  if (dropped > BUSY_FRAMES_DROPPED_PCT) return { cause: 'cause.frames', pct: Math.round(dropped) };
  return null;
}

/** Packets a second of one source over the window, from the first and last samples. */
function packetRate(samples: readonly SiteMediaStats[], source: 'mic' | 'cam'): number {
  const first = samples.find((s) => s.producers[source]);
  const last = samples.findLast((s) => s.producers[source]);
  if (!first || !last || last.at <= first.at) return 0;
  const a = first.producers[source]?.packets ?? 0;
  const b = last.producers[source]?.packets ?? 0;
  return Math.max(0, (b - a) / ((last.at - first.at) / 1000));
}

function qualityCheck(
  name: 'rtt' | 'loss' | 'jitter',
  measured: number | null,
  max: number,
  busy: ReturnType<typeof busyCause>,
): CheckResult {
  const key = name === 'loss' ? 'pct' : 'ms';
  if (measured === null) {
    if (name === 'jitter') return check(name, 'ok', null, 'jitter.none');
    return check(name, 'fail', null, name === 'rtt' ? 'rtt.unknown' : 'loss.unknown');
  }
  const value = round(measured);
  if (measured < max) return check(name, 'ok', value, `${name}.ok`, { [key]: value });
  if (busy) {
    const cause = busy.cause.replace('cause.', '');
    return check(name, 'warn', value, `${name}.busy`, {
      [key]: value,
      max,
      cause,
      ...(busy.pct ? { pct: busy.pct } : {}),
    });
  }
  return check(name, 'fail', value, `${name}.high`, { [key]: value, max });
}

export function runChecks(e: Evidence, th: CheckThresholds = defaultCheckThresholds): CheckResult[] {
  if (!e.present) return [check('signaling', 'fail', false, 'signaling.absent')];
  const checks: CheckResult[] = [check('signaling', 'ok', true, 'signaling.ok')];
  const last = e.samples.at(-1);
  const iceUp = (s: string | null) => s === 'connected' || s === 'completed';
  const connected =
    last !== undefined &&
    iceUp(last.ice.send) &&
    iceUp(last.ice.recv) &&
    last.dtls.send === 'connected' &&
    last.dtls.recv === 'connected';
  if (connected)
    checks.push(check('ice', 'ok', last?.transport ?? null, last?.transport === 'tcp' ? 'ice.tcp' : 'ice.udp'));
  else {
    checks.push(
      check('ice', 'fail', last?.transport ?? null, 'ice.failed', {
        ice: `${last?.ice.send ?? 'none'}/${last?.ice.recv ?? 'none'}`,
        dtls: `${last?.dtls.send ?? 'none'}/${last?.dtls.recv ?? 'none'}`,
      }),
    );
  }

  // Audio: by what arrives. A quiet room with DTX sends little, but it sends.
  const mic = e.samples.map((s) => s.producers.mic);
  const audioKbps = median(mic.map((p) => p?.kbps ?? 0)) ?? 0;
  const audioPps = round(packetRate(e.samples, 'mic'));
  if (mic.every((p) => p === undefined)) checks.push(check('audio-sent', 'fail', null, 'audio.missing'));
  else if (mic.some((p) => p?.paused)) checks.push(check('audio-sent', 'fail', audioKbps, 'audio.muted'));
  else if (audioKbps >= th.minAudioKbps || e.heard)
    checks.push(check('audio-sent', 'ok', audioKbps, 'audio.ok', { kbps: audioKbps }));
  else if (audioPps >= MIN_AUDIO_PPS)
    checks.push(check('audio-sent', 'warn', audioKbps, 'audio.quiet', { kbps: audioKbps }));
  else checks.push(check('audio-sent', 'fail', audioKbps, 'audio.none', { kbps: audioKbps, pps: audioPps }));

  const cam = e.samples.map((s) => s.producers.cam);
  const videoKbps = median(cam.map((p) => p?.kbps ?? 0)) ?? 0;
  const videoParams = { kbps: videoKbps, min: th.minVideoKbps };
  if (cam.every((p) => p === undefined)) checks.push(check('video-sent', 'fail', 0, 'video.none', videoParams));
  else if (cam.some((p) => p?.paused)) checks.push(check('video-sent', 'fail', videoKbps, 'video.off'));
  else if (videoKbps >= th.minVideoKbps)
    checks.push(check('video-sent', 'ok', videoKbps, 'video.ok', { kbps: videoKbps }));
  else checks.push(check('video-sent', 'fail', videoKbps, 'video.low', videoParams));

  if (e.role === 'bridge') {
    const received = median(e.samples.map((s) => s.consumers.kbps)) ?? 0;
    const page = e.reports.at(-1)?.receiving;
    // By what arrives: a page that says the hub's sound and picture both reach it passes, at
    // whatever rate (a still hub on a low layer, or an encoder that a busy hub computer holds
    // back, sends little but plays); the SFU's rate decides only when the page does not say.
    if (!e.hubSending) checks.push(check('hub-received', 'warn', received, 'hub.notChecked'));
    else if (page?.audio && page.video && received > 0)
      checks.push(check('hub-received', 'ok', received, 'hub.okPage', { kbps: received }));
    else if (received < th.minReceiveKbps)
      checks.push(check('hub-received', 'fail', received, 'hub.none', { kbps: received, min: th.minReceiveKbps }));
    else if (page)
      checks.push(check('hub-received', 'fail', received, 'hub.notPlaying', { kind: page.audio ? 'video' : 'audio' }));
    else checks.push(check('hub-received', 'ok', received, 'hub.ok', { kbps: received }));
  }

  const busy = busyCause(e.reports);
  const rtt = median(num([...e.samples.map((s) => s.rttMs), ...e.reports.map((r) => r.rttMs)]));
  checks.push(qualityCheck('rtt', rtt, th.maxRttMs, busy));
  const loss = median(e.samples.map((s) => Math.max(s.lossInPct ?? 0, s.lossOutPct ?? 0)));
  const lossCheck = qualityCheck('loss', loss, th.maxLossPct, busy);
  // Which way the packets are lost: on what the site sends, or on what it receives.
  const sentLoss = round(median(e.samples.map((s) => s.lossInPct ?? 0)) ?? 0);
  const receivedLoss = round(median(e.samples.map((s) => s.lossOutPct ?? 0)) ?? 0);
  checks.push({ ...lossCheck, params: { ...lossCheck.params, sent: sentLoss, received: receivedLoss } });
  const jitter = median(num(e.samples.map((s) => s.jitterMs)));
  checks.push(qualityCheck('jitter', jitter, th.maxJitterMs, busy));

  if (e.confirmed) {
    const { hears, sees } = e.confirmed;
    const code: CheckCode =
      hears && sees ? 'confirmed.ok' : hears ? 'confirmed.noVideo' : sees ? 'confirmed.noAudio' : 'confirmed.neither';
    checks.push(check('confirmed', hears && sees ? 'ok' : 'fail', hears && sees, code));
  }
  return checks;
}

export function resultOf(checks: readonly CheckResult[], present: boolean): SiteResult {
  if (!present) return 'absent';
  return checks.every((c) => c.pass) ? 'pass' : 'fail';
}
