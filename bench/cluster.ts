// npm run bench:cluster [-- --sites 63 --steady 5 --hosts 1]
// One briefing on three nodes (processes) of the real service on one redis-server: the hub on
// node A, the bridges spread over nodes B and C (load bots on the shared site client, which fail
// over by themselves). Measured:
// - allUpMs: every bridge has the hub's video key frame and the hub receives every bridge;
// - crossNodeLatencyMs: how much later a relayed stream arrives than a local one (the hub's
//   audio, received by a bridge on the hub's node and by one on another node, packets matched
//   by their payload);
// - nodeKillRecoveryMs: kill -9 of node B, until every site it had is back with media;
// - hubNodeKillRecoveryMs: kill -9 of node A, until every bridge receives the hub again.
// - in the steady state between the two: the nodes' CPU (Node and workers) apart from the
//   clients' and from redis-server's, and what Redis carries (commands and bytes per second),
//   the figures the README's scale-out note extrapolates from.
// Prints a table and, as its last line, one JSON object.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Cluster, startCluster } from '../test/helpers/cluster.js';
import type { BotJoined } from './bot-host.js';
import { SiteBot } from './bots/site-bot.js';
import { weriftTrack } from './bots/werift-env.js';
import { argNumber, cpuMs, percentile, round } from './harness.js';
import { PeerHosts } from './peers.js';

const say = (text: string) => process.stdout.write(`${text}\n`);

const sites = argNumber('sites', 63);
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Redis's own counters: commands processed and bytes received so far. */
async function redisCounters(cluster: Cluster): Promise<{ commands: number; bytesIn: number }> {
  const info = await cluster.redis.client().info('stats');
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? Number.NaN);
  return { commands: field('total_commands_processed'), bytesIn: field('total_net_input_bytes') };
}

/** CPU % of one core, over the steady window, of the nodes, the clients and redis-server. */
async function steadyCost(cluster: Cluster, clientPids: number[], ms: number) {
  const service = cluster.nodes.flatMap((n) => [n.pid, ...n.workerPids]);
  const redisPid = cluster.redis.pid ?? 0;
  const sum = (pids: number[]) => pids.reduce((a, p) => a + cpuMs(p), 0);
  const t0 = performance.now();
  const [s0, k0, r0, own0, c0] = [
    sum(service),
    sum(clientPids),
    cpuMs(redisPid),
    process.cpuUsage(),
    await redisCounters(cluster),
  ];
  await sleep(ms);
  const wall = performance.now() - t0;
  const own = process.cpuUsage(own0);
  const c1 = await redisCounters(cluster);
  const pct = (used: number) => Math.round((used / wall) * 1000) / 10;
  return {
    serviceCpuPct: pct(sum(service) - s0),
    clientCpuPct: pct(sum(clientPids) - k0 + (own.user + own.system) / 1000),
    redisCpuPct: pct(cpuMs(redisPid) - r0),
    redisCommandsPerSec: Math.round(((c1.commands - c0.commands) * 1000) / wall),
    redisInKbPerSec: Math.round(((c1.bytesIn - c0.bytesIn) * 8) / wall),
  };
}

/** Arrival time of each audio payload from the hub, by its hash. */
function watchHubAudio(bot: SiteBot): Map<string, number> {
  const seen = new Map<string, number>();
  for (const { consumer, offer } of bot.client.remote) {
    if (offer.siteId !== 'hub' || offer.kind !== 'audio') continue;
    weriftTrack(consumer.track).onReceiveRtp.subscribe((packet) => {
      const key = createHash('sha1').update(packet.payload).digest('base64');
      if (!seen.has(key)) seen.set(key, performance.now());
    });
  }
  return seen;
}

