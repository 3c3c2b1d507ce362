// What the fuzzer sends: event names (the contract's own, names that are properties of every
// object, very long ones, odd characters) and payloads (near-valid ones from the contract with
// one thing wrong, random JSON of every type, strings and Buffers up to the size limit, deep
// nesting, long arrays). Seeded, so a failure can be replayed from the seed it reports.
import type { OperatorEvent, SiteEvent } from '../../../contract/index.js';

/** mulberry32: small, fast, good enough to drive a fuzzer; the same seed gives the same run. */
export class Rng {
  #s: number;
  constructor(readonly seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

/** The size limit of one message (signaling/index.ts maxHttpBufferSize). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export const siteEvents: readonly SiteEvent[] = [
  'join',
  'media:capabilities',
  'media:create-transport',
  'media:close-transport',
  'media:connect-transport',
  'media:produce',
  'media:pause-producer',
  'media:close-producer',
  'media:ready',
  'media:restart-ice',
  'hub:focus',
  'hand:set',
  'site:report',
  'rehearsal:confirm',
  'ping',
  'leave',
];
export const operatorEvents: readonly OperatorEvent[] = [
  'floor:give',
  'floor:take',
  'site:mute',
  'site:restart-ice',
  'site:disconnect',
  'conference:get',
];
/** Names every object has, and names a careless dispatcher would trip on. */
const trapNames = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'prototype',
  '__defineGetter__',
  'then',
  'other',
  'media:',
  'media:consume',
  'welcome',
  'protocol:error',
];
// socket.io-client refuses these itself; the raw packets send them.
export const reservedNames = [
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
];

export function randomString(rng: Rng, max: number): string {
  const n = rng.int(max + 1);
  const alphabets = ['abcdefghijklmnopqrstuvwxyz:-_', '\u0000\u0001\u001f\u007f"\\/\n\t', 'đăâêôơưĐ🇻🇳😀\uD800\uFFFF'];
  const alphabet = [...rng.pick(alphabets)];
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(alphabet);
  return s;
}

export function eventName(rng: Rng, contract: readonly string[]): string {
  const r = rng.next();
  if (r < 0.45) return rng.pick(contract);
  if (r < 0.6) return rng.pick(trapNames);
  if (r < 0.65) return `${rng.pick(contract)}${randomString(rng, 3)}`;
  if (r < 0.7) return 'x'.repeat(1000 + rng.int(100_000));
  if (r < 0.72) return '';
  return randomString(rng, 40);
}

/** Random JSON of every type, nested up to `depth`. */
export function randomJson(rng: Rng, depth = 4): unknown {
  const r = rng.int(depth > 0 ? 10 : 7);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE, rng.int(1e9)]);
    case 3:
      return randomString(rng, 30);
    case 4:
      return rng.pick(['', 'send', 'recv', 'udp', 'tcp', 'hub', 'audio', 'video', 'mic', 'cam']);
    case 5:
      return {};
    case 6:
      return [];
    case 7:
    case 8: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--)
        o[rng.chance(0.3) ? rng.pick(trapNames) : randomString(rng, 12)] = randomJson(rng, depth - 1);
      return o;
    }
    default:
      return Array.from({ length: rng.int(5) }, () => randomJson(rng, depth - 1));
  }
}

/** Ids the service handed out to this connection (transports, producers), so templates can hit real objects. */
export interface SeenIds {
  transports: string[];
  producers: string[];
  sites: readonly string[];
}

