// The field scenarios of issue 13, each on a Field (field.ts): what a bridge's page does behind
// a firewall, on a thin or lossy link, when its link drops, and what a rehearsal's learned
// profile changes. Each returns its measurements and the facts to check; test/field asserts
// them, bench/field.ts prints them.
import type { SiteStatus } from '../../store/records.js';
import { type Field, waitFor } from './field.js';
import { operatorHeaders } from './service.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FirewallResult {
  readonly joinMs: number;
  readonly transport: 'udp' | 'tcp' | null;
  readonly relayed: boolean;
  readonly notice: string;
  readonly board: SiteStatus;
}

/** UDP blocked (`relay` false) or UDP and the SFU's and coturn's plain TCP ports blocked (`relay` true). */
export async function firewall(field: Field, siteId: string, relay: boolean): Promise<FirewallResult> {
  const site = await field.site(
    siteId,
    relay ? { blockUdp: true, blockMediaTcp: true, blockTurnTcp: true } : { blockUdp: true },
  );
  try {
    const joinMs = await field.join(site);
    const link = await site.link();
    const word = relay ? 'TURN' : 'TCP';
    await site.page.page
      .waitForFunction((w) => document.getElementById('notices')?.textContent?.includes(w), word, { timeout: 5000 })
      .catch(() => undefined); // the caller's assertion shows the text
    await waitFor(
      () => field.status(siteId).transport !== null && (!relay || field.status(siteId).flags.relayed === true),
      5000,
    );
    return {
      joinMs,
      transport: link.transport,
      relayed: link.relayed,
      notice: (await site.page.page.textContent('#notices')) ?? '',
      board: field.status(siteId),
    };
  } finally {
    await site.close();
  }
}

export interface ThinLinkResult {
  readonly joinMs: number;
  readonly continuityPct: number;
  /** The spatial layer the SFU sends this bridge, the one it would prefer, and whether the hub sends its top one. */
  readonly hubLayer: number | undefined;
  readonly preferredLayer: number | undefined;
  readonly hubTopLayerKbps: number;
  readonly frameWidth: number;
  readonly uplinkLayers: Record<string, number>;
  readonly board: SiteStatus;
}

export const THIN = { downKbit: 1000, upKbit: 300 } as const;

/** 1 Mbit/s down, 300 kbit/s up; audio measured for `measureMs` after `settleMs`. */
export async function thinLink(field: Field, siteId: string, settleMs = 10_000, measureMs = 20_000) {
  const site = await field.site(siteId, THIN);
  const joinMs = await field.join(site, 40_000);
  await sleep(settleMs); // the bandwidth estimates settle
  const continuityPct = await site.audioContinuity(measureMs);
  const hub = await field.uplinkLayers(field.service.roster.hub.id);
  const top = Object.keys(hub).sort().at(-1);
  const consumer = field.hubVideoConsumer(siteId);
  const result: ThinLinkResult = {
    joinMs,
    continuityPct,
    hubLayer: consumer?.currentLayers?.spatialLayer,
    preferredLayer: consumer?.preferredLayers?.spatialLayer,
    hubTopLayerKbps: top ? (hub[top] ?? 0) : 0,
    frameWidth: (await site.received()).frameWidth,
    uplinkLayers: await field.uplinkLayers(siteId),
    board: field.status(siteId),
  };
  return { site, result };
}

export interface LossyResult {
  readonly joinMs: number;
  readonly continuityPct: number;
  readonly transport: 'udp' | 'tcp' | null;
  /** The board's worst state while the link was lossy, with its reason. */
  readonly boardState: string;
  readonly boardReason: string | undefined;
}

/** 5 % loss each way and 300 ms more round trip on the media. */
export async function lossy(field: Field, siteId: string, settleMs = 10_000, measureMs = 20_000): Promise<LossyResult> {
  const site = await field.site(siteId, { lossPct: 5, rttMs: 300 });
  try {
    const joinMs = await field.join(site, 40_000);
    let worst: SiteStatus | undefined;
    const watch = setInterval(() => {
      const s = field.status(siteId);
      if (s.state === 'degraded' && !worst) worst = s;
    }, 250);
    try {
      await sleep(settleMs);
      const continuityPct = await site.audioContinuity(measureMs);
      const link = await site.link();
      const last = worst ?? field.status(siteId);
      return { joinMs, continuityPct, transport: link.transport, boardState: last.state, boardReason: last.reason };
    } finally {
      clearInterval(watch);
    }
  } finally {
    await site.close();
  }
}

