// An alert to a branch technician, seen in Debian's Chromium: the real service with a local
// SMTP server and SMS gateway, the hub as a Node WebRTC peer, the bridge's page and the
// operator's board in Chromium. The bridge's page goes silent during the live session (its
// JavaScript is paused through the DevTools protocol, as a frozen PC would be): the server drops
// it, the technician gets the email and the SMS, and when the page comes back it shows the
// alert with its steps and a sound. The technician acknowledges it on the page and the board's
// call list shows it; the operator's message from the call list appears on the page.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import t from 'tap';
import { alertWords } from '../../contract/alerts.js';
import { type LoggedPage, launchBrowser } from '../helpers/browser.js';
import { startMailSink } from '../helpers/mail-sink.js';
import { SitePeer } from '../helpers/peer.js';
import { OPERATOR_TOKEN, operatorHeaders, startTestService } from '../helpers/service.js';
import { writeSmallRoster } from '../helpers/small-roster.js';
import { startSmsGateway } from '../helpers/sms-gateway.js';

const run = promisify(execFile);
const shots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;
t.setTimeout(300_000);

await run(process.execPath, ['--import', 'tsx', 'scripts/build-pages.ts', '--quiet'], {
  cwd: new URL('../..', import.meta.url).pathname,
});
await mkdir(shots, { recursive: true });
const browser = await launchBrowser();
t.teardown(() => browser.close());

async function waitFor(p: LoggedPage, what: string, selector: string, timeoutMs = 30_000): Promise<void> {
  try {
    await p.page.waitForSelector(selector, { timeout: timeoutMs });
  } catch {
    throw new Error(`${what}: no ${selector} within ${timeoutMs} ms\n${p.logs.slice(-10).join('\n')}`);
  }
}

