// Alerts to the sites' technicians, end to end: the real service in-process with real WebRTC
// peers, a local SMTP server (smtp-server) and a local SMS gateway. A site that degrades during
// the live session gets one alert on its page, by email and by SMS, in Vietnamese with the steps
// to take; the technician acknowledges it from the page; a site that keeps bouncing gets one
// alert per bout; a failed rehearsal check alerts with the check's own words; the operator's
// message reaches the pages. Each is in the store, the event log and /metrics.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadConfig } from '../../../config/schema.js';
import { alertSms, alertWords } from '../../../contract/alerts.js';
import { createLogger } from '../../../kernel/logger.js';
import { SmsCommand } from '../../../server/alerts/sms.js';
import type { Service } from '../../../server/service.js';
import { startService } from '../../../server/service.js';
import { type MailSink, startMailSink } from '../../helpers/mail-sink.js';
import { SitePeer } from '../../helpers/peer.js';
import { operatorHeaders, testConfig } from '../../helpers/service.js';
import { type SmallRoster, writeSmallRoster } from '../../helpers/small-roster.js';
import { type SmsGatewayStub, startSmsGateway } from '../../helpers/sms-gateway.js';

t.setTimeout(300_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OPERATOR_PHONE = '024 3825 1234';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Rig {
  service: Service;
  mail: MailSink;
  sms: SmsGatewayStub;
  roster: SmallRoster;
  peers: SitePeer[];
  join(id: string, video?: boolean): Promise<SitePeer>;
  api(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Record<string, unknown>>;
}

async function rig(t: Test, env: Record<string, string> = {}, rehearsalWindowMs?: number): Promise<Rig> {
  const roster = writeSmallRoster();
  const mail = await startMailSink();
  const sms = await startSmsGateway();
  const config = testConfig({
    ROSTER_FILE: roster.file,
    SMTP_URL: mail.url,
    ALERT_EMAIL_FROM: 'giaoban@example.vn',
    SMS_GATEWAY_URL: sms.url,
    ALERT_OPERATOR_PHONE: OPERATOR_PHONE,
    ALERT_QUIET_MS: '3000',
    ...env,
  });
  const service = await startService({
    config,
    logger: createLogger(config.LOG_LEVEL),
    ...(rehearsalWindowMs ? { rehearsalWindowMs } : {}),
  });
  const peers: SitePeer[] = [];
  t.teardown(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await service.close();
    await mail.close();
    await sms.close();
    roster.remove();
  });
  return {
    service,
    mail,
    sms,
    roster,
    peers,
    async join(id, video = true) {
      const peer = await SitePeer.join({ url: service.url, token: await service.credentials.tokenFor(id), video });
      peers.push(peer);
      return peer;
    },
    async api(method, url, payload) {
      const res = await service.app.inject({ method, url, headers: operatorHeaders, ...(payload ? { payload } : {}) });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json() as Record<string, unknown>;
    },
  };
}

/** A session that is under way now (it began a minute ago). */
const underWay = (kind: 'live' | 'rehearsal', minutes = 60) => ({
  kind,
  title: kind === 'live' ? 'Giao ban trực tuyến' : 'Kiểm tra kết nối',
  startsAt: new Date(Date.now() - 60_000).toISOString(),
  durationMinutes: minutes,
});

t.test('a degraded site during the live session: one alert on the page, by email and SMS; acknowledged', async (t) => {
  const r = await rig(t);
  const { service, mail, sms } = r;
  await r.api('POST', '/api/sessions', underWay('live'));
  await until('the live session', () => service.briefing.phase === 'live');
  await r.join('hub');
  const haGiang = await r.join('ha-giang');
  await until('Hà Giang online', () => service.status.get('ha-giang')?.state === 'online');
  t.same(haGiang.client.alerts, [], 'no alert while all is well');

  // The page reports a slow link (about once a second, as the page does) until it is degraded.
  const slow = { rttMs: 900, lossPct: 0, jitterMs: 2, inKbps: 300, outKbps: 300, transport: 'udp' as const };
  for (let i = 0; service.status.get('ha-giang')?.state !== 'degraded'; i++) {
    if (i > 30) throw new Error('Hà Giang never degraded');
    await haGiang.client.link.request('site:report', slow);
    await sleep(700);
  }
  await until('the alert on the page', () => haGiang.client.alerts.length === 1);
  const notice = haGiang.client.alerts[0];
  t.match(notice?.facts, { kind: 'degraded', cause: 'network', site: 'Hà Giang', operatorPhone: OPERATOR_PHONE });
  const vi = alertWords(notice?.facts ?? ({} as never), 'vi');
  t.match(vi.title, /^Hà Giang: đường truyền kém lúc \d\d:\d\d \(độ trễ \d+ ms > 400 ms\)$/);
  t.match(vi.steps.join('\n'), /Tạm dừng các máy khác/);

  await until('the email', () => mail.mails.length === 1);
  const email = mail.mails[0];
  t.same(email?.to, ['kt.ha-giang@example.vn'], 'to the technician in the roster');
  t.equal(email?.from, 'giaoban@example.vn');
  t.equal(email?.subject, `[Giao ban] ${vi.title}`);
  t.match(email?.text, /Việc cần làm:\n1\. Tạm dừng các máy khác/);
  t.match(email?.text, /gọi điều hành viên Trung ương \(số 024 3825 1234\)/);
  t.match(email?.text, /-- English --\nHa Giang: poor link at/);

  await until('the SMS', () => sms.messages.length === 1);
  t.equal(sms.messages[0]?.to, '0912345601', 'the roster phone, as digits');
  t.match(sms.messages[0]?.text, /^\[Giao ban\] Hà Giang: đường truyền kém/);
  t.match(sms.messages[0]?.text, /Gọi ĐHV: 024 3825 1234$/);

  await until('every channel recorded', async () => {
    const [a] = await service.alerts.list();
    return Boolean(a?.deliveries.page && a.deliveries.email && a.deliveries.sms);
  });
  const [stored] = await service.alerts.list();
  t.match(stored, {
    siteId: 'ha-giang',
    kind: 'degraded',
    phase: 'live',
    deliveries: {
      page: { status: 'sent' },
      email: { status: 'sent', to: 'kt.ha-giang@example.vn' },
      sms: { status: 'sent', to: '0912345601' },
    },
  });
  t.notOk(stored?.ackedAt);

  // The technician presses the button on the page.
  await haGiang.client.acknowledgeAlert(notice?.id ?? '');
  t.same(haGiang.client.alerts, [], 'gone from the page');
  t.ok((await service.alerts.list())[0]?.ackedAt, 'the call list shows it acknowledged');
  await t.rejects(haGiang.client.link.request('alert:ack', { alertId: 'not-an-alert' }), { code: 'not_found' });

  const types = (await service.store.listEvents()).map((e) => e.type);
  t.ok(types.includes('technician.alert'), 'the alert is in the event log');
  t.equal(types.filter((x) => x === 'technician.alert-sent').length, 3, 'page, email and SMS in the event log');
  t.ok(types.includes('technician.acknowledged'));
  const metrics = (await service.app.inject({ url: '/metrics', headers: operatorHeaders })).body;
  t.match(metrics, /giaoban_technician_alerts_total\{kind="degraded"\} 1\b/);
  t.match(metrics, /giaoban_technician_alert_deliveries_total\{channel="email",result="sent"\} 1\b/);
  t.match(metrics, /giaoban_technician_alert_deliveries_total\{channel="sms",result="sent"\} 1\b/);
  t.match(metrics, /giaoban_technician_alert_deliveries_total\{channel="page",result="sent"\} 1\b/);
  t.match(metrics, /giaoban_technician_alert_acks_total 1\b/);

  t.test('the operator messages one page, then every page', async (t) => {
    const hub = r.peers[0];
    const one = await r.api('POST', '/api/messages', {
      siteId: 'ha-giang',
      text: 'Hà Giang chuẩn bị phát biểu sau 5 phút.',
    });
    t.equal(one.pages, 1);
    await until('the message on the page', () => haGiang.client.messages.length === 1);
    t.match(haGiang.client.messages[0], { text: 'Hà Giang chuẩn bị phát biểu sau 5 phút.', to: 'site' });
    t.same(hub?.client.messages, [], 'not on the other pages');
    const all = await r.api('POST', '/api/messages', { text: 'Nghỉ giải lao 15 phút.' });
    t.equal(all.pages, 2);
    await until('on every page', () => hub?.client.messages.length === 1 && haGiang.client.messages.length === 2);
    t.ok((await service.store.listEvents()).some((e) => e.type === 'operator.message' && e.data?.to === 'all'));
  });
});

t.test('a site that keeps bouncing gets one alert per bout, not one per drop', async (t) => {
  const r = await rig(t);
  const { service, mail, sms } = r;
  await r.api('POST', '/api/sessions', underWay('live'));
  await until('the live session', () => service.briefing.phase === 'live');
  await r.join('hub');
  const bounce = async () => {
    const peer = await r.join('ca-mau');
    await until('Cà Mau online', () => service.status.get('ca-mau')?.state === 'online');
    await peer.close();
    r.peers.splice(r.peers.indexOf(peer), 1);
    await until('Cà Mau offline', () => service.status.get('ca-mau')?.state === 'offline');
  };
  for (let i = 0; i < 3; i++) await bounce();
  await until('the email', () => mail.mails.length >= 1);
  await sleep(2000);
  const alerts = (await service.alerts.list()).filter((a) => a.siteId === 'ca-mau');
  t.equal(alerts.length, 1, 'one alert for the bout');
  t.equal(alerts[0]?.kind, 'dropped');
  const drops = (await service.store.listEvents()).filter(
    (e) => e.type === 'site.state' && e.siteId === 'ca-mau' && e.data?.to === 'offline',
  );
  t.equal(drops.length, 3, 'three drops');
  t.equal(mail.mails.length, 1, 'one email');
  t.equal(sms.messages.length, 1, 'one SMS');
  t.match(mail.mails[0]?.subject, /Cà Mau mất kết nối với hội nghị lúc/);

  // The page opens again: it shows the alert it missed (not acknowledged yet); once the site
  // has been well for ALERT_QUIET_MS, the bout is over.
  const back = await r.join('ca-mau');
  await until('the missed alert on the page', () => back.client.alerts.length === 1);
  t.equal(back.client.alerts[0]?.id, alerts[0]?.id);
  await until('the bout over', async () => Boolean((await service.alerts.list())[0]?.closedAt), 20_000);
  t.equal((await service.alerts.list())[0]?.deliveries.page?.status, 'sent', 'shown when the page opened');
});

t.test('a failed rehearsal check alerts the technician with the check’s words; the SMS is retried', async (t) => {
  const r = await rig(t, {}, 3000);
  const { service, mail, sms } = r;
  sms.refuse(1);
  await r.api('POST', '/api/sessions', underWay('rehearsal', 30));
  await until('the rehearsal', () => service.briefing.phase === 'rehearsal');
  await r.join('hub');
  const caMau = await r.join('ca-mau', false); // no camera
  await until('the alert', () => caMau.client.alerts.length === 1, 60_000);
  const notice = caMau.client.alerts[0];
  t.match(notice?.facts, { kind: 'check-failed', cause: 'check', site: 'Cà Mau' });
  t.match(notice?.facts.checks, [{ name: 'video-sent', code: /^video\./ }]);
  const vi = alertWords(notice?.facts ?? ({} as never), 'vi');
  t.match(vi.title, /^Cà Mau chưa đạt kiểm tra kết nối \(tổng duyệt, lúc \d\d:\d\d\)$/);
  t.match(vi.steps[0], /^Gửi hình ảnh: .*kiểm tra camera/, 'the check’s own words: what was measured, what to do');
  // A busy machine may add another alert of the same bout (the site also degraded): find this
  // check's email, SMS and record rather than counting on being the only one.
  const step = `1. ${vi.steps[0]}`;
  await until('the email', () => mail.mails.some((m) => m.text.includes(step))).catch((err: Error) => {
    throw new Error(`${err.message}; the mails: ${mail.mails.map((m) => m.subject).join(' | ') || 'none'}`);
  });
  t.pass('the email carries the check’s words');
  const text = alertSms(notice?.facts ?? ({} as never));
  await until('the SMS, on its second attempt', () => sms.messages.some((m) => m.text === text), 15_000);
  const record = async () =>
    (await service.alerts.list()).find((a) => a.siteId === 'ca-mau' && a.kind === 'check-failed');
  await until('recorded', async () => (await record())?.deliveries.sms?.status === 'sent');
  // The gateway refused the first request; the SMS still arrived: it was tried again.
  t.equal(sms.refused, 1, 'the gateway refused the first attempt');
  t.equal(sms.messages.filter((m) => m.text === text).length, 1, 'and the SMS arrived once, on a later attempt');
});

t.test('SMS_COMMAND: the number and the text are arguments, never a shell line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'giaoban-sms-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'argv.json');
  const script = join(dir, 'inject.mjs');
  writeFileSync(
    script,
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)));\n`,
  );
  const command = new SmsCommand(
    loadConfig({ STORE: 'memory', SMS_COMMAND: `${process.execPath} ${script} TEXT {to} -unicode -text {text}` })
      .SMS_COMMAND ?? [],
  );
  const text = 'Cà Mau mất kết nối; $(touch pwned) `id` && rm -rf / "quoted"';
  await command.send('0912345601', text);
  t.same(JSON.parse(readFileSync(out, 'utf8')), ['TEXT', '0912345601', '-unicode', '-text', text], 'exactly as given');
  t.same(
    new SmsCommand(['gammu-smsd-inject']).argv('09', 'hi'),
    ['gammu-smsd-inject', '09', 'hi'],
    'appended without placeholders',
  );
  await t.rejects(new SmsCommand([join(dir, 'missing')]).send('09', 'x'), /ENOENT/);
  t.throws(
    () => loadConfig({ STORE: 'memory', SMS_COMMAND: 'x', SMS_GATEWAY_URL: 'http://127.0.0.1:9/sms' }),
    /use one of them/,
  );
  t.throws(() => loadConfig({ STORE: 'memory', SMTP_URL: 'smtp://127.0.0.1:25' }), /ALERT_EMAIL_FROM: SMTP_URL needs/);
  t.throws(
    () => loadConfig({ STORE: 'memory', SMTP_URL: 'http://x', ALERT_EMAIL_FROM: 'a@b.vn' }),
    /SMTP_URL: expected an smtp/,
  );
});
