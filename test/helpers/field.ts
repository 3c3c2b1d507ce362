// The field, rebuilt on one machine: the real service (mediasoup, embedded coturn) listening on
// an address of this host that only the test's namespaces reach, the hub as a libwebrtc peer
// sending three simulcast layers of a busy picture, and each bridge a real Chromium page
// inside a network namespace of its own (netns.ts), behind the firewall, thin link, loss or
// delay a scenario gives it. The scenarios return numbers: the field tests assert them and
// bench/field.ts prints them.

import { type ChildProcess, execFile, fork } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { types } from 'mediasoup';
import { createLogger } from '../../kernel/logger.js';
import { type Service, startService } from '../../server/service.js';
import type { SiteStatus } from '../../store/records.js';
import { type LoggedPage, launchBrowser, type TestBrowser } from './browser.js';
import { type DelayRelay, startDelayRelay } from './delay-relay.js';
import { addServiceAddress, createNetns, type Netns } from './netns.js';
import { testConfig } from './service.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

/** Poll until `ok` (or the time is up; the caller's assertion then says what was seen). */
export async function waitFor(ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await ok()) return true;
    if (performance.now() > deadline) return false;
    await sleep(100);
  }
}

/** What a branch's network does to the page's traffic. */
export interface Network {
  readonly downKbit?: number;
  readonly upKbit?: number;
  readonly blockUdp?: boolean;
  /** Block TCP to the SFU's media port. */
  readonly blockMediaTcp?: boolean;
  /** Block TCP to coturn's plain port (TURN over TLS still gets through). */
  readonly blockTurnTcp?: boolean;
  readonly lossPct?: number;
  /** Added round trip on UDP media (user space: this kernel has no netem). */
  readonly rttMs?: number;
}

/** What a page receives, summed over its inbound streams (pages/site/main.ts received()). */
export interface Received {
  readonly audioSamples: number;
  readonly concealedSamples: number;
  readonly frameWidth: number;
  readonly frameHeight: number;
  readonly framesDecoded: number;
}

