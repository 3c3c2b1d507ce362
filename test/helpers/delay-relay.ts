// A long link for UDP media: this kernel has no netem, so the delay of a distant branch is
// made in user space. nftables in this host sends a namespace's UDP for the SFU's port to a
// relay on the host's end of the veth; the relay holds each packet for half the round trip and
// forwards it to the SFU from a socket per client, and holds the SFU's answers as long before
// it sends them back from the relay's socket, which conntrack turns back into the SFU's
// address. The browser sees the SFU's own address and a round trip that much longer. Only
// addresses of this host and the test's namespace are used; close() removes the table.

import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DelayRelayOptions {
  /** The host end of the namespace's veth (the relay listens here) and that veth's name. */
  readonly hostIp: string;
  readonly hostDev: string;
  /** The SFU's address and UDP port the page sends to. */
  readonly targetIp: string;
  readonly targetPort: number;
  /** Added round-trip time, in ms (half each way). */
  readonly rttMs: number;
}

export interface DelayRelay {
  readonly forwarded: number;
  close(): Promise<void>;
}

async function nft(args: string[]): Promise<void> {
  try {
    await run('nft', args);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`nft ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

export async function startDelayRelay(o: DelayRelayOptions): Promise<DelayRelay> {
  const half = Math.round(o.rttMs / 2);
  const front = createSocket('udp4');
  await new Promise<void>((done, fail) => {
    front.once('error', fail);
    front.bind(0, o.hostIp, () => done());
  });
  const relayPort = front.address().port;
  const upstream = new Map<string, Socket>();
  let forwarded = 0;
  let closed = false;
  const later = (fn: () => void) => {
    const timer = setTimeout(() => {
      if (!closed) fn();
    }, half);
    timer.unref();
  };
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let up = upstream.get(key);
    if (!up) {
      const socket = createSocket('udp4');
      socket.bind(0, o.targetIp);
      socket.on('message', (answer) => {
        later(() => front.send(answer, from.port, from.address));
      });
      socket.on('error', () => undefined); // a closed relay; the page's ICE notices
      upstream.set(key, socket);
      up = socket;
    }
    const out = up;
    later(() => {
      forwarded++;
      out.send(msg, o.targetPort, o.targetIp);
    });
  });
  front.on('error', () => undefined);

  const table = `gbdelay${relayPort}`;
  await nft(['add', 'table', 'ip', table]);
  await nft(['add chain ip', table, 'pre { type nat hook prerouting priority -100; }']);
  // The relay's answers are the reply half of the redirected flow; a nat chain on the way out
  // makes sure their source is turned back into the SFU's address.
  await nft(['add chain ip', table, 'post { type nat hook postrouting priority 100; }']);
  await nft([
    'add rule ip',
    table,
    `pre iifname "${o.hostDev}" ip daddr ${o.targetIp} udp dport ${o.targetPort} dnat to ${o.hostIp}:${relayPort}`,
  ]);
  return {
    get forwarded() {
      return forwarded;
    },
    async close() {
      if (closed) return;
      closed = true;
      await nft(['delete', 'table', 'ip', table]).catch(() => undefined);
      for (const s of upstream.values()) s.close();
      front.close();
    },
  };
}
