// kill -9 of the service and a start with the same settings, on the default store (the
// private redis-server in DATA_DIR, which outlives the kill and is found again): join links
// (the same tokens), the operator token generated at the first start, planned sessions,
// rehearsal results and the event log must all be intact, and every site (SitePeer, coming
// back by itself like the page) must be back with media within 15 s of the new start.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeMediaPort, freePort, processName } from '../server-process.js';
import { joinSites, mediaBaseline, waitBackWithMedia } from './media.js';
import { withScope } from './scope.js';
import { bugCounters, startWatched } from './service.js';
import { rehearsalResults, type SessionView, type SiteResult, sessionEndingIn, waitForStatus } from './sessions.js';
import { joinLink, siteIds, tokenOf } from './sites.js';
import { until } from './wait.js';

export interface RestartOptions {
  readonly bridges: number;
  /** How long the rehearsal before the kill runs. Default 12 s. */
  readonly rehearsalSeconds?: number;
  readonly timeoutMs?: number;
}

interface LoggedEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly siteId?: string;
  readonly data?: Record<string, unknown>;
}

export interface RestartResult {
  /** From the new start (spawn) until every site had media again; null if not within the timeout. */
  readonly restartRecoveryMs: number | null;
  /** From the new start until /readyz said 200. */
  readonly readyMs: number;
  readonly missing: string[];
  readonly linksSame: boolean;
  readonly operatorTokenWorks: boolean;
  /** A new operator token was printed at the second start (it must not be). */
  readonly newTokenPrinted: boolean;
  readonly sessionsSame: boolean;
  readonly resultsBefore: SiteResult[];
  readonly resultsSame: boolean;
  readonly lastSeqBefore: number;
  readonly oldEventsIntact: boolean;
  /** Events written after the restart (their seq follows the old ones). */
  readonly newEvents: number;
  readonly seqContinues: boolean;
  /** site.state events "server restarted" recorded by the new start. */
  readonly restartStateEvents: number;
  readonly crashes: number;
  readonly handlerErrors: number;
  readonly problems: string[];
}

const sessionKey = (s: SessionView) => `${s.id}|${s.kind}|${s.status}|${s.startsAt}|${s.durationMinutes}|${s.title}`;

