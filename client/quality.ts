// The link as this page sees it, from WebRTC getStats: delay (RTT), packet loss, jitter, the
// bit rates in and out, and whether media goes over UDP or TCP. Sampled every 2 s; shown to
// the technician and sent to the server for the operator's board.
import type { SiteInput } from '../contract/index.js';

export type Report = SiteInput<'site:report'>;
export type Grade = 'good' | 'fair' | 'poor' | 'unknown';

type Stat = Record<string, unknown> & { id: string; type: string; timestamp: number };

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function stats(report: RTCStatsReport): Stat[] {
  const list: Stat[] = [];
  report.forEach((s: Stat) => {
    list.push(s);
  });
  return list;
}

/** The ICE candidate pair media flows on: the transport's selected pair, else the nominated one. */
export function selectedPair(report: RTCStatsReport): Stat | undefined {
  const all = stats(report);
  const transport = all.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
  const byId = transport && all.find((s) => s.id === transport.selectedCandidatePairId);
  return byId ?? all.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true);
}

/** 'udp' or 'tcp': the protocol of the server's candidate on the selected pair. */
export function protocolOf(report: RTCStatsReport): 'udp' | 'tcp' | null {
  const pair = selectedPair(report);
  if (!pair) return null;
  const remote = report.get(String(pair.remoteCandidateId)) as Stat | undefined;
  const local = report.get(String(pair.localCandidateId)) as Stat | undefined;
  const protocol = remote?.protocol ?? local?.protocol;
  return protocol === 'tcp' || protocol === 'udp' ? protocol : null;
}

/** Whether the selected pair goes through a TURN relay (this side's candidate is a relay one). */
export function relayedOf(report: RTCStatsReport): boolean {
  const pair = selectedPair(report);
  const local = pair && (report.get(String(pair.localCandidateId)) as Stat | undefined);
  return local?.candidateType === 'relay';
}

export function rttMsOf(report: RTCStatsReport): number | undefined {
  const rtt = num(selectedPair(report)?.currentRoundTripTime);
  return rtt === undefined ? undefined : rtt * 1000;
}

/** Sum of one counter over every stat of a type (e.g. outbound-rtp bytesSent). */
export function total(report: RTCStatsReport, type: string, field: string, kind?: 'audio' | 'video'): number {
  let sum = 0;
  for (const s of stats(report)) {
    if (s.type === type && (!kind || s.kind === kind)) sum += num(s[field]) ?? 0;
  }
  return sum;
}

interface Totals {
  at: number;
  /** Video frames captured by the camera, and the most any layer encoded (for dropped frames). */
  framesCaptured: number;
  framesEncoded: number;
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
  lostIn: number;
  audioBytesIn: number;
  videoBytesIn: number;
}

/** Anything with getStats(): a mediasoup-client Transport. */
export interface StatsSource {
  readonly closed: boolean;
  getStats(): Promise<RTCStatsReport>;
}

export class QualityMonitor {
  #last: Totals | undefined;

  reset(): void {
    this.#last = undefined;
  }

