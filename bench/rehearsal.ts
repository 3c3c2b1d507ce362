// npm run bench:rehearsal -- --sites 63
// The hub (a real libwebrtc peer) and 63 bridges (load bots on the shared site client, which
// report their link like the page) are connected when a rehearsal opens by schedule; measure
// the time from its start to a complete report (every expected site checked), and say why any
// site failed.
// Each site is measured over REHEARSAL_WINDOW_MS (default 4 s) of media once its media flows:
// long enough for several one-second statistics samples (a stable median of bitrate, RTT and
// loss), short enough that 63 sites in parallel finish well inside a minute.
import { argNumber, round, startServer } from './harness.js';
import { PeerHosts } from './peers.js';

const bridges = argNumber('sites', 63);
const windowMs = argNumber('window', 4000);
// Let the join storm settle (encoders ramp up) before the rehearsal opens, as on the day.
const settleMs = argNumber('settle', 5000);
const server = await startServer({
  MEDIA_WORKERS: '2',
  LOG_LEVEL: 'error',
  STORE: 'memory',
  REHEARSAL_WINDOW_MS: String(windowMs),
});
const hubHost = await PeerHosts.start(1, 'peers');
const hosts = await PeerHosts.start(1, 'bots');
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
  await Promise.all([
    hubHost.join(
      server.url,
      list.filter((s) => s.siteId === 'hub'),
    ),
    hosts.join(
      server.url,
      list.filter((s) => s.siteId !== 'hub'),
    ),
  ]);
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
    sites: {
      siteId: string;
      result: string;
      checks: {
        name: string;
        pass: boolean;
        severity?: string;
        code?: string;
        params?: Record<string, unknown>;
        reason: string;
      }[];
    }[];
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
  const warnings = new Map<string, number>();
  for (const s of report.sites)
    for (const c of s.checks.filter((x) => x.severity === 'warn'))
      warnings.set(c.code ?? c.name, (warnings.get(c.code ?? c.name) ?? 0) + 1);
  const result = {
    sites: ids.length,
    reportCompleteMs: round(completeAt - startsAt),
    windowMs,
    pass: report.totals.pass,
    fail: report.totals.fail,
    absent: report.totals.absent,
    failedChecks: Object.fromEntries(reasons),
    warnings: Object.fromEntries(warnings),
  };
  process.stdout.write(
    `rehearsal of ${result.sites} sites: complete report ${result.reportCompleteMs} ms after the start\n`,
  );
  process.stdout.write(
    `pass ${result.pass}, fail ${result.fail}, absent ${result.absent}; window ${windowMs} ms per site\n`,
  );
  for (const f of failures.slice(0, 5))
    process.stdout.write(
      `  ${f.siteId}: ${f.checks
        .filter((c) => !c.pass)
        .map((c) => `${c.name} ${JSON.stringify(c.params ?? c.reason)}`)
        .join('; ')}\n`,
    );
  if (failures.length)
    process.stdout.write(
      `failed checks: ${JSON.stringify(result.failedChecks)} e.g. ${JSON.stringify(failures[0]?.checks.filter((c) => !c.pass))}\n`,
    );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(`bench:rehearsal failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await Promise.all([hosts.exit(), hubHost.exit()]);
  await server.stop();
}
