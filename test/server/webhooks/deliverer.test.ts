// The webhook deliverer over a real store and a real HTTP receiver that verifies every
// signature with the standardwebhooks package: the events of the log in order, retried with
// backoff, dead-lettered and redelivered, resumed after a restart, sent by one node only.
import t from 'tap';
import { loadRoster } from '../../../config/roster.js';
import { loadConfig } from '../../../config/schema.js';
import { createLogger } from '../../../kernel/logger.js';
import { WebhookDeliverer, type WebhookOptions } from '../../../server/webhooks/deliverer.js';
import { toWebhook } from '../../../server/webhooks/events.js';
import { retryDelay } from '../../../server/webhooks/sender.js';
import { MemoryStore } from '../../../store/memory.js';
import { Outbox } from '../../../store/outbox.js';
import type { NewEvent } from '../../../store/records.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

const logger = createLogger('silent');
const roster = loadRoster(undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function deliverer(store: MemoryStore, receiver: WebhookReceiver, over: Partial<WebhookOptions> = {}) {
  return WebhookDeliverer.create({
    store,
    outbox: new Outbox({ store, logger }),
    roster,
    logger,
    urls: [receiver.url],
    secret: TEST_WEBHOOK_SECRET,
    timeoutMs: 2000,
    maxAttempts: 8,
    retryBaseMs: 20,
    retryMaxMs: 100,
    instanceId: 'node-a',
    pollMs: 20,
    ...over,
  });
}

/** A little briefing in the log: what becomes a webhook and what does not. */
const script: NewEvent[] = [
  { type: 'site.connected', siteId: 'ca-mau', data: { takeover: false } },
  { type: 'site.state', siteId: 'ca-mau', data: { from: 'offline', to: 'connecting', reason: 'x' } },
  {
    type: 'site.state',
    siteId: 'ca-mau',
    data: { from: 'connecting', to: 'online', reason: 'media flowing both ways' },
  },
  { type: 'session.opened', sessionId: 's1', data: { kind: 'live', title: 'Giao ban', late: 0 } },
  { type: 'hand.raised', siteId: 'ca-mau' },
  { type: 'floor.given', siteId: 'ca-mau' },
  { type: 'floor.taken', siteId: 'ca-mau' },
  { type: 'site.state', siteId: 'ca-mau', data: { from: 'online', to: 'degraded', reason: 'RTT 900 ms > 400 ms' } },
  { type: 'site.state', siteId: 'ca-mau', data: { from: 'degraded', to: 'offline', reason: 'no connection' } },
  { type: 'session.ended', sessionId: 's1', data: { kind: 'live', title: 'Giao ban' } },
];
const expectedTypes = [
  'site.online',
  'session.opened',
  'hand.raised',
  'floor.changed',
  'floor.changed',
  'site.degraded',
  'site.offline',
  'session.ended',
];

t.test('the mapping: names, data, and what is not sent', async (t) => {
  const at = '2012-06-22T01:00:00.000Z';
  t.same(toWebhook({ seq: 7, at, type: 'floor.given', siteId: 'ca-mau' }, roster), {
    type: 'floor.changed',
    timestamp: at,
    data: { seq: 7, siteId: 'ca-mau', siteName: 'Cà Mau', action: 'given', floor: 'ca-mau' },
  });
  t.match(toWebhook({ seq: 8, at, type: 'floor.taken', siteId: 'ca-mau' }, roster)?.data, { floor: null });
  t.equal(
    toWebhook({ seq: 9, at, type: 'rehearsal.checked', siteId: 'hue', sessionId: 's', data: {} }, roster)?.type,
    'rehearsal.site-checked',
  );
  t.equal(toWebhook({ seq: 1, at, type: 'site.state', data: { to: 'connecting' } }, roster), undefined);
  t.equal(toWebhook({ seq: 1, at, type: 'site.connected' }, roster), undefined);
  t.equal(
    toWebhook({ seq: 1, at, type: 'recording.started', data: { file: 'a.webm' } }, roster)?.type,
    'recording.started',
  );
  // Full jitter: anything from 0 to the doubled ceiling, never past the cap.
  t.equal(
    retryDelay(1, 1000, 60_000, () => 1),
    1000,
  );
  t.equal(
    retryDelay(4, 1000, 60_000, () => 1),
    8000,
  );
  t.equal(
    retryDelay(20, 1000, 60_000, () => 1),
    60_000,
  );
  t.equal(
    retryDelay(3, 1000, 60_000, () => 0),
    0,
  );
});

t.test('WEBHOOK_* settings are checked at start-up, the secret never echoed', async (t) => {
  const base = { STORE: 'memory', WEBHOOK_URLS: 'https://example.vn/hooks' };
  t.throws(() => loadConfig(base), /WEBHOOK_SECRET: WEBHOOK_URLS needs the secret/);
  t.throws(() => loadConfig({ ...base, WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }), /WEBHOOK_SECRET: expected "whsec_"/);
  try {
    loadConfig({ ...base, WEBHOOK_SECRET: 'not-a-secret-at-all' });
  } catch (err) {
    t.notMatch((err as Error).message, /not-a-secret-at-all/, 'the bad secret is not repeated');
  }
  t.throws(() => loadConfig({ ...base, WEBHOOK_URLS: 'ftp://x', WEBHOOK_SECRET: TEST_WEBHOOK_SECRET }), /WEBHOOK_URLS/);
  const ok = loadConfig({
    ...base,
    WEBHOOK_URLS: 'https://a.vn/x, https://b.vn/y',
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  });
  t.same(ok.WEBHOOK_URLS, ['https://a.vn/x', 'https://b.vn/y']);
});

t.test('every event in log order, signed; a failing head is retried and blocks only what follows', async (t) => {
  const store = new MemoryStore();
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  // The second webhook (session.opened) is refused twice before it gets in.
  let refusals = 0;
  receiver.respond((r) => (r.type === 'session.opened' && refusals++ < 2 ? 503 : 200));
  await store.appendEvent({ type: 'before', data: {} }); // before the endpoint existed: not sent
  const d = await deliverer(store, receiver);
  t.teardown(() => d.close());
  d.start();
  for (const e of script) await store.appendEvent(e);
  await until('every webhook', () => receiver.accepted().length === expectedTypes.length);
  await sleep(100);
  const got = receiver.accepted();
  t.same(
    got.map((r) => r.type),
    expectedTypes,
    'in the order of the log',
  );
  t.ok(
    receiver.requests.every((r) => r.verified),
    'every request verifies with the standardwebhooks package',
  );
  const seqs = got.map((r) => Number(r.data.seq));
  t.ok(
    seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0)),
    `seq increases: ${seqs.join(',')}`,
  );
  const opened = receiver.requests.filter((r) => r.type === 'session.opened');
  t.equal(opened.length, 3, 'refused twice, then accepted');
  t.equal(new Set(opened.map((r) => r.id)).size, 1, 'each attempt carries the same webhook-id');
  t.match(got[0]?.data, { siteId: 'ca-mau', siteName: 'Cà Mau', from: 'connecting', to: 'online' });
  t.equal(receiver.requests.length, expectedTypes.length + 2, 'nothing sent twice once accepted');
  t.match(d.counts, { delivered: expectedTypes.length, failed: 2, deadLettered: 0 });
  const events = (await store.listEvents()).map((e) => e.type);
  t.ok(events.includes('webhook.failing') && events.includes('webhook.recovered'), 'the bout is in the event log');
  const [state] = await store.listWebhookEndpoints();
  t.equal(state?.cursor, (await store.listEvents({ limit: 1 }))[0]?.seq ?? -1, 'the cursor is stored');
});

