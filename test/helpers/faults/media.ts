// The sites of a fault scenario as real WebRTC peers (SitePeer: the shared site client on
// libwebrtc, coming back by itself like the page), and the one test of "back with media" every
// scenario uses: each bridge receives new bytes of the hub's video, and the hub new bytes of
// every bridge's video, counted from a baseline taken at the moment of the fault.
import { performance } from 'node:perf_hooks';
import { type SitePeer as Peer, SitePeer } from '../peer.js';
import type { Scope } from './scope.js';
import { sleep } from './wait.js';

export interface JoinOptions {
  /** Come back by itself after a drop (the page does). Default true. */
  readonly reconnection?: boolean;
  readonly joinTimeoutMs?: number;
  /** Each bridge must receive the hub's video before the join counts. Default true. */
  readonly waitForHub?: boolean;
}

/**
 * Join the sites (the hub first, so the bridges find it), each closed by the scope. Returns
 * them in the order of `tokens`.
 */
export async function joinSites(
  scope: Scope,
  url: string,
  tokens: ReadonlyMap<string, string>,
  opts: JoinOptions = {},
): Promise<Peer[]> {
  const join = async (siteId: string, token: string) => {
    const peer = await SitePeer.join({
      url,
      token,
      reconnection: opts.reconnection ?? true,
      joinTimeoutMs: opts.joinTimeoutMs ?? 30_000,
    });
    return scope.add(peer, `close peer ${siteId}`, (p) => p.close());
  };
  const entries = [...tokens];
  const hubEntry = entries.find(([id]) => id === 'hub');
  const hub = hubEntry ? await join(...hubEntry) : undefined;
  const others = await Promise.all(entries.filter(([id]) => id !== 'hub').map(([id, token]) => join(id, token)));
  if (hub && (opts.waitForHub ?? true)) await Promise.all(others.map((p) => p.waitUntilReceivingHub(20_000)));
  const byId = new Map([...(hub ? [hub] : []), ...others].map((p) => [p.siteId, p]));
  return entries.map(([id]) => byId.get(id) as Peer);
}

/** Bytes each peer had received, by consumer, at a moment (the fault). */
export type MediaBaseline = Map<Peer, Map<string, number>>;

export async function mediaBaseline(peers: readonly Peer[]): Promise<MediaBaseline> {
  return new Map(await Promise.all(peers.map(async (p) => [p, await p.bytesByConsumer()] as const)));
}

/** Whose video each peer should receive: a bridge the hub's, the hub every bridge's. */
function sendersFor(peer: Peer, peers: readonly Peer[]): string[] {
  const ids = peers.filter((p) => p !== peer && !p.closed).map((p) => p.siteId);
  return peer.isHub ? ids : ids.filter((id) => id === peer.welcome.hub.id);
}

/**
 * What is not flowing yet: "receiver <- sender" for every expected video that has not grown by
 * `minBytes` on some consumer since the baseline (a consumer made after it counts from zero).
 */
export async function missingMedia(
  peers: readonly Peer[],
  baseline: MediaBaseline,
  minBytes = 4000,
): Promise<string[]> {
  const missing: string[] = [];
  await Promise.all(
    peers
      .filter((p) => !p.closed)
      .map(async (peer) => {
        const before = baseline.get(peer) ?? new Map<string, number>();
        const now = await peer.bytesByConsumer();
        for (const sender of sendersFor(peer, peers)) {
          const grew = peer
            .consumersFrom(sender, 'video')
            .some(({ consumer }) => (now.get(consumer.id) ?? 0) - (before.get(consumer.id) ?? 0) >= minBytes);
          if (!grew) missing.push(`${peer.siteId} <- ${sender}`);
        }
      }),
  );
  return missing.sort();
}

/**
 * Wait until every site has media again; resolves with the ms from `t0` (performance.now()
 * of the fault) to the first check that found nothing missing, or with what was still missing.
 */
export async function waitBackWithMedia(
  peers: readonly Peer[],
  baseline: MediaBaseline,
  t0: number,
  timeoutMs: number,
): Promise<{ ms: number | null; missing: string[] }> {
  let missing: string[] = [];
  // Fresh baselines for consumers made later are zero, so the check only needs polling.
  while (performance.now() - t0 < timeoutMs) {
    missing = await missingMedia(peers, baseline);
    // Timed at the end of the check: the bytes may have arrived while it ran.
    if (missing.length === 0) return { ms: Math.round(performance.now() - t0), missing };
    await sleep(250);
  }
  return { ms: null, missing };
}