  /** One sample from the send and receive transports; rates are over the time since the last one. */
  async sample(send: StatsSource | undefined, recv: StatsSource | undefined): Promise<Report> {
    const [out, inn] = await Promise.all([
      send && !send.closed ? send.getStats() : undefined,
      recv && !recv.closed ? recv.getStats() : undefined,
    ]);
    const now = performance.now();
    let framesEncoded = 0;
    let limitation: Report['limitation'];
    if (out) {
      for (const s of stats(out)) {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video') continue;
        framesEncoded = Math.max(framesEncoded, num(s.framesEncoded) ?? 0);
        const reason = s.qualityLimitationReason;
        // The worst reason any layer gives: the CPU is what a busy computer shows.
        if (reason === 'cpu' || (reason === 'bandwidth' && limitation !== 'cpu')) limitation = reason;
        else if (reason === 'other' && !limitation) limitation = 'other';
        else if (reason === 'none' && !limitation) limitation = 'none';
      }
    }
    const totals: Totals = {
      at: now,
      framesCaptured: out ? total(out, 'media-source', 'frames', 'video') : 0,
      framesEncoded,
      bytesOut: out ? total(out, 'outbound-rtp', 'bytesSent') : 0,
      bytesIn: inn ? total(inn, 'inbound-rtp', 'bytesReceived') : 0,
      packetsIn: inn ? total(inn, 'inbound-rtp', 'packetsReceived') : 0,
      lostIn: inn ? total(inn, 'inbound-rtp', 'packetsLost') : 0,
      audioBytesIn: inn ? total(inn, 'inbound-rtp', 'bytesReceived', 'audio') : 0,
      videoBytesIn: inn ? total(inn, 'inbound-rtp', 'bytesReceived', 'video') : 0,
    };
    const last = this.#last;
    this.#last = totals;

    const rtts = [out && rttMsOf(out), inn && rttMsOf(inn)].filter((v): v is number => v !== undefined);
    // What the server says it lost of ours (RTCP receiver reports) and what we lost of theirs.
    let sendLoss: number | undefined;
    if (out) {
      for (const s of stats(out)) {
        const f = num(s.fractionLost);
        if (s.type === 'remote-inbound-rtp' && f !== undefined) sendLoss = Math.max(sendLoss ?? 0, f * 100);
      }
    }
    let jitterMs: number | null = null;
    if (inn) {
      for (const s of stats(inn)) {
        const j = num(s.jitter);
        if (s.type === 'inbound-rtp' && j !== undefined) jitterMs = Math.max(jitterMs ?? 0, j * 1000);
      }
    }
    const seconds = last ? (now - last.at) / 1000 : 0;
    const rate = (bytes: number, before: number) =>
      last && seconds > 0 ? Math.max(0, Math.round(((bytes - before) * 8) / 1000 / seconds)) : null;
    let recvLoss: number | undefined;
    if (last) {
      const lost = Math.max(0, totals.lostIn - last.lostIn);
      const got = Math.max(0, totals.packetsIn - last.packetsIn);
      if (lost + got > 0) recvLoss = (lost / (lost + got)) * 100;
    }
    const available = out && num(selectedPair(out)?.availableOutgoingBitrate);
    const uplinkKbps = available === undefined ? undefined : Math.round(available / 1000);
    const losses = [sendLoss, recvLoss].filter((v): v is number => v !== undefined);
    const captured = last ? totals.framesCaptured - last.framesCaptured : 0;
    const encoded = last ? totals.framesEncoded - last.framesEncoded : 0;
    const framesDroppedPct =
      captured > 0 ? Math.round(Math.min(100, Math.max(0, (1 - encoded / captured) * 100))) : undefined;
    return {
      rttMs: rtts.length ? Math.round(Math.max(...rtts)) : null,
      lossPct: losses.length ? Math.min(100, Math.round(Math.max(...losses) * 10) / 10) : null,
      jitterMs: jitterMs === null ? null : Math.round(jitterMs),
      inKbps: rate(totals.bytesIn, last?.bytesIn ?? 0),
      outKbps: rate(totals.bytesOut, last?.bytesOut ?? 0),
      transport: (out && protocolOf(out)) ?? (inn && protocolOf(inn)) ?? null,
      ...((out && relayedOf(out)) || (inn && relayedOf(inn)) ? { relayed: true } : {}),
      ...(uplinkKbps !== undefined ? { uplinkKbps } : {}),
      receiving: {
        audio: Boolean(last && totals.audioBytesIn > last.audioBytesIn),
        video: Boolean(last && totals.videoBytesIn > last.videoBytesIn),
      },
      ...(limitation ? { limitation } : {}),
      ...(framesDroppedPct !== undefined ? { framesDroppedPct } : {}),
    };
  }
}

/** A plain grade for the indicator: what a meeting tolerates. */
export function grade(r: Report | undefined): Grade {
  if (!r || r.rttMs === null) return 'unknown';
  const loss = r.lossPct ?? 0;
  if (r.rttMs > 400 || loss > 8) return 'poor';
  if (r.rttMs > 150 || loss > 2) return 'fair';
  return 'good';
}
