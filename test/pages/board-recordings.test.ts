// The board's recordings panel in Debian's Chromium against the real service, with the hub as
// a real WebRTC peer and the real recorder (ffmpeg): the operator starts a recording from the
// panel, sees what it takes, stops it, and downloads its segment, which ffprobe reads back.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import t from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import { SitePeer } from '../helpers/peer.js';
import { probe, sleep } from '../helpers/recording.js';
import { OPERATOR_TOKEN, startTestService } from '../helpers/service.js';

const run = promisify(execFile);
const shots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;

t.setTimeout(180_000);

// Test the board as it is in the source tree now, not a bundle left from an older build.
await run(process.execPath, ['--import', 'tsx', 'scripts/build-pages.ts', '--quiet'], {
  cwd: new URL('../..', import.meta.url).pathname,
});
await mkdir(shots, { recursive: true });

const browser = await launchBrowser();
t.teardown(() => browser.close());

const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();

t.test('start, watch, stop and download a recording from the board', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gb-board-rec-'));
  const service = await startTestService({ DATA_DIR: dataDir });
  const hub = await SitePeer.join({ url: service.url, token: await service.credentials.tokenFor('hub') });
  t.teardown(async () => {
    await hub.close();
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const board = await browser.page(await browser.context());
  t.teardown(() => board.page.context().close());
  const { page } = board;
  await page.goto(`${service.url}/board#token=${encodeURIComponent(OPERATOR_TOKEN)}`);
  await page.waitForFunction(() => document.body.dataset.state === 'connected', undefined, { timeout: 15_000 });

  t.equal(await text(page, '#recordings-toggle'), 'Ghi hình', 'the header button, in Vietnamese');
  await page.click('#recordings-toggle');
  await page.waitForSelector('#recordings:not([hidden]) .recordings-note');
  t.equal(await text(page, '.recordings-note'), 'Chưa có bản ghi nào.');
  t.equal(await text(page, '.recordings-status'), 'Không ghi hình.');
  const fits = await page.evaluate(() => ({
    w: document.documentElement.scrollWidth,
    h: document.documentElement.scrollHeight,
    header: [...document.querySelectorAll('.topbar > *')].every((e) => e.getBoundingClientRect().right <= innerWidth),
  }));
  t.ok(fits.w <= 1366 && fits.h <= 768, `the board still fits 1366x768 (content ${fits.w}x${fits.h})`);
  t.ok(fits.header, 'every header button is in view');

  await page.click('#recording-start');
  await page.waitForSelector('#recording-now[data-state="recording"]', { timeout: 20_000 });
  const [started] = await service.recordings.list();
  if (!started) throw new Error('no recording on the server');
  t.equal(started.state, 'recording', 'the server records');
  t.equal(started.by, 'operator');
  t.match(await text(page, '.recordings-outcome[data-ok="true"]'), `Đã bắt đầu ghi (${started.id}).`);
  t.match(await text(page, '.recordings-status'), /^Đang ghi · hình: .+ · tiếng: .+ · \d+:\d\d$/, 'what it takes');
  t.equal(await page.getAttribute('#recordings-toggle .rec-dot', 'data-on'), 'true', 'the header shows it records');
  await sleep(3000);
  await page.screenshot({ path: `${shots}board-recordings.png` });

  await page.click('#recording-stop');
  const row = `.recording-row[data-recording-id="${started.id}"]`;
  await page.waitForSelector(`${row}[data-state="stopped"]`, { timeout: 20_000 });
  t.equal(await text(page, `${row} .recording-state`), 'Đã dừng');
  t.match(await text(page, `${row} .recording-meta`), /dài 0:0[2-9] · [\d,]+ MB · dừng: operator/);
  t.equal(await text(page, '.recordings-status'), 'Không ghi hình.');
  const [stopped] = await service.recordings.list();
  t.equal(stopped?.segments.length, 1);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`${row} [data-segment-download="1"]`),
  ]);
  t.equal(download.suggestedFilename(), `giao-ban-${started.id}-1.webm`, "the server's file name");
  const file = await download.path();
  t.equal((await stat(file)).size, stopped?.segments[0]?.bytes, 'the whole file');
  const probed = await probe(file);
  t.same(probed.streams.map((s) => s.codec_name).sort(), ['opus', 'vp8'], 'VP8 and Opus');
  t.match(await text(page, '.recordings-outcome[data-ok="true"]'), /^Đã tải giao-ban-.+\.webm\.$/);

  await page.keyboard.press('Escape');
  await page.waitForSelector('#recordings[hidden]', { state: 'attached' });
  t.same(board.logs, [], 'no console errors');
});
