// The status service over the real briefing, conference and store of a running service. The
// signals are the events signaling and media emit; the end-to-end path is in the board tests.
import t from 'tap';
import { createLogger } from '../../../kernel/logger.js';
import type { SiteMediaStats } from '../../../media/index.js';
import type { Alert } from '../../../server/status/service.js';
import { StatusService } from '../../../server/status/service.js';
import { startTestService } from '../../helpers/service.js';

const SITE = 'thua-thien-hue';

t.test('transitions, events in the store, alerts only when live, one alert per bout of flapping', async (t) => {
  const service = await startTestService();
  // Only this test's instance (with its controllable clock) may write states and alerts.
  service.status.close();
  let now = Date.parse('2012-06-22T01:00:00Z');
  const status = await StatusService.create({
    roster: service.roster,
    briefing: service.briefing,
    conference: service.media.conference,
    store: service.store,
    outbox: service.outbox,
    logger: createLogger('silent'),
    thresholds: {
      maxRttMs: 300,
      maxLossPct: 2,
      maxJitterMs: 30,
      minSendKbps: 8,
      connectGraceMs: 10_000,
      staleMs: 3000,
    },
    now: () => now,
  });
  t.teardown(async () => {
    status.close();
    await service.close();
  });
  const alerts: Alert[] = [];
  const states: string[] = [];
  status.on('alert', (a) => alerts.push(a));
  status.on('status', (s) => {
    if (s.siteId === SITE && states.at(-1) !== s.state) states.push(s.state);
  });
  const { briefing, media } = service;
  const conference = media.conference;
  const stats = (over: Partial<SiteMediaStats> = {}): SiteMediaStats => ({
    siteId: SITE,
    at: now,
    transport: 'tcp',
    ice: { send: 'connected', recv: 'connected' },
    dtls: { send: 'connected', recv: 'connected' },
    rttMs: 30,
    lossInPct: 0,
    lossOutPct: 0,
    jitterMs: 2,
    inKbps: 300,
    outKbps: 0,
    availableOutKbps: null,
    producers: { cam: { kbps: 300, packets: Math.floor(now / 10), score: 10, lossPct: 0, jitterMs: 2, paused: false } },
    consumers: { count: 0, minScore: null, kbps: 0 },
    ...over,
  });
  // A site connects (the pre-join page) and joins; it leaves by disconnecting.
  const arrive = () => {
    briefing.emit('connection', SITE, true);
    briefing.emit('presence', SITE, true);
  };
  const leave = () => briefing.emit('connection', SITE, false);
  const comeUp = () => {
    arrive();
    conference.emit('transport', SITE, { direction: 'send', ice: 'connected', dtls: 'connected', protocol: 'tcp' });
    conference.emit('transport', SITE, { direction: 'recv', ice: 'connected', dtls: 'connected', protocol: 'tcp' });
    conference.emit('stats', [stats()]);
  };

  t.equal(status.get(SITE)?.state, 'offline');
  arrive();
  t.equal(status.get(SITE)?.state, 'connecting');
  comeUp();
  t.equal(status.get(SITE)?.state, 'online');
  t.equal(status.get(SITE)?.transport, 'tcp');
  t.equal(status.get(SITE)?.metrics.rttMs, 30);

  t.test('quality must stay bad for two samples; recovery is immediate', async (t) => {
    now += 1000;
    conference.emit('stats', [stats({ rttMs: 900 })]);
    t.equal(status.get(SITE)?.state, 'online', 'one spike is not enough');
    now += 1000;
    conference.emit('stats', [stats({ rttMs: 900 })]);
    t.equal(status.get(SITE)?.state, 'degraded');
    t.match(status.get(SITE)?.reason, /RTT 900/);
    now += 1000;
    conference.emit('stats', [stats()]);
    t.equal(status.get(SITE)?.state, 'online');
  });

  t.test('no alerts outside a live session', async (t) => {
    leave();
    t.equal(status.get(SITE)?.state, 'offline');
    t.equal(status.get(SITE)?.flags.reconnecting, true, 'expected back');
    t.equal(alerts.length, 0);
    now += 31_000;
    briefing.emit('changed', briefing.view());
    t.equal(status.get(SITE)?.flags.reconnecting, false, 'not after the window');
  });

  t.test('live: a drop alerts; a bouncing site alerts once', async (t) => {
    briefing.setPhase('live');
    now += 60_000;
    comeUp();
    now += 1000;
    leave();
    t.equal(alerts.length, 1);
    t.match(alerts[0], { siteId: SITE, kind: 'dropped' });
    for (let i = 0; i < 6; i++) {
      now += 2000;
      comeUp();
      now += 2000;
      leave();
    }
    t.equal(status.get(SITE)?.flags.flapping, true, 'flagged as flapping');
    t.ok(alerts.length <= 2, `a storm of bounces gave ${alerts.length} alerts`);
    now += 31_000;
    briefing.emit('changed', briefing.view());
    t.equal(status.get(SITE)?.flags.flapping, false, 'calm again after 30 s');
  });

  t.test('every change is in the event log and the snapshot in the store', async (t) => {
    await new Promise((r) => setTimeout(r, 50));
    const events = (await service.store.listEvents()).filter((e) => e.type === 'site.state' && e.siteId === SITE);
    t.ok(events.length >= 10, `${events.length} state changes logged`);
    t.match(events[0]?.data, { from: 'offline', to: 'connecting' });
    t.equal((await service.store.getSiteStatuses()).get(SITE)?.state, status.get(SITE)?.state);
    const logged = (await service.store.listEvents()).filter((e) => e.type === 'alert');
    t.equal(logged.length, alerts.length, 'alerts are logged too');
    t.ok(states.includes('degraded') && states.includes('online') && states.includes('offline'));
  });
});
