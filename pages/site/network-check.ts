// The pre-join network check against this server: is signaling reachable and how fast does it
// answer; does WebRTC media get through over UDP, over TCP; roughly how much can this room
// send. Each media probe is a throw-away send transport offering one protocol (the server
// forwards what it carries to nobody), fed by a small canvas of noise so the encoder really
// sends; the numbers come from the browser's own getStats.
import type { Device, types } from 'mediasoup-client';
import { RequestError, type SiteLink } from '../../client/link.js';
import { loadDevice, vp8 } from '../../client/media-session.js';
import { rttMsOf, selectedPair, total } from '../../client/quality.js';
import type { TransportOptions } from '../../contract/index.js';
import type { Message } from './i18n.js';

export type ProbeStatus = 'waiting' | 'running' | 'ok' | 'blocked' | 'unavailable' | 'skipped';

export interface ProbeResult {
  status: ProbeStatus;
  rttMs?: number;
  uplinkKbps?: number;
  /** The server's media port for this protocol, for the advice to the network staff. */
  port?: number;
}

export type Verdict = 'good' | 'fair' | 'poor';

export interface CheckResult {
  signaling: { status: 'waiting' | 'running' | 'ok' | 'unreachable'; rttMs?: number };
  udp: ProbeResult;
  tcp: ProbeResult;
  uplinkKbps: number | null;
  /** Undefined while the check runs. */
  verdict?: Verdict;
  advice: Message[];
  done: boolean;
}

const CONNECT_TIMEOUT_MS = 5000;
const MEASURE_MS = 2500;
/** What a bridge sends (camera layers + voice), with headroom: below this, pictures suffer. */
const NEEDED_UPLINK_KBPS = 800;
const GOOD_RTT_MS = 150;
const USABLE_RTT_MS = 400;

export function emptyCheck(): CheckResult {
  return {
    signaling: { status: 'waiting' },
    udp: { status: 'waiting' },
    tcp: { status: 'waiting' },
    uplinkKbps: null,
    advice: [],
    done: false,
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** A canvas of moving noise: hard to compress, so the encoder sends at its cap. */
function noiseTrack(): { track: MediaStreamTrack; stop(): void } {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 180;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  const image = ctx.createImageData(canvas.width, canvas.height);
  const pixels = new Uint32Array(image.data.buffer);
  const draw = () => {
    for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.random() * 0xffffff) | 0xff000000;
    ctx.putImageData(image, 0, 0);
  };
  draw();
  const stream = canvas.captureStream(15);
  const timer = setInterval(draw, 66);
  const track = stream.getVideoTracks()[0];
  if (!track) throw new Error('canvas capture gave no track');
  return {
    track,
    stop() {
      clearInterval(timer);
      track.stop();
    },
  };
}

function waitConnected(transport: types.Transport, signal: AbortSignal): Promise<boolean> {
  if (transport.connectionState === 'connected') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      transport.off('connectionstatechange', onState);
      resolve(ok);
    };
    const onState = (state: types.ConnectionState) => {
      if (state === 'connected') done(true);
      else if (state === 'failed' || state === 'closed') done(false);
    };
    const timer = setTimeout(() => done(false), CONNECT_TIMEOUT_MS);
    transport.on('connectionstatechange', onState);
    signal.addEventListener('abort', () => done(false));
  });
}

/** One media probe over one protocol. */
async function probe(
  signaling: SiteLink,
  device: Device,
  protocol: 'udp' | 'tcp',
  signal: AbortSignal,
): Promise<ProbeResult> {
  let options: TransportOptions;
  try {
    options = await signaling.request('media:create-transport', { direction: 'send', probe: { protocol } });
  } catch (err) {
    // The server does not offer this protocol (MEDIA_PROTOCOLS): for the room, the same as blocked.
    if (err instanceof RequestError && err.code === 'conflict') return { status: 'unavailable' };
    throw err;
  }
  const candidate = options.iceCandidates.find((c) => c.protocol === protocol);
  const port = typeof candidate?.port === 'number' ? candidate.port : undefined;
  const transport = device.createSendTransport(options);
  const source = noiseTrack();
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    signaling
      .request('media:connect-transport', { transportId: transport.id, dtlsParameters })
      .then(() => callback(), errback);
  });
  transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
    signaling
      .request('media:produce', { transportId: transport.id, kind, source: 'cam', rtpParameters })
      .then(({ producerId }) => callback({ id: producerId }), errback);
  });
  try {
    await transport.produce({
      track: source.track,
      encodings: [{ maxBitrate: 2_500_000 }],
      codec: vp8(device),
      codecOptions: { videoGoogleStartBitrate: 1000 },
      stopTracks: false,
    });
    if (!(await waitConnected(transport, signal)))
      return { status: signal.aborted ? 'skipped' : 'blocked', ...(port ? { port } : {}) };
    const before = await transport.getStats();
    await sleep(MEASURE_MS, signal);
    if (signal.aborted) return { status: 'ok', ...(port ? { port } : {}) };
    const after = await transport.getStats();
    const seconds = MEASURE_MS / 1000;
    const sentKbps =
      ((total(after, 'outbound-rtp', 'bytesSent') - total(before, 'outbound-rtp', 'bytesSent')) * 8) / 1000 / seconds;
    const estimate = selectedPair(after)?.availableOutgoingBitrate;
    const estimateKbps = typeof estimate === 'number' ? estimate / 1000 : 0;
    const rttMs = rttMsOf(after);
    return {
      status: 'ok',
      uplinkKbps: Math.round(Math.max(sentKbps, estimateKbps)),
      ...(rttMs !== undefined ? { rttMs: Math.round(rttMs) } : {}),
      ...(port ? { port } : {}),
    };
  } finally {
    source.stop();
    transport.close();
    await signaling.request('media:close-transport', { transportId: transport.id }).catch(() => undefined);
  }
}

