// Payloads that are cheap to send and could be dear to refuse: a Buffer at the size limit (a
// strict schema sees one unknown key per byte), the same Buffer nested in a valid report, an
// object with tens of thousands of keys. Each must be refused quickly and with a short answer:
// a slow refusal stalls every site's heartbeat, a long one multiplies the attacker's bytes.
import { io } from 'socket.io-client';
import { MAX_MESSAGE_BYTES } from './fuzz-payloads.js';

export interface HeavyPayloadResult {
  /** The slowest answer (ms) and the longest (bytes of JSON), over every probe. */
  readonly maxAnswerMs: number;
  readonly maxAnswerBytes: number;
  readonly answers: { probe: string; ms: number; bytes: number; code: string }[];
}

interface AckEmitter {
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
}

export async function probeHeavyPayloads(url: string, token: string, rounds = 3): Promise<HeavyPayloadResult> {
  const socket = io(`${url}/site`, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const buffer = Buffer.alloc(MAX_MESSAGE_BYTES - 4096, 1);
    const keys = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 0]));
    const report = { rttMs: 1, lossPct: 0, jitterMs: 1, inKbps: 1, outKbps: 1, transport: 'udp' };
    const probes: [string, string, unknown][] = [
      ['a Buffer as ping', 'ping', buffer],
      ['a Buffer inside site:report', 'site:report', { ...report, receiving: buffer }],
      ['20,000 keys as ping', 'ping', keys],
      ['20,000 keys inside site:report', 'site:report', { ...report, receiving: keys }],
    ];
    const answers: HeavyPayloadResult['answers'] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [probe, event, payload] of probes) {
        const t0 = performance.now();
        const reply = await (socket.timeout(15_000) as unknown as AckEmitter).emitWithAck(event, payload);
        const ms = Math.round(performance.now() - t0);
        const code = (reply as { error?: { code?: string } } | undefined)?.error?.code ?? 'ok';
        answers.push({ probe, ms, bytes: JSON.stringify(reply).length, code });
      }
    }
    return {
      maxAnswerMs: Math.max(...answers.map((a) => a.ms)),
      maxAnswerBytes: Math.max(...answers.map((a) => a.bytes)),
      answers,
    };
  } finally {
    socket.disconnect();
  }
}
