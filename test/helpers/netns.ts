// A branch office's network, made by the test: a Linux network namespace joined to this host by
// a veth pair (10.x.y.1 here, 10.x.y.2 in the namespace), shaped with tc (tbf: a thin link in
// each direction) and filtered with nftables inside the namespace (UDP blocked, ports blocked,
// random loss, the link cut). Traffic stays between this host's end of the pair and the
// namespace; everything is removed at close(), also when the test fails, and a leftover of a
// crashed run (same prefix) is removed when the next one starts.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PREFIX = 'gbfield';

async function sh(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args);
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

export interface Shape {
  /** Rate limits (kbit/s) toward the namespace (down) and from it (up). */
  readonly downKbit?: number;
  readonly upKbit?: number;
}

export interface Netns {
  readonly name: string;
  /** This host's end of the link: where the namespace reaches the service. */
  readonly hostIp: string;
  /** This host's end of the veth pair (for rules on what comes in from the namespace). */
  readonly hostDev: string;
  readonly nsIp: string;
  /** A Chromium that runs inside the namespace (for playwright's executablePath). */
  readonly chromium: string;
  shape(shape: Shape): Promise<void>;
  /** Drop UDP (but DNS is not used here), or TCP to these ports, leaving everything else. */
  block(rules: { udp?: boolean; tcpPorts?: number[] }): Promise<void>;
  /** Drop this share of packets at random, both ways. */
  loss(pct: number): Promise<void>;
  /** Cut the link (true) or mend it (false). */
  cut(down: boolean): Promise<void>;
  /** The processes running inside the namespace (the Chromium of a site and its helpers). */
  pids(): Promise<number[]>;
  /** Remove every rule and limit (the link as made). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** Remove the namespaces and links a crashed earlier run may have left. */
async function sweep(): Promise<void> {
  const list = await sh('ip', ['netns', 'list']).catch(() => '');
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0];
    if (name?.startsWith(PREFIX)) await sh('ip', ['netns', 'del', name]).catch(() => undefined);
  }
  // The delay relays' tables (delay-relay.ts) of a run that could not remove them.
  const tables = await sh('nft', ['list', 'tables']).catch(() => '');
  for (const m of tables.matchAll(/^table ip (gbdelay\d+)$/gm)) {
    await sh('nft', ['delete', 'table', 'ip', m[1] as string]).catch(() => undefined);
  }
}

let made = 0;

export async function createNetns(): Promise<Netns> {
  if (made === 0) await sweep();
  const n = (process.pid % 200) + 20;
  const sub = made++ % 60;
  const name = `${PREFIX}${process.pid}x${sub}`;
  const host = `gbh${process.pid % 10000}x${sub}`;
  const peer = `gbn${process.pid % 10000}x${sub}`;
  const hostIp = `10.${n}.${sub * 4}.1`;
  const nsIp = `10.${n}.${sub * 4}.2`;
  const inNs = (cmd: string, args: string[]) => sh('ip', ['netns', 'exec', name, cmd, ...args]);
  await sh('ip', ['netns', 'add', name]);
  try {
    await sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
    await sh('ip', ['link', 'set', peer, 'netns', name]);
    await sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', host]);
    await sh('ip', ['link', 'set', host, 'up']);
    await inNs('ip', ['addr', 'add', `${nsIp}/30`, 'dev', peer]);
    await inNs('ip', ['link', 'set', peer, 'up']);
    await inNs('ip', ['link', 'set', 'lo', 'up']);
    await inNs('ip', ['route', 'add', 'default', 'via', hostIp]);
    // One nftables table in the namespace holds every rule of the test, both directions.
    await inNs('nft', ['add', 'table', 'inet', 'field']);
    await inNs('nft', ['add chain inet field out { type filter hook output priority 0; }']);
    await inNs('nft', ['add chain inet field in { type filter hook input priority 0; }']);
  } catch (err) {
    await sh('ip', ['netns', 'del', name]).catch(() => undefined);
    await sh('ip', ['link', 'del', host]).catch(() => undefined);
    throw err;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gbfield-'));
  const chromium = join(dir, 'chromium-in-netns');
  writeFileSync(chromium, `#!/bin/sh\nexec ip netns exec ${name} /usr/bin/chromium "$@"\n`);
  chmodSync(chromium, 0o755);
  const nft = (rule: string) => inNs('nft', [rule]);
  const tbf = async (inside: boolean, dev: string, kbit: number | undefined) => {
    const tc = (args: string[]) => (inside ? inNs('tc', args) : sh('tc', args));
    await tc(['qdisc', 'del', 'dev', dev, 'root']).catch(() => undefined); // none yet
    if (kbit) {
      // A queue of about 300 ms at that rate, as a small office router has.
      const burst = Math.max(1600, Math.round((kbit * 1000) / 8 / 50));
      await tc([
        'qdisc',
        'add',
        'dev',
        dev,
        'root',
        'tbf',
        'rate',
        `${kbit}kbit`,
        'burst',
        String(burst),
        'latency',
        '300ms',
      ]);
    }
  };
  let closed = false;
  return {
    name,
    hostIp,
    hostDev: host,
    nsIp,
    chromium,
    async shape(shape) {
      await tbf(false, host, shape.downKbit);
      await tbf(true, peer, shape.upKbit);
    },
    async block(rules) {
      if (rules.udp) await nft(`add rule inet field out meta l4proto udp drop`);
      for (const port of rules.tcpPorts ?? []) await nft(`add rule inet field out tcp dport ${port} drop`);
    },
    async loss(pct) {
      const n = Math.round(pct);
      await nft(`add rule inet field out numgen random mod 100 < ${n} drop`);
      await nft(`add rule inet field in numgen random mod 100 < ${n} drop`);
    },
    async cut(down) {
      await sh('ip', ['link', 'set', host, down ? 'down' : 'up']);
      if (!down) await inNs('ip', ['route', 'replace', 'default', 'via', hostIp]);
    },
    async pids() {
      const out = await sh('ip', ['netns', 'pids', name]).catch(() => '');
      return out.split('\n').filter(Boolean).map(Number);
    },
    async clear() {
      await nft('flush table inet field');
      await tbf(false, host, undefined);
      await tbf(true, peer, undefined);
    },
    async close() {
      if (closed) return;
      closed = true;
      await sh('ip', ['netns', 'del', name]).catch(() => undefined);
      await sh('ip', ['link', 'del', host]).catch(() => undefined); // gone with the namespace, normally
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * An address of this host that every namespace reaches through its own link (Linux answers
 * for a local address on any interface): the service listens and announces here, so one
 * service serves pages in several namespaces, and nothing listens on the host's real networks.
 */
export async function addServiceAddress(): Promise<{ ip: string; remove(): Promise<void> }> {
  const ip = `10.${(process.pid % 200) + 20}.250.1`;
  await sh('ip', ['addr', 'replace', `${ip}/32`, 'dev', 'lo']);
  return {
    ip,
    remove: () =>
      sh('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo']).then(
        () => undefined,
        () => undefined,
      ),
  };
}