async function signalingRtt(signaling: SiteLink): Promise<number> {
  const rtts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const sent = performance.now();
    await signaling.request('ping', { sent: Date.now() }, 5000);
    rtts.push(performance.now() - sent);
  }
  rtts.sort((a, b) => a - b);
  return Math.round(rtts[1] ?? rtts[0] ?? 0);
}

/** The verdict and what to do, from the measurements. */
export function judge(r: CheckResult): Pick<CheckResult, 'verdict' | 'advice'> {
  const advice: Message[] = [];
  if (r.signaling.status !== 'ok') return { verdict: 'poor', advice: [{ key: 'advice.noServer' }] };
  const udp = r.udp.status === 'ok';
  const tcp = r.tcp.status === 'ok';
  const ports = [r.udp.port, r.tcp.port].filter((p): p is number => p !== undefined);
  const portText: Message['params'] = {
    ports: ports.length ? [...new Set(ports)].join(', ') : { key: 'advice.portsServer' },
  };
  if (!udp && !tcp) {
    if (r.udp.status === 'skipped' || r.tcp.status === 'skipped') return { advice };
    return { verdict: 'poor', advice: [{ key: 'advice.noMedia', params: portText }] };
  }
  if (!udp) {
    advice.push(
      r.udp.status === 'unavailable'
        ? { key: 'advice.udpUnavailable' }
        : { key: 'advice.udpBlocked', params: { ports: r.udp.port ?? { key: 'advice.portsServer' } } },
    );
  }
  const rtt = (udp ? r.udp.rttMs : r.tcp.rttMs) ?? r.signaling.rttMs ?? 0;
  const uplink = r.uplinkKbps;
  if (rtt >= GOOD_RTT_MS) advice.push({ key: 'advice.highRtt', params: { rtt } });
  if (uplink !== null && uplink < NEEDED_UPLINK_KBPS)
    advice.push({ key: 'advice.slowUplink', params: { kbps: uplink } });
  let verdict: Verdict;
  if (udp && rtt < GOOD_RTT_MS && (uplink === null || uplink >= NEEDED_UPLINK_KBPS)) verdict = 'good';
  else if (rtt < USABLE_RTT_MS && (uplink === null || uplink >= NEEDED_UPLINK_KBPS / 2.5)) verdict = 'fair';
  else verdict = 'poor';
  if (verdict === 'good') advice.push({ key: 'advice.good' });
  return { verdict, advice };
}

/**
 * Runs the check; `progress` is called with each partial result so the page can show it as
 * it goes. Abort it (the technician joins meanwhile): the probes close and it resolves early.
 */
export async function runNetworkCheck(
  signaling: SiteLink,
  createDevice: () => Promise<Device>,
  signal: AbortSignal,
  progress: (r: CheckResult) => void,
): Promise<CheckResult> {
  const r = emptyCheck();
  const update = () => progress({ ...r, signaling: { ...r.signaling }, udp: { ...r.udp }, tcp: { ...r.tcp } });
  r.signaling.status = 'running';
  update();
  let device: Device;
  try {
    r.signaling = { status: 'ok', rttMs: await signalingRtt(signaling) };
    device = await loadDevice(signaling, { createDevice });
  } catch {
    r.signaling = { status: 'unreachable' };
    r.udp.status = 'skipped';
    r.tcp.status = 'skipped';
    Object.assign(r, judge(r), { done: true });
    update();
    return r;
  }
  for (const protocol of ['udp', 'tcp'] as const) {
    if (signal.aborted) {
      r[protocol] = { status: 'skipped' };
      continue;
    }
    r[protocol] = { status: 'running' };
    update();
    try {
      r[protocol] = await probe(signaling, device, protocol, signal);
    } catch (err) {
      console.warn(`network check over ${protocol} failed`, err);
      r[protocol] = { status: signaling.connected ? 'blocked' : 'skipped' };
    }
    update();
  }
  const uplinks = [r.udp.uplinkKbps, r.tcp.uplinkKbps].filter((v): v is number => v !== undefined);
  r.uplinkKbps = uplinks.length ? Math.max(...uplinks) : null;
  Object.assign(r, judge(r), { done: true });
  update();
  return r;
}
