// The technician's page in Debian's Chromium against the real service (mediasoup worker,
// socket.io): it joins, plays the hub, shows the hub the bridges, gives plain Vietnamese
// messages, and comes back by itself after a kick or a server restart. Media must really play:
// videoWidth > 0 and currentTime advancing, not just elements present.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { AppError } from '../../kernel/errors.js';
import { pageRoutes } from '../../server/routes/pages.js';
import type { Service } from '../../server/service.js';
import { type LoggedPage, launchBrowser } from '../helpers/browser.js';
import { operatorHeaders, startTestService } from '../helpers/service.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const shots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;

// Browser joins on 2 cores take a while; several services start and stop in this file.
t.setTimeout(420_000);

// Test the page as it is in the source tree now, not a bundle left from an older build.
await run(process.execPath, ['--import', 'tsx', 'scripts/build-pages.ts', '--quiet'], {
  cwd: new URL('../..', import.meta.url).pathname,
});
await mkdir(shots, { recursive: true });

const browser = await launchBrowser();
t.teardown(() => browser.close());

// ---- helpers ----------------------------------------------------------------------------------
/**
 * The real service, with a more patient heartbeat than production's 3 s: several Chromium pages
 * and the service share 2 cores here, and these tests are about the page, not about noticing
 * a silent client (test/signaling covers that).
 */
const startPageService = (env: Record<string, string> = {}) =>
  startTestService({ HEARTBEAT_INTERVAL_MS: '2000', HEARTBEAT_TIMEOUT_MS: '10000', ...env });

type PageState = 'prejoin' | 'joining' | 'in-conference' | 'reconnecting' | 'error';

async function describe(p: LoggedPage): Promise<string> {
  const facts = await p.page
    .evaluate(() => ({
      state: window.giaoBan?.state,
      error: document.getElementById('error')?.textContent,
      overlay: document.getElementById('overlay')?.textContent,
      consumers: window.giaoBan?.consumers().map((c) => `${c.siteId}/${c.kind}`),
    }))
    .catch((err: Error) => ({ unavailable: err.message }));
  return `${JSON.stringify(facts)}\n${p.logs.slice(-15).join('\n')}`;
}

async function waitState(p: LoggedPage, state: PageState, timeoutMs = 20_000): Promise<void> {
  try {
    await p.page.waitForFunction((s) => window.giaoBan?.state === s, state, { timeout: timeoutMs, polling: 100 });
  } catch {
    throw new Error(`page did not reach state ${state} within ${timeoutMs} ms: ${await describe(p)}`);
  }
}

/** Opens a site's join link (its real token) in a context of its own. */
async function openSite(service: Service, siteId: string, context?: BrowserContext): Promise<LoggedPage> {
  const ctx = context ?? (await browser.context());
  const p = await browser.page(ctx);
  await p.page.goto(await service.credentials.joinLink(siteId));
  return p;
}

async function joinConference(p: LoggedPage): Promise<void> {
  await p.page.click('#join-button');
  await waitState(p, 'in-conference');
}

/**
 * A video element really plays: it has a picture and its time advances by more than 0.5 s in
 * 1.5 s. Measured up to 3 times, in case the page was in the middle of a recovery.
 */
async function assertPlaying(t: Test, page: Page, selector: string, what: string): Promise<void> {
  const sample = () =>
    page.evaluate((sel) => {
      const v = document.querySelector<HTMLVideoElement>(sel);
      return v ? { time: v.currentTime, width: v.videoWidth, height: v.videoHeight } : undefined;
    }, selector);
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await page.waitForFunction(
        (sel) => {
          const v = document.querySelector<HTMLVideoElement>(sel);
          return Boolean(v && v.videoWidth > 0 && v.currentTime > 0);
        },
        selector,
        { timeout: 15_000, polling: 100 },
      );
    } catch {
      last = 'never showed a picture';
      continue;
    }
    const before = await sample();
    await sleep(1500);
    const after = await sample();
    if (before && after && after.width > 0 && after.time - before.time > 0.5) {
      t.pass(`${what}: ${after.width}x${after.height}, ${(after.time - before.time).toFixed(2)} s played in 1.5 s`);
      return;
    }
    last = `sampled ${JSON.stringify(before)} then ${JSON.stringify(after)}`;
  }
  t.fail(`${what}: ${selector} does not play (${last})`);
}

