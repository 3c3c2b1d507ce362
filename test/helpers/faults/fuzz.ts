// The fuzz scenario: a service in its own process takes at least `messagesPerNamespace`
// fuzzed messages on /site and on /operator from connections with valid credentials (its
// per-connection limits raised, so the handlers themselves are exercised), handshakes with
// bad credentials of every JSON type from another loopback address, malformed raw packets,
// and then a second run with the default limits (rate_limited, flooding closes). Afterwards:
// the process is alive, every answer had the contract's shape, no handler failed, and real
// WebRTC sites still join and get the hub's media.
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { OPERATOR_TOKEN } from '../server-process.js';
import { FuzzClient, FuzzTally } from './fuzz-client.js';
import { eventName, operatorEvents, payloadArgs, Rng, randomJson, type SeenIds, siteEvents } from './fuzz-payloads.js';
import { type HeavyPayloadResult, probeHeavyPayloads } from './heavy-payloads.js';
import { joinSites } from './media.js';
import { metricSum } from './metrics.js';
import { fuzzRawPackets } from './raw-packets.js';
import { type Scope, withScope } from './scope.js';
import { bugCounters, startWatched, type WatchedService } from './service.js';
import { siteIds, tokensFor } from './sites.js';

export interface FuzzOptions {
  /** Messages per namespace from valid credentials, with the service's limits raised. */
  readonly messagesPerNamespace: number;
  /** Handshakes with bad credentials per namespace, from `invalidAddress`. */
  readonly invalidHandshakesPerNamespace: number;
  readonly rawPackets: number;
  /** Messages per namespace in the run with the default limits. */
  readonly defaultLimitMessages: number;
  readonly seed?: number;
  /** Another loopback address for bad credentials, so the address throttle spares the rest. */
  readonly invalidAddress?: string;
}

export interface TallySummary {
  readonly sent: number;
  readonly withAck: number;
  readonly acks: Record<string, number>;
  readonly badAcks: number;
  readonly badAckSamples: string[];
  readonly protocolErrors: number;
  readonly unanswered: number;
  readonly dropped: number;
  readonly connections: number;
  readonly refused: Record<string, number>;
  readonly closed: Record<string, number>;
  /** The slowest answers (event: ms), the five slowest events. */
  readonly slowest: Record<string, number>;
}

const summary = (t: FuzzTally): TallySummary => ({
  sent: t.sent,
  withAck: t.withAck,
  acks: Object.fromEntries(t.acks),
  badAcks: t.badAckCount,
  badAckSamples: t.badAcks,
  protocolErrors: t.protocolErrors,
  unanswered: t.unanswered,
  dropped: t.dropped,
  connections: t.connections,
  refused: Object.fromEntries(t.refused),
  closed: Object.fromEntries(t.closed),
  slowest: Object.fromEntries([...t.slowest].sort((a, b) => b[1] - a[1]).slice(0, 5)),
});

export interface FuzzRun {
  readonly limits: 'raised' | 'default';
  readonly surfaces: Record<string, TallySummary>;
  readonly crashes: number;
  readonly crashErrors: string[];
  readonly alive: boolean;
  readonly handlerErrors: number;
  readonly unhandledRejections: number;
  readonly rateLimited: number;
  readonly handlerErrorLines: string[];
  /** Refusals of payloads that are dear to validate (raised limits only). */
  readonly heavy?: HeavyPayloadResult;
  /** The server's event-loop delay over the last minute (giaoban_event_loop_delay_seconds), ms. */
  readonly loopDelayMs: { p50: number; p99: number; max: number };
  /** A hub and a bridge joined after the fuzz and exchanged video. */
  readonly sitesJoinAfter: boolean;
  readonly joinError?: string;
  readonly durationMs: number;
  /** How long each phase took (ms). */
  readonly phases: Record<string, number>;
}

export interface FuzzResult {
  readonly seed: number;
  readonly fuzzMessages: number;
  readonly messagesPerNamespace: { site: number; operator: number };
  readonly crashes: number;
  readonly handlerErrors: number;
  readonly badAcks: number;
  readonly unanswered: number;
  readonly runs: FuzzRun[];
  /** Everything that broke the expectations, in words. */
  readonly problems: string[];
}

