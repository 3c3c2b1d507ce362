// Reading bytes per stream from libwebrtc's stats. wrtc 0.10 implements
// RTCPeerConnection.getStats() but not RTCRtpSender/Receiver.getStats() ("Not yet
// implemented"), so producer.getStats() and consumer.getStats() reject. Read the transport's
// whole report instead and pick the RTP streams by SSRC: mediasoup puts the SSRCs in each
// consumer's rtpParameters, mediasoup-client in each producer's.
import type { types } from 'mediasoup-client';

export function ssrcsOf(rtpParameters: types.RtpParameters): Set<number> {
  return new Set((rtpParameters.encodings ?? []).flatMap((e) => (e.ssrc === undefined ? [] : [e.ssrc])));
}

/** Per SSRC, the named counter of every stat of that type (e.g. inbound-rtp bytesReceived). */
export async function countersBySsrc(
  transport: types.Transport,
  type: string,
  field: string,
): Promise<Map<number, number>> {
  const counters = new Map<number, number>();
  if (transport.closed) return counters;
  const report = await transport.getStats();
  report.forEach((stat: Record<string, unknown>) => {
    const { ssrc, [field]: value } = stat;
    if (stat.type === type && typeof ssrc === 'number' && typeof value === 'number') {
      counters.set(ssrc, (counters.get(ssrc) ?? 0) + value);
    }
  });
  return counters;
}

export function sumFor(counters: Map<number, number>, ssrcs: Set<number>): number {
  let sum = 0;
  for (const ssrc of ssrcs) sum += counters.get(ssrc) ?? 0;
  return sum;
}
