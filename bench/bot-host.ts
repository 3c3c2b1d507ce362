// A child process that hosts a benchmark's load bots (bench/bots/site-bot.ts): werift sites
// on the shared site client, sending recorded media and reading what they receive without
// decoding. Commands arrive over IPC from bench/peers.ts (the same ones as peer-host.ts, plus
// 'timings'); each gets one reply. The bots live apart from the libwebrtc hub (peer-host.ts):
// a process uses werift or libwebrtc, never both.
import { performance } from 'node:perf_hooks';
import { SiteBot } from './bots/site-bot.js';

interface Command {
  id: number;
  op: 'join' | 'close' | 'cut' | 'silence' | 'rejoin' | 'bytes' | 'timings' | 'media' | 'exit';
  url?: string;
  sites?: { siteId: string; token: string }[];
  siteId?: string;
  /** Join in waves of this many (0: all at once). */
  wave?: number;
  /** Camera layers per bot (default the page's per role). */
  layers?: number;
  /** Send the microphone only. */
  audioOnly?: boolean;
  /** Send the smallest camera layers. */
  thumbnail?: boolean;
}

export interface BotJoined {
  siteId: string;
  startEpoch: number;
  /** Producing and, for a bridge, the hub's key frame received. */
  upEpoch: number;
  producingEpoch: number;
  joinedEpoch: number;
  /** ms from the hub's video consumer being taken to its first key frame (bridges). */
  hubKeyframeAfterConsumerMs: number | null;
}

const bots = new Map<string, SiteBot>();
const tokens = new Map<string, string>();
let options: { layers?: number; audioOnly?: boolean; thumbnail?: boolean } = {};

const epochOf = (t: number | undefined) => (t === undefined ? null : Date.now() - (performance.now() - t));

async function join(url: string, siteId: string, token: string): Promise<BotJoined> {
  const startEpoch = Date.now();
  const bot = await SiteBot.join({
    url,
    token,
    ...(options.layers ? { cameraLayers: options.layers } : {}),
    ...(options.audioOnly ? { sources: ['mic'] } : {}),
    ...(options.thumbnail ? { thumbnail: true } : {}),
  });
  bots.set(siteId, bot);
  if (siteId !== 'hub') await bot.waitForHub(30_000);
  const t = bot.timings;
  const producing = epochOf(t.producing) ?? startEpoch;
  const joined = epochOf(t.joined) ?? producing;
  const keyframe = epochOf(t.firstHubKeyframe);
  return {
    siteId,
    startEpoch,
    upEpoch: Math.max(producing, keyframe ?? producing),
    producingEpoch: producing,
    joinedEpoch: joined,
    hubKeyframeAfterConsumerMs:
      t.firstHubKeyframe !== undefined && t.hubVideoConsumer !== undefined
        ? Math.round(t.firstHubKeyframe - t.hubVideoConsumer)
        : null,
  };
}

async function handle(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'join': {
      options = { layers: cmd.layers, audioOnly: cmd.audioOnly, thumbnail: cmd.thumbnail };
      const sites = cmd.sites ?? [];
      for (const s of sites) tokens.set(s.siteId, s.token);
      const wave = cmd.wave && cmd.wave > 0 ? cmd.wave : sites.length;
      const results: BotJoined[] = [];
      for (let i = 0; i < sites.length; i += wave) {
        const slice = sites.slice(i, i + wave);
        results.push(...(await Promise.all(slice.map((s) => join(cmd.url as string, s.siteId, s.token)))));
      }
      return results;
    }
    case 'rejoin': {
      bots.get(cmd.siteId as string)?.cut();
      return join(cmd.url as string, cmd.siteId as string, tokens.get(cmd.siteId as string) as string);
    }
    case 'close':
    case 'cut': {
      bots.get(cmd.siteId as string)?.cut();
      bots.delete(cmd.siteId as string);
      return {};
    }
    case 'silence': {
      const bot = bots.get(cmd.siteId as string);
      if (!bot) throw new Error(`no bot ${cmd.siteId}`);
      bot.silence();
      return {};
    }
    case 'bytes': {
      const out: Record<string, { hubVideo: number; fromBridges: number }> = {};
      for (const [id, bot] of bots) {
        if (bot.closed) continue;
        const received = bot.received();
        const hubVideo = received
          .filter((r) => r.siteId === 'hub' && r.kind === 'video')
          .reduce((a, r) => a + r.bytes, 0);
        const fromBridges = new Set(
          received.filter((r) => r.siteId !== 'hub' && r.kind === 'video' && r.packets > 0).map((r) => r.siteId),
        ).size;
        out[id] = { hubVideo, fromBridges };
      }
      return out;
    }
    case 'timings': {
      return [...bots].map(([id, b]) => ({ siteId: id, ...b.timings, joins: b.joins }));
    }
    case 'media': {
      // When each bot last received the hub's video, and joined, as epoch ms (for recoveries).
      const toEpoch = (t: number | undefined) => (t === undefined ? null : Date.now() - (performance.now() - t));
      return [...bots].map(([id, b]) => {
        const hub = b.received().filter((r) => r.siteId === 'hub' && r.kind === 'video');
        const last = Math.max(0, ...hub.map((r) => r.lastRtpAt ?? 0));
        return {
          siteId: id,
          joins: b.joins,
          lastHubVideo: last ? toEpoch(last) : null,
          url: b.client.link.url,
          trail: b.trail,
        };
      });
    }
    case 'exit': {
      for (const bot of bots.values()) bot.cut();
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
