// The connectivity checks of a rehearsal: what each site must show before the live session.
// Pure: evidence in, one result per check out, each with its measured value and a plain reason.
import type { SiteMediaStats } from '../../media/index.js';
import type { SiteReport } from '../briefing.js';

export interface CheckThresholds {
  /** Defaults from published practice for interactive video: RTT < 300 ms, loss < 2 %, jitter < 30 ms. */
  readonly maxRttMs: number;
  readonly maxLossPct: number;
  readonly maxJitterMs: number;
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

export interface Evidence {
  readonly role: 'hub' | 'bridge';
  readonly present: boolean;
  /** Media samples taken during the measurement window (oldest first). */
  readonly samples: readonly SiteMediaStats[];
  /** The page's own last report, if the page sends them. */
  readonly report: SiteReport | null;
  /** The technician confirmed hearing and seeing the hub. */
  readonly confirmed: { hears: boolean; sees: boolean } | null;
}

export interface CheckResult {
  readonly name: string;
  readonly pass: boolean;
  readonly value: string | number | boolean | null;
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

export function runChecks(e: Evidence, th: CheckThresholds = defaultCheckThresholds): CheckResult[] {
  if (!e.present) {
    return [{ name: 'signaling', pass: false, value: false, reason: 'the site did not connect during the rehearsal' }];
  }
  const checks: CheckResult[] = [{ name: 'signaling', pass: true, value: true, reason: 'connected to the server' }];
  const last = e.samples.at(-1);
  const iceUp = (s: string | null) => s === 'connected' || s === 'completed';
  const connected =
    last !== undefined &&
    iceUp(last.ice.send) &&
    iceUp(last.ice.recv) &&
    last.dtls.send === 'connected' &&
    last.dtls.recv === 'connected';
  checks.push({
    name: 'ice',
    pass: connected,
    value: last?.transport ?? null,
    reason: connected
      ? `media connected over ${last?.transport?.toUpperCase() ?? '?'}${last?.transport === 'tcp' ? ' (UDP unavailable: the firewall may block it)' : ''}`
      : `media did not connect (ICE ${last?.ice.send ?? 'none'}/${last?.ice.recv ?? 'none'}, DTLS ${last?.dtls.send ?? 'none'}/${last?.dtls.recv ?? 'none'}): check the firewall allows the media ports`,
  });

  const audio = median(e.samples.map((s) => s.producers.mic?.kbps ?? 0));
  checks.push({
    name: 'audio-sent',
    pass: audio !== null && audio >= th.minAudioKbps,
    value: audio,
    reason:
      audio !== null && audio >= th.minAudioKbps
        ? `the server receives the site's audio (${audio} kbit/s)`
        : e.samples.some((s) => s.producers.mic?.paused)
          ? 'the microphone is muted at the site'
          : `no audio reaches the server (${audio ?? 0} kbit/s < ${th.minAudioKbps}): check the microphone`,
  });
  const video = median(e.samples.map((s) => s.producers.cam?.kbps ?? 0));
  checks.push({
    name: 'video-sent',
    pass: video !== null && video >= th.minVideoKbps,
    value: video,
    reason:
      video !== null && video >= th.minVideoKbps
        ? `the server receives the site's video (${video} kbit/s)`
        : `no video reaches the server (${video ?? 0} kbit/s < ${th.minVideoKbps}): check the camera and that it is not switched off`,
  });

  if (e.role === 'bridge') {
    const received = median(e.samples.map((s) => s.consumers.kbps));
    const sfuOk = received !== null && received >= th.minReceiveKbps;
    const pageSays = e.report?.receiving;
    const pageOk = pageSays === undefined || (pageSays.audio && pageSays.video);
    checks.push({
      name: 'hub-received',
      pass: sfuOk && pageOk,
      value: received,
      reason: !sfuOk
        ? `the site does not receive the hub (${received ?? 0} kbit/s sent to it < ${th.minReceiveKbps})`
        : !pageOk
          ? `the server sends the hub, but the page plays no ${pageSays?.audio ? 'video' : 'audio'}: check the speakers and the page`
          : `the site receives the hub's audio and video (${received} kbit/s${pageSays ? ', confirmed by the page' : ''})`,
    });
  }

  const rtt = median(num([...e.samples.map((s) => s.rttMs), e.report?.rttMs]));
  checks.push({
    name: 'rtt',
    pass: rtt !== null && rtt < th.maxRttMs,
    value: rtt === null ? null : round(rtt),
    reason:
      rtt === null
        ? 'round-trip time could not be measured'
        : rtt < th.maxRttMs
          ? `RTT ${round(rtt)} ms`
          : `RTT ${round(rtt)} ms ≥ ${th.maxRttMs} ms: the link is slow`,
  });
  const loss = median(e.samples.map((s) => Math.max(s.lossInPct ?? 0, s.lossOutPct ?? 0)));
  checks.push({
    name: 'loss',
    pass: loss !== null && loss < th.maxLossPct,
    value: loss === null ? null : round(loss),
    reason:
      loss === null
        ? 'loss could not be measured'
        : loss < th.maxLossPct
          ? `loss ${round(loss)} %`
          : `loss ${round(loss)} % ≥ ${th.maxLossPct} %: the link drops packets`,
  });
  const jitter = median(num(e.samples.map((s) => s.jitterMs)));
  checks.push({
    name: 'jitter',
    pass: jitter === null || jitter < th.maxJitterMs,
    value: jitter === null ? null : round(jitter),
    reason:
      jitter === null
        ? 'no jitter measured (nothing sent)'
        : jitter < th.maxJitterMs
          ? `jitter ${round(jitter)} ms`
          : `jitter ${round(jitter)} ms ≥ ${th.maxJitterMs} ms: the link is unsteady`,
  });
  if (e.confirmed) {
    const ok = e.confirmed.hears && e.confirmed.sees;
    checks.push({
      name: 'confirmed',
      pass: ok,
      value: ok,
      reason: ok
        ? 'the technician hears and sees the hub'
        : `the technician does not ${e.confirmed.hears ? 'see' : 'hear'} the hub`,
    });
  }
  return checks;
}

export function resultOf(checks: readonly CheckResult[], present: boolean): SiteResult {
  if (!present) return 'absent';
  return checks.every((c) => c.pass) ? 'pass' : 'fail';
}
