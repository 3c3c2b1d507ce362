// How a site's state is derived from what the server knows about it. Pure, so each transition
// and threshold can be tested on its own; the status service feeds it.

import type { SiteReport } from '../../briefing/briefing.js';
import type { SiteMediaStats, TransportState } from '../../media/index.js';
import type { SiteState } from '../../store/records.js';

export interface Thresholds {
  readonly maxRttMs: number;
  readonly maxLossPct: number;
  readonly maxJitterMs: number;
  /** Below this, what the site sends counts as no media. */
  readonly minSendKbps: number;
  /** How long a fresh connection may take to get media flowing before it counts as degraded. */
  readonly connectGraceMs: number;
  /** Media samples older than this are ignored (the sampler stalled or the site just joined). */
  readonly staleMs: number;
}

export interface SiteSignals {
  /** Connected to the server (on the pre-join page or in the conference). */
  readonly connected: boolean;
  /** Joined the conference (pressed Join), not only connected. */
  readonly joined: boolean;
  /** When the current connection joined (ms). */
  readonly connectedAt: number | null;
  readonly transports: { readonly send?: TransportState; readonly recv?: TransportState };
  readonly media: SiteMediaStats | null;
  readonly report: (SiteReport & { at: number }) | null;
  /** Whether there is anything for this site to receive (some other site sends). */
  readonly expectsToReceive: boolean;
  /** Whether the site's own microphone and camera are paused by the site (not a fault). */
  readonly selfPaused: boolean;
  /** A bridge whose hub sends nothing yet: receiving nothing is then not its fault. */
  readonly waitingForHub?: boolean;
  /**
   * No packet arrived from any of its unpaused producers since the previous sample: the SFU's
   * bitrate decays over a few seconds, packet counters stop at once (DTX audio still sends).
   */
  readonly mediaStalled?: boolean;
  /** The site's downlink cannot carry video: its video is paused, its audio goes on. */
  readonly audioOnly?: boolean;
}

export interface Derived {
  readonly state: SiteState;
  readonly reason: string;
  /** True when the cause is link quality (thresholds), not missing media: those need to persist. */
  readonly quality: boolean;
}

const up = (t: TransportState | undefined) =>
  t !== undefined && (t.ice === 'connected' || t.ice === 'completed') && t.dtls === 'connected';

export function deriveState(s: SiteSignals, th: Thresholds, now: number): Derived {
  if (!s.connected) return { state: 'offline', reason: 'no connection', quality: false };
  // The technician is checking the camera and the network: nothing is wrong yet.
  if (!s.joined) return { state: 'connecting', reason: 'in the pre-join check (not joined yet)', quality: false };
  const young = s.connectedAt !== null && now - s.connectedAt < th.connectGraceMs;
  const notYet = (reason: string): Derived =>
    young ? { state: 'connecting', reason, quality: false } : { state: 'degraded', reason, quality: false };

  const { send, recv } = s.transports;
  if (!send || !recv) return notYet('media transports not created');
  if (send.ice === 'disconnected' || recv.ice === 'disconnected') {
    return { state: 'degraded', reason: 'media link interrupted (ICE disconnected)', quality: false };
  }
  if (!up(send) || !up(recv))
    return notYet(`media not connected (ICE ${send.ice}/${recv.ice}, DTLS ${send.dtls}/${recv.dtls})`);

  const media = s.media && now - s.media.at <= th.staleMs ? s.media : null;
  if (!media) return notYet('waiting for media statistics');
  const producers = Object.values(media.producers);
  const sending = producers.some((p) => !p.paused && p.kbps >= th.minSendKbps);
  if (!sending && !s.selfPaused) {
    return notYet(producers.length === 0 ? 'sends no audio or video' : 'sends no media (no bytes arriving)');
  }
  if (s.mediaStalled && !s.selfPaused) {
    return { state: 'degraded', reason: 'media stopped arriving (no packets for a second)', quality: false };
  }
  if (s.expectsToReceive && media.consumers.kbps <= 0) return notYet('receives no media');

  const report = s.report && now - s.report.at <= th.staleMs ? s.report : null;
  const rtt = Math.max(media.rttMs ?? 0, report?.rttMs ?? 0);
  if (rtt > th.maxRttMs)
    return { state: 'degraded', reason: `RTT ${Math.round(rtt)} ms > ${th.maxRttMs} ms`, quality: true };
  const loss = Math.max(media.lossInPct ?? 0, media.lossOutPct ?? 0, report?.lossPct ?? 0);
  if (loss > th.maxLossPct)
    return { state: 'degraded', reason: `loss ${loss.toFixed(1)} % > ${th.maxLossPct} %`, quality: true };
  const jitter = Math.max(media.jitterMs ?? 0, report?.jitterMs ?? 0);
  if (jitter > th.maxJitterMs) {
    return { state: 'degraded', reason: `jitter ${Math.round(jitter)} ms > ${th.maxJitterMs} ms`, quality: true };
  }
  if (s.audioOnly) return { state: 'degraded', reason: 'audio only: the link is too thin for video', quality: false };
  if (s.waitingForHub) return { state: 'online', reason: 'joined; sending, waiting for the hub', quality: false };
  return { state: 'online', reason: 'media flowing both ways', quality: false };
}