const fingerprint = { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') };
const opus = { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 };
const vp8 = { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 };

function siteTemplate(rng: Rng, event: string, ids: SeenIds): Record<string, unknown> {
  const transportId = ids.transports.length && rng.chance(0.8) ? rng.pick(ids.transports) : randomString(rng, 36);
  const producerId = ids.producers.length && rng.chance(0.8) ? rng.pick(ids.producers) : randomString(rng, 36);
  const kind = rng.pick(['audio', 'video']);
  switch (event) {
    case 'media:create-transport':
      return rng.chance(0.4)
        ? { direction: rng.pick(['send', 'recv']), probe: { protocol: rng.pick(['udp', 'tcp']) } }
        : { direction: rng.pick(['send', 'recv']) };
    case 'media:close-transport':
    case 'media:restart-ice':
      return { transportId };
    case 'media:connect-transport':
      return {
        transportId,
        dtlsParameters: { role: rng.pick(['auto', 'client', 'server']), fingerprints: [fingerprint] },
      };
    case 'media:produce':
      return {
        transportId,
        kind,
        source: kind === 'audio' ? 'mic' : 'cam',
        rtpParameters: {
          codecs: [kind === 'audio' ? opus : vp8],
          encodings: [{ ssrc: 1000 + rng.int(1e6) }],
          mid: String(rng.int(10)),
        },
      };
    case 'media:pause-producer':
      return { producerId, paused: rng.chance(0.5) };
    case 'media:close-producer':
      return { producerId };
    case 'media:ready':
      return {
        rtpCapabilities: {
          codecs: [
            { ...opus, kind: 'audio', preferredPayloadType: 111 },
            { ...vp8, kind: 'video', preferredPayloadType: 96 },
          ],
        },
      };
    case 'hub:focus':
      return { siteId: rng.chance(0.2) ? null : rng.pick(ids.sites) };
    case 'hand:set':
      return { raised: rng.chance(0.5) };
    case 'site:report':
      return {
        rttMs: rng.int(500),
        lossPct: rng.int(10),
        jitterMs: rng.int(50),
        inKbps: 300,
        outKbps: 300,
        transport: 'udp',
      };
    case 'rehearsal:confirm':
      return { hears: rng.chance(0.5), sees: rng.chance(0.5) };
    case 'ping':
      return { sent: Date.now() };
    default:
      return {};
  }
}

function operatorTemplate(rng: Rng, event: string, ids: SeenIds): Record<string, unknown> {
  const siteId = rng.chance(0.9) ? rng.pick(ids.sites) : randomString(rng, 20);
  switch (event) {
    case 'floor:give':
    case 'site:restart-ice':
    case 'site:disconnect':
      return { siteId };
    case 'site:mute':
      return { siteId, muted: rng.chance(0.5) };
    default:
      return {};
  }
}

/** One thing wrong with a valid payload (or none): a key missing, an extra one, a type changed, a prototype key. */
function mutate(rng: Rng, valid: Record<string, unknown>): unknown {
  const keys = Object.keys(valid);
  const copy: Record<string, unknown> = { ...valid };
  switch (rng.int(6)) {
    case 0:
      if (keys.length) delete copy[rng.pick(keys)];
      return copy;
    case 1:
      copy[rng.pick(['extra', 'constructor', 'prototype', 'toString'])] = randomJson(rng, 2);
      return copy;
    case 2: {
      // An own "__proto__" key, as JSON.parse makes one from the wire text.
      const body = JSON.stringify(copy).slice(1, -1);
      return JSON.parse(`{"__proto__":${JSON.stringify(randomJson(rng, 2))}${body ? `,${body}` : ''}}`);
    }
    case 3:
      if (keys.length) copy[rng.pick(keys)] = randomJson(rng, 2);
      return copy;
    case 4:
      return [copy];
    default:
      return copy;
  }
}

function deep(rng: Rng): unknown {
  // Deep enough to hurt a recursive reader; the client's own encoder recurses too, so stay
  // below its stack (the raw packets go much deeper).
  const depth = 100 + rng.int(900);
  let v: unknown = rng.chance(0.5) ? 'bottom' : { sent: 1 };
  for (let i = 0; i < depth; i++) v = rng.chance(0.5) ? [v] : { a: v };
  return v;
}

/** The arguments of one fuzzed message (before the ack, if any). */
export function payloadArgs(rng: Rng, event: string, namespace: 'site' | 'operator', ids: SeenIds): unknown[] {
  const template = () => (namespace === 'site' ? siteTemplate(rng, event, ids) : operatorTemplate(rng, event, ids));
  const r = rng.next();
  if (r < 0.35) return [template()];
  if (r < 0.55) return [mutate(rng, template())];
  if (r < 0.75) return [randomJson(rng)];
  if (r < 0.78) return [];
  if (r < 0.81) return [template(), randomJson(rng), randomJson(rng)];
  if (r < 0.85) return [randomString(rng, 200)];
  if (r < 0.87) return ['s'.repeat(rng.int(MAX_MESSAGE_BYTES - 1024))];
  if (r < 0.9) return [Buffer.alloc(rng.int(MAX_MESSAGE_BYTES - 1024), rng.int(256))];
  if (r < 0.92) return [{ blob: Buffer.from(randomString(rng, 100)), ...template() }];
  if (r < 0.95) return [deep(rng)];
  if (r < 0.97) return [Array.from({ length: rng.int(20_000) }, () => rng.int(100))];
  return [rng.pick([null, undefined, 0, true, 'x', Number.NaN])];
}
