// A child process that hosts some of a benchmark's WebRTC peers. libwebrtc in Node encodes on
// the JavaScript thread, so 64 peers in one process saturate it (late pongs, late frames) and
// the benchmark would measure its own congestion; spreading them over processes avoids that.
// Commands arrive over IPC from bench/peers.ts; each gets one reply.
import { SitePeer } from '../test/helpers/peer.js';

interface Command {
  id: number;
  op: 'join' | 'close' | 'silence' | 'rejoin' | 'bytes' | 'exit';
  url?: string;
  sites?: { siteId: string; token: string }[];
  siteId?: string;
}

const peers = new Map<string, SitePeer>();
const tokens = new Map<string, string>();

/** Join one site; returns when it produces and (a bridge) decodes the hub's video. */
async function join(url: string, siteId: string, token: string) {
  const startEpoch = Date.now();
  const start = performance.now();
  const peer = await SitePeer.join({ url, token });
  peers.set(siteId, peer);
  const producing = peer.timings.producing ?? performance.now();
  if (!peer.isHub) await peer.waitUntilReceivingHub(30_000);
  const up = Math.max(producing, peer.timings.firstHubVideoByte ?? producing);
  return { siteId, startEpoch, upEpoch: startEpoch + (up - start), producingEpoch: startEpoch + (producing - start) };
}

async function handle(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'join': {
      for (const s of cmd.sites ?? []) tokens.set(s.siteId, s.token);
      return Promise.all((cmd.sites ?? []).map((s) => join(cmd.url as string, s.siteId, s.token)));
    }
    case 'rejoin': {
      await peers.get(cmd.siteId as string)?.close();
      return join(cmd.url as string, cmd.siteId as string, tokens.get(cmd.siteId as string) as string);
    }
    case 'close': {
      await peers.get(cmd.siteId as string)?.close();
      peers.delete(cmd.siteId as string);
      return {};
    }
    case 'silence': {
      // The peer goes quiet as if its cable were pulled: its socket stops reading (no pongs),
      // its media stops; nothing is closed, so no FIN and no DTLS alert reach the server.
      const peer = peers.get(cmd.siteId as string);
      if (!peer) throw new Error(`no peer ${cmd.siteId}`);
      const engine = peer.socket.io.engine as unknown as { transport?: { ws?: { _socket?: { pause(): void } } } };
      engine.transport?.ws?._socket?.pause();
      await Promise.all([...peer.producers.values()].map((p) => p.rtpSender?.replaceTrack(null)));
      return {};
    }
    case 'bytes': {
      const out: Record<string, { hubVideo: number; fromBridges: number }> = {};
      for (const [id, p] of peers) {
        if (p.closed) continue;
        const hubVideo = p.isHub ? 0 : await p.bytesReceivedFrom('hub', 'video');
        let fromBridges = 0;
        if (p.isHub) for (const c of p.consumers) if (c.offer.kind === 'video') fromBridges++;
        out[id] = { hubVideo, fromBridges };
      }
      return out;
    }
    case 'exit': {
      await Promise.all([...peers.values()].map((p) => p.close()));
      setImmediate(() => process.exit(0));
      return {};
    }
  }
}

process.on('message', (cmd: Command) => {
  handle(cmd).then(
    (result) => process.send?.({ id: cmd.id, ok: true, result }),
    (err: Error) => process.send?.({ id: cmd.id, ok: false, error: err.message }),
  );
});
process.send?.({ id: 0, ok: true, result: 'ready' });