/** Every page is in the conference and present on the server (after any recovery under load). */
async function settled(service: Service, pages: Record<string, LoggedPage>): Promise<void> {
  for (const [siteId, p] of Object.entries(pages)) {
    await waitState(p, 'in-conference', 20_000);
    for (let i = 0; i < 100 && !service.briefing.isPresent(siteId); i++) await sleep(100);
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${shots}${name}.png` });
}

/** The view fits a 1366x768 screen: nothing to scroll. */
async function assertFits(t: Test, page: Page, what: string): Promise<void> {
  const size = await page.evaluate(() => ({
    scrollW: document.documentElement.scrollWidth,
    scrollH: document.documentElement.scrollHeight,
    w: window.innerWidth,
    h: window.innerHeight,
  }));
  t.ok(
    size.scrollW <= size.w && size.scrollH <= size.h,
    `${what} fits ${size.w}x${size.h} (content ${size.scrollW}x${size.scrollH})`,
  );
}

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';

// ---- the HTTP side of the page ------------------------------------------------------------------
t.test('the join page and its assets are served with safe headers, for any site id', async (t) => {
  const service = await startTestService();
  t.teardown(() => service.close());
  const { app } = service;

  const page = await app.inject({ url: '/join/bac-ninh' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.equal(page.headers['referrer-policy'], 'no-referrer');
  t.equal(page.headers['cache-control'], 'no-store');
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /script-src 'self'/);
  t.match(csp, /connect-src 'self'/);
  t.match(csp, /frame-ancestors 'none'/);
  t.match(page.body, /<script type="module" src="\/assets\/site\.js\?v=[0-9a-f]+"/);

  const unknown = await app.inject({ url: '/join/atlantis' });
  t.equal(unknown.statusCode, 200, 'an unknown id gets the page too');
  t.equal(unknown.body, page.body, 'the same page: nothing tells which ids exist');

  const script = await app.inject({ url: '/assets/site.js', headers: { 'accept-encoding': 'br, gzip' } });
  t.equal(script.statusCode, 200);
  t.equal(script.headers['content-encoding'], 'br', 'precompressed for a branch office link');
  t.match(script.headers['content-type'], /javascript/);
  const plain = await app.inject({ url: '/assets/site.js' });
  t.equal(plain.statusCode, 200);
  t.notOk(plain.headers['content-encoding'], 'uncompressed for a client that asks for nothing');
  t.ok(plain.rawPayload.length > 100_000, 'the bundle');

  // The operator API's auth hook is its own plugin's: the page needs no operator token, the
  // API still does.
  t.equal((await app.inject({ url: '/api/sites' })).statusCode, 401);
  t.equal((await app.inject({ url: '/api/sites', headers: operatorHeaders })).statusCode, 200);
  t.equal((await app.inject({ url: '/assets/nope.js' })).statusCode, 404);
});

t.test('before the pages are built: 503 with what to do', async (t) => {
  const app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof AppError) return reply.status(err.status).send({ error: err.toBody() });
    return reply.status(500).send({ error: { code: 'internal', message: String(err) } });
  });
  const missing = join(tmpdir(), `giao-ban-no-pages-${process.pid}`);
  await app.register(pageRoutes, { distDir: missing });
  t.teardown(() => app.close());
  for (const url of ['/join/bac-ninh', '/assets/site.js']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 503, url);
    t.same(res.json(), {
      error: { code: 'not_ready', message: 'pages are not built; run npm start (or scripts/setup.sh)' },
    });
  }
});

// ---- the conference ---------------------------------------------------------------------------
t.test('the hub and two bridges join from their pages and see each other', async (t) => {
  const service = await startPageService();
  const reports = new Map<string, { transport: string | null; rttMs: number | null }>();
  service.briefing.on('report', (siteId, report) => reports.set(siteId, report));
  t.teardown(() => service.close());

  const hub = await openSite(service, 'hub');
  const bacNinh = await openSite(service, 'bac-ninh');
  const caMau = await openSite(service, 'ca-mau');
  t.teardown(() => Promise.all([hub, bacNinh, caMau].map((p) => p.page.context().close())));
  const everyone = { hub, 'bac-ninh': bacNinh, 'ca-mau': caMau };

  // The token left the address bar at once.
  t.notMatch(bacNinh.page.url(), /token/, 'the token is not left in the address bar');
  t.equal(await bacNinh.page.evaluate(() => window.giaoBan.siteId === 'bac-ninh' || !window.giaoBan.siteId), true);

  // Pre-join: the network check finishes and says the network is usable.
  await bacNinh.page.waitForSelector('#verdict:not([hidden])', { timeout: 30_000 });
  const check = await bacNinh.page.evaluate(() => window.giaoBan.check);
  t.equal(check.signaling.status, 'ok', 'signaling reachable');
  t.type(check.signaling.rttMs, 'number', 'signaling round trip measured');
  t.equal(check.udp.status, 'ok', 'media over UDP gets through');
  t.equal(check.tcp.status, 'ok', 'media over TCP gets through');
  t.ok((check.uplinkKbps ?? 0) > 100, `an uplink estimate (${check.uplinkKbps} kbit/s)`);
  t.match(await text(bacNinh.page, '#check-udp'), /thông/);
  t.match(await text(bacNinh.page, '#verdict'), /Mạng: (tốt|dùng được)/);
  t.equal(service.briefing.isConnected('bac-ninh'), true, 'the pre-join page is connected');
  t.equal(service.briefing.isPresent('bac-ninh'), false, 'but not in the conference before Join');
  await assertPlaying(t, bacNinh.page, '#preview-video', 'the camera preview');
  // The fake microphone beeps once a second: watch the meter for a while.
  const micLevel = await bacNinh.page.evaluate(async () => {
    let max = 0;
    for (let i = 0; i < 30; i++) {
      max = Math.max(max, Number.parseFloat(document.getElementById('mic-meter')?.style.width ?? '0'));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return max;
  });
  t.ok(micLevel > 0, `the microphone meter moves (up to ${micLevel}%)`);
  await assertFits(t, bacNinh.page, 'the pre-join view');
  await screenshot(bacNinh.page, 'bridge-prejoin');

  // Join (the hub may join while its check still runs: the check must not block it).
  await Promise.all([joinConference(hub), joinConference(bacNinh), joinConference(caMau)]);
  for (const id of ['hub', 'bac-ninh', 'ca-mau']) t.equal(service.briefing.isPresent(id), true, `${id} present`);

  for (const [name, p] of [
    ['bac-ninh', bacNinh],
    ['ca-mau', caMau],
  ] as const) {
    t.equal(await p.page.getAttribute('#main-tile', 'data-site-id'), 'hub', `${name} shows the hub large`);
    await assertPlaying(t, p.page, '#main-video', `${name} plays the hub's video`);
    await assertPlaying(t, p.page, '#self-video', `${name} shows its own camera`);
    t.match(await text(p.page, '#phase'), /Đang mở/);
    t.match(await text(p.page, '#site-name'), name === 'bac-ninh' ? /Bắc Ninh/ : /Cà Mau/);
  }
  const hubGets = await hub.page.evaluate(() => window.giaoBan.consumers());
  for (const id of ['bac-ninh', 'ca-mau']) {
    t.ok(
      hubGets.some((c) => c.siteId === id && c.kind === 'audio'),
      `the hub hears ${id}`,
    );
    await assertPlaying(t, hub.page, `#thumbs video[data-site-id="${id}"]`, `the hub's thumbnail of ${id}`);
  }
  t.equal(await hub.page.locator('#thumbs video[data-site-id]').count(), 2, 'two thumbnails');
  t.equal(await hub.page.locator('#audio-sinks audio').count(), 2, "the bridges' sound plays at the hub");
  const camera = service.media.conference.media('bac-ninh')?.producers.get('cam');
  t.equal(camera?.rtpParameters.encodings?.length, 2, 'a bridge sends its camera in 2 simulcast layers');
  t.match(camera?.rtpParameters.codecs[0]?.mimeType, /VP8/i, 'VP8');
  t.equal(
    service.media.conference.media('hub')?.producers.get('cam')?.rtpParameters.encodings?.length,
    3,
    'the hub sends 3',
  );

  // The page reports its link to the server every 2-3 s.
  await sleep(2500);
  const report = reports.get('bac-ninh');
  t.ok(report, 'site:report arrived from the bridge page');
  // Chromium may settle on the TCP pair when it answers first on a loaded machine; either is right.
  t.match(report?.transport, /^(udp|tcp)$/, `over ${report?.transport}`);
  t.type(report?.rttMs, 'number', 'with a round trip time');
  t.equal(await bacNinh.page.evaluate(() => window.giaoBan.transport), report?.transport, 'the page shows the same');
  t.match(await text(bacNinh.page, '#quality-text'), /Kết nối (tốt|trung bình|kém)/);
  await assertFits(t, bacNinh.page, 'the conference view');
  await assertFits(t, hub.page, "the hub's conference view");
  await screenshot(bacNinh.page, 'bridge-conference');
  await screenshot(hub.page, 'hub-conference');

  t.test('the floor: the holder sees a banner; the other bridge sees it large, the hub beside', async (t) => {
    await settled(service, everyone);
    service.briefing.giveFloor('bac-ninh');
    await bacNinh.page.waitForSelector('#floor-banner:not([hidden])');
    t.equal(await text(bacNinh.page, '#floor-banner'), 'Bạn đang có quyền phát biểu');
    await caMau.page.waitForSelector('#main-tile[data-site-id="bac-ninh"]', { timeout: 10_000 });
    await assertPlaying(t, caMau.page, '#main-video', 'ca-mau plays the floor holder large');
    await assertPlaying(t, caMau.page, '#side-video', 'ca-mau still plays the hub beside it');
    t.match(await text(caMau.page, '#notices'), /Đang phát biểu: Bắc Ninh/);
    await screenshot(caMau.page, 'bridge-floor-elsewhere');
    await screenshot(bacNinh.page, 'bridge-has-floor');
    service.briefing.takeFloor();
    await caMau.page.waitForSelector('#main-tile[data-site-id="hub"]', { timeout: 10_000 });
    await bacNinh.page.waitForSelector('#floor-banner', { state: 'hidden' });
  });

  t.test('the hub clicks a thumbnail to watch that bridge large', async (t) => {
    await settled(service, everyone);
    await hub.page.click('#thumbs [data-site-id="ca-mau"]');
    await hub.page.waitForSelector('#main-tile[data-site-id="ca-mau"]');
    await assertPlaying(t, hub.page, '#main-video', 'the hub plays ca-mau large');
    await t.resolves(
      (async () => {
        for (let i = 0; i < 50 && service.media.conference.media('hub')?.focus !== 'ca-mau'; i++) await sleep(100);
        if (service.media.conference.media('hub')?.focus !== 'ca-mau') throw new Error('focus not set');
      })(),
      'hub:focus reached the server',
    );
    await screenshot(hub.page, 'hub-focus');
  });

  t.test('a bridge raises its hand and mutes its microphone', async (t) => {
    await settled(service, everyone);
    await caMau.page.click('#hand-button');
    await caMau.page.waitForSelector('#hand-button[data-raised="true"]');
    t.same(service.briefing.view().hands, ['ca-mau'], 'the hand is up on the server');
    await hub.page.waitForSelector('#thumbs [data-site-id="ca-mau"][data-hand="true"]');
    t.pass('the hub sees the hand');

    await bacNinh.page.click('#mic-button');
    await bacNinh.page.waitForSelector('#mic-button[data-on="false"]');
    const mic = () => service.media.conference.media('bac-ninh')?.producers.get('mic');
    for (let i = 0; i < 30 && !mic()?.paused; i++) await sleep(100);
    t.equal(mic()?.paused, true, 'the microphone is paused on the server');
    t.equal(await bacNinh.page.evaluate(() => document.getElementById('mic-button')?.textContent), 'Bật micro');
    await bacNinh.page.click('#mic-button');
    for (let i = 0; i < 30 && mic()?.paused; i++) await sleep(100);
    t.equal(mic()?.paused, false, 'and resumed');
  });

  t.test('English on request, remembered by the browser', async (t) => {
    await settled(service, everyone);
    await bacNinh.page.click('#lang-switch');
    t.equal(await text(bacNinh.page, '#mic-button'), 'Mute microphone');
    t.equal(await text(bacNinh.page, '#phase'), 'Open');
    t.equal(await text(bacNinh.page, '#site-name'), 'Bac Ninh');
    await screenshot(bacNinh.page, 'bridge-conference-english');
    t.equal(await bacNinh.page.evaluate(() => localStorage.getItem('giaoBan.lang')), 'en');
    await bacNinh.page.click('#lang-switch');
    t.equal(await text(bacNinh.page, '#mic-button'), 'Tắt micro');
  });

  t.test('kicked by the server, a bridge comes back by itself within 10 s, hand still up', async (t) => {
    await settled(service, everyone);
    const sockets = await service.signaling.sites.fetchSockets();
    const socket = sockets.find((s) => s.data.site?.id === 'ca-mau');
    t.ok(socket, 'the server holds ca-mau');
    const kickedAt = Date.now();
    socket?.disconnect(true);
    await waitState(caMau, 'reconnecting', 5000);
    await screenshot(caMau.page, 'bridge-reconnecting');
    await waitState(caMau, 'in-conference', 10_000);
    t.ok(Date.now() - kickedAt < 10_000, `back in ${Date.now() - kickedAt} ms`);
    t.equal(service.briefing.isPresent('ca-mau'), true);
    await assertPlaying(t, caMau.page, '#main-video', "ca-mau plays the hub's video again");
    for (let i = 0; i < 30 && !service.briefing.view().hands.includes('ca-mau'); i++) await sleep(100);
    t.same(service.briefing.view().hands, ['ca-mau'], 'resumed as the same site: the hand is raised again');
    await assertPlaying(t, hub.page, '#thumbs video[data-site-id="ca-mau"]', 'the hub sees ca-mau again');
  });

  t.test('the operator asks for an ICE restart: media keeps playing', async (t) => {
    await settled(service, everyone);
    service.briefing.requestIceRestart('bac-ninh');
    await sleep(1000);
    t.equal(await bacNinh.page.evaluate(() => window.giaoBan.state), 'in-conference');
    await assertPlaying(t, bacNinh.page, '#main-video', 'bac-ninh still plays the hub');
  });

  t.test("the server loses a site's transport: the page rebuilds its media by itself", async (t) => {
    await settled(service, everyone);
    const socketOf = async () =>
      (await service.signaling.sites.fetchSockets()).filter((s) => s.data.site.id === 'bac-ninh').map((s) => s.id);
    const connection = await socketOf();
    const media = service.media.conference.media('bac-ninh');
    const send = media?.transport('send');
    t.ok(send, 'the server holds the send transport');
    const lostAt = Date.now();
    send?.close();
    await waitState(bacNinh, 'reconnecting', 15_000);
    await waitState(bacNinh, 'in-conference', 20_000);
    t.pass(`back in ${Date.now() - lostAt} ms`);
    const now = service.media.conference.media('bac-ninh');
    t.same(await socketOf(), connection, 'on the same connection');
    t.not(now?.transport('send'), send, 'with a new send transport');
    await assertPlaying(t, hub.page, '#thumbs video[data-site-id="bac-ninh"]', 'the hub sees bac-ninh again');
    await assertPlaying(t, bacNinh.page, '#main-video', 'bac-ninh still plays the hub');
  });

  t.test('a reload goes straight back in, with the token from the tab, not the address', async (t) => {
    await settled(service, everyone);
    await bacNinh.page.reload();
    await waitState(bacNinh, 'in-conference');
    t.notMatch(bacNinh.page.url(), /token/);
    await assertPlaying(t, bacNinh.page, '#main-video', 'bac-ninh plays the hub after a reload');
  });

  t.test('opened on another computer: the first page stops and offers to take it back', async (t) => {
    await settled(service, everyone);
    const second = await openSite(service, 'bac-ninh');
    t.teardown(() => second.page.context().close());
    await waitState(bacNinh, 'error');
    t.equal(await bacNinh.page.getAttribute('#error', 'data-error-code'), 'taken-over');
    t.match(await text(bacNinh.page, '#error'), /vừa được mở trên một máy khác/);
    t.equal(await text(bacNinh.page, '#error-action'), 'Kết nối lại tại máy này');
    await screenshot(bacNinh.page, 'bridge-taken-over');
    await sleep(2500);
    t.equal(await bacNinh.page.evaluate(() => window.giaoBan.state), 'error', 'it does not reconnect by itself');
    await bacNinh.page.click('#error-action');
    await waitState(bacNinh, 'in-conference');
    await waitState(second, 'error');
    t.equal(await second.page.getAttribute('#error', 'data-error-code'), 'taken-over');
    await assertPlaying(t, bacNinh.page, '#main-video', 'bac-ninh plays the hub again');
  });
});

