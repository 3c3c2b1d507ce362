// Malformed socket.io and engine.io packets, written by hand on a raw WebSocket (the `ws`
// package socket.io itself uses) and on long-polling requests: what no socket.io client would
// send. Truncated JSON, reserved and numeric event names, binary packets whose placeholders
// point nowhere or hide deep in the payload, attachments that never come, unknown packet
// types, invalid UTF-8, frames over the size limit, nesting a hundred thousand levels deep.
// The service may close such a connection, but must answer what it answers in the contract's
// shape and stay up.
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { ackProblem, errorBodyProblem } from './ack-shape.js';
import type { FuzzTally } from './fuzz-client.js';
import {
  eventName,
  MAX_MESSAGE_BYTES,
  payloadArgs,
  type Rng,
  randomJson,
  randomString,
  reservedNames,
  type SeenIds,
  siteEvents,
} from './fuzz-payloads.js';

export interface RawTarget {
  readonly url: string;
  readonly siteToken: string;
  readonly operatorToken: string;
  /** The source address of connections with bad credentials. */
  readonly invalidAddress: string;
}

type Frame = string | { readonly binary: Buffer } | { readonly invalidText: Buffer };

function framesFor(rng: Rng, ns: string, ids: SeenIds): Frame[] {
  const id = rng.int(1000);
  const event = () => JSON.stringify(eventName(rng, siteEvents));
  const r = rng.int(24);
  switch (r) {
    case 0:
    case 1:
    case 2: {
      const name = eventName(rng, siteEvents);
      const args = payloadArgs(rng, name, ns === '/operator' ? 'operator' : 'site', ids).filter(
        (a) => !Buffer.isBuffer(a),
      );
      return [`42${ns},${rng.chance(0.7) ? id : ''}${JSON.stringify([name, ...args])}`];
    }
    case 3:
      return [
        rng.pick([
          `42${ns},["ping",{"sent":`,
          `42${ns},[`,
          `42${ns},{}`,
          `42${ns},"x"`,
          `42${ns},[]`,
          `42${ns},[null]`,
          `42${ns},[{}]`,
          `42${ns},[["x"]]`,
          `42${ns},${id}`,
          `42${ns}`,
        ]),
      ];
    case 4:
      return [`42${ns},${id}${JSON.stringify([rng.pick(reservedNames), {}])}`];
    case 5:
      return [`42${ns},${id}[${rng.int(1e6)},{"sent":1}]`];
    case 6:
      return [`4${rng.pick(['7', '8', '9', 'x', '', '-', ' '])}${ns},[]`];
    case 7: {
      // A binary event: attachments declared, placeholders right or wrong, buffers present or not.
      const n = rng.pick(['1', '2', '0', '-1', '1000000', 'x', '1.5']);
      const num = rng.pick(['0', '1', '-1', '"0"', '"__proto__"', '1e9', 'null', '0.5']);
      const head = `45${n}-${ns},${id}[${event()},{"_placeholder":true,"num":${num}}]`;
      const buffers = Array.from({ length: rng.int(3) }, () => ({ binary: Buffer.alloc(rng.int(64), 7) }));
      return [head, ...buffers];
    }
    case 8:
      return [`46${rng.pick(['1', '2'])}-${ns},${id}[{"_placeholder":true,"num":0}]`, { binary: Buffer.from('x') }];
    case 9:
      return [`43${ns},${id}${JSON.stringify([randomJson(rng, 3)])}`];
    case 10:
      return [
        rng.pick([
          `40${ns},{}`,
          `41${ns},`,
          `41${ns},{}`,
          `40${ns},"str"`,
          `40${ns},[1]`,
          `40${ns},null`,
          `40/does-not-exist,{}`,
          `40${ns},{"token":{"$gt":""}}`,
        ]),
      ];
    case 11:
      return [rng.pick(['2', '3', '3probe', '5', '6', '1', '7', '', '0', '9', '4', '2probe'])];
    case 12:
      return [{ binary: Buffer.from(randomString(rng, 300)) }];
    case 13:
      return [{ invalidText: Buffer.from([0x34, 0x32, 0xc3, 0x28, 0xff, 0xfe]) }];
    case 14: {
      const depth = 10_000 + rng.int(90_000);
      return [`42${ns},${id}["ping",${'['.repeat(depth)}${']'.repeat(depth)}]`];
    }
    case 15: {
      const depth = 5_000 + rng.int(60_000);
      return [
        `451-${ns},${id}["ping",${'['.repeat(depth)}{"_placeholder":true,"num":0}${']'.repeat(depth)}]`,
        { binary: Buffer.from('b') },
      ];
    }
    case 16:
      return [`42${ns},${id}["ping","${'x'.repeat(MAX_MESSAGE_BYTES + 1024)}"]`];
    case 17:
      return [`42${rng.pick(['/site\u0000', `/${'a'.repeat(10_000)}`, '/', '/site/', 'site'])},["ping",{"sent":1}]`];
    case 18:
      return [`42${ns},99999999999999999999999["ping",{"sent":1}]`, `42${ns},-1["ping",{"sent":1}]`];
    case 19:
      return [
        `42${ns},${id}${JSON.stringify([eventName(rng, siteEvents), JSON.parse(`{"__proto__":{"raised":true},"raised":${rng.chance(0.5)}}`)])}`,
      ];
    case 20:
      return [randomString(rng, 200)];
    default:
      return [`42${ns},${id}${JSON.stringify(['ping', { sent: rng.int(1e9) }])}`];
  }
}

