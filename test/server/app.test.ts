// The HTTP edge against the real service (real mediasoup worker, in-memory store).
import t from 'tap';
import { OPERATOR_TOKEN, operatorHeaders, startTestService } from '../helpers/service.js';

t.test('health, readiness and the operator API', async (t) => {
  const service = await startTestService();
  t.teardown(() => service.close());
  const { app } = service;

  const health = await app.inject({ url: '/healthz' });
  t.equal(health.statusCode, 200);

  const ready = await app.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().ready, true);
  t.same(ready.json().media.workerPids, service.media.pids);
  t.ok(service.media.pids[0] && service.media.pids[0] > 0, 'a real worker pid');

  t.test('401 without or with a wrong operator token, with a reason', async (t) => {
    const none = await app.inject({ url: '/api/sites' });
    t.equal(none.statusCode, 401);
    t.equal(none.json().error.code, 'unauthorized');
    t.match(none.json().error.message, /Authorization: Bearer/);
    const wrong = await app.inject({ url: '/api/sites', headers: { authorization: 'Bearer nope' } });
    t.equal(wrong.statusCode, 401);
    const basic = await app.inject({ url: '/api/sites', headers: { authorization: `Basic ${OPERATOR_TOKEN}` } });
    t.equal(basic.statusCode, 401);
    const siteToken = await service.credentials.tokenFor('bac-ninh');
    const asSite = await app.inject({ url: '/api/sites', headers: { authorization: `Bearer ${siteToken}` } });
    t.equal(asSite.statusCode, 401, 'a site token is not an operator token');
  });

  t.test('the sites listing', async (t) => {
    const res = await app.inject({ url: '/api/sites', headers: operatorHeaders });
    t.equal(res.statusCode, 200);
    const { sites } = res.json() as { sites: { id: string; kind: string; state: string; name: string }[] };
    t.equal(sites.length, 64);
    t.equal(sites.filter((s) => s.kind === 'hub').length, 1);
    t.ok(
      sites.every((s) => s.state === 'offline'),
      'nobody connected yet',
    );
    t.equal(sites.find((s) => s.id === 'dak-lak')?.name, 'Đắk Lắk');
  });

  t.test('join links: get, re-issue, unknown site', async (t) => {
    const link = await app.inject({ url: '/api/sites/bac-ninh/join-link', headers: operatorHeaders });
    t.equal(link.statusCode, 200);
    t.match(link.json().url, new RegExp(`^${service.url}/join/bac-ninh#token=bac-ninh\\.`));
    const again = await app.inject({ url: '/api/sites/bac-ninh/join-link', headers: operatorHeaders });
    t.equal(again.json().url, link.json().url, 'same link until re-issued');
    const re = await app.inject({ method: 'POST', url: '/api/sites/bac-ninh/reissue', headers: operatorHeaders });
    t.equal(re.statusCode, 200);
    t.not(re.json().url, link.json().url);
    const oldToken = link.json().url.split('#token=')[1];
    await t.rejects(service.credentials.verify(oldToken), { code: 'unauthorized' });
    const unknown = await app.inject({ url: '/api/sites/atlantis/join-link', headers: operatorHeaders });
    t.equal(unknown.statusCode, 404);
    t.match(unknown.json().error.message, /atlantis/);
    const events = await app.inject({ url: '/api/events', headers: operatorHeaders });
    t.ok(
      events
        .json()
        .events.some(
          (e: { type: string; siteId: string }) => e.type === 'site.link-reissued' && e.siteId === 'bac-ninh',
        ),
      're-issue is in the event log',
    );
  });

  t.test('metrics in Prometheus format, for the operator only', async (t) => {
    t.equal((await app.inject({ url: '/metrics' })).statusCode, 401);
    const res = await app.inject({ url: '/metrics', headers: operatorHeaders });
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /text\/plain/);
    t.match(res.body, /^giaoban_sites\{state="offline"\} 64$/m);
    t.match(res.body, /^giaoban_sites\{state="online"\} 0$/m);
    t.match(res.body, /^giaoban_worker_cpu_seconds_total\{worker="0",pid="\d+"\} [\d.]+$/m);
    t.match(res.body, /^giaoban_sockets\{namespace="site"\} 0$/m);
    t.match(res.body, /^giaoban_floor_changes_total 0$/m);
    t.match(res.body, /^giaoban_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);
  });

  t.test('conference actions over REST validate what they get', async (t) => {
    const conf = await app.inject({ url: '/api/conference', headers: operatorHeaders });
    t.equal(conf.statusCode, 200);
    t.match(conf.json(), { phase: 'open', floor: null, hands: [], media: { workers: [{ alive: true }] } });
    const floor = await app.inject({
      method: 'POST',
      url: '/api/floor',
      headers: operatorHeaders,
      payload: { siteId: 'ca-mau' },
    });
    t.equal(floor.json().floor, 'ca-mau', 'the floor can be given to a site before it connects');
    const metrics = await app.inject({ url: '/metrics', headers: operatorHeaders });
    t.match(metrics.body, /^giaoban_floor_changes_total 1$/m);
    t.equal((await app.inject({ method: 'DELETE', url: '/api/floor', headers: operatorHeaders })).json().floor, null);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/floor',
      headers: operatorHeaders,
      payload: { siteId: 'atlantis' },
    });
    t.equal(unknown.statusCode, 404);
    const noBody = await app.inject({ method: 'POST', url: '/api/floor', headers: operatorHeaders, payload: {} });
    t.equal(noBody.statusCode, 400);
    t.match(noBody.json().error.message, /siteId/);
    const badMute = await app.inject({
      method: 'POST',
      url: '/api/sites/hue/mute',
      headers: operatorHeaders,
      payload: { muted: 'yes' },
    });
    t.equal(badMute.statusCode, 400);
    const mute = await app.inject({
      method: 'POST',
      url: '/api/sites/ca-mau/mute',
      headers: operatorHeaders,
      payload: { muted: true },
    });
    t.same(mute.json().muted, ['ca-mau']);
    const ice = await app.inject({ method: 'POST', url: '/api/sites/ca-mau/restart-ice', headers: operatorHeaders });
    t.equal(ice.statusCode, 409, 'a site that is not connected cannot restart ICE');
    t.match(ice.json().error.message, /not connected/);
    const disc = await app.inject({ method: 'POST', url: '/api/sites/ca-mau/disconnect', headers: operatorHeaders });
    t.same(disc.json(), { siteId: 'ca-mau', disconnected: false });
  });

  t.test('bad requests are 4xx with a reason, unknown routes 404', async (t) => {
    const bad = await app.inject({ url: '/api/events?since=yesterday', headers: operatorHeaders });
    t.equal(bad.statusCode, 400);
    t.equal(bad.json().error.code, 'bad_request');
    t.match(bad.json().error.message, /since/);
    const extra = await app.inject({ url: '/api/events?colour=red', headers: operatorHeaders });
    t.equal(extra.statusCode, 400);
    const missing = await app.inject({ url: '/nowhere' });
    t.equal(missing.statusCode, 404);
    t.equal(missing.json().error.code, 'not_found');
    const badJson = await app.inject({
      method: 'POST',
      url: '/api/sites/hue/reissue',
      headers: { ...operatorHeaders, 'content-type': 'application/json' },
      payload: '{ nope',
    });
    t.equal(badJson.statusCode, 400);
    t.notMatch(badJson.body, /at .*\.ts:\d+/, 'no stack trace');
  });
});

t.test('readyz says not ready when the media workers are gone', async (t) => {
  const service = await startTestService();
  t.teardown(() => service.close());
  service.media.close();
  const res = await service.app.inject({ url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.equal(res.json().ready, false);
});