t.test('a wrong or missing token: a plain message, and the page does not join', async (t) => {
  const service = await startTestService();
  t.teardown(() => service.close());
  const context = await browser.context();
  t.teardown(() => context.close());
  const p = await browser.page(context);

  await p.page.goto(`${service.url}/join/bac-ninh#token=bac-ninh.not-the-right-mac`);
  await waitState(p, 'error');
  t.equal(await p.page.getAttribute('#error', 'data-error-code'), 'unauthorized');
  t.match(await text(p.page, '#error'), /Đường dẫn không hợp lệ hoặc đã được cấp lại\. Liên hệ điều hành viên/);
  t.notMatch(p.page.url(), /token/, 'the token is not left in the address bar');
  await screenshot(p.page, 'bridge-invalid-link');
  await sleep(3000);
  t.equal(await p.page.evaluate(() => window.giaoBan.state), 'error', 'it does not keep retrying');
  t.equal(service.briefing.isPresent('bac-ninh'), false, 'the server never saw it present');

  const bare = await browser.page(context);
  await bare.page.goto(`${service.url}/join/bac-ninh`);
  await waitState(bare, 'error');
  t.equal(await bare.page.getAttribute('#error', 'data-error-code'), 'no-token');
  t.match(await text(bare.page, '#error'), /Đường dẫn thiếu mã truy cập/);
});

