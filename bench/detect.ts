// npm run bench:detect -- --sites 63
// With the hub (a real libwebrtc peer) and 63 bridges (load bots on the shared site client)
// connected, drop bridges abruptly (connection closed) and silently (the bot goes quiet: no
// FIN, no pongs, no media) and measure how soon a board client sees it; bring them back and
// measure how soon the board shows them online once their media flows; and measure the latency
// of every status push while all sites send stats.
import { io, type Socket } from 'socket.io-client';
import { OPERATOR_NAMESPACE, type OperatorServerEvents, type SiteStatusView } from '../contract/index.js';
import { argNumber, OPERATOR_TOKEN, percentile, round, startServer } from './harness.js';
import { PeerHosts } from './peers.js';

const bridges = argNumber('sites', 63);
const drops = argNumber('drops', 8);

const server = await startServer({ MEDIA_WORKERS: '2', LOG_LEVEL: 'error', STORE: 'memory' });
// The clients live in other processes, so this one (the board client and the stopwatch) stays idle.
const hubHost = await PeerHosts.start(1, 'peers');
const hosts = await PeerHosts.start(1, 'bots');
let board: Socket<OperatorServerEvents> | undefined;
try {
  const { sites } = (await server.get('/api/sites')) as { sites: { id: string; kind: string }[] };
  const ids = ['hub', ...sites.filter((s) => s.kind === 'bridge').map((s) => s.id)].slice(0, bridges + 1);
  const tokens = new Map(
    await Promise.all(
      ids.map(
        async (id) =>
          [
            id,
            ((await server.get(`/api/sites/${id}/join-link`)) as { url: string }).url.split('#token=')[1] as string,
          ] as const,
      ),
    ),
  );

  // The board: what it sees, when.
  const state = new Map<string, string>();
  const reasons = new Map<string, string>();
  const waiters: { siteId: string; want: (s: string) => boolean; resolve: (t: number) => void }[] = [];
  const pushLatency: number[] = [];
  board = io(`${server.url}${OPERATOR_NAMESPACE}`, {
    auth: { token: OPERATOR_TOKEN },
    transports: ['websocket'],
    forceNew: true,
  });
  const apply = (s: SiteStatusView) => {
    const at = Date.now();
    state.set(s.siteId, s.state);
    reasons.set(s.siteId, s.reason ?? '');
    for (const w of [...waiters]) {
      if (w.siteId === s.siteId && w.want(s.state)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(at);
      }
    }
  };
  board.on('status:all', ({ sites: all }) => {
    for (const s of all) apply(s);
  });
  board.on('status:site', (s) => {
    pushLatency.push(Date.now() - Date.parse(s.updatedAt));
    apply(s);
  });
  const seen = (siteId: string, want: (s: string) => boolean, timeoutMs = 20_000) =>
    new Promise<number>((resolve, reject) => {
      if (want(state.get(siteId) ?? '')) return resolve(Date.now());
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${siteId}: the board did not see the change in ${timeoutMs} ms (state ${state.get(siteId)}: ${reasons.get(siteId)})`,
            ),
          ),
        timeoutMs,
      );
      waiters.push({
        siteId,
        want,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      });
    });

  await Promise.all([
    hubHost.join(server.url, [{ siteId: 'hub', token: tokens.get('hub') as string }]),
    hosts.join(
      server.url,
      ids.filter((id) => id !== 'hub').map((siteId) => ({ siteId, token: tokens.get(siteId) as string })),
    ),
  ]);
  // Measure the drops on the sites that came online, and say how many that was.
  const online = (
    await Promise.all(
      ids.map((id) =>
        seen(id, (s) => s === 'online', 30_000).then(
          () => id,
          () => null,
        ),
      ),
    )
  ).filter((id): id is string => id !== null);
  if (!online.includes('hub')) throw new Error('the hub never came online');
  process.stdout.write(`${online.length}/${ids.length} sites online on the board\n`);
  pushLatency.length = 0;
  await new Promise((r) => setTimeout(r, 3000));

  const victims = online.filter((id) => id !== 'hub').slice(0, drops * 2);
  const abrupt: number[] = [];
  const silent: number[] = [];
  const recovery: number[] = [];
  const rejoin = async (id: string) => {
    // Media flows again when the site produces and decodes the hub's video; then the board must
    // show it online.
    const saw = seen(id, (s) => s === 'online');
    const joined = await hosts.rejoin(server.url, id);
    recovery.push(Math.max(0, (await saw) - joined.upEpoch));
  };
  for (const [i, id] of victims.entries()) {
    if (i % 2 === 0) {
      // Abrupt: the tab closes; the connection ends with a FIN and its transports close.
      const t0 = Date.now();
      const saw = seen(id, (s) => s === 'offline');
      await hosts.close(id);
      abrupt.push((await saw) - t0);
    } else {
      // Silent: the peer goes quiet (see peer-host.ts); the first change the board shows counts.
      const t0 = Date.now();
      const saw = seen(id, (s) => s !== 'online');
      await hosts.silence(id);
      silent.push((await saw) - t0);
      await seen(id, (s) => s === 'offline');
      await hosts.close(id);
    }
    await rejoin(id);
    await new Promise((r) => setTimeout(r, 500));
  }
  const stats = (xs: number[]) => ({
    p50: round(percentile(xs, 50)),
    p95: round(percentile(xs, 95)),
    max: round(Math.max(...xs)),
    n: xs.length,
  });
  const result = {
    sites: ids.length,
    online: online.length,
    abrupt: stats(abrupt),
    silent: stats(silent),
    recovery: stats(recovery),
    boardUpdate: stats(pushLatency),
    abruptP95Ms: stats(abrupt).p95,
    silentP95Ms: stats(silent).p95,
    recoveryP95Ms: stats(recovery).p95,
    boardUpdateP95Ms: stats(pushLatency).p95,
  };
  process.stdout.write('detection as seen by a board client       p50 / p95 / max (n)\n');
  for (const k of ['abrupt', 'silent', 'recovery', 'boardUpdate'] as const) {
    const s = result[k];
    process.stdout.write(`  ${k.padEnd(38)} ${s.p50} / ${s.p95} / ${s.max} ms (${s.n})\n`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(`bench:detect failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  board?.disconnect();
  await Promise.all([hosts.exit(), hubHost.exit()]);
  await server.stop();
}
