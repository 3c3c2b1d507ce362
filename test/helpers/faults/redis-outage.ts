// Redis stopped during a live session (the scenario's own redis-server, so stopping it touches
// nothing else): the conference runs on, a site cut in the middle of the outage gets back in
// with its token (link versions are cached), and every state change the operator's board saw
// live is in the event log once Redis is back (the outbox held the writes and applied them in
// order): `lostEvents` must be 0.
import { SitePeer } from '../peer.js';
import { OPERATOR_TOKEN } from '../server-process.js';
import { connectBoard } from './board.js';
import { joinSites, mediaBaseline, missingMedia } from './media.js';
import { metricSum } from './metrics.js';
import { startOwnRedis } from './redis-server.js';
import { withScope } from './scope.js';
import { bugCounters, startWatched } from './service.js';
import { phaseOf } from './sessions.js';
import { siteIds, tokensFor } from './sites.js';
import { sleep, until } from './wait.js';

export interface RedisOutageOptions {
  readonly bridges: number;
  /** How long Redis stays down. */
  readonly outageMs: number;
  /** How long the cut site stays away. Default 3 s. */
  readonly cutMs?: number;
}

export interface RedisOutageResult {
  readonly outageMs: number;
  /** State changes the board saw from the stop of Redis until the outbox was empty again. */
  readonly changesSeen: number;
  readonly changesSeenWhileDown: number;
  /** Of those, how many are missing from the event log afterwards. */
  readonly lostEvents: number;
  readonly lost: string[];
  /** Sites whose changes appear in the log in another order than the board saw them. */
  readonly outOfOrder: string[];
  /** The cut site got back in (and received the hub) while Redis was down. */
  readonly cutRejoinedDuringOutage: boolean;
  readonly cutRejoinMs: number | null;
  readonly cutError?: string;
  /** One-second windows in which some other site's expected video did not grow. */
  readonly mediaStalls: number;
  readonly mediaChecks: number;
  readonly notReadyDuringOutage: boolean;
  readonly pendingMax: number;
  /** From Redis back until every held write was applied. */
  readonly drainMs: number | null;
  readonly deferred: number;
  readonly dropped: number;
  readonly crashes: number;
  readonly handlerErrors: number;
  readonly problems: string[];
}

interface LoggedEvent {
  readonly type: string;
  readonly at: string;
  readonly siteId?: string;
  readonly data?: { to?: string };
}