t.test('the operator re-issues the link or disconnects the site: the page says so and waits', async (t) => {
  const service = await startPageService();
  t.teardown(() => service.close());
  const p = await openSite(service, 'ha-giang');
  t.teardown(() => p.page.context().close());
  await p.page.waitForFunction(() => window.giaoBan.siteId === 'ha-giang');

  service.briefing.disconnect('ha-giang', 'disconnected-by-operator');
  await waitState(p, 'error');
  t.equal(await p.page.getAttribute('#error', 'data-error-code'), 'disconnected-by-operator');
  t.match(await text(p.page, '#error'), /Điều hành viên đã ngắt kết nối điểm cầu này/);
  await sleep(2500);
  t.equal(service.briefing.isPresent('ha-giang'), false, 'it does not come back on its own');
  await p.page.click('#error-action');
  await waitState(p, 'prejoin');
  for (let i = 0; i < 50 && !service.briefing.isConnected('ha-giang'); i++) await sleep(100);
  t.equal(service.briefing.isConnected('ha-giang'), true, '"Kết nối lại" reconnects');

  const reissued = await service.app.inject({
    method: 'POST',
    url: '/api/sites/ha-giang/reissue',
    headers: operatorHeaders,
  });
  t.equal(reissued.statusCode, 200);
  await waitState(p, 'error');
  t.equal(await p.page.getAttribute('#error', 'data-error-code'), 'link-reissued');
  t.match(await text(p.page, '#error'), /Điều hành viên đã cấp đường dẫn mới cho điểm cầu này/);
  await p.page.reload();
  await waitState(p, 'error');
  t.equal(
    await p.page.getAttribute('#error', 'data-error-code'),
    'unauthorized',
    'the old link is refused after a reload',
  );
});

