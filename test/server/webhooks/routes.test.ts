// The operator's API for webhooks and alerts, over HTTP on the real service: the dead letters
// listed and redelivered, the errors when something is missing, the call list and messages.
import t from 'tap';
import { operatorHeaders, startTestService } from '../../helpers/service.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from '../../helpers/webhook-receiver.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('GET /api/webhooks/deliveries lists a dead letter; POST …/redeliver sends it again', async (t) => {
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  let broken = true;
  receiver.respond((r) => (broken && r.type === 'hand.raised' ? 500 : 200));
  const service = await startTestService({
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    WEBHOOK_MAX_ATTEMPTS: '2',
    WEBHOOK_RETRY_BASE_MS: '20',
    WEBHOOK_RETRY_MAX_MS: '50',
  });
  t.teardown(() => service.close());
  const api = (method: 'GET' | 'POST', url: string) => service.app.inject({ method, url, headers: operatorHeaders });

  // (Appended as the briefing appends them: a raised hand, then the floor.)
  await service.outbox.event({ type: 'hand.raised', siteId: 'ca-mau' });
  await service.outbox.event({ type: 'floor.given', siteId: 'ca-mau' });
  for (let i = 0; i < 100 && receiver.accepted().length < 1; i++) await sleep(50);
  t.same(
    receiver.accepted().map((r) => r.type),
    ['floor.changed'],
    'the endpoint went on past the dead letter',
  );

  const list = await api('GET', '/api/webhooks/deliveries');
  t.equal(list.statusCode, 200);
  const body = list.json() as {
    configured: boolean;
    endpoints: { url: string; cursor: number }[];
    deadLetters: { id: string; type: string; attempts: number; lastError: string; payload: { type: string } }[];
    recent: { ok: boolean }[];
  };
  t.equal(body.configured, true);
  t.equal(body.endpoints[0]?.url, receiver.url);
  t.match(body.deadLetters, [
    { type: 'hand.raised', attempts: 2, lastError: 'HTTP 500', payload: { type: 'hand.raised' } },
  ]);
  t.ok(body.recent.some((r) => !r.ok));
  const id = body.deadLetters[0]?.id ?? '';

  t.match((await api('POST', `/api/webhooks/deliveries/${id}/redeliver`)).json(), {
    id,
    delivered: false,
    status: 500,
  });
  broken = false;
  t.match((await api('POST', `/api/webhooks/deliveries/${id}/redeliver`)).json(), { id, delivered: true, status: 200 });
  t.same((await api('GET', '/api/webhooks/deliveries')).json().deadLetters, []);
  const missing = await api('POST', `/api/webhooks/deliveries/${id}/redeliver`);
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().error.code, 'not_found');
  t.equal((await service.app.inject({ url: '/api/webhooks/deliveries' })).statusCode, 401, 'operator only');

  const metrics = (await service.app.inject({ url: '/metrics', headers: operatorHeaders })).body;
  t.match(metrics, /giaoban_webhook_dead_letters_total 1\b/);
  t.match(metrics, /giaoban_webhook_redeliveries_total 1\b/);
});

t.test('without webhooks: listed as not configured, redelivery refused; messages and the call list', async (t) => {
  const service = await startTestService();
  t.teardown(() => service.close());
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    service.app.inject({ method, url, headers: operatorHeaders, ...(payload ? { payload } : {}) });
  t.match((await api('GET', '/api/webhooks/deliveries')).json(), { configured: false, deadLetters: [] });
  const refused = await api('POST', '/api/webhooks/deliveries/x-1/redeliver');
  t.equal(refused.statusCode, 409);
  t.match(refused.json().error.message, /set WEBHOOK_URLS and WEBHOOK_SECRET/);

  t.same((await api('GET', '/api/alerts')).json(), { alerts: [] });
  const sent = await api('POST', '/api/messages', { text: 'Kiểm tra âm thanh lúc 07:30.' });
  t.same(sent.json().pages, 0, 'no page open');
  t.equal((await api('POST', '/api/messages', { siteId: 'atlantis', text: 'x' })).statusCode, 404);
  const empty = await api('POST', '/api/messages', { siteId: 'ca-mau', text: '   ' });
  t.equal(empty.statusCode, 400);
  t.match(empty.json().error.message, /expected the message/);
  t.equal((await api('POST', '/api/messages', { text: 'x'.repeat(501) })).statusCode, 400);
  const logged = (await service.store.listEvents()).find((e) => e.type === 'operator.message');
  t.match(logged?.data, { to: 'all', text: 'Kiểm tra âm thanh lúc 07:30.', pages: 0 });
});