export async function runRedisOutage(opts: RedisOutageOptions): Promise<RedisOutageResult> {
  const cutMs = opts.cutMs ?? 3000;
  return withScope(async (scope) => {
    const redis = scope.add(await startOwnRedis(), 'stop the redis-server', (r) => r.close());
    const service = await startWatched(scope, {
      env: { REDIS_URL: redis.url, STORE: 'redis', MEDIA_WORKERS: '1' },
    });
    const { server } = service;
    const ids = await siteIds(server, opts.bridges);
    const tokens = await tokensFor(server, ids);
    await server.post('/api/sessions', {
      kind: 'live',
      title: 'fault: live session through a Redis outage',
      startsAt: new Date().toISOString(),
      durationMinutes: 60,
      siteIds: ids,
    });
    await until('the live session to open', async () => (await phaseOf(server)) === 'live', { timeoutMs: 10_000 });
    const board = scope.add(await connectBoard(server.url, OPERATOR_TOKEN), 'close the board', (b) => b.close());
    const peers = await joinSites(scope, server.url, tokens);
    const cut = peers.at(-1);
    if (!cut || cut.isHub) throw new Error('need a bridge to cut');
    const others = peers.filter((p) => p !== cut);
    await until('every site online on the board', () => ids.every((id) => board.states.get(id) === 'online'), {
      timeoutMs: 20_000,
    });

    // Redis goes away.
    const down = performance.now();
    const firstChange = board.changes.length;
    await redis.stop();
    let notReadyDuringOutage = false;
    let pendingMax = 0;
    let mediaStalls = 0;
    let mediaChecks = 0;
    let cutRejoinedDuringOutage = false;
    let cutRejoinMs: number | null = null;
    let cutError: string | undefined;
    const cutting = (async () => {
      await sleep(Math.max(0, opts.outageMs / 2 - cutMs / 2));
      await cut.close();
      await sleep(cutMs);
      const t0 = performance.now();
      try {
        const again = await SitePeer.join({ url: server.url, token: cut.opts.token, joinTimeoutMs: 20_000 });
        scope.add(again, 'close the rejoined peer', (p) => p.close());
        await again.waitUntilReceivingHub(10_000);
        cutRejoinMs = Math.round(performance.now() - t0);
        cutRejoinedDuringOutage = !redis.running;
      } catch (err) {
        cutError = (err as Error).message;
      }
    })();
    let baseline = await mediaBaseline(others);
    while (performance.now() - down < opts.outageMs) {
      await sleep(1000);
      const missing = await missingMedia(others, baseline, 1000);
      mediaChecks++;
      if (missing.length > 0) mediaStalls++;
      baseline = await mediaBaseline(others);
      const ready = await server.readyz();
      if (ready.status !== 200) notReadyDuringOutage = true;
      pendingMax = Math.max(pendingMax, ready.body.store.pendingWrites);
    }
    await cutting;
    const seenWhileDown = board.changes.length - firstChange;

    // Redis comes back with its data; the held writes drain.
    await redis.start();
    const up = performance.now();
    let drainMs: number | null = null;
    try {
      await until(
        'the held writes to be applied',
        async () => {
          const r = await server.readyz();
          return r.status === 200 && r.body.store.pendingWrites === 0;
        },
        { timeoutMs: 30_000, everyMs: 100 },
      );
      drainMs = Math.round(performance.now() - up);
    } catch {
      drainMs = null; // reported below
    }
    const seen = board.changes.slice(firstChange);
    const { events } = (await server.get('/api/events?limit=10000')) as { events: LoggedEvent[] };
    const key = (siteId: string | undefined, to: string | undefined, at: string) => `${siteId}|${to}|${at}`;
    const logOrder = events.filter((e) => e.type === 'site.state').map((e) => key(e.siteId, e.data?.to, e.at));
    const logged = new Set(logOrder);
    const lost = seen.filter((c) => !logged.has(key(c.siteId, c.to, c.since)));
    // Held writes are applied in order: one site's changes appear in the log as the board saw them.
    const outOfOrder = [...new Set(seen.map((c) => c.siteId))].filter((siteId) => {
      const live = seen.filter((c) => c.siteId === siteId && logged.has(key(c.siteId, c.to, c.since)));
      const expected = live.map((c) => key(c.siteId, c.to, c.since));
      return JSON.stringify(logOrder.filter((k) => expected.includes(k))) !== JSON.stringify(expected);
    });
    const metrics = await server.metrics();
    const counters = await bugCounters(server);
    await service.stop();
    const result = {
      outageMs: opts.outageMs,
      changesSeen: seen.length,
      changesSeenWhileDown: seenWhileDown,
      lostEvents: lost.length,
      lost: lost.map((c) => `${c.siteId} ${c.from}->${c.to} at ${c.since}`),
      outOfOrder,
      cutRejoinedDuringOutage,
      cutRejoinMs,
      ...(cutError ? { cutError } : {}),
      mediaStalls,
      mediaChecks,
      notReadyDuringOutage,
      pendingMax,
      drainMs,
      deferred: metricSum(metrics, 'giaoban_store_writes_deferred_total'),
      dropped: metricSum(metrics, 'giaoban_store_writes_dropped_total'),
      crashes: service.crashes.length,
      handlerErrors: counters.handlerErrors,
    };
    const problems: string[] = [];
    if (result.lostEvents > 0)
      problems.push(`${result.lostEvents} state changes missing from the event log: ${result.lost.join('; ')}`);
    if (result.outOfOrder.length > 0) problems.push(`changes logged out of order for ${result.outOfOrder.join(', ')}`);
    if (result.changesSeenWhileDown === 0)
      problems.push('the board saw no state change during the outage (the cut did not show)');
    if (!result.cutRejoinedDuringOutage)
      problems.push(`the cut site did not get back in during the outage${cutError ? `: ${cutError}` : ''}`);
    if (result.mediaStalls > 0)
      problems.push(`media stalled for the others in ${result.mediaStalls} of ${result.mediaChecks} seconds`);
    if (result.drainMs === null) problems.push('the held writes were not applied within 30 s of Redis coming back');
    if (result.dropped > 0) problems.push(`${result.dropped} writes dropped`);
    if (result.crashes > 0) problems.push(`the service exited ${result.crashes} time(s)`);
    if (result.handlerErrors !== 0) problems.push(`giaoban_handler_errors_total = ${result.handlerErrors}`);
    return { ...result, problems };
  });
}