t.test('camera or microphone refused or busy: what to do, and the room can still join', async (t) => {
  const service = await startPageService();
  t.teardown(() => service.close());

  // The browser refuses both (the technician clicked "Block").
  const denied = await browser.context();
  t.teardown(() => denied.close());
  await denied.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = async () => {
      throw new DOMException('Permission denied', 'NotAllowedError');
    };
  });
  const p = await openSite(service, 'thai-binh', denied);
  await p.page.waitForSelector('#device-problem:not([hidden])');
  t.match(
    await text(p.page, '#device-problem'),
    /Trình duyệt chưa được phép dùng camera và micro\. Bấm biểu tượng ổ khóa/,
  );
  await screenshot(p.page, 'bridge-prejoin-devices-denied');
  await joinConference(p);
  t.equal(service.media.conference.media('thai-binh')?.producers.size, 0, 'joined to watch and listen only');
  t.match(await text(p.page, '#notices'), /Phòng này chưa gửi được hình\/tiếng/);

  // The camera is held by another program; the microphone works.
  const busy = await browser.context();
  t.teardown(() => busy.close());
  await busy.addInitScript(() => {
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      if (constraints?.video) throw new DOMException('Could not start video source', 'NotReadableError');
      return real(constraints);
    };
  });
  const q = await openSite(service, 'nam-dinh', busy);
  await q.page.waitForSelector('#device-problem:not([hidden])');
  t.match(await text(q.page, '#device-problem'), /Camera đang bị chương trình khác dùng \(Zoom, Skype/);
  await joinConference(q);
  const producers = [...(service.media.conference.media('nam-dinh')?.producers.keys() ?? [])];
  t.same(producers, ['mic'], 'the microphone is sent without the camera');
});

