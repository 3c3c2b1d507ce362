// The benchmark's side of bench/peer-host.ts: spawn hosts, spread sites over them, send commands.
import { type ChildProcess, fork } from 'node:child_process';
import { root } from './harness.js';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface Joined {
  siteId: string;
  startEpoch: number;
  upEpoch: number;
  producingEpoch: number;
}

class Host {
  #seq = 0;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    let markReady: () => void = () => undefined;
    this.ready = new Promise((r) => {
      markReady = r;
    });
    child.on('message', (msg: Reply) => {
      if (msg.id === 0) return markReady();
      const p = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.result);
      else p?.reject(new Error(msg.error));
    });
    child.on('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`peer host exited with ${code}`));
      this.#pending.clear();
    });
  }

  send<T>(cmd: Record<string, unknown>): Promise<T> {
    const id = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...cmd, id });
    });
  }
}

/** A bot's media as its host sees it: joins, when the hub's video last came, its node, its trail. */
export interface BotMedia {
  siteId: string;
  joins: number;
  lastHubVideo: number | null;
  url: string;
  trail: string[];
}

export class PeerHosts {
  readonly #hosts: Host[];
  readonly #where = new Map<string, Host>();

  private constructor(hosts: Host[]) {
    this.#hosts = hosts;
  }

  /** `kind`: 'peers' are libwebrtc peers (peer-host.ts), 'bots' werift load bots (bot-host.ts). */
  static async start(count: number, kind: 'peers' | 'bots' = 'peers'): Promise<PeerHosts> {
    const script = kind === 'bots' ? 'bot-host.ts' : 'peer-host.ts';
    const hosts = Array.from(
      { length: count },
      () =>
        new Host(fork(`${root}/bench/${script}`, [], { execArgv: ['--import', 'tsx'], cwd: root, stdio: 'inherit' })),
    );
    await Promise.all(hosts.map((h) => h.ready));
    return new PeerHosts(hosts);
  }

  get pids(): number[] {
    return this.#hosts.map((h) => h.child.pid ?? 0);
  }

  /** Join all sites at once, spread round-robin over the hosts (bot hosts take options). */
  async join<J extends Joined = Joined>(
    url: string,
    sites: { siteId: string; token: string }[],
    options: { wave?: number; layers?: number; audioOnly?: boolean; thumbnail?: boolean } = {},
  ): Promise<J[]> {
    const slices = this.#hosts.map(() => [] as { siteId: string; token: string }[]);
    sites.forEach((s, i) => {
      const host = this.#hosts[i % this.#hosts.length] as Host;
      this.#where.set(s.siteId, host);
      slices[i % this.#hosts.length]?.push(s);
    });
    const results = await Promise.all(
      this.#hosts.map((h, i) => h.send<J[]>({ op: 'join', url, sites: slices[i], ...options })),
    );
    return results.flat();
  }

  #host(siteId: string): Host {
    const h = this.#where.get(siteId);
    if (!h) throw new Error(`no host has ${siteId}`);
    return h;
  }

  close(siteId: string) {
    return this.#host(siteId).send({ op: 'close', siteId });
  }
  silence(siteId: string) {
    return this.#host(siteId).send({ op: 'silence', siteId });
  }
  rejoin<J extends Joined = Joined>(url: string, siteId: string) {
    return this.#host(siteId).send<J>({ op: 'rejoin', url, siteId });
  }
  async media(): Promise<BotMedia[]> {
    const all = await Promise.all(this.#hosts.map((h) => h.send<BotMedia[]>({ op: 'media' })));
    return all.flat();
  }
  async timings(): Promise<Record<string, unknown>[]> {
    const all = await Promise.all(this.#hosts.map((h) => h.send<Record<string, unknown>[]>({ op: 'timings' })));
    return all.flat();
  }
  async bytes(): Promise<Record<string, { hubVideo: number; fromBridges: number }>> {
    const all = await Promise.all(
      this.#hosts.map((h) => h.send<Record<string, { hubVideo: number; fromBridges: number }>>({ op: 'bytes' })),
    );
    return Object.assign({}, ...all);
  }
  /** Ask every host to exit; one that does not within 5 s is killed, so a benchmark always ends. */
  async exit(): Promise<void> {
    await Promise.all(
      this.#hosts.map(async (h) => {
        if (h.child.exitCode !== null || h.child.signalCode !== null) return;
        const gone = new Promise((r) => h.child.once('exit', r));
        // The host may exit before its reply arrives; its exit is what is awaited.
        h.send({ op: 'exit' }).catch(() => 'exited');
        const timer = setTimeout(() => h.child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }),
    );
  }
}