/** The hub (field-hub.ts) in its own process, joined and sending when this resolves. */
async function startHub(url: string, token: string): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./field-hub.ts', import.meta.url)), [url, token], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the field hub did not join within 30 s')), 30_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the field hub exited with ${code} before joining`));
    });
  }).catch(async (err) => {
    child.kill('SIGKILL');
    throw err;
  });
  return child;
}

async function stopHub(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** CPU time (ms) of a process from /proc (user + system), 0 if it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ 100
  } catch {
    return 0;
  }
}

/** A port free for both UDP and TCP on this address. */
async function freePort(ip: string): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((done, fail) => {
      const s = createServer();
      s.once('error', fail);
      s.listen(0, ip, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => done(p));
      });
    });
    const udpFree = await new Promise<boolean>((done) => {
      const u = createSocket('udp4');
      u.once('error', () => done(false));
      u.bind(port, ip, () => u.close(() => done(true)));
    });
    if (udpFree) return port;
  }
  throw new Error(`no port free for UDP and TCP on ${ip}`);
}

export class FieldSite {
  readonly siteId: string;
  readonly netns: Netns;
  readonly browser: TestBrowser;
  readonly page: LoggedPage;
  readonly #relay: DelayRelay | undefined;
  /** The last join: from the link and from the Join click to media, and the page's steps (ms after the click). */
  lastJoin: { fromLinkMs: number; fromClickMs: number; steps: string } | undefined;

  readonly #onClose: (cpuMs: number) => void;

  constructor(
    siteId: string,
    netns: Netns,
    browser: TestBrowser,
    page: LoggedPage,
    relay: DelayRelay | undefined,
    onClose: (cpuMs: number) => void = () => undefined,
  ) {
    this.#onClose = onClose;
    this.siteId = siteId;
    this.netns = netns;
    this.browser = browser;
    this.page = page;
    this.#relay = relay;
  }

  /** What the page shows of itself, for a failure's message. */
  async describe(): Promise<string> {
    const facts = await this.page.page
      .evaluate(() => ({
        state: window.giaoBan?.state,
        transport: window.giaoBan?.transport,
        relayed: window.giaoBan?.relayed,
        error: document.getElementById('error')?.textContent,
        consumers: window.giaoBan?.consumers().map((c) => `${c.siteId}/${c.kind}${c.paused ? ' paused' : ''}`),
      }))
      .catch((err: Error) => ({ unavailable: err.message }));
    return `${this.siteId}: ${JSON.stringify(facts)}\n${this.page.logs.slice(-12).join('\n')}`;
  }

  state(): Promise<string | undefined> {
    return this.page.page.evaluate(() => window.giaoBan?.state).catch(() => undefined);
  }

  received(): Promise<Received> {
    return this.page.page.evaluate(() => window.giaoBan.received());
  }

  /** How the page's media goes, once its first link report (every 2 s) has said so. */
  async link(): Promise<{ transport: 'udp' | 'tcp' | null; relayed: boolean; audioOnly: boolean }> {
    await this.page.page
      .waitForFunction(() => window.giaoBan?.transport !== null, undefined, { timeout: 6000, polling: 200 })
      .catch(() => undefined); // the assertion shows the null
    return this.page.page.evaluate(() => ({
      transport: window.giaoBan.transport,
      relayed: window.giaoBan.relayed,
      audioOnly: window.giaoBan.audioOnly,
    }));
  }

  /** Wait until the hub's audio and picture both arrive and advance; ms it took. */
  async waitMedia(timeoutMs: number, since = performance.now()): Promise<number> {
    const first = await this.received().catch(() => undefined);
    const deadline = since + timeoutMs;
    let last = first;
    while (performance.now() < deadline) {
      await sleep(100);
      const now = await this.received().catch(() => undefined);
      if (
        now &&
        last &&
        (await this.state()) === 'in-conference' &&
        now.framesDecoded > last.framesDecoded &&
        now.audioSamples > last.audioSamples &&
        now.frameWidth > 0
      ) {
        return performance.now() - since;
      }
      if (now) last = now;
    }
    throw new Error(`no hub media on the page within ${timeoutMs} ms: ${await this.describe()}`);
  }

  /**
   * The share (%) of the hub's audio played without concealment over `ms`: 100 × (1 − concealed
   * samples / samples) from the page's inbound-rtp stats, as the technician hears it.
   */
  async audioContinuity(ms: number): Promise<number> {
    const before = await this.received();
    await sleep(ms);
    const after = await this.received();
    const samples = after.audioSamples - before.audioSamples;
    if (samples <= 0) return 0;
    const concealed = Math.max(0, after.concealedSamples - before.concealedSamples);
    return Math.round((1 - concealed / samples) * 10000) / 100;
  }

  /** CPU time (ms) used so far by the page's browser (every process in its namespace). */
  async cpuMs(): Promise<number> {
    let total = 0;
    for (const pid of await this.netns.pids()) total += processCpuMs(pid);
    return total;
  }

  #closed = false;

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(await this.cpuMs().catch(() => 0));
    await this.#relay?.close();
    await this.browser.close();
    await this.netns.close();
  }
}

export class Field {
  readonly service: Service;
  /** The hub's process (field-hub.ts). */
  readonly hub: ChildProcess;
  readonly svcIp: string;
  readonly mediaPort: number;
  readonly turnPort: number;
  readonly turnTlsPort: number;
  readonly dataDir: string;
  /** base64 SHA-256 of the TURN certificate's public key. */
  readonly turnKeyHash: string;
  readonly #sites = new Set<FieldSite>();
  #clientCpuMs = 0;

  /** CPU time (ms) the clients used: the sites' browsers (counted as each closes) and the hub. */
  get clientCpuMs(): number {
    return this.#clientCpuMs + this.#hubCpuMs;
  }
  #hubCpuMs = 0;
  readonly #cleanup: () => Promise<void>;

  private constructor(o: {
    service: Service;
    hub: ChildProcess;
    svcIp: string;
    mediaPort: number;
    turnPort: number;
    turnTlsPort: number;
    turnKeyHash: string;
    dataDir: string;
    cleanup: () => Promise<void>;
  }) {
    this.turnKeyHash = o.turnKeyHash;
    this.dataDir = o.dataDir;
    this.service = o.service;
    this.hub = o.hub;
    this.svcIp = o.svcIp;
    this.mediaPort = o.mediaPort;
    this.turnPort = o.turnPort;
    this.turnTlsPort = o.turnTlsPort;
    this.#cleanup = o.cleanup;
  }

  static async start(env: Record<string, string> = {}): Promise<Field> {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'the field tests make network namespaces, shape links with tc and filter with nftables: run them as root (CI does)',
      );
    }
    // The pages as they are in the source tree now, not a bundle left from an older build.
    await run(process.execPath, ['--import', 'tsx', 'scripts/build-pages.ts', '--quiet'], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    const address = await addServiceAddress();
    const dataDir = await mkdtemp(join(tmpdir(), 'giao-ban-field-'));
    let service: Service | undefined;
    let hubProcess: ChildProcess | undefined;
    const cleanup = async () => {
      await stopHub(hubProcess);
      await service?.close().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
      await address.remove();
    };
    try {
      const mediaPort = await freePort(address.ip);
      const turnPort = await freePort(address.ip);
      const turnTlsPort = await freePort(address.ip);
      const config = testConfig({
        HOST: address.ip,
        MEDIA_PORT: String(mediaPort),
        MEDIA_LISTEN_IP: address.ip,
        MEDIA_ANNOUNCED_ADDRESS: address.ip,
        TURN_EMBEDDED: 'true',
        TURN_PORT: String(turnPort),
        TURN_TLS_PORT: String(turnTlsPort),
        DATA_DIR: dataDir,
        // Chromium, the hub's encoder and the service share 2 cores: a patient heartbeat.
        HEARTBEAT_INTERVAL_MS: '2000',
        HEARTBEAT_TIMEOUT_MS: '10000',
        ...env,
      });
      service = await startService({ config, logger: createLogger(config.LOG_LEVEL) });
      const hub = await startHub(service.url, await service.credentials.tokenFor(service.roster.hub.id));
      hubProcess = hub;
      const cert = new X509Certificate(await readFile(join(dataDir, 'turn', 'turn-cert.pem')));
      const turnKeyHash = createHash('sha256')
        .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
        .digest('base64');
      return new Field({
        service,
        hub,
        svcIp: address.ip,
        mediaPort,
        turnPort,
        turnTlsPort,
        turnKeyHash,
        dataDir,
        cleanup,
      });
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  /** A bridge's Chromium page in a namespace of its own, on the given network, link opened. */
  async site(siteId: string, network: Network = {}): Promise<FieldSite> {
    const netns = await createNetns();
    let browser: TestBrowser | undefined;
    let relay: DelayRelay | undefined;
    try {
      await this.shape(netns, network);
      if (network.rttMs) {
        relay = await startDelayRelay({
          hostIp: netns.hostIp,
          hostDev: netns.hostDev,
          targetIp: this.svcIp,
          targetPort: this.mediaPort,
          rttMs: network.rttMs,
        });
      }
      browser = await launchBrowser({
        executablePath: netns.chromium,
        // The service is plain http on a LAN address here: let the page use the camera anyway.
        args: [
          `--unsafely-treat-insecure-origin-as-secure=${new URL(this.service.url).origin}`,
          // Chromium checks a TURN server's certificate like a page's: trust exactly the key of
          // the one the service made, as a branch would install it (npm run cert says how).
          `--ignore-certificate-errors-spki-list=${this.turnKeyHash}`,
        ],
      });
      const page = await browser.page(await browser.context());
      const site = new FieldSite(siteId, netns, browser, page, relay, (ms) => {
        this.#clientCpuMs += ms;
        this.#sites.delete(site);
      });
      this.#sites.add(site);
      return site;
    } catch (err) {
      await relay?.close();
      await browser?.close();
      await netns.close();
      throw err;
    }
  }

  /** Apply a network to a namespace (after clearing what it had). */
  async shape(netns: Netns, network: Network): Promise<void> {
    await netns.clear();
    if (network.downKbit || network.upKbit) {
      await netns.shape({
        ...(network.downKbit ? { downKbit: network.downKbit } : {}),
        ...(network.upKbit ? { upKbit: network.upKbit } : {}),
      });
    }
    const tcpPorts = [
      ...(network.blockMediaTcp ? [this.mediaPort] : []),
      ...(network.blockTurnTcp ? [this.turnPort] : []),
    ];
    if (network.blockUdp || tcpPorts.length) await netns.block({ udp: network.blockUdp ?? false, tcpPorts });
    if (network.lossPct) await netns.loss(network.lossPct);
  }

  /**
   * Open the site's link and press Join as soon as the page allows it; resolves with the ms
   * from opening the link until the hub's audio and picture play.
   */
  async join(site: FieldSite, timeoutMs = 30_000): Promise<number> {
    const start = performance.now();
    await site.page.page.goto(await this.service.credentials.joinLink(site.siteId));
    await site.page.page.waitForSelector('#join-button:not([disabled])', { timeout: timeoutMs });
    const clickAt = performance.now();
    const pageClickAt = await site.page.page.evaluate(() => performance.now());
    await site.page.page.click('#join-button');
    const ms = await site.waitMedia(timeoutMs, start);
    const steps = await site.page.page.evaluate(() => window.giaoBan.steps());
    site.lastJoin = {
      fromLinkMs: Math.round(ms),
      fromClickMs: Math.round(ms - (clickAt - start)),
      steps: steps.map(([step, at]) => `${step}+${Math.round(at - pageClickAt)}`).join(' '),
    };
    return ms;
  }

  /** The SFU's consumer of the hub's picture for a site (its current and preferred layers). */
  hubVideoConsumer(siteId: string): types.Consumer | undefined {
    const media = this.service.media.conference.media(siteId);
    return media?.consumerObjects().find((c) => c.kind === 'video' && c.type === 'simulcast');
  }

  /** What a site's camera sends, per simulcast layer (kbit/s by rid), as the SFU receives it. */
  async uplinkLayers(siteId: string): Promise<Record<string, number>> {
    const producer = this.service.media.conference.media(siteId)?.producers.get('cam');
    const layers: Record<string, number> = {};
    for (const s of (await producer?.getStats()) ?? []) {
      layers[s.rid ?? String(s.ssrc)] = Math.round((s.bitrate ?? 0) / 1000);
    }
    return layers;
  }

  /** The service's own processes apart from this one: its mediasoup workers and coturn. */
  servicePids(): number[] {
    let coturn: number[] = [];
    try {
      coturn = [Number(readFileSync(join(this.dataDir, 'turn', 'turnserver.pid'), 'utf8').trim())];
    } catch {
      // no coturn
    }
    return [...this.service.media.pids, ...coturn];
  }

  /** The board's status of a site (what the operator sees). */
  status(siteId: string): SiteStatus {
    const status = this.service.status.get(siteId);
    if (!status) throw new Error(`no status for ${siteId}`);
    return status;
  }

  async close(): Promise<void> {
    if (this.hub.pid) this.#hubCpuMs = processCpuMs(this.hub.pid);
    for (const site of this.#sites) await site.close().catch(() => undefined);
    this.#sites.clear();
    await this.#cleanup();
  }
}