t.test('UDP unavailable: the check says so and the page joins over TCP', async (t) => {
  const service = await startPageService({ MEDIA_PROTOCOLS: 'tcp' });
  t.teardown(() => service.close());
  const hub = await openSite(service, 'hub');
  const bridge = await openSite(service, 'lang-son');
  t.teardown(() => Promise.all([hub, bridge].map((p) => p.page.context().close())));

  await bridge.page.waitForSelector('#verdict:not([hidden])', { timeout: 30_000 });
  const check = await bridge.page.evaluate(() => window.giaoBan.check);
  t.equal(check.udp.status, 'unavailable', 'no UDP');
  t.equal(check.tcp.status, 'ok', 'TCP gets through');
  t.not(check.verdict, 'good', 'not a good network for the day');
  t.match(await text(bridge.page, '#check-udp'), /không dùng được/);
  t.match(await text(bridge.page, '#advice'), /Không dùng được UDP.*hệ thống sẽ dùng TCP/s);
  await screenshot(bridge.page, 'bridge-prejoin-tcp-only');

  await Promise.all([joinConference(hub), joinConference(bridge)]);
  await assertPlaying(t, bridge.page, '#main-video', "the bridge plays the hub's video over TCP");
  await assertPlaying(t, hub.page, '#thumbs video[data-site-id="lang-son"]', 'the hub sees the bridge over TCP');
  await bridge.page.waitForFunction(() => window.giaoBan.transport === 'tcp', undefined, { timeout: 10_000 });
  t.equal(await bridge.page.evaluate(() => window.giaoBan.transport), 'tcp', 'media goes over TCP');
  t.match(await text(bridge.page, '#notices'), /đang đi qua TCP/);
});

