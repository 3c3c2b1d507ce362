// Webhooks across a restart: the real service as a child process on a real redis-server, a
// receiver that verifies every signature and goes down in the middle of a briefing; the
// service is restarted while the receiver is down, more happens, the receiver comes back, and
// it then has every event of the briefing, in order, each once: the cursor and the head being
// retried live in Redis, not in the process.
import t from 'tap';
import { loadRoster } from '../../../config/roster.js';
import { toWebhook } from '../../../server/webhooks/events.js';
import type { EventRecord } from '../../../store/records.js';
import { startOwnRedis } from '../../helpers/faults/redis-server.js';
import { SitePeer } from '../../helpers/peer.js';
import { startServerProcess } from '../../helpers/server-process.js';
import { writeSmallRoster } from '../../helpers/small-roster.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from '../../helpers/webhook-receiver.js';

t.setTimeout(300_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

t.test('the receiver down, the service restarted: every event arrives afterwards, in order, once', async (t) => {
  const roster = writeSmallRoster();
  t.teardown(() => roster.remove());
  const redis = await startOwnRedis();
  t.teardown(() => redis.close());
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  const env = {
    REDIS_URL: redis.url,
    ROSTER_FILE: roster.file,
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '1000',
    // Down for a while is not dead: the head waits for the receiver, however long.
    WEBHOOK_MAX_ATTEMPTS: '1000',
  };
  let server = await startServerProcess({ env });
  const peers: SitePeer[] = [];
  t.teardown(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await server.stop();
  });
  const join = async (id: string) => {
    const { url } = (await server.get(`/api/sites/${id}/join-link`)) as { url: string };
    const token = new URL(url).hash.replace(/^#token=/, '');
    const peer = await SitePeer.join({ url: server.url, token: decodeURIComponent(token) });
    peers.push(peer);
    return peer;
  };
  const log = async () => ((await server.get('/api/events?limit=10000')) as { events: EventRecord[] }).events;
  const state = async (id: string) =>
    ((await server.get('/api/sites')) as { sites: { id: string; state: string }[] }).sites.find((s) => s.id === id)
      ?.state;

  // The live session is under way (it started 59 minutes ago and ends in 45 s).
  await server.post('/api/sessions', {
    kind: 'live',
    title: 'Giao ban trực tuyến',
    startsAt: new Date(Date.now() - 60 * 60_000 + 45_000).toISOString(),
    durationMinutes: 60,
  });
  // The scheduler opens it on its next tick; the sites join the open session.
  await until('the session opened', () => receiver.accepted().some((r) => r.type === 'session.opened'));
  await join('hub');
  const haGiang = await join('ha-giang');
  await until('Hà Giang online', async () => (await state('ha-giang')) === 'online');
  await haGiang.client.toggleHand();
  await server.post('/api/floor', { siteId: 'ha-giang' });
  await until('the first webhooks', () => receiver.accepted().some((r) => r.type === 'floor.changed'));
  const before = receiver.accepted().length;
  const types = receiver.accepted().map((r) => r.type);
  t.ok(
    ['session.opened', 'site.online', 'hand.raised', 'floor.changed'].every((type) => types.includes(type)),
    `${before} delivered while the receiver was up: ${types.join(', ')}`,
  );

  // The receiver goes down; the briefing goes on.
  await receiver.stop();
  await server.request('DELETE', '/api/floor');
  await haGiang.close();
  peers.splice(peers.indexOf(haGiang), 1);
  await until('Hà Giang offline', async () => (await state('ha-giang')) === 'offline');
  await sleep(1500); // a few failed attempts at the head

  // The service restarts while the receiver is still down, and the briefing goes on after it.
  await server.stop();
  server = await startServerProcess({ env });
  // The hub's peer went with the old process (a test peer does not come back by itself).
  for (const p of peers.splice(0)) await p.close();
  await join('hub');
  const again = await join('ha-giang');
  await until('Hà Giang online again', async () => (await state('ha-giang')) === 'online').catch(async (err) => {
    const sites = (await server.get('/api/sites')) as { sites: { id: string }[] };
    throw new Error(`${(err as Error).message}: ${JSON.stringify(sites.sites.find((s) => s.id === 'ha-giang'))}`);
  });
  await again.client.toggleHand();
  await sleep(2000);
  t.equal(receiver.accepted().length, before, 'nothing got through while the receiver was down');

  // The receiver comes back on its address; the session ends meanwhile.
  await receiver.start();
  await until('the session ended', async () => (await log()).some((e) => e.type === 'session.ended'), 90_000);
  const mapped = loadRoster(roster.file);
  const expectAll = async () =>
    (await log()).flatMap((e) => {
      const w = toWebhook(e, mapped);
      return w ? [{ type: w.type, seq: e.seq }] : [];
    });
  await until('every webhook delivered', async () => receiver.accepted().length >= (await expectAll()).length, 60_000);
  await sleep(1000);
  const expected = await expectAll();
  const got = receiver.accepted().map((r) => ({ type: r.type, seq: Number(r.data.seq) }));
  t.same(got, expected, `all ${expected.length} events, in the order of the log`);
  for (const type of ['site.online', 'site.offline', 'session.opened', 'session.ended', 'hand.raised', 'floor.changed'])
    t.ok(
      got.some((g) => g.type === type),
      type,
    );
  t.ok(
    got.filter((g) => g.type === 'site.online').length >= 3,
    'Hà Giang came back after the restart and it was delivered',
  );
  t.ok(
    receiver.requests.every((r) => r.verified),
    'every request verified (standardwebhooks)',
  );
  const accepted = receiver.requests.filter((r) => r.status === 200).map((r) => r.id);
  t.equal(new Set(accepted).size, accepted.length, 'no event delivered twice');
  const metrics = await server.metrics();
  t.match(metrics, /giaoban_webhook_deliveries_total\{result="delivered"\} [1-9]/);
  const deliveries = (await server.get('/api/webhooks/deliveries')) as { deadLetters: unknown[] };
  t.same(deliveries.deadLetters, [], 'no dead letters');
});
