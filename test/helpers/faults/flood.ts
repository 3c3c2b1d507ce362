// One bridge floods (hand:set, site:report, ping, garbage, as fast as it can, from its own
// process) while the hub and ten other bridges stay in the conference. The service refuses
// the flood (rate_limited) and closes the flooding connection (session:closed `flooding`),
// and no other site may miss its heartbeat: `heartbeatMissed` counts the sites that were
// disconnected or whose heartbeat (the engine's ping, every HEARTBEAT_INTERVAL_MS) came later
// than the heartbeat timeout. The server's event-loop delay is read from its /metrics.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ownChild } from '../server-process.js';
import type { FlooderConfig, FlooderReport } from './flooder.js';
import { joinSites, mediaBaseline, waitBackWithMedia } from './media.js';
import { metricSum } from './metrics.js';
import { withScope } from './scope.js';
import { bugCounters, startWatched } from './service.js';
import { siteIds, tokensFor } from './sites.js';
import { sleep } from './wait.js';

const HEARTBEAT_TIMEOUT_MS = 2500;

export interface FloodOptions {
  /** Bridges that stay connected beside the hub. */
  readonly bridges: number;
  readonly floodMs: number;
}

export interface FloodResult {
  readonly flooder: FlooderReport;
  /** Sites (of the hub and the quiet bridges) disconnected or with a heartbeat later than the timeout. */
  readonly heartbeatMissed: number;
  readonly missedSites: string[];
  /** The longest gap between two heartbeats any quiet site saw during the flood (ms). */
  readonly maxHeartbeatGapMs: number;
  readonly disconnects: number;
  /** The server's event-loop delay over the last minute (giaoban_event_loop_delay_seconds), before and after the flood. */
  readonly loopDelayBeforeMs: { p99: number; max: number };
  readonly loopDelayAfterMs: { p99: number; max: number };
  /** GET /healthz answered within this during the flood (ms, the slowest). */
  readonly slowestHealthzMs: number;
  readonly rateLimitedCounted: number;
  /** Every quiet site still had media after the flood (ms to confirm). */
  readonly mediaAfterMs: number | null;
  readonly crashes: number;
  readonly handlerErrors: number;
  readonly problems: string[];
}

const loopDelay = (text: string) => ({
  p99: Math.round(metricSum(text, 'giaoban_event_loop_delay_seconds', { quantile: '0.99' }) * 1000),
  max: Math.round(metricSum(text, 'giaoban_event_loop_delay_seconds', { quantile: '1' }) * 1000),
});

export async function runFlood(opts: FloodOptions): Promise<FloodResult> {
  return withScope(async (scope) => {
    const service = await startWatched(scope, { env: { MEDIA_WORKERS: '1', STORE: 'memory' } });
    const { server } = service;
    const ids = await siteIds(server, opts.bridges + 1);
    const tokens = await tokensFor(server, ids);
    const flooderId = ids.at(-1) as string;
    const quiet = new Map([...tokens].filter(([id]) => id !== flooderId));
    const peers = await joinSites(scope, server.url, quiet);
    await sleep(2000); // let the joins settle before measuring
    const before = loopDelay(await server.metrics());

    // Watch every quiet site's heartbeat and connection from now on.
    const lastPing = new Map<string, number>();
    const maxGap = new Map<string, number>();
    const dropped = new Set<string>();
    let disconnects = 0;
    let watching = true;
    for (const p of peers) {
      lastPing.set(p.siteId, performance.now());
      p.socket.io.on('ping', () => {
        if (!watching) return;
        const now = performance.now();
        maxGap.set(p.siteId, Math.max(maxGap.get(p.siteId) ?? 0, now - (lastPing.get(p.siteId) ?? now)));
        lastPing.set(p.siteId, now);
      });
      p.socket.on('disconnect', () => {
        if (!watching) return;
        disconnects++;
        dropped.add(p.siteId);
      });
    }

    const child = ownChild(
      fork(fileURLToPath(new URL('./flooder.ts', import.meta.url)), [], {
        execArgv: ['--import', 'tsx'],
        stdio: 'inherit',
      }),
    );
    scope.defer('stop the flooder', () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const answer = once(child, 'message') as Promise<[{ ok: boolean; report?: FlooderReport; error?: string }]>;
    child.send({
      url: server.url,
      token: tokens.get(flooderId) as string,
      durationMs: opts.floodMs,
    } satisfies FlooderConfig);
    let slowestHealthzMs = 0;
    const floodEnd = performance.now() + opts.floodMs;
    while (performance.now() < floodEnd) {
      const t0 = performance.now();
      await fetch(`${server.url}/healthz`);
      slowestHealthzMs = Math.max(slowestHealthzMs, Math.round(performance.now() - t0));
      await sleep(250);
    }
    const [reply] = await answer;
    if (!reply.ok || !reply.report) throw new Error(`the flooder failed: ${reply.error}`);
    // The last heartbeat gap runs until now.
    const now = performance.now();
    for (const [id, at] of lastPing) maxGap.set(id, Math.max(maxGap.get(id) ?? 0, now - at));
    watching = false;
    const after = await server.metrics();
    const baseline = await mediaBaseline(peers);
    // Not a timed goal here (the heartbeat is): a loaded 2-core machine reads 11 peers' stats slowly.
    const media = await waitBackWithMedia(peers, baseline, performance.now(), 20_000);
    const counters = await bugCounters(server);
    await service.stop();

    const late = [...maxGap].filter(([, gap]) => gap > HEARTBEAT_TIMEOUT_MS).map(([id]) => id);
    const missedSites = [...new Set([...dropped, ...late])].sort();
    const result = {
      flooder: reply.report,
      heartbeatMissed: missedSites.length,
      missedSites,
      maxHeartbeatGapMs: Math.round(Math.max(0, ...maxGap.values())),
      disconnects,
      loopDelayBeforeMs: before,
      loopDelayAfterMs: loopDelay(after),
      slowestHealthzMs,
      rateLimitedCounted: metricSum(after, 'giaoban_rate_limited_total'),
      mediaAfterMs: media.ms,
      crashes: service.crashes.length,
      handlerErrors: counters.handlerErrors,
    };
    const problems: string[] = [];
    if (result.heartbeatMissed > 0) problems.push(`quiet sites missed their heartbeat: ${missedSites.join(', ')}`);
    if ((result.flooder.acks.rate_limited ?? 0) === 0) problems.push('the flooder was never rate_limited');
    if ((result.flooder.closed.flooding ?? 0) === 0) problems.push('the flooder was never closed as flooding');
    if (result.mediaAfterMs === null) problems.push(`media missing after the flood: ${media.missing.join(', ')}`);
    if (result.crashes > 0) problems.push(`the service exited ${result.crashes} time(s)`);
    if (result.handlerErrors !== 0) problems.push(`giaoban_handler_errors_total = ${result.handlerErrors}`);
    return { ...result, problems };
  });
}
