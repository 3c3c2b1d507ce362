// Real Chromium pages as bridges in a benchmark (--chromium N): Debian's Chromium with fake
// camera and microphone, each page opened on its join link, Join pressed, and counted up once
// its main video (the hub) plays. Their processes are counted with the clients' CPU.
import { readdirSync, readFileSync } from 'node:fs';
import { type LoggedPage, launchBrowser, type TestBrowser } from '../test/helpers/browser.js';

export interface PageJoined {
  siteId: string;
  startEpoch: number;
  upEpoch: number;
}

/** Every process under `pid` (Chromium's renderers, GPU and utility processes). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // the process ended while we listed it
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, parent] of parents) if (parent === out[i]) out.push(child);
  return out;
}

export class ChromiumSites {
  readonly #browser: TestBrowser;
  readonly #pages: LoggedPage[] = [];
  #closed = false;

  private constructor(browser: TestBrowser) {
    this.#browser = browser;
  }

  static async launch(): Promise<ChromiumSites> {
    return new ChromiumSites(await launchBrowser());
  }

  /** Chromium's processes: this process's descendants that run chromium. */
  pids(): number[] {
    return descendants(process.pid).filter((pid) => {
      try {
        return /chrom/i.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
      } catch {
        return false; // ended meanwhile
      }
    });
  }

  async join(url: string, sites: { siteId: string; token: string }[]): Promise<PageJoined[]> {
    return Promise.all(
      sites.map(async ({ siteId, token }) => {
        const startEpoch = Date.now();
        const p = await this.#browser.page(await this.#browser.context());
        this.#pages.push(p);
        await p.page.goto(`${url}/join/${siteId}#token=${token}`);
        await p.page.click('#join-button');
        await p.page.waitForFunction(
          () => {
            const v = document.querySelector<HTMLVideoElement>('#main-video');
            return window.giaoBan?.state === 'in-conference' && v !== null && v.videoWidth > 0;
          },
          undefined,
          { timeout: 30_000, polling: 20 },
        );
        return { siteId, startEpoch, upEpoch: Date.now() };
      }),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#browser.close();
  }
}