t.test('a delivery that keeps failing becomes a dead letter; the endpoint goes on; redelivered by hand', async (t) => {
  const store = new MemoryStore();
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  let broken = true;
  receiver.respond((r) => (broken && r.type === 'hand.raised' ? 400 : 200));
  const d = await deliverer(store, receiver, { maxAttempts: 3 });
  t.teardown(() => d.close());
  d.start();
  for (const e of script) await store.appendEvent(e);
  await until('the rest delivered', () => receiver.accepted().length === expectedTypes.length - 1);
  t.same(
    receiver.accepted().map((r) => r.type),
    expectedTypes.filter((x) => x !== 'hand.raised'),
  );
  const view = await d.deliveries();
  t.equal(view.deadLetters.length, 1);
  const letter = view.deadLetters[0];
  t.match(letter, { type: 'hand.raised', attempts: 3, lastError: 'HTTP 400' });
  t.match(letter?.payload, { type: 'hand.raised', data: { siteId: 'ca-mau' } });
  t.ok(view.recent.some((r) => !r.ok && r.status === 400));

  t.match(await d.redeliver(letter?.id ?? ''), { delivered: false, status: 400 }, 'still refused: stays');
  t.equal((await store.listWebhookDeadLetters())[0]?.attempts, 4);
  broken = false;
  t.match(await d.redeliver(letter?.id ?? ''), { delivered: true, status: 200 });
  t.same(await store.listWebhookDeadLetters(), [], 'gone from the dead letters');
  const again = receiver.accepted().find((r) => r.type === 'hand.raised');
  t.equal(again?.id, letter?.messageId, 'the same webhook-id as the first attempts');
  await t.rejects(d.redeliver(letter?.id ?? ''), { code: 'not_found' });
  const types = (await store.listEvents()).map((e) => e.type);
  t.ok(types.includes('webhook.dead-lettered') && types.includes('webhook.redelivered'));
  t.match(d.counts, { deadLettered: 1, redelivered: 1 });
});