t.test('over HTTPS a bridge joins with its camera and microphone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'giao-ban-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-days',
    '1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  t.match(await readFile(cert, 'utf8'), /BEGIN CERTIFICATE/);
  const service = await startPageService({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
  t.teardown(() => service.close());
  t.match(service.url, /^https:/);
  const context = await browser.context({ ignoreHTTPSErrors: true });
  t.teardown(() => context.close());
  const p = await openSite(service, 'quang-ninh', context);
  t.equal(await p.page.evaluate(() => window.isSecureContext && location.protocol), 'https:');
  await joinConference(p);
  await assertPlaying(t, p.page, '#self-video', 'the camera over https');
  const media = service.media.conference.media('quang-ninh');
  t.same([...(media?.producers.keys() ?? [])].sort(), ['cam', 'mic'], 'camera and microphone produced');
  let bytes = 0;
  for (let i = 0; i < 50 && bytes === 0; i++) {
    const stats = await media?.producers.get('cam')?.getStats();
    bytes = (stats ?? []).reduce((sum, s) => sum + (s.byteCount ?? 0), 0);
    if (bytes === 0) await sleep(200);
  }
  t.ok(bytes > 0, `the server receives the camera (${bytes} bytes)`);
});

t.test('after a server restart the pages come back by themselves', async (t) => {
  const redisTestUrl = process.env.REDIS_TEST_URL;
  if (!redisTestUrl) {
    throw new Error('REDIS_TEST_URL is not set: run `npm test` (it starts redis-server), or set it to a running redis');
  }
  // A database of its own: the join tokens' secret must survive the restart, as in production.
  const url = new URL(redisTestUrl);
  url.pathname = '/11';
  const env = { REDIS_URL: url.toString() };
  let service = await startPageService(env);
  const port = new URL(service.url).port;
  t.teardown(async () => {
    await service.close();
  });
  const hub = await openSite(service, 'hub');
  const bridge = await openSite(service, 'nghe-an');
  t.teardown(() => Promise.all([hub, bridge].map((p) => p.page.context().close())));
  await Promise.all([joinConference(hub), joinConference(bridge)]);
  await assertPlaying(t, bridge.page, '#main-video', 'before the restart');

  await service.close();
  await waitState(bridge, 'reconnecting', 5000);
  t.match(await text(bridge.page, '#overlay'), /Đang kết nối lại/);
  await sleep(1500);
  service = await startPageService({ ...env, PORT: port });
  const restartedAt = Date.now();
  await Promise.all([waitState(hub, 'in-conference', 20_000), waitState(bridge, 'in-conference', 20_000)]);
  t.pass(`both back ${Date.now() - restartedAt} ms after the new server started`);
  t.equal(service.briefing.isPresent('nghe-an'), true);
  await assertPlaying(t, bridge.page, '#main-video', "the bridge plays the hub's video after the restart");
  await assertPlaying(
    t,
    hub.page,
    '#thumbs video[data-site-id="nghe-an"]',
    'the hub sees the bridge after the restart',
  );
});
