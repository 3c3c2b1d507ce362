// npm run bench:rehearsal
// The hub and 63 bridges (real WebRTC peers) are connected when a rehearsal opens by schedule;
// measure the time from its start to a complete report (every expected site checked).
// Each site is measured over REHEARSAL_WINDOW_MS (default 4 s) of media once its media flows:
// long enough for several one-second statistics samples (a stable median of bitrate, RTT and
// loss), short enough that 63 sites in parallel finish well inside a minute.
import { argNumber, round, startServer } from './harness.js';
import { PeerHosts } from './peers.js';

const bridges = argNumber('sites', 63);
const windowMs = argNumber('window', 4000);
const procs = argNumber('procs', 1);
// Let the join storm settle (encoders ramp up) before the rehearsal opens, as on the day.
const settleMs = argNumber('settle', 5000);
const server = await startServer({ MEDIA_WORKERS: '2', LOG_LEVEL: 'error', REHEARSAL_WINDOW_MS: String(windowMs) });
const hosts = await PeerHosts.start(procs);
try {
  const { sites } = (await server.get('/api/sites')) as { sites: { id: string; kind: string }[] };
  const ids = ['hub', ...sites.filter((s) => s.kind === 'bridge').map((s) => s.id)].slice(0, bridges + 1);
  const list = await Promise.all(
    ids.map(async (siteId) => ({
      siteId,
      token: ((await server.get(`/api/sites/${siteId}/join-link`)) as { url: string }).url.split(
        '#token=',
      )[1] as string,
    })),
  );
  await hosts.join(server.url, list);
  await new Promise((r) => setTimeout(r, settleMs));
  const startsAt = Date.now() + 2000;
  const session = (await server.post('/api/sessions', {
    kind: 'rehearsal',
    title: 'Benchmark rehearsal',
    startsAt: new Date(startsAt).toISOString(),
    durationMinutes: 10,
    siteIds: ids,
  })) as { id: string };
  interface Report {
    status: string;
    totals: { pass: number; fail: number; absent: number };
    sites: { siteId: string; result: string; checks: { name: string; pass: boolean; reason: string }[] }[];
  }
  let report: Report | undefined;
  let completeAt: number | undefined;
  while (Date.now() < startsAt + 120_000) {
    report = (await server.get(`/api/sessions/${session.id}/report`)) as Report;
    if (report.status === 'complete') {
      completeAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!report || completeAt === undefined)
    throw new Error(`the report was not complete 120 s after the start: ${JSON.stringify(report?.totals)}`);
  const failures = report.sites.filter((s) => s.result === 'fail');
  const reasons = new Map<string, number>();
  for (const f of failures)
    for (const c of f.checks.filter((x) => !x.pass)) reasons.set(`${c.name}`, (reasons.get(c.name) ?? 0) + 1);
  const result = {
    sites: ids.length,
    reportCompleteMs: round(completeAt - startsAt),
    windowMs,
    pass: report.totals.pass,
    fail: report.totals.fail,
    absent: report.totals.absent,
    failedChecks: Object.fromEntries(reasons),
  };
  process.stdout.write(
    `rehearsal of ${result.sites} sites: complete report ${result.reportCompleteMs} ms after the start\n`,
  );
  process.stdout.write(
    `pass ${result.pass}, fail ${result.fail}, absent ${result.absent}; window ${windowMs} ms per site\n`,
  );
  if (failures.length)
    process.stdout.write(
      `failed checks: ${JSON.stringify(result.failedChecks)} e.g. ${JSON.stringify(failures[0]?.checks.filter((c) => !c.pass))}\n`,
    );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await hosts.exit();
  await server.stop();
}