export interface LinkReturnResult {
  /** From the link's return to the hub's audio and picture playing again. */
  readonly recoveryMs: number;
  readonly boardWhileDown: string;
  readonly stateAfter: string | undefined;
}

/** The link down for `downMs`, then up: the page must come back with media without a click. */
export async function linkReturn(field: Field, siteId: string, downMs = 20_000): Promise<LinkReturnResult> {
  const site = await field.site(siteId);
  try {
    await field.join(site);
    await site.netns.cut(true);
    await sleep(downMs);
    const boardWhileDown = field.status(siteId).state;
    await site.netns.cut(false);
    const back = performance.now();
    const recoveryMs = await site.waitMedia(40_000, back);
    return { recoveryMs, boardWhileDown, stateAfter: await site.state() };
  } finally {
    await site.close();
  }
}

export interface ProfileResult {
  /** Joins (Join pressed to media) in the live session: of a firewalled site without a profile, and of one with it. */
  readonly withoutMs: number[];
  readonly withMs: number[];
  readonly learned: SiteStatus['learned'];
  readonly liveTransport: 'udp' | 'tcp' | null;
  /** The protocols the SFU offered the profiled site's transports in the live session. */
  readonly liveCandidates: string[];
  /** Camera layers each site sent in the live session (the profiled one knows its uplink is thin). */
  readonly layersWith: number;
  readonly layersWithout: number;
}

async function api(field: Field, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await field.service.app.inject({
    method,
    url,
    headers: operatorHeaders,
    ...(payload ? { payload } : {}),
  });
  if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

async function openSession(field: Field, kind: 'rehearsal' | 'live'): Promise<string> {
  const startsAt = new Date(Date.now() + 1500).toISOString();
  const title = kind === 'live' ? 'Giao ban trực tuyến' : 'Kiểm tra kết nối';
  const created = await api(field, 'POST', '/api/sessions', { kind, title, startsAt, durationMinutes: 30 });
  const opened = await waitFor(() => field.service.briefing.phase === kind, 15_000);
  if (!opened) throw new Error(`the ${kind} session did not open (phase ${field.service.briefing.phase})`);
  return String(created.id);
}

/**
 * Two sites behind the same firewall (UDP blocked) and thin uplink: a rehearsal measures `learner`, then in the
 * live session `learner` (with its profile) and `stranger` (never rehearsed) join in turn,
 * `joins` times each, so both see the same machine and the same warm browser cache.
 */
export async function learnedProfile(
  field: Field,
  learner: string,
  stranger: string,
  joins = 3,
  log?: (line: string) => void,
): Promise<ProfileResult> {
  // A firewall that blocks UDP and an uplink a quarter of what a bridge's two layers need.
  const network = { blockUdp: true, upKbit: 250 } as const;
  const rehearsal = await openSession(field, 'rehearsal');
  const site = await field.site(learner, network);
  try {
    await field.join(site, 30_000);
    const learned = await waitFor(() => field.status(learner).learned !== undefined, 40_000);
    if (!learned) throw new Error(`the rehearsal learned nothing of ${learner}: ${await site.describe()}`);
  } finally {
    await site.close();
  }
  await api(field, 'POST', `/api/sessions/${rehearsal}/cancel`);
  await openSession(field, 'live');

  const withoutMs: number[] = [];
  const withMs: number[] = [];
  let liveTransport: 'udp' | 'tcp' | null = null;
  let liveCandidates: string[] = [];
  let layersWith = 0;
  let layersWithout = 0;
  for (let i = 0; i < joins * 2; i++) {
    const profiled = i % 2 === 1;
    const id = profiled ? learner : stranger;
    const page = await field.site(id, network);
    try {
      await field.join(page, 30_000);
      log?.(`${profiled ? 'with' : 'without'}: ${JSON.stringify(page.lastJoin)}`);
      (profiled ? withMs : withoutMs).push(page.lastJoin?.fromClickMs ?? Number.NaN);
      const layers =
        field.service.media.conference.media(id)?.producers.get('cam')?.rtpParameters.encodings?.length ?? 0;
      if (profiled) layersWith = layers;
      else layersWithout = layers;
      if (profiled) {
        liveTransport = (await page.link()).transport;
        const transport = field.service.media.conference.media(id)?.transport('send');
        liveCandidates = [...new Set(transport?.iceCandidates.map((c) => c.protocol) ?? [])];
      }
    } finally {
      await page.close();
    }
  }
  return {
    withoutMs,
    withMs,
    learned: field.status(learner).learned,
    liveTransport,
    liveCandidates,
    layersWith,
    layersWithout,
  };
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor(s.length / 2)] ?? 0) : 0;
};
