// npm run bench:join -- --sites 63
// The hub and N bridges as real WebRTC peers in Node, all starting at once, against the real
// service in its own process. Each bridge sends thumbnail video and audio and receives the hub.
// A site counts as up when its producers exist on the SFU and the hub's video is arriving.
import type { SitePeer } from '../test/helpers/peer.js';
import { joinMany } from '../test/helpers/peer.js';
import { argNumber, measureCpu, percentile, round, rssMb, startServer } from './harness.js';

const sites = argNumber('sites', 63);
const steadyS = argNumber('steady', 10);
const workers = argNumber('workers', 2);

const server = await startServer({ MEDIA_WORKERS: String(workers), LOG_LEVEL: 'error' });
let peers: SitePeer[] = [];
try {
  const { sites: roster } = (await server.get('/api/sites')) as { sites: { id: string; kind: string }[] };
  const ids = ['hub', ...roster.filter((s) => s.kind === 'bridge').map((s) => s.id)].slice(0, sites + 1);
  if (ids.length < sites + 1) throw new Error(`the roster has only ${ids.length - 1} bridges`);
  const tokens = await Promise.all(
    ids.map(async (id) => {
      const { url } = (await server.get(`/api/sites/${id}/join-link`)) as { url: string };
      return url.split('#token=')[1] as string;
    }),
  );
  const t0 = performance.now();
  peers = await joinMany(ids.length, (i) => ({ url: server.url, token: tokens[i] as string }));
  const allUpMs = round(performance.now() - t0);
  const bridgeTimes = peers.filter((p) => !p.isHub).map((p) => p.joinedAt ?? Number.NaN);

  // Steady state: let the join settle, then measure.
  await new Promise((r) => setTimeout(r, 3000));
  const cpu = await measureCpu({ server: server.pid, workers: server.workerPids }, steadyS * 1000);
  const serverRssMb = round(rssMb(server.pid) + server.workerPids.reduce((a, p) => a + rssMb(p), 0));
  const hubBytes = await Promise.all(peers.filter((p) => !p.isHub).map((p) => p.bytesReceivedFrom('hub', 'video')));
  const hub = peers.find((p) => p.isHub);
  const gridBytes = hub
    ? await Promise.all(peers.filter((p) => !p.isHub).map((p) => hub.bytesReceivedFrom(p.siteId, 'video')))
    : [];

  const result = {
    sites: ids.length,
    bridges: sites,
    workers,
    allUpMs,
    joinP50Ms: round(percentile(bridgeTimes, 50)),
    joinP95Ms: round(percentile(bridgeTimes, 95)),
    joinMaxMs: round(Math.max(...bridgeTimes)),
    ...cpu,
    serverRssMb,
    steadySeconds: steadyS,
    bridgesReceivingHub: hubBytes.filter((b) => b > 0).length,
    hubReceivingBridges: gridBytes.filter((b) => b > 0).length,
  };
  const rows: [string, string][] = [
    ['sites (hub + bridges)', `${result.sites}`],
    ['all up', `${result.allUpMs} ms`],
    ['per-site join p50 / p95 / max', `${result.joinP50Ms} / ${result.joinP95Ms} / ${result.joinMaxMs} ms`],
    [`mediasoup workers CPU (${steadyS} s steady)`, `${result.workerCpuPct} % of a core`],
    ['server process CPU', `${result.serverCpuPct} % of a core`],
    ['benchmark peers CPU', `${result.clientCpuPct} % of a core`],
    ['server RSS (node + workers)', `${result.serverRssMb} MB`],
    ['bridges receiving the hub', `${result.bridgesReceivingHub}/${sites}`],
    ['bridges the hub receives', `${result.hubReceivingBridges}/${sites}`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(42)} ${v}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await Promise.all(peers.map((p) => p.close()));
  await server.stop();
}
process.exit(0);
