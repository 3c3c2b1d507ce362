// npm run bench:join -- --sites 63 [--procs 1] [--steady 10] [--workers 2]
// The hub and N bridges as real WebRTC peers in Node, all starting at once, against the real
// service in its own process; the peers are spread over --procs processes (see peer-host.ts).
// Each bridge sends thumbnail video (160x120, 10 fps) and audio, and receives the hub. A site
// is up when its producers exist on the SFU and it has decoded the hub's first video frame.
import { argNumber, measureCpu, percentile, round, rssMb, startServer } from './harness.js';
import { PeerHosts } from './peers.js';

const sites = argNumber('sites', 63);
const steadyS = argNumber('steady', 10);
const workers = argNumber('workers', 2);
// One process by default: more processes add no CPU on 2 cores and starve the server's pongs.
const procs = argNumber('procs', 1);

const server = await startServer({ MEDIA_WORKERS: String(workers), LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error' });
const hosts = await PeerHosts.start(procs);
try {
  const { sites: roster } = (await server.get('/api/sites')) as { sites: { id: string; kind: string }[] };
  const ids = ['hub', ...roster.filter((s) => s.kind === 'bridge').map((s) => s.id)].slice(0, sites + 1);
  if (ids.length < sites + 1) throw new Error(`the roster has only ${ids.length - 1} bridges`);
  const list = await Promise.all(
    ids.map(async (siteId) => {
      const { url } = (await server.get(`/api/sites/${siteId}/join-link`)) as { url: string };
      return { siteId, token: url.split('#token=')[1] as string };
    }),
  );
  const t0 = Date.now();
  const joined = await hosts.join(server.url, list);
  const up = joined.map((j) => ({ siteId: j.siteId, ms: j.upEpoch - t0, self: j.upEpoch - j.startEpoch }));
  const allUpMs = round(Math.max(...up.map((u) => u.ms)));
  const bridgeTimes = up.filter((u) => u.siteId !== 'hub').map((u) => u.ms);

  // Steady state: let the join settle, then measure.
  await new Promise((r) => setTimeout(r, 3000));
  const cpu = await measureCpu({ server: server.pid, workers: server.workerPids, clients: hosts.pids }, steadyS * 1000);
  const serverRssMb = round(rssMb(server.pid) + server.workerPids.reduce((a, p) => a + rssMb(p), 0));
  const bytes = await hosts.bytes();
  const result = {
    sites: ids.length,
    bridges: sites,
    workers,
    peerProcesses: procs,
    allUpMs,
    joinP50Ms: round(percentile(bridgeTimes, 50)),
    joinP95Ms: round(percentile(bridgeTimes, 95)),
    joinMaxMs: round(Math.max(...bridgeTimes)),
    ...cpu,
    serverRssMb,
    steadySeconds: steadyS,
    bridgesReceivingHub: Object.entries(bytes).filter(([id, b]) => id !== 'hub' && b.hubVideo > 0).length,
    hubVideoConsumers: bytes.hub?.fromBridges ?? 0,
  };
  const rows: [string, string][] = [
    ['sites (hub + bridges)', `${result.sites} (peers in ${procs} processes)`],
    ['all up', `${result.allUpMs} ms`],
    ['per-site join p50 / p95 / max', `${result.joinP50Ms} / ${result.joinP95Ms} / ${result.joinMaxMs} ms`],
    [`mediasoup workers CPU (${steadyS} s steady)`, `${result.workerCpuPct} % of a core`],
    ['server process CPU', `${result.serverCpuPct} % of a core`],
    ['benchmark peers CPU', `${result.clientCpuPct} % of a core`],
    ['server RSS (node + workers)', `${result.serverRssMb} MB`],
    ['bridges receiving the hub', `${result.bridgesReceivingHub}/${sites}`],
    ['bridge videos the hub receives', `${result.hubVideoConsumers}/${sites}`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(42)} ${v}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await hosts.exit();
  await server.stop();
}