const cluster = await startCluster(3, { LOG_LEVEL: 'error', STATUS_MAX_RTT_MS: '2000' });
const hosts = await PeerHosts.start(argNumber('hosts', 1), 'bots');
const inProcess: SiteBot[] = [];
let failed = false;
try {
  const [a, b, c] = cluster.nodes;
  if (!a || !b || !c) throw new Error('three nodes');
  await until(
    'the nodes to see one another',
    async () => ((await a.get('/api/nodes')) as { nodes: unknown[] }).nodes.length === 3,
    10_000,
  );
  const { sites: roster } = (await a.get('/api/sites')) as { sites: { id: string; kind: string }[] };
  const bridgeIds = roster
    .filter((s) => s.kind === 'bridge')
    .map((s) => s.id)
    .slice(0, sites);
  const token = async (siteId: string) =>
    ((await a.get(`/api/sites/${siteId}/join-link`)) as { url: string }).url.split('#token=')[1] as string;
  // Two probes in this process (one on the hub's node, one on B) measure the relay's delay.
  const [localId, remoteId, ...rest] = bridgeIds;
  if (!localId || !remoteId) throw new Error('at least two bridges');
  const onB = rest.filter((_, i) => i % 2 === 0);
  const onC = rest.filter((_, i) => i % 2 === 1);
  const list = async (ids: string[]) =>
    Promise.all(ids.map(async (siteId) => ({ siteId, token: await token(siteId) })));
  const [listB, listC, hubToken, localToken, remoteToken] = await Promise.all([
    list(onB),
    list(onC),
    token('hub'),
    token(localId),
    token(remoteId),
  ]);

  const t0 = Date.now();
  const hubJoin = SiteBot.join({ url: a.url, token: hubToken, reportIntervalMs: 0 });
  const probes = Promise.all([
    SiteBot.join({ url: a.url, token: localToken }),
    SiteBot.join({ url: b.url, token: remoteToken }),
  ]);
  const joinedB = hosts.join<BotJoined>(b.url, listB);
  const joinedC = hosts.join<BotJoined>(c.url, listC);
  const hub = await hubJoin;
  const [local, remote] = await probes;
  inProcess.push(hub, local, remote);
  const joined = [...(await joinedB), ...(await joinedC)];
  await Promise.all([local.waitForHub(), remote.waitForHub()]);
  const probeUp = Math.max(
    ...[local, remote].map((p) => Date.now() - (performance.now() - (p.timings.firstHubKeyframe ?? performance.now()))),
  );
  await until(
    'the hub to receive every bridge',
    () =>
      new Set(
        hub
          .received()
          .filter((r) => r.kind === 'video' && r.packets > 0)
          .map((r) => r.siteId),
      ).size >= sites,
    30_000,
  );
  const hubAll = Date.now();
  // Where the all-up time goes: the bridges' own joins, the probe pages, the hub's view.
  say(
    `join: bridges up by ${Math.max(...joined.map((j) => j.upEpoch)) - t0} ms, probes ${probeUp - t0} ms, the hub receives every bridge by ${hubAll - t0} ms`,
  );
  const allUpMs = round(Math.max(hubAll, probeUp, ...joined.map((j) => j.upEpoch)) - t0);

  // The relay's delay: the same hub audio packets, here and across the cascade.
  await sleep(1500);
  const here = watchHubAudio(local);
  const there = watchHubAudio(remote);
  const steady = await steadyCost(cluster, hosts.pids, argNumber('steady', 5) * 1000);
  const delays: number[] = [];
  for (const [key, at] of here) {
    const relayed = there.get(key);
    if (relayed !== undefined) delays.push(relayed - at);
  }
  const crossNodeLatencyMs = delays.length ? Math.round(percentile(delays, 50) * 10) / 10 : null;

  // kill -9 of node B: its sites (the bots and the remote probe) fail over.
  // The sites on B now: placement may have sent some of those started there to another node.
  const atKill = await hosts.media();
  const beforeB = new Map(atKill.map((m) => [m.siteId, m.joins]));
  const onBNow = atKill.filter((m) => m.url === b.url).map((m) => m.siteId);
  say(
    `placed: ${['A', 'B', 'C'].map((n, i) => `${atKill.filter((m) => m.url === cluster.nodes[i]?.url).length} bots on ${n}`).join(', ')}`,
  );
  const remoteOnB = remote.client.link.url === b.url;
  const remoteJoins = remote.joins;
  const killB = Date.now();
  await b.kill9();
  let lastSaid = Date.now();
  const said = new Set<string>();
  await until(
    "node B's sites back with media",
    async () => {
      const media = await hosts.media();
      const moved = media.filter((m) => onBNow.includes(m.siteId));
      const rejoined = moved.filter((m) => m.joins > (beforeB.get(m.siteId) ?? 0));
      const withHub = rejoined.filter((m) => (m.lastHubVideo ?? 0) > killB);
      const back = withHub.length === moved.length;
      if (Date.now() - killB > 15_000 && rejoined.length < moved.length && !said.has('stuck')) {
        said.add('stuck');
        for (const m of moved.filter((x) => !rejoined.includes(x)).slice(0, 3))
          say(`  not back: ${m.siteId} ${m.trail.join(' | ')}`);
      }
      if (Date.now() - lastSaid > 2000) {
        lastSaid = Date.now();
        const where = new Map<string, number>();
        for (const m of rejoined) where.set(m.url, (where.get(m.url) ?? 0) + 1);
        say(
          `  ${Date.now() - killB} ms after the kill: ${rejoined.length}/${moved.length} rejoined (${[...where].map(([u, n]) => `${n} on ${u}`).join(', ')}), ${withHub.length} with the hub's video`,
        );
      }
      return (
        back &&
        (!remoteOnB || remote.joins > remoteJoins) &&
        hub.received().some((r) => r.siteId === remoteId && (r.lastRtpAt ?? 0) > performance.now() - 500)
      );
    },
    30_000,
  );
  const nodeKillRecoveryMs = Date.now() - killB;

  // kill -9 of the hub's node: the hub comes back on C, every bridge receives it again.
  const killA = Date.now();
  await a.kill9();
  await until(
    'every bridge to receive the hub again',
    async () => {
      const media = await hosts.media();
      const fresh = (t: number | null) => (t ?? 0) > killA + 200;
      const probesBack = [local, remote].every((p) =>
        p
          .received()
          .some((r) => r.siteId === 'hub' && r.kind === 'video' && (r.lastRtpAt ?? 0) > performance.now() - 300),
      );
      return probesBack && media.every((m) => fresh(m.lastHubVideo));
    },
    30_000,
  );
  const hubNodeKillRecoveryMs = Date.now() - killA;

  const result = {
    nodes: 3,
    sites: sites + 1,
    allUpMs,
    crossNodeLatencyMs,
    crossNodeSamples: delays.length,
    nodeKillRecoveryMs,
    hubNodeKillRecoveryMs,
    ...steady,
  };
  const rows: [string, string][] = [
    ['nodes, sites', `3, ${result.sites} (hub on A; bridges on A, B and C)`],
    ['all up across the nodes', `${allUpMs} ms`],
    ['a relayed stream arrives later by', `${crossNodeLatencyMs ?? '-'} ms (median of ${delays.length} packets)`],
    ['kill -9 of node B: its sites back', `${nodeKillRecoveryMs} ms`],
    ["kill -9 of the hub's node: hub back everywhere", `${hubNodeKillRecoveryMs} ms`],
    ['steady: the nodes (Node + workers), CPU', `${steady.serviceCpuPct} % of one core`],
    ['steady: the clients (bots, hub), CPU', `${steady.clientCpuPct} % of one core`],
    ['steady: redis-server, CPU', `${steady.redisCpuPct} % of one core`],
    ['steady: Redis carries', `${steady.redisCommandsPerSec} commands/s, ${steady.redisInKbPerSec} kbit/s in`],
  ];
  for (const [k, v] of rows) out(`${k.padEnd(48)} ${v}`);
  out(JSON.stringify(result));
} catch (err) {
  failed = true;
  process.stderr.write(`bench:cluster failed: ${(err as Error).message}\n`);
} finally {
  for (const bot of inProcess) bot.cut();
  await hosts.exit();
  await cluster.close();
}
process.exit(failed ? 1 : 0);
