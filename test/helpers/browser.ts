// Debian's Chromium driven by playwright-core, for the page tests: fake camera and microphone,
// no downloads (executablePath), one browser shared by a file's tests (2 cores), a fresh
// context per page group. A page's console errors and crashes are kept for the test's message.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // The test server announces 127.0.0.1; without this Chromium gathers no loopback candidates
  // and only ICE over TCP reaches it.
  '--allow-loopback-in-peer-connection',
  // Several pages share 2 cores; a page in a background tab must keep its media running.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

export interface TestBrowser {
  readonly browser: Browser;
  /** A new context at the technicians' screen size (1366x768). */
  context(opts?: { ignoreHTTPSErrors?: boolean }): Promise<BrowserContext>;
  /** A page that records its console warnings/errors and crashes in `logs`. */
  page(context: BrowserContext): Promise<LoggedPage>;
  close(): Promise<void>;
}

export interface LoggedPage {
  readonly page: Page;
  readonly logs: string[];
}

export interface LaunchOptions {
  /** Another Chromium (e.g. a wrapper that runs it inside a network namespace). */
  readonly executablePath?: string;
  readonly args?: readonly string[];
}

export async function launchBrowser(opts: LaunchOptions = {}): Promise<TestBrowser> {
  // playwright's own temporary profile is used by launch(); the crash dumps and caches of
  // this run go to a directory of our own that is removed afterwards.
  const home = await mkdtemp(join(tmpdir(), 'giao-ban-chromium-'));
  const browser = await chromium.launch({
    executablePath: opts.executablePath ?? CHROMIUM,
    headless: true,
    args: [
      ...chromiumArgs,
      ...(opts.args ?? []),
      `--crash-dumps-dir=${home}`,
      `--disk-cache-dir=${join(home, 'cache')}`,
    ],
  });
  return {
    browser,
    context: (opts = {}) =>
      browser.newContext({
        viewport: { width: 1366, height: 768 },
        ignoreHTTPSErrors: opts.ignoreHTTPSErrors ?? false,
        permissions: ['camera', 'microphone'],
        locale: 'vi-VN',
      }),
    async page(context) {
      const page = await context.newPage();
      const logs: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') logs.push(`console.${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (err) => logs.push(`page error: ${err.message}`));
      page.on('crash', () => logs.push('page crashed'));
      return { page, logs };
    },
    async close() {
      await browser.close().catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}