/** Answers the service sent that break the contract: an ack ("43…") or a connect error ("44…"). */
function checkServerFrame(text: string, tally: FuzzTally): void {
  // The id is echoed as the service's parser read it: digits, or 1e+23 for a huge one.
  const m = /^4([34])(\/[^,]*)?,?([\d.e+-]*)(.*)$/s.exec(text);
  if (!m) return;
  let body: unknown;
  try {
    body = JSON.parse(m[4] ?? '');
  } catch {
    tally.bad(`unparsable server packet ${text.slice(0, 120)}`);
    return;
  }
  if (m[1] === '3') {
    tally.count(tally.acks, 'raw');
    const problem = ackProblem(Array.isArray(body) ? body[0] : body);
    if (problem) tally.bad(`raw ack ${problem}`);
  } else {
    const data = (body as { data?: unknown } | null)?.data;
    tally.count(tally.refused, typeof data === 'object' && data && 'code' in data ? String(data.code) : 'none');
    if (data !== undefined) {
      const problem = errorBodyProblem(data);
      if (problem) tally.bad(`raw connect error ${problem}`);
    }
  }
}

/** One raw connection: open, maybe connect to a namespace, send `packets` frames, close. */
async function rawConnection(
  target: RawTarget,
  rng: Rng,
  tally: FuzzTally,
  ids: SeenIds,
  packets: number,
): Promise<number> {
  const kind = rng.pick(['site', 'operator', 'invalid', 'none'] as const);
  const ns = kind === 'operator' ? '/operator' : '/site';
  const wsUrl = `${target.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(wsUrl, kind === 'invalid' ? { localAddress: target.invalidAddress } : {});
  let sent = 0;
  let closed = false;
  const opened = new Promise<boolean>((resolve) => {
    ws.once('error', () => resolve(false));
    ws.once('close', () => resolve(false));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text.startsWith('0')) resolve(true);
      else if (text === '2')
        ws.send('3'); // answer the heartbeat, or the service rightly drops us
      else checkServerFrame(text, tally);
    });
  });
  ws.on('close', () => {
    closed = true;
  });
  ws.on('error', () => undefined); // a refused or reset connection is an outcome here, not a failure
  if (!(await opened)) return 0;
  tally.connections++;
  const auth =
    kind === 'site'
      ? { token: target.siteToken }
      : kind === 'operator'
        ? { token: target.operatorToken }
        : { token: randomJson(rng, 3) };
  if (kind !== 'none') {
    ws.send(`40${ns},${JSON.stringify(auth)}`);
    sent++;
    await new Promise((r) => setTimeout(r, 20));
  }
  while (sent < packets && !closed) {
    for (const frame of framesFor(rng, ns, ids)) {
      if (closed) break;
      if (typeof frame === 'string') ws.send(frame);
      else if ('binary' in frame) ws.send(frame.binary, { binary: true });
      else ws.send(frame.invalidText, { binary: false });
      sent++;
    }
    if (sent % 10 === 0) await new Promise((r) => setImmediate(r));
  }
  // Give the answers a moment to arrive, then go.
  await new Promise((r) => setTimeout(r, closed ? 0 : 50));
  if (closed) tally.count(tally.closed, 'closed by the service');
  ws.terminate();
  return sent;
}

/** Malformed long-polling requests: the other transport's parser. Returns the requests made. */
async function pollingGarbage(target: RawTarget, rng: Rng, tally: FuzzTally, count: number): Promise<number> {
  const base = new URL(target.url);
  const call = (method: string, path: string, body?: string | Buffer) =>
    new Promise<{ status: number; text: string }>((resolve) => {
      const req = httpRequest(
        { host: base.hostname, port: base.port, method, path, headers: body ? { 'content-type': 'text/plain' } : {} },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => {
            if (text.length < 4096) text += d.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', () => resolve({ status: 0, text: '' })); // reset by the service: an outcome
      req.end(body);
    });
  let made = 0;
  for (let i = 0; i < count; i++) {
    const open = await call('GET', '/socket.io/?EIO=4&transport=polling');
    made++;
    const sid = /"sid":"([^"]+)"/.exec(open.text)?.[1] ?? 'none';
    const bodies = [
      `40/site,{"token":"${target.siteToken}"}\x1e42/site,1["ping",{"sent":1}]\x1e42/site,["__proto__",{}]`,
      randomString(rng, 500),
      `4${randomString(rng, 50)}`,
      '\x1e\x1e\x1e',
      `b${Buffer.from(randomString(rng, 100)).toString('base64')}`,
      'x'.repeat(MAX_MESSAGE_BYTES + 10),
      `40/operator,${JSON.stringify({ token: randomJson(rng, 2) })}`,
    ];
    const res = await call(
      'POST',
      `/socket.io/?EIO=4&transport=polling&sid=${rng.chance(0.8) ? sid : 'bogus'}`,
      rng.pick(bodies),
    );
    made++;
    if (res.status >= 500) tally.bad(`polling answered ${res.status}: ${res.text.slice(0, 120)}`);
    const odd = await call(
      'GET',
      rng.pick([
        '/socket.io/?EIO=3&transport=polling',
        '/socket.io/?EIO=4&transport=bogus',
        `/socket.io/?EIO=4&transport=polling&sid=${sid}&j=${'x'.repeat(5000)}`,
        '/socket.io/',
      ]),
    );
    made++;
    if (odd.status >= 500) tally.bad(`polling answered ${odd.status}: ${odd.text.slice(0, 120)}`);
  }
  return made;
}

/** Send at least `packets` raw frames over as many connections as it takes, plus some polling garbage. */
export async function fuzzRawPackets(target: RawTarget, rng: Rng, tally: FuzzTally, packets: number): Promise<number> {
  const ids: SeenIds = { transports: [], producers: [], sites: ['hub'] };
  let sent = 0;
  let refusedInARow = 0;
  // A few connections at a time, as several broken clients would be.
  const lane = async () => {
    while (sent < packets) {
      const n = await rawConnection(target, rng, tally, ids, 5 + rng.int(40));
      sent += n;
      tally.sent += n;
      refusedInARow = n === 0 ? refusedInARow + 1 : 0;
      if (refusedInARow >= 50) throw new Error('50 raw connections in a row were refused: is the service down?');
      if (n === 0) await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  const polling = await pollingGarbage(target, rng, tally, Math.max(5, Math.round(packets / 200)));
  tally.sent += polling;
  return sent + polling;
}
