// Link quality of one site, from the SFU's side, in the project's terms: what the status
// board shows and the rehearsal checks measure.
import type { types } from 'mediasoup';
import type { SiteMedia } from './site-media.js';

export interface FeedStats {
  readonly kbps: number;
  /** RTP packets received since the producer began (all layers): DTX audio still sends a few. */
  readonly packets: number;
  readonly score: number;
  readonly lossPct: number;
  readonly jitterMs: number;
  readonly paused: boolean;
}

export interface SiteMediaStats {
  readonly siteId: string;
  readonly at: number;
  /** How the site reaches the SFU: the selected ICE candidate's protocol. */
  readonly transport: 'udp' | 'tcp' | null;
  readonly ice: { send: string | null; recv: string | null };
  readonly dtls: { send: string | null; recv: string | null };
  /** Round trip to the site in ms (RTCP of what it receives), null until measured. */
  readonly rttMs: number | null;
  /** Loss on what the site sends (%). */
  readonly lossInPct: number | null;
  /** Loss on what the site receives (%), as its receiver reports. */
  readonly lossOutPct: number | null;
  readonly jitterMs: number | null;
  readonly inKbps: number;
  readonly outKbps: number;
  /** What the SFU estimates it can send the site (its downlink), kbit/s; null before an estimate. */
  readonly availableOutKbps: number | null;
  readonly producers: Partial<Record<'mic' | 'cam', FeedStats>>;
  readonly consumers: { readonly count: number; readonly minScore: number | null; readonly kbps: number };
}

const CLOCK = { audio: 48000, video: 90000 } as const;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const maxOrNull = (xs: number[]) => (xs.length ? Math.max(...xs) : null);

async function transportStats(t: types.WebRtcTransport | undefined) {
  if (!t || t.closed) return undefined;
  const [s] = await t.getStats().catch(() => []);
  return s;
}

export async function sampleSite(site: SiteMedia): Promise<SiteMediaStats> {
  const [send, recv] = await Promise.all([
    transportStats(site.transport('send')),
    transportStats(site.transport('recv')),
  ]);
  const producers: Partial<Record<'mic' | 'cam', FeedStats>> = {};
  const jitters: number[] = [];
  const lossIn: number[] = [];
  await Promise.all(
    [...site.producers].map(async ([source, p]) => {
      const stats = await p.getStats().catch(() => []);
      // Simulcast gives one entry per layer: sum bitrate, worst loss and jitter.
      const kbps = stats.reduce((a, s) => a + s.bitrate, 0) / 1000;
      const packets = stats.reduce((a, s) => a + s.packetCount, 0);
      const loss = Math.max(0, ...stats.map((s) => (s.fractionLost / 256) * 100));
      const jitter = Math.max(0, ...stats.map((s) => (s.jitter / CLOCK[p.kind]) * 1000));
      const score = stats.length ? Math.max(...stats.map((s) => s.score)) : 0;
      producers[source] = {
        kbps: round(kbps),
        packets,
        score,
        lossPct: round(loss),
        jitterMs: round(jitter),
        paused: p.paused,
      };
      if (stats.length) {
        lossIn.push(loss);
        jitters.push(jitter);
      }
    }),
  );
  const rtts: number[] = [];
  const lossOut: number[] = [];
  const scores: number[] = [];
  let consumerKbps = 0;
  await Promise.all(
    site.consumerObjects().map(async (consumer) => {
      if (consumer.closed) return;
      const stats = await consumer.getStats().catch(() => []);
      const out = stats.find((s) => s.type === 'outbound-rtp');
      if (!out) return;
      if (out.roundTripTime !== undefined && out.roundTripTime > 0) rtts.push(out.roundTripTime);
      lossOut.push((out.fractionLost / 256) * 100);
      scores.push(out.score);
      consumerKbps += out.bitrate / 1000;
    }),
  );
  const tuple = site.transport('send')?.iceSelectedTuple ?? site.transport('recv')?.iceSelectedTuple;
  const median = rtts.sort((a, b) => a - b)[Math.floor(rtts.length / 2)];
  return {
    siteId: site.siteId,
    at: Date.now(),
    transport: tuple ? (tuple.protocol as 'udp' | 'tcp') : null,
    ice: { send: send?.iceState ?? null, recv: recv?.iceState ?? null },
    dtls: { send: send?.dtlsState ?? null, recv: recv?.dtlsState ?? null },
    rttMs: median !== undefined ? round(median) : null,
    lossInPct: maxOrNull(lossIn),
    lossOutPct: maxOrNull(lossOut.map((l) => round(l))),
    jitterMs: maxOrNull(jitters.map((j) => round(j))),
    inKbps: round((send?.recvBitrate ?? 0) / 1000),
    outKbps: round((recv?.sendBitrate ?? 0) / 1000),
    availableOutKbps:
      recv?.availableOutgoingBitrate !== undefined && recv.availableOutgoingBitrate > 0
        ? Math.round(recv.availableOutgoingBitrate / 1000)
        : null,
    producers,
    consumers: {
      count: site.consumerCount,
      minScore: scores.length ? Math.min(...scores) : null,
      kbps: round(consumerKbps),
    },
  };
}
