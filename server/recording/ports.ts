// UDP ports for a recorder process on this host. ffmpeg takes the ports it is told in its SDP
// (RTP on an even port, RTCP on the next), so free pairs are found first, by binding them for a
// moment; and since ffmpeg says nothing when it has bound them, the kernel's socket table
// (/proc/net/udp, Linux: the service runs on Debian) tells when it listens, so media is only
// sent once it can be received.
import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecorderPorts } from '../../media/index.js';

const bind = (address: string, port: number): Promise<Socket | undefined> =>
  new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, address, () => resolve(socket));
  });

/** `count` RTP/RTCP port pairs free on `address` now (each RTP port even, RTCP the next). */
export async function freePortPairs(address: string, count: number): Promise<RecorderPorts[]> {
  const held: Socket[] = [];
  const pairs: RecorderPorts[] = [];
  try {
    for (let tries = 0; pairs.length < count; tries++) {
      if (tries > 200) throw new Error(`no free UDP port pair on ${address}`);
      const first = await bind(address, 0);
      if (!first) throw new Error(`cannot bind a UDP port on ${address}`);
      held.push(first);
      const port = first.address().port;
      // Held until all pairs are found, so two pairs never share a port.
      const rtcp = port % 2 === 0 && port < 65535 ? await bind(address, port + 1) : undefined;
      if (!rtcp) continue;
      held.push(rtcp);
      pairs.push({ rtp: port, rtcp: port + 1 });
    }
    return pairs;
  } finally {
    for (const s of held) s.close();
  }
}

/** The local UDP ports some process listens on now (IPv4 and IPv6 tables). */
async function listeningPorts(): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    // udp6 is missing where IPv6 is disabled; ffmpeg binds IPv4 here anyway.
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      // "  12: 0100007F:A1B2 00000000:0000 07 ..." (the local address and port in hex)
      const m = /^\s*\d+:\s+[0-9A-F]+:([0-9A-F]{4})\s/.exec(line);
      if (m?.[1]) ports.add(Number.parseInt(m[1], 16));
    }
  }
  return ports;
}

/** Resolves once every port is bound (by the recorder), or false after `ms` or when `gone()`. */
export async function untilListening(ports: readonly number[], ms: number, gone: () => boolean): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !gone()) {
    const open = await listeningPorts();
    if (ports.every((p) => open.has(p))) return true;
    await sleep(25);
  }
  return false;
}