t.test('the silent page: email and SMS at once, the banner when it is back, the ack on the board', async (t) => {
  const roster = writeSmallRoster();
  const mail = await startMailSink();
  const sms = await startSmsGateway();
  const service = await startTestService({
    ROSTER_FILE: roster.file,
    SMTP_URL: mail.url,
    ALERT_EMAIL_FROM: 'giaoban@example.vn',
    SMS_GATEWAY_URL: sms.url,
    ALERT_OPERATOR_PHONE: '024 3825 1234',
    // Chromium, the SFU and the hub peer share 2 cores: only the drop matters here.
    STATUS_MAX_RTT_MS: '5000',
    STATUS_MAX_JITTER_MS: '5000',
    STATUS_MAX_LOSS_PCT: '50',
    HEARTBEAT_INTERVAL_MS: '1000',
    HEARTBEAT_TIMEOUT_MS: '4000',
  });
  const hub = await SitePeer.join({ url: service.url, token: await service.credentials.tokenFor('hub') });
  t.teardown(async () => {
    await hub.close();
    await service.close();
    await mail.close();
    await sms.close();
    roster.remove();
  });
  const created = await service.app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: operatorHeaders,
    payload: {
      kind: 'live',
      title: 'Giao ban trực tuyến',
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      durationMinutes: 60,
    },
  });
  t.equal(created.statusCode, 201, created.body);

  // The bridge's page joins; the board is open on the operator's screen.
  const site = await browser.page(await browser.context());
  await site.page.goto(await service.credentials.joinLink('ha-giang'));
  await site.page.click('#join-button');
  await site.page.waitForFunction(() => window.giaoBan?.state === 'in-conference', undefined, { timeout: 30_000 });
  const board = await browser.page(await browser.context());
  await board.page.goto(`${service.url}/board#token=${encodeURIComponent(OPERATOR_TOKEN)}`);
  await waitFor(board, 'the board', '[data-site-id="ha-giang"][data-state="online"]');
  t.equal(service.briefing.phase, 'live');

  // The page freezes: its JavaScript stops answering the server's heartbeat.
  const cdp = await site.page.context().newCDPSession(site.page);
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.pause');
  const deadline = Date.now() + 20_000;
  while (service.status.get('ha-giang')?.state !== 'offline') {
    if (Date.now() > deadline) throw new Error(`not dropped: ${JSON.stringify(service.status.get('ha-giang'))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The email and the SMS do not wait for the page.
  const start = Date.now();
  while (mail.mails.length === 0 || sms.messages.length === 0) {
    if (Date.now() - start > 20_000) throw new Error('no email or SMS');
    await new Promise((r) => setTimeout(r, 100));
  }
  t.same(mail.mails[0]?.to, ['kt.ha-giang@example.vn']);
  // The first trouble of the bout words it: the drop, or a degradation as the page froze.
  const [alert] = (await service.alerts.list()).filter((a) => a.siteId === 'ha-giang');
  if (!alert) throw new Error('no alert for Hà Giang');
  const words = alertWords(service.alerts.noticeOf(alert).facts, 'vi');
  t.match(words.title, /^Hà Giang/);
  t.equal(mail.mails[0]?.subject, `[Giao ban] ${words.title}`);
  t.match(mail.mails[0]?.text, /Việc cần làm:\n1\. /);
  t.match(mail.mails[0]?.text, /gọi điều hành viên Trung ương \(số 024 3825 1234\)/);
  t.equal(sms.messages[0]?.to, '0912345601');

  // The call list: Hà Giang, its technician and phone, the email and SMS sent, the page waiting.
  await board.page.click('#calls-toggle');
  const row = '#calls .call-row[data-site="ha-giang"]';
  await waitFor(board, 'the call list row', `${row} [data-channel="email"][data-status="sent"]`);
  await waitFor(board, 'the SMS on the row', `${row} [data-channel="sms"][data-status="sent"]`);
  t.equal(await board.page.locator(`${row} .call-tech`).textContent(), 'Kỹ thuật viên Hà Giang · 0912 345 601');
  t.equal(await board.page.locator(`${row} a.call-phone`).getAttribute('href'), 'tel:0912345601');
  t.equal(await board.page.locator(`${row} [data-channel="page"]`).getAttribute('data-status'), 'pending');
  t.equal(await board.page.locator(`${row}`).getAttribute('data-acked'), 'false');
  t.ok(Number(await board.page.locator('#calls-count').textContent()) >= 1, 'the header counts it');

  // The page comes back by itself and shows the alert, with a sound.
  await cdp.send('Debugger.resume');
  await waitFor(site, 'the banner', '#tech-alerts .tech-alert');
  await site.page.waitForFunction(() => window.giaoBan?.state === 'in-conference', undefined, { timeout: 30_000 });
  const banner = site.page.locator('#tech-alerts .tech-alert');
  t.equal(await banner.locator('.tech-alert-title').textContent(), words.title, 'the title, in Vietnamese');
  t.equal(await banner.locator('.tech-alert-steps li').count(), words.steps.length, 'every step');
  t.match(
    await banner.locator('.tech-alert-steps').textContent(),
    /gọi điều hành viên Trung ương \(số 024 3825 1234\)/,
  );
  await site.page.waitForFunction(() => document.getElementById('tech-alerts')?.dataset.sound === 'played', undefined, {
    timeout: 5000,
  });
  t.pass('the alert sound played');
  await waitFor(board, 'the page delivery on the board', `${row} [data-channel="page"][data-status="sent"]`);
  await site.page.screenshot({ path: `${shots}technician-alert-page.png` });
  await board.page.screenshot({ path: `${shots}technician-alert-call-list.png` });

  // The technician acknowledges on the page: the board sees it at once.
  await banner.locator('.tech-alert-ack').click();
  await site.page.waitForSelector('#tech-alerts .tech-alert', { state: 'detached', timeout: 10_000 });
  await waitFor(board, 'the acknowledgement on the board', `${row}[data-acked="true"]`);
  t.match(await board.page.locator(`${row} .call-ack`).textContent(), /Kỹ thuật viên đã nhận lúc \d\d:\d\d/);

  // The operator sends the room a message from the call list.
  const form = `${row} form.call-message`;
  await board.page.fill(`${form} input`, 'Hà Giang: chuẩn bị phát biểu sau 5 phút.');
  await board.page.click(`${form} button[type="submit"]`);
  await waitFor(board, 'the message sent', `${form} .call-outcome[data-ok="true"]`);
  t.match(await board.page.locator(`${form} .call-outcome`).textContent(), /Đã gửi tới 1 trang/);
  await waitFor(site, 'the message on the page', '#tech-alerts .operator-message');
  t.equal(
    await site.page.locator('#tech-alerts .operator-message-text').textContent(),
    'Hà Giang: chuẩn bị phát biểu sau 5 phút.',
  );
  await site.page.click('#tech-alerts .operator-message-close');
  await site.page.waitForSelector('#tech-alerts .operator-message', { state: 'detached' });

  const types = (await service.store.listEvents()).map((e) => e.type);
  for (const type of ['technician.alert', 'technician.alert-sent', 'technician.acknowledged', 'operator.message'])
    t.ok(types.includes(type), `${type} in the event log`);
  t.same(
    site.logs.filter((l) => l.startsWith('page error')),
    [],
    'no page errors',
  );
});
