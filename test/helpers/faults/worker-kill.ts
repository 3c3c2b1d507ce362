// kill -9 of each mediasoup worker in turn, with the hub and a few bridges in the conference
// (SitePeer coming back by itself, as the page does). The service must replace the worker on
// the same ports, tell its sites (media:reset) so they join again on the same connection, be
// ready again with a new pid, count it in /metrics and log it in the event log; every site
// must have media again (bridges the hub's video, the hub every bridge's) within 10 s.
import { freeMediaPort } from '../server-process.js';
import { joinSites, mediaBaseline, waitBackWithMedia } from './media.js';
import { metricSum } from './metrics.js';
import { withScope } from './scope.js';
import { bugCounters, startWatched } from './service.js';
import { siteIds, tokensFor } from './sites.js';
import { until } from './wait.js';

export interface WorkerKillOptions {
  readonly workers: 1 | 2;
  readonly bridges: number;
  /** How long every site may take to have media again. Default 20 s (the goal is 10 s). */
  readonly timeoutMs?: number;
}

export interface OneKill {
  readonly worker: number;
  readonly pid: number;
  readonly newPid: number | undefined;
  /** Sites whose media lived on that worker. */
  readonly affected: string[];
  /** Sites that joined again (their client rebuilt its media). */
  readonly rejoined: string[];
  /** From the kill until every site had media again (null: not within the timeout). */
  readonly recoveryMs: number | null;
  readonly missing: string[];
  /** From the kill until /readyz said 200 with a new pid. */
  readonly readyAgainMs: number | null;
  /** /readyz answered 503 at some point while the worker was down. */
  readonly sawNotReady: boolean;
}

export interface WorkerKillResult {
  readonly workers: number;
  readonly kills: OneKill[];
  readonly maxRecoveryMs: number | null;
  readonly deathsCounted: number;
  readonly replacementsCounted: number;
  readonly eventsLogged: { died: number; replaced: number };
  readonly crashes: number;
  readonly handlerErrors: number;
  readonly problems: string[];
}

interface ConferenceView {
  media: { sites: { siteId: string; worker: number }[] };
}

export async function runWorkerKill(opts: WorkerKillOptions): Promise<WorkerKillResult> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return withScope(async (scope) => {
    const service = await startWatched(scope, {
      env: {
        MEDIA_WORKERS: String(opts.workers),
        MEDIA_PORT: String(await freeMediaPort(opts.workers)),
        STORE: 'memory',
        // Two workers: a small router budget spreads the sites over both, with media piped between them.
        ...(opts.workers > 1 ? { MEDIA_ROUTER_CONSUMER_BUDGET: '6' } : {}),
      },
    });
    const { server } = service;
    const tokens = await tokensFor(server, await siteIds(server, opts.bridges));
    const peers = await joinSites(scope, server.url, tokens);
    const kills: OneKill[] = [];
    const unsteady: string[] = [];
    for (let worker = 0; worker < opts.workers; worker++) {
      // Steady first: every site has media before the next kill.
      const steady = await waitBackWithMedia(peers, await mediaBaseline(peers), performance.now(), timeoutMs);
      if (steady.ms === null) {
        const layout = JSON.stringify(await server.get('/api/conference'));
        unsteady.push(`before killing worker ${worker}, media missing: ${steady.missing.join(', ')}; ${layout}`);
        break;
      }
      const pid = (await server.readyz()).body.media.workerPids[worker];
      if (pid === undefined) throw new Error(`no worker ${worker} in /readyz`);
      const layout = (await server.get('/api/conference')) as ConferenceView;
      const affected = layout.media.sites.filter((s) => s.worker === worker).map((s) => s.siteId);
      const joins = new Map(peers.map((p) => [p, p.joins]));
      const baseline = await mediaBaseline(peers);
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      let sawNotReady = false;
      let readyAgainMs: number | null = null;
      let newPid: number | undefined;
      const ready = until(
        'ready again with a new worker',
        async () => {
          const r = await server.readyz();
          if (r.status !== 200) sawNotReady = true;
          newPid = r.body.media.workerPids[worker];
          return r.status === 200 && newPid !== undefined && newPid !== pid;
        },
        { timeoutMs, everyMs: 50 },
      ).then(
        () => {
          readyAgainMs = Math.round(performance.now() - t0);
        },
        () => undefined, // reported as readyAgainMs: null
      );
      const back = await waitBackWithMedia(peers, baseline, t0, timeoutMs);
      await ready;
      kills.push({
        worker,
        pid,
        newPid,
        affected,
        rejoined: peers.filter((p) => p.joins > (joins.get(p) ?? 0)).map((p) => p.siteId),
        recoveryMs: back.ms,
        missing: back.missing,
        readyAgainMs,
        sawNotReady,
      });
    }
    const metrics = await server.metrics();
    const { events } = (await server.get('/api/events?limit=10000')) as { events: { type: string }[] };
    const counters = await bugCounters(server);
    await service.stop();
    const result = {
      workers: opts.workers,
      kills,
      maxRecoveryMs: kills.some((k) => k.recoveryMs === null) ? null : Math.max(...kills.map((k) => k.recoveryMs ?? 0)),
      deathsCounted: metricSum(metrics, 'giaoban_worker_deaths_total'),
      replacementsCounted: metricSum(metrics, 'giaoban_worker_replacements_total'),
      eventsLogged: {
        died: events.filter((e) => e.type === 'media.worker-died').length,
        replaced: events.filter((e) => e.type === 'media.worker-replaced').length,
      },
      crashes: service.crashes.length,
      handlerErrors: counters.handlerErrors,
    };
    const problems: string[] = [...unsteady];
    for (const k of kills) {
      if (k.recoveryMs === null || k.recoveryMs > 10_000)
        problems.push(
          `worker ${k.worker}: sites back with media after ${k.recoveryMs ?? `>${timeoutMs}`} ms (missing: ${k.missing.join(', ')})`,
        );
      if (k.readyAgainMs === null) problems.push(`worker ${k.worker}: /readyz not 200 with a new pid`);
      for (const site of k.affected)
        if (!k.rejoined.includes(site)) problems.push(`worker ${k.worker}: ${site} lived there but did not join again`);
    }
    if (result.deathsCounted !== kills.length) problems.push(`giaoban_worker_deaths_total = ${result.deathsCounted}`);
    if (result.replacementsCounted !== kills.length)
      problems.push(`giaoban_worker_replacements_total = ${result.replacementsCounted}`);
    if (result.eventsLogged.died !== kills.length || result.eventsLogged.replaced !== kills.length)
      problems.push(`event log: ${JSON.stringify(result.eventsLogged)}`);
    if (result.crashes > 0) problems.push(`the service exited ${result.crashes} time(s)`);
    if (result.handlerErrors !== 0) problems.push(`giaoban_handler_errors_total = ${result.handlerErrors}`);
    return { ...result, problems };
  });
}