export async function runRestart(opts: RestartOptions): Promise<RestartResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const rehearsalSeconds = opts.rehearsalSeconds ?? 12;
  return withScope(async (scope) => {
    // The default store: a private redis-server in DATA_DIR (short path: it holds a Unix socket).
    const dataDir = mkdtempSync(join(tmpdir(), 'gb-restart-'));
    scope.defer('remove the data dir and its redis-server', () => {
      try {
        const pid = Number(readFileSync(join(dataDir, 'redis', 'redis.pid'), 'utf8'));
        // Only if that pid is still a redis-server (never a reused pid).
        if (pid > 0 && processName(pid) === 'redis-server') process.kill(pid, 'SIGKILL');
      } catch (err) {
        // No pid file: the service shut its redis-server down itself (SIGTERM).
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      rmSync(dataDir, { recursive: true, force: true });
    });
    const env = {
      PORT: String(await freePort()),
      MEDIA_PORT: String(await freeMediaPort(1)),
      MEDIA_WORKERS: '1',
      DATA_DIR: dataDir,
      // No OPERATOR_TOKEN: one is generated and printed once, then kept (hashed) in the store.
      OPERATOR_TOKEN: undefined,
      REHEARSAL_WINDOW_MS: '1000',
    };
    const service = await startWatched(scope, { env });
    const first = service.server;
    const operatorToken = first.printedOperatorToken;
    if (!operatorToken) throw new Error('the first start printed no operator token');

    const ids = await siteIds(first, opts.bridges);
    const links = new Map(await Promise.all(ids.map(async (id) => [id, await joinLink(first, id)] as const)));
    const tomorrow = new Date(Date.now() + 86_400_000 * 30).toISOString().slice(0, 10);
    await first.post('/api/sessions/plan', { date: tomorrow, siteIds: ids });
    const peers = await joinSites(scope, first.url, new Map([...links].map(([id, link]) => [id, tokenOf(link)])));

    // A real rehearsal with every site, to its end, so there are stored results.
    const rehearsal = await sessionEndingIn(first, 'rehearsal', rehearsalSeconds, ids);
    await waitForStatus(first, rehearsal.id, 'ended', (rehearsalSeconds + 15) * 1000);
    const resultsBefore = await until(
      'every rehearsal result stored',
      async () => {
        const r = await rehearsalResults(first, rehearsal.id);
        return r.every((s) => s.checkedAt !== null) && r;
      },
      { timeoutMs: 10_000 },
    );
    const sessionsBefore = ((await first.get('/api/sessions')) as { sessions: SessionView[] }).sessions;
    // Nothing waiting to be written: what a kill -9 loses from memory is not this test's point.
    await until('no pending writes', async () => (await first.readyz()).body.store.pendingWrites === 0);
    const eventsBefore = ((await first.get('/api/events?limit=10000')) as { events: LoggedEvent[] }).events;
    const lastSeqBefore = eventsBefore.at(-1)?.seq ?? 0;

    const baseline = await mediaBaseline(peers);
    service.expectExit();
    await first.kill9();
    const second = await service.restart({ operatorToken });
    const t0 = second.spawnedAt;
    const back = await waitBackWithMedia(peers, baseline, t0, timeoutMs);

    const linksAfter = new Map(await Promise.all(ids.map(async (id) => [id, await joinLink(second, id)] as const)));
    const operatorTokenWorks = (await second.request('GET', '/api/sites', { token: operatorToken })).status === 200;
    const sessionsAfter = ((await second.get('/api/sessions')) as { sessions: SessionView[] }).sessions;
    const resultsAfter = await rehearsalResults(second, rehearsal.id);
    await until('the restart recorded', async () => (await second.readyz()).body.store.pendingWrites === 0);
    const eventsAfter = ((await second.get('/api/events?limit=10000')) as { events: LoggedEvent[] }).events;
    const bySeq = new Map(eventsAfter.map((e) => [e.seq, e]));
    const newEvents = eventsAfter.filter((e) => e.seq > lastSeqBefore);
    const counters = await bugCounters(second);
    await service.stop();

    const result = {
      restartRecoveryMs: back.ms,
      readyMs: Math.round(second.readyAt - second.spawnedAt),
      missing: back.missing,
      linksSame: ids.every((id) => links.get(id) === linksAfter.get(id)),
      operatorTokenWorks,
      newTokenPrinted: second.printedOperatorToken !== undefined,
      sessionsSame:
        JSON.stringify(sessionsBefore.map(sessionKey).sort()) === JSON.stringify(sessionsAfter.map(sessionKey).sort()),
      resultsBefore,
      resultsSame: JSON.stringify(resultsBefore) === JSON.stringify(resultsAfter),
      lastSeqBefore,
      oldEventsIntact: eventsBefore.every((e) => JSON.stringify(bySeq.get(e.seq)) === JSON.stringify(e)),
      newEvents: newEvents.length,
      seqContinues: newEvents.length > 0 && newEvents.every((e, i) => e.seq === lastSeqBefore + i + 1),
      restartStateEvents: newEvents.filter((e) => e.type === 'site.state' && e.data?.reason === 'server restarted')
        .length,
      crashes: service.crashes.length,
      handlerErrors: counters.handlerErrors,
    };
    const problems: string[] = [];
    if (result.restartRecoveryMs === null || result.restartRecoveryMs > 15_000)
      problems.push(
        `sites back with media ${result.restartRecoveryMs ?? `>${timeoutMs}`} ms after the new start (missing: ${result.missing.join(', ')})`,
      );
    if (!result.linksSame) problems.push('join links changed');
    if (!result.operatorTokenWorks) problems.push('the operator token of the first start no longer works');
    if (result.newTokenPrinted) problems.push('a new operator token was printed');
    if (!result.sessionsSame) problems.push('sessions changed');
    if (!result.resultsSame) problems.push('rehearsal results changed');
    if (!result.oldEventsIntact) problems.push('old events changed or vanished');
    if (!result.seqContinues) problems.push('the event log does not continue from the old sequence');
    if (result.restartStateEvents === 0) problems.push('no "server restarted" state events');
    if (result.crashes > 0) problems.push(`the service exited ${result.crashes} time(s) on its own`);
    if (result.handlerErrors !== 0) problems.push(`giaoban_handler_errors_total = ${result.handlerErrors}`);
    return { ...result, problems };
  });
}