t.test('a restart resumes at the stored cursor and retries the head; nothing twice', async (t) => {
  const store = new MemoryStore();
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  const first = await deliverer(store, receiver);
  first.start();
  for (const e of script.slice(0, 4)) await store.appendEvent(e);
  await until('the first two', () => receiver.accepted().length === 2);
  await receiver.stop(); // the receiver is down: the next event is retried
  for (const e of script.slice(4)) await store.appendEvent(e);
  await until('a failing head', async () => (await store.listWebhookEndpoints())[0]?.head !== undefined);
  await first.close();
  const head = (await store.listWebhookEndpoints())[0]?.head;
  t.ok(head && head.attempts >= 1, `the head and its attempts are stored (${head?.attempts})`);

  const second = await deliverer(store, receiver, { instanceId: 'node-a-restarted' });
  t.teardown(() => second.close());
  second.start();
  await sleep(200);
  await receiver.start();
  await until('everything', () => receiver.accepted().length === expectedTypes.length);
  t.same(
    receiver.accepted().map((r) => r.type),
    expectedTypes,
  );
  const ids = receiver.requests.filter((r) => r.status === 200).map((r) => r.id);
  t.equal(new Set(ids).size, ids.length, 'no message accepted twice');
});

t.test('two nodes: only the lease holder delivers', async (t) => {
  const store = new MemoryStore();
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  const a = await deliverer(store, receiver, { instanceId: 'a' });
  const b = await deliverer(store, receiver, { instanceId: 'b' });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  a.start();
  await until('a leads', () => a.leader);
  b.start();
  for (const e of script) await store.appendEvent(e);
  await until('everything', () => receiver.accepted().length === expectedTypes.length);
  await sleep(200);
  t.equal(b.leader, false);
  t.equal(receiver.requests.length, expectedTypes.length, 'each webhook sent once');
  await a.close();
  await until('b takes over', () => b.leader, 10_000);
  await store.appendEvent({ type: 'hand.raised', siteId: 'hue' });
  await until('b delivers', () => receiver.accepted().length === expectedTypes.length + 1);
  t.equal(receiver.accepted().at(-1)?.type, 'hand.raised');
});

t.test('events that left the bounded log before delivery are counted and logged', async (t) => {
  const store = new MemoryStore(5);
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  const d = await deliverer(store, receiver);
  t.teardown(() => d.close());
  await receiver.stop();
  d.start();
  for (let i = 0; i < 12; i++) await store.appendEvent({ type: 'hand.raised', siteId: 'hue', data: { i } });
  await sleep(100);
  await receiver.start();
  await until('the kept ones', () => d.counts.lost > 0 && receiver.accepted().some((r) => r.data.i === 11));
  t.ok(d.counts.lost >= 1, `${d.counts.lost} lost`);
  const seqs = receiver.accepted().map((r) => Number(r.data.seq));
  t.same(
    seqs,
    [...seqs].sort((x, y) => x - y),
    'what is delivered is still in order',
  );
});
