// npm run bench:join -- --sites 63 [--steady 10] [--workers 2] [--hub libwebrtc|bot] [--chromium N]
// The join storm: the hub (a real libwebrtc encoder by default, whose key frames decide join
// times) and N bridges (load bots: the shared site client on werift, recorded media, no
// decoding) all start at once against the real service in its own process. A bridge is up
// when it produces and has the hub's first video key frame; all are up when every bridge is
// and the hub receives every bridge's video. Then the same bots against bare mediasoup (no
// signaling, no service) give the baseline of this machine, and overheadRatio = allUpMs /
// baselineAllUpMs. CPU is reported per side: the service (Node, workers) and the clients.
// --chromium N adds N real Chromium pages as bridges to the same run.
import { execFileSync } from 'node:child_process';
import { argString } from './args.js';
import type { BotJoined } from './bot-host.js';
import { ChromiumSites } from './chromium-sites.js';
import { argNumber, measureCpu, percentile, root, round, rssMb, startServer } from './harness.js';
import { PeerHosts } from './peers.js';

const sites = argNumber('sites', 63);
const steadyS = argNumber('steady', 10);
const workers = argNumber('workers', 2);
const chromiumPages = argNumber('chromium', 0);
const hubKind = argString('hub', 'libwebrtc') === 'bot' ? 'bot' : 'libwebrtc';
const out = (line: string) => process.stdout.write(`${line}\n`);

const server = await startServer({
  MEDIA_WORKERS: String(workers),
  STORE: 'memory',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
});
const bots = await PeerHosts.start(1, 'bots');
const hubHost = hubKind === 'libwebrtc' ? await PeerHosts.start(1, 'peers') : bots;
const pages = chromiumPages > 0 ? await ChromiumSites.launch() : undefined;
let failed = false;
try {
  const { sites: roster } = (await server.get('/api/sites')) as { sites: { id: string; kind: string }[] };
  const bridgeIds = roster.filter((s) => s.kind === 'bridge').map((s) => s.id);
  if (bridgeIds.length < sites) throw new Error(`the roster has only ${bridgeIds.length} bridges`);
  const token = async (siteId: string) => ({
    siteId,
    token: ((await server.get(`/api/sites/${siteId}/join-link`)) as { url: string }).url.split('#token=')[1] as string,
  });
  const hub = await token('hub');
  const botSites = await Promise.all(bridgeIds.slice(0, sites - chromiumPages).map(token));
  const pageSites = await Promise.all(bridgeIds.slice(sites - chromiumPages, sites).map(token));

  const t0 = Date.now();
  const hubJoined = hubHost.join(server.url, [hub]);
  const pageJoined = pages ? pages.join(server.url, pageSites) : Promise.resolve([]);
  const joined = await bots.join<BotJoined>(server.url, botSites);
  await hubJoined;
  const pageTimes = await pageJoined;
  // The hub has every bridge: its consumers of every bridge's video carry bytes.
  let hubAllAt = 0;
  const hubDeadline = Date.now() + 30_000;
  for (;;) {
    const bytes = await hubHost.bytes();
    if ((bytes.hub?.fromBridges ?? 0) >= sites) {
      hubAllAt = Date.now();
      break;
    }
    if (Date.now() > hubDeadline) throw new Error(`the hub receives ${bytes.hub?.fromBridges ?? 0}/${sites} bridges`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const bridgesUpAt = Math.max(...joined.map((j) => j.upEpoch), ...pageTimes.map((p) => p.upEpoch));
  const allUpMs = round(Math.max(bridgesUpAt, hubAllAt) - t0);
  const joinTimes = joined.map((j) => j.joinedEpoch - j.startEpoch);
  const keyframeWaits = joined.flatMap((j) =>
    j.hubKeyframeAfterConsumerMs === null ? [] : [j.hubKeyframeAfterConsumerMs],
  );

  // Steady state: let the storm settle, then measure each side.
  await new Promise((r) => setTimeout(r, 3000));
  const clientPids = [...bots.pids, ...(hubHost === bots ? [] : hubHost.pids), ...(pages?.pids() ?? [])];
  const cpu = await measureCpu({ server: server.pid, workers: server.workerPids, clients: clientPids }, steadyS * 1000);
  const serverRssMb = round(rssMb(server.pid) + server.workerPids.reduce((a, p) => a + rssMb(p), 0));
  await pages?.close();
  await hubHost.exit();
  await bots.exit();
  await server.stop();

  // The baseline, in its own process, with nothing else running.
  const baselineOut = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'bench/bots/baseline.ts', '--bridges', String(sites)],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  const baseline = JSON.parse(baselineOut.trim().split('\n').at(-1) ?? '{}') as { baselineAllUpMs: number };

  const result = {
    sites,
    hub: hubKind,
    chromiumPages,
    workers,
    allUpMs,
    joinP50Ms: round(percentile(joinTimes, 50)),
    joinP95Ms: round(percentile(joinTimes, 95)),
    firstHubKeyframeP50Ms: round(percentile(keyframeWaits, 50)),
    firstHubKeyframeP95Ms: round(percentile(keyframeWaits, 95)),
    serverCpuPct: cpu.serverCpuPct,
    workerCpuPct: cpu.workerCpuPct,
    clientCpuPct: cpu.clientCpuPct,
    serverRssMb,
    baselineAllUpMs: baseline.baselineAllUpMs,
    overheadRatio: Math.round((allUpMs / baseline.baselineAllUpMs) * 100) / 100,
  };
  const rows: [string, string][] = [
    ['bridges (bots + Chromium pages), hub', `${sites} (${sites - chromiumPages} + ${chromiumPages}), ${hubKind}`],
    ['all up (bridges have the hub, hub has all)', `${result.allUpMs} ms`],
    ['per-bridge join p50 / p95', `${result.joinP50Ms} / ${result.joinP95Ms} ms`],
    ['hub key frame after consumer p50 / p95', `${result.firstHubKeyframeP50Ms} / ${result.firstHubKeyframeP95Ms} ms`],
    [`service: Node CPU (${steadyS} s steady)`, `${result.serverCpuPct} % of a core`],
    ['service: mediasoup workers CPU (sum)', `${result.workerCpuPct} % of a core`],
    ['clients CPU (bots, hub, pages, this)', `${result.clientCpuPct} % of a core`],
    ['service RSS (Node + workers)', `${result.serverRssMb} MB`],
    ['baseline: bots on bare mediasoup', `${result.baselineAllUpMs} ms`],
    ['overhead ratio', `${result.overheadRatio}`],
  ];
  for (const [k, v] of rows) out(`${k.padEnd(44)} ${v}`);
  out(JSON.stringify(result));
} catch (err) {
  failed = true;
  process.stderr.write(`bench:join failed: ${(err as Error).message}\n`);
} finally {
  await pages?.close();
  await hubHost.exit();
  await bots.exit();
  await server.stop();
}
if (failed) process.exitCode = 1;