/** Send `n` fuzzed messages over the clients in turn, reconnecting those the service closed. */
async function drive(
  clients: FuzzClient[],
  rng: Rng,
  namespace: 'site' | 'operator',
  ids: SeenIds,
  n: number,
  service: WatchedService,
): Promise<void> {
  const contract = namespace === 'site' ? siteEvents : operatorEvents;
  let refusedInARow = 0;
  for (let sent = 0, turn = 0; sent < n; turn++) {
    const client = clients[turn % clients.length] as FuzzClient;
    if (!client.connected) {
      const code = await client.connect();
      if (code !== 'ok') {
        // A valid link is refused only while the service is down (or restarting after a crash).
        if (!service.server.alive) await service.restart();
        if (++refusedInARow > 100) throw new Error(`valid ${namespace} connections refused 100 times (${code})`);
        continue;
      }
      refusedInARow = 0;
    }
    const event = eventName(rng, contract);
    // `leave` ends the connection: rarely, or the run would be mostly reconnecting.
    if (event === 'leave' && rng.chance(0.8)) continue;
    if (await client.send(event, payloadArgs(rng, event, namespace, ids), rng.chance(0.6))) sent++;
    if (turn % 16 === 0) await yieldToIo();
  }
  await Promise.all(clients.map((c) => c.settle()));
}

/** Handshakes with bad credentials of every JSON type; all must be refused with a typed body. */
async function badHandshakes(
  url: string,
  address: string,
  namespace: '/site' | '/operator',
  rng: Rng,
  tally: FuzzTally,
  n: number,
) {
  const one = async () => {
    const client = new FuzzClient({
      url,
      namespace,
      auth: () => ({ token: randomJson(rng, 3) }),
      tally,
      rng,
      localAddress: address,
    });
    const code = await client.connect();
    tally.sent++;
    if (code === 'ok') tally.bad(`a handshake with a bad token on ${namespace} was accepted`);
    client.close();
  };
  for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: Math.min(10, n - i) }, one));
}

