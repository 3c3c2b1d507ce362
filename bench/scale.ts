// npm run bench:scale [-- --steps 64,128,256,512,1000 --layers 1 --steady 8]
// How far one briefing grows on this machine: for each N, the service starts with a generated
// roster of N sites (a hub and N-1 bridges) and N load bots join it in one storm (the hub
// receives every bridge's grid video, every bridge the hub). Each step reports all-up, the
// service's CPU (Node, workers) and memory, and the clients' CPU; it stops at the first N where
// a site fails or all-up passes 5 s. maxSites is the largest N with every site up within 3 s,
// workerCpuPerSitePct the workers' steady CPU per site there. When the bots' own processes are
// saturated (the clients, not the service, are the limit), the output says so.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { argString } from './args.js';
import type { BotJoined } from './bot-host.js';
import { argNumber, measureCpu, round, rssMb, startServer } from './harness.js';
import { PeerHosts } from './peers.js';

const steps = argString('steps', '64,128,256,512,1000').split(',').map(Number);
const layers = argNumber('layers', 1);
const steadyS = argNumber('steady', 8);
const hostsCount = argNumber('hosts', 2);
const out = (line: string) => process.stdout.write(`${line}\n`);

/** A roster of n sites: the hub and n-1 bridges, named for their number. */
function roster(n: number): string {
  const sites = [
    { id: 'hub', kind: 'hub', name: 'Trung ương', nameEn: 'Hub', location: 'Hà Nội', region: 'hub' },
    ...Array.from({ length: n - 1 }, (_, i) => {
      const no = String(i + 1).padStart(4, '0');
      return {
        id: `b${no}`,
        kind: 'bridge',
        name: `Điểm cầu ${no}`,
        nameEn: `Bridge ${no}`,
        location: 'x',
        region: 'r',
      };
    }),
  ];
  return JSON.stringify({ sites });
}

interface Step {
  sites: number;
  up: number;
  allUpMs: number | null;
  serverCpuPct: number;
  workerCpuPct: number;
  clientCpuPct: number;
  serverRssMb: number;
  clientsSaturated: boolean;
  error?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'giaoban-scale-'));
const results: Step[] = [];
try {
  for (const n of steps) {
    const file = join(dir, `roster-${n}.json`);
    writeFileSync(file, roster(n));
    const server = await startServer({
      MEDIA_WORKERS: '2',
      STORE: 'memory',
      LOG_LEVEL: 'error',
      ROSTER_FILE: file,
      // Quality thresholds say nothing here: only whether every site is up.
      STATUS_MAX_RTT_MS: '5000',
    });
    const hosts = await PeerHosts.start(hostsCount, 'bots');
    const step: Step = {
      sites: n,
      up: 0,
      allUpMs: null,
      serverCpuPct: 0,
      workerCpuPct: 0,
      clientCpuPct: 0,
      serverRssMb: 0,
      clientsSaturated: false,
    };
    try {
      const ids = ['hub', ...Array.from({ length: n - 1 }, (_, i) => `b${String(i + 1).padStart(4, '0')}`)];
      const list = await Promise.all(
        ids.map(async (siteId) => ({
          siteId,
          token: ((await server.get(`/api/sites/${siteId}/join-link`)) as { url: string }).url.split(
            '#token=',
          )[1] as string,
        })),
      );
      const hub = list.slice(0, 1);
      const t0 = Date.now();
      await hosts.join(server.url, hub, { layers: 3 });
      const joined = await hosts.join<BotJoined>(server.url, list.slice(1), { layers, thumbnail: true });
      step.up = joined.length + 1;
      step.allUpMs = round(Math.max(...joined.map((j) => j.upEpoch)) - t0);
      await new Promise((r) => setTimeout(r, 2000));
      const cpu = await measureCpu(
        { server: server.pid, workers: server.workerPids, clients: hosts.pids },
        steadyS * 1000,
      );
      step.serverCpuPct = cpu.serverCpuPct;
      step.workerCpuPct = cpu.workerCpuPct;
      step.clientCpuPct = cpu.clientCpuPct;
      step.serverRssMb = round(rssMb(server.pid) + server.workerPids.reduce((a, p) => a + rssMb(p), 0));
      // Each host is one Node process: past ~90 % of a core it cannot keep its bots' pace; and
      // bots that take most of a machine that is nearly full starve the service they measure.
      const machine = 100 * availableParallelism();
      const busy = cpu.clientCpuPct + cpu.serverCpuPct + cpu.workerCpuPct;
      step.clientsSaturated =
        cpu.clientCpuPct > 90 * Math.min(hostsCount, availableParallelism()) ||
        (busy > 0.75 * machine && cpu.clientCpuPct > busy / 2);
    } catch (err) {
      step.error = (err as Error).message.slice(0, 200);
    } finally {
      await hosts.exit();
      await server.stop();
    }
    results.push(step);
    out(
      `N=${String(n).padStart(4)}  up ${step.up}/${n}  all-up ${step.allUpMs ?? '-'} ms  node ${step.serverCpuPct} %  workers ${step.workerCpuPct} %  clients ${step.clientCpuPct} %  rss ${step.serverRssMb} MB${step.clientsSaturated ? '  (clients saturated)' : ''}${step.error ? `  error: ${step.error}` : ''}`,
    );
    if (step.error || step.allUpMs === null || step.allUpMs > 5000) break;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const good = results.filter((s) => !s.error && s.allUpMs !== null && s.allUpMs <= 3000);
const best = good.at(-1);
// The worker's cost per site is a steady-state figure: read it from the largest step that had
// every site up, whatever its all-up time.
const costed = results.filter((s) => !s.error && s.up === s.sites && s.workerCpuPct > 0).at(-1);
const last = results.at(-1);
const limit = !last
  ? 'no step ran'
  : last.error || (last.allUpMs ?? 0) > 5000
    ? last.clientsSaturated
      ? `the bots: at N=${last.sites} they took ${last.clientCpuPct} % of this ${availableParallelism()}-core machine's CPU, the service ${round(last.serverCpuPct + last.workerCpuPct)} %`
      : `the service at N=${last.sites}`
    : 'not reached';
out(`limit: ${limit}`);
out(
  JSON.stringify({
    steps: results,
    maxSites: best?.sites ?? 0,
    workerCpuPerSitePct: costed ? Math.round((costed.workerCpuPct / costed.sites) * 1000) / 1000 : null,
    limit,
  }),
);
