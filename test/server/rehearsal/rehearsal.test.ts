// End to end: a rehearsal scheduled a few seconds ahead opens by itself; the hub and two
// bridges are present (real WebRTC peers), one bridge sends no video. The report says why.
import t from 'tap';
import { createLogger } from '../../../kernel/logger.js';
import { startService } from '../../../server/service.js';
import { SitePeer } from '../../helpers/peer.js';
import { operatorHeaders, testConfig } from '../../helpers/service.js';

interface ReportBody {
  sessionId: string;
  status: string;
  totals: { pass: number; fail: number; absent: number };
  sites: {
    siteId: string;
    result: string;
    checks: { name: string; pass: boolean; value: unknown; reason: string }[];
  }[];
}

t.test('a scheduled rehearsal checks every present site and reports pass, fail and absent', async (t) => {
  const config = testConfig();
  const service = await startService({ config, logger: createLogger(config.LOG_LEVEL), rehearsalWindowMs: 3000 });
  const peers: SitePeer[] = [];
  t.teardown(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await service.close();
  });
  const join = async (id: string, video = true) =>
    SitePeer.join({ url: service.url, token: await service.credentials.tokenFor(id), video });
  peers.push(await join('hub'), await join('ha-giang'), await join('ca-mau', false));

  const startsAt = new Date(Date.now() + 3000).toISOString();
  const created = await service.app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: operatorHeaders,
    payload: { kind: 'rehearsal', title: 'Kiểm tra kết nối', startsAt, durationMinutes: 5 },
  });
  t.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;

  let report: ReportBody | undefined;
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    const res = await service.app.inject({ url: `/api/sessions/${id}/report`, headers: operatorHeaders });
    report = res.json() as ReportBody;
    const checked = report.sites.filter((s) => s.result !== 'absent').length;
    if (checked >= 3) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!report) throw new Error('no report');
  t.equal(service.briefing.phase, 'rehearsal', 'the rehearsal opened by itself');
  const site = (id: string) => report?.sites.find((s) => s.siteId === id);
  t.equal(site('ha-giang')?.result, 'pass', JSON.stringify(site('ha-giang')?.checks.filter((c) => !c.pass)));
  t.equal(site('hub')?.result, 'pass', JSON.stringify(site('hub')?.checks.filter((c) => !c.pass)));
  const failed = site('ca-mau');
  t.equal(failed?.result, 'fail');
  const video = failed?.checks.find((c) => c.name === 'video-sent');
  t.equal(video?.pass, false, 'the video check failed');
  t.match(video?.reason, /no video reaches the server/);
  t.same(
    failed?.checks.filter((c) => !c.pass).map((c) => c.name),
    ['video-sent'],
    'video is the only failure',
  );
  t.same(report.totals, { pass: 2, fail: 1, absent: 61 });
  t.equal(report.status, 'running', 'absent sites may still come while the rehearsal runs');
  t.ok(site('ha-giang')?.checks.find((c) => c.name === 'ice')?.value === 'udp', 'the transport is recorded');

  const csv = await service.app.inject({ url: `/api/sessions/${id}/report.csv`, headers: operatorHeaders });
  t.equal(csv.statusCode, 200);
  t.match(csv.body, /ca-mau,Cà Mau,dong-bang-song-cuu-long,fail/);
  const html = await service.app.inject({ url: `/api/sessions/${id}/report.html`, headers: operatorHeaders });
  t.match(html.body, /Báo cáo kiểm tra kết nối/);
  t.match(html.body, /Không đạt: 1/);

  const profiles = await service.store.getSiteProfiles();
  t.equal(profiles.get('ha-giang')?.transport, 'udp', 'what the rehearsal learned is kept for the live session');

  // The operator cancels the rest of the rehearsal: the report completes with the absentees.
  const cancel = await service.app.inject({
    method: 'POST',
    url: `/api/sessions/${id}/cancel`,
    headers: operatorHeaders,
  });
  t.equal(cancel.statusCode, 200);
  const deadline2 = Date.now() + 5000;
  let final: ReportBody | undefined;
  while (Date.now() < deadline2) {
    final = (
      await service.app.inject({ url: `/api/sessions/${id}/report`, headers: operatorHeaders })
    ).json() as ReportBody;
    if (final.status === 'complete' && service.briefing.phase === 'open') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.equal(final?.status, 'complete');
  t.equal(service.briefing.phase, 'open', 'the conference stays open after the rehearsal');
  t.same(final?.totals, { pass: 2, fail: 1, absent: 61 });
});
