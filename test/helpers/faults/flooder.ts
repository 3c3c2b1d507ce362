// The flooding bridge, in a process of its own so its sending loop starves neither the test's
// WebRTC peers nor their heartbeats: it sends hand:set, site:report, ping and garbage as fast as
// the socket takes them (with and without acks), connects again whenever the service closes it,
// and reports what came back. Started by flood.ts with fork(); answers on the IPC channel.
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';

export interface FlooderConfig {
  readonly url: string;
  readonly token: string;
  readonly durationMs: number;
}

export interface FlooderReport {
  readonly sent: number;
  readonly acks: Record<string, number>;
  /** Why the service closed the connection, each time it did. */
  readonly closed: Record<string, number>;
  readonly connections: number;
  readonly protocolErrors: number;
}

const report = {
  sent: 0,
  acks: {} as Record<string, number>,
  closed: {} as Record<string, number>,
  connections: 0,
  protocolErrors: 0,
};
const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

function connect(config: FlooderConfig): Promise<Socket | undefined> {
  const socket = io(`${config.url}/site`, {
    auth: { token: config.token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  let reason: string | undefined;
  socket.on('session:closed', (p: { reason: string }) => {
    reason = p.reason;
  });
  socket.on('protocol:error', () => {
    report.protocolErrors++;
  });
  socket.on('disconnect', (why) => bump(report.closed, reason ?? why));
  return new Promise((resolve) => {
    socket.once('welcome', () => {
      report.connections++;
      resolve(socket);
    });
    socket.once('connect_error', () => {
      socket.disconnect();
      resolve(undefined);
    });
  });
}

async function flood(config: FlooderConfig): Promise<FlooderReport> {
  const end = performance.now() + config.durationMs;
  const messages: [string, unknown][] = [
    ['hand:set', { raised: true }],
    ['site:report', { rttMs: 10, lossPct: 0, jitterMs: 1, inKbps: 300, outKbps: 300, transport: 'udp' }],
    ['ping', { sent: 1 }],
    ['garbage', { x: 'y'.repeat(100) }],
    ['hand:set', 'not an object'],
  ];
  let inFlight = 0;
  let socket: Socket | undefined;
  for (let i = 0; performance.now() < end; i++) {
    if (!socket?.connected) {
      socket = await connect(config);
      continue;
    }
    const [event, payload] = messages[i % messages.length] as [string, unknown];
    report.sent++;
    if (i % 2 === 0 && inFlight < 5000) {
      inFlight++;
      socket
        .timeout(10_000)
        .emit(event, payload, (err: Error | null, reply?: { ok?: boolean; error?: { code?: string } }) => {
          inFlight--;
          bump(report.acks, err ? 'none' : reply?.ok ? 'ok' : (reply?.error?.code ?? 'malformed'));
        });
    } else socket.emit(event, payload);
    if (i % 100 === 0) await yieldToIo();
  }
  socket?.disconnect();
  return report;
}

process.once('message', (config: FlooderConfig) => {
  flood(config).then(
    (r) => process.send?.({ ok: true, report: r }, () => process.exit(0)),
    (err: Error) => process.send?.({ ok: false, error: err.message }, () => process.exit(1)),
  );
});