async function fuzzOneService(
  scope: Scope,
  limits: 'raised' | 'default',
  opts: FuzzOptions,
  rng: Rng,
): Promise<FuzzRun> {
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let mark = t0;
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  const service = await startWatched(scope, {
    env: { MEDIA_WORKERS: '1', STORE: 'memory', SIGNALING_RATE_SCALE: limits === 'raised' ? '1000' : '1' },
  });
  const url = service.server.url;
  const ids = await siteIds(service.server, 3);
  const tokens = await tokensFor(service.server, ids);
  phase('start');
  const siteTally = new FuzzTally();
  const operatorTally = new FuzzTally();
  const siteIdsSeen: SeenIds = { transports: [], producers: [], sites: ids };
  const operatorIds: SeenIds = { transports: [], producers: [], sites: ids };
  const siteClients = [...tokens.values()].map(
    (token) =>
      new FuzzClient({ url, namespace: '/site', auth: () => ({ token }), tally: siteTally, rng, ids: siteIdsSeen }),
  );
  const operatorClients = [0, 1].map(
    () =>
      new FuzzClient({
        url,
        namespace: '/operator',
        auth: () => ({ token: OPERATOR_TOKEN }),
        tally: operatorTally,
        rng,
        ids: operatorIds,
      }),
  );
  scope.defer('close the fuzz clients', () => {
    for (const c of [...siteClients, ...operatorClients]) c.close();
  });
  const n = limits === 'raised' ? opts.messagesPerNamespace : opts.defaultLimitMessages;
  const sites = () => drive(siteClients, rng, 'site', siteIdsSeen, n, service);
  const operators = () => drive(operatorClients, rng, 'operator', operatorIds, n, service);
  if (limits === 'raised') await Promise.all([sites(), operators()]);
  else {
    // One after the other: the operator fuzzer's kicks would otherwise end each site
    // connection before it refused enough to be closed as flooding.
    await sites();
    await operators();
  }
  for (const c of [...siteClients, ...operatorClients]) c.close();
  phase('messages');

  const surfaces: Record<string, TallySummary> = { site: summary(siteTally), operator: summary(operatorTally) };
  let heavy: HeavyPayloadResult | undefined;
  if (limits === 'raised') {
    const address = opts.invalidAddress ?? '127.0.0.2';
    const badSite = new FuzzTally();
    const badOperator = new FuzzTally();
    await badHandshakes(url, address, '/site', rng, badSite, opts.invalidHandshakesPerNamespace);
    await badHandshakes(url, address, '/operator', rng, badOperator, opts.invalidHandshakesPerNamespace);
    phase('badHandshakes');
    const raw = new FuzzTally();
    const hub = tokens.get('hub') as string;
    await fuzzRawPackets(
      { url: service.server.url, siteToken: hub, operatorToken: OPERATOR_TOKEN, invalidAddress: address },
      rng,
      raw,
      opts.rawPackets,
    );
    phase('raw');
    heavy = await probeHeavyPayloads(url, tokens.get(ids[1] as string) as string);
    phase('heavy');
    Object.assign(surfaces, { badSite: summary(badSite), badOperator: summary(badOperator), raw: summary(raw) });
  }
  if (!service.server.alive) await service.restart();

  // Real sites still get in and exchange video (a hub and a bridge the fuzz used).
  let sitesJoinAfter = false;
  let joinError: string | undefined;
  try {
    const [hubPeer, bridgePeer] = await joinSites(scope, service.server.url, new Map([...tokens].slice(0, 2)), {
      reconnection: false,
      joinTimeoutMs: 20_000,
    });
    if (!hubPeer || !bridgePeer) throw new Error('no peers');
    await hubPeer.waitForBytesFrom(bridgePeer.siteId, 'video', { timeoutMs: 10_000 });
    sitesJoinAfter = true;
    await Promise.all([hubPeer.close(), bridgePeer.close()]);
  } catch (err) {
    joinError = (err as Error).message;
  }
  phase('sitesJoin');

  const alive = service.server.alive;
  let counters = { handlerErrors: Number.NaN, unhandled: Number.NaN };
  let rateLimited = Number.NaN;
  const loopDelayMs = { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  if (alive) {
    counters = await bugCounters(service.server);
    const text = await service.server.metrics();
    rateLimited = metricSum(text, 'giaoban_rate_limited_total');
    const q = (quantile: string) =>
      Math.round(metricSum(text, 'giaoban_event_loop_delay_seconds', { quantile }) * 1000);
    Object.assign(loopDelayMs, { p50: q('0.5'), p99: q('0.99'), max: q('1') });
  }
  const handlerErrorLines = service.server
    .errorLines()
    .filter((l) => l.includes('handler failed') || l.includes('unhandled'));
  await service.stop();
  phase('stop');
  return {
    limits,
    surfaces,
    crashes: service.crashes.length,
    crashErrors: service.crashes.flatMap((c) => [`exit ${c.code ?? c.signal}`, ...c.errors]),
    alive,
    handlerErrors: counters.handlerErrors,
    unhandledRejections: counters.unhandled,
    rateLimited,
    ...(heavy ? { heavy } : {}),
    loopDelayMs,
    handlerErrorLines,
    sitesJoinAfter,
    ...(joinError ? { joinError } : {}),
    durationMs: Math.round(performance.now() - t0),
    phases,
  };
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rng = new Rng(seed);
  const runs: FuzzRun[] = [];
  await withScope(async (scope) => {
    runs.push(await fuzzOneService(scope, 'raised', opts, rng));
    runs.push(await fuzzOneService(scope, 'default', opts, rng));
  });
  const problems: string[] = [];
  const all = runs.flatMap((r) => Object.entries(r.surfaces).map(([name, s]) => ({ run: r.limits, name, s })));
  for (const r of runs) {
    if (r.crashes > 0)
      problems.push(`${r.limits} limits: the service exited ${r.crashes} time(s): ${r.crashErrors.join(' | ')}`);
    if (!r.alive) problems.push(`${r.limits} limits: the service was not alive at the end`);
    if (r.handlerErrors !== 0)
      problems.push(
        `${r.limits} limits: giaoban_handler_errors_total = ${r.handlerErrors}: ${r.handlerErrorLines.join(' | ')}`,
      );
    if (r.unhandledRejections !== 0) problems.push(`${r.limits} limits: ${r.unhandledRejections} unhandled rejections`);
    if (r.heavy && r.heavy.maxAnswerBytes > 16 * 1024)
      problems.push(`a heavy payload got a ${r.heavy.maxAnswerBytes}-byte answer (amplification)`);
    if (r.heavy && r.heavy.maxAnswerMs > 250)
      problems.push(`refusing a heavy payload took ${r.heavy.maxAnswerMs} ms of the event loop`);
    if (!r.sitesJoinAfter) problems.push(`${r.limits} limits: sites could not join afterwards: ${r.joinError}`);
  }
  for (const { run, name, s } of all) {
    if (s.badAcks > 0)
      problems.push(`${run}/${name}: ${s.badAcks} answers off the contract: ${s.badAckSamples.join(' | ')}`);
    if (s.unanswered > 0) problems.push(`${run}/${name}: ${s.unanswered} acks never came on a live connection`);
    if ((s.acks.internal ?? 0) > 0) problems.push(`${run}/${name}: ${s.acks.internal} acks with code internal`);
  }
  const raised = runs[0]?.surfaces;
  const count = (k: string) => raised?.[k]?.sent ?? 0;
  return {
    seed,
    fuzzMessages: all.reduce((a, x) => a + x.s.sent, 0),
    messagesPerNamespace: {
      site: count('site') + count('badSite'),
      operator: count('operator') + count('badOperator'),
    },
    crashes: runs.reduce((a, r) => a + r.crashes, 0),
    handlerErrors: runs.reduce((a, r) => a + (Number.isNaN(r.handlerErrors) ? 0 : r.handlerErrors), 0),
    badAcks: all.reduce((a, x) => a + x.s.badAcks, 0),
    unanswered: all.reduce((a, x) => a + x.s.unanswered, 0),
    runs,
    problems,
  };
}
