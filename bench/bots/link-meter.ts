// The figures a site page reports every 2 s (site:report), computed for a bot from its own
// counters: rates over the time since the previous sample, loss and jitter of what it
// receives from its receivers, RTT and the server's loss of its packets from werift's RTCP
// (receiver reports' LSR/DLSR on the send transport), and the transport the ICE pair uses.
// BotMedia (the bare-SFU bots) and SiteBot (the bots on the site client) both use it.
import { performance } from 'node:perf_hooks';
import type { types } from 'mediasoup-client';
import type { LinkReport } from '../../contract/index.js';
import type { ReceiverCounters } from './receiver.js';

/** A bot always knows what it receives. */
export type BotLinkReport = LinkReport & Required<Pick<LinkReport, 'receiving'>>;

export interface MeterInput {
  /** Bytes sent so far, every stream of every source. */
  readonly bytesOut: number;
  readonly received: readonly ReceiverCounters[];
  /** The transports to ask for RTCP figures and the selected candidate pair. */
  readonly transports: readonly (types.Transport | undefined)[];
}

interface Snapshot {
  at: number;
  bytesOut: number;
  bytesIn: number;
  audioBytesIn: number;
  videoBytesIn: number;
  packetsIn: number;
  lostIn: number;
}

type Stat = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class LinkMeter {
  #last: Snapshot | undefined;

  reset(): void {
    this.#last = undefined;
  }

  /** One sample; rates are null on the first. */
  async sample(input: MeterInput): Promise<BotLinkReport> {
    const now = performance.now();
    const snap: Snapshot = {
      at: now,
      bytesOut: input.bytesOut,
      bytesIn: 0,
      audioBytesIn: 0,
      videoBytesIn: 0,
      packetsIn: 0,
      lostIn: 0,
    };
    for (const r of input.received) {
      snap.bytesIn += r.bytes;
      snap.packetsIn += r.packets;
      snap.lostIn += r.lost;
      if (r.kind === 'audio') snap.audioBytesIn += r.bytes;
      else snap.videoBytesIn += r.bytes;
    }
    const last = this.#last;
    this.#last = snap;
    const link = await linkStats(input.transports);
    const seconds = last ? (now - last.at) / 1000 : 0;
    const rate = (v: number, before: number) =>
      last && seconds > 0 ? Math.max(0, Math.round(((v - before) * 8) / 1000 / seconds)) : null;
    let recvLoss: number | undefined;
    if (last) {
      const lost = Math.max(0, snap.lostIn - last.lostIn);
      const got = Math.max(0, snap.packetsIn - last.packetsIn);
      if (lost + got > 0) recvLoss = (lost / (lost + got)) * 100;
    }
    const losses = [link.sendLossPct, recvLoss].filter((v): v is number => v !== undefined);
    const jitters = input.received.filter((r) => r.packets > 0).map((r) => r.jitterMs);
    return {
      rttMs: link.rttMs === undefined ? null : Math.round(link.rttMs),
      lossPct: losses.length ? Math.min(100, Math.round(Math.max(...losses) * 10) / 10) : null,
      jitterMs: jitters.length ? Math.round(Math.max(...jitters)) : null,
      inKbps: rate(snap.bytesIn, last?.bytesIn ?? 0),
      outKbps: rate(snap.bytesOut, last?.bytesOut ?? 0),
      transport: link.transport,
      receiving: {
        audio: Boolean(last && snap.audioBytesIn > last.audioBytesIn),
        video: Boolean(last && snap.videoBytesIn > last.videoBytesIn),
      },
    };
  }
}

async function linkStats(
  transports: readonly (types.Transport | undefined)[],
): Promise<{ rttMs?: number; sendLossPct?: number; transport: 'udp' | 'tcp' | null }> {
  const transport = transports.find((t) => t && !t.closed);
  if (!transport) return { transport: null };
  const all: Stat[] = [];
  (await transport.getStats()).forEach((s: Stat) => {
    all.push(s);
  });
  let rttMs: number | undefined;
  let sendLossPct: number | undefined;
  for (const s of all) {
    if (s.type !== 'remote-inbound-rtp') continue;
    const rtt = num(s.roundTripTime);
    const lost = num(s.fractionLost);
    if (rtt !== undefined) rttMs = Math.max(rttMs ?? 0, rtt * 1000);
    if (lost !== undefined) sendLossPct = Math.max(sendLossPct ?? 0, lost * 100);
  }
  const pairId = all.find(
    (s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string',
  )?.selectedCandidatePairId;
  const pair = all.find((s) => s.id === pairId) ?? all.find((s) => s.type === 'candidate-pair' && s.nominated);
  const local = pair && all.find((s) => s.id === pair.localCandidateId);
  const protocol = local?.protocol;
  return { rttMs, sendLossPct, transport: protocol === 'udp' || protocol === 'tcp' ? protocol : null };
}
