// Two instances on one Redis during a rehearsal, sites on both; the scheduler lease holder is
// frozen (SIGSTOP) for longer than the lease lasts, then thawed. The other instance must take
// the lease (`failoverMs`, from the freeze until the key names another holder), the rehearsal
// must go on and end, every site must end with a stored result (none overwritten to absent),
// and neither instance may be left in the rehearsal phase after it ended.
import { joinSites } from './media.js';
import { startOwnRedis } from './redis-server.js';
import { withScope } from './scope.js';
import { bugCounters, startWatched } from './service.js';
import { phaseOf, rehearsalResults, type SiteResult, sessionEndingIn, sessionStatus } from './sessions.js';
import { siteIds, tokensFor } from './sites.js';
import { sleep, until } from './wait.js';

const LEASE_KEY = 'giaoban:lease:scheduler';

export interface LeaseOptions {
  /** Bridges joined to the lease holder (with the hub) and to the other instance. */
  readonly bridgesOnHolder: number;
  readonly bridgesOnOther: number;
  /** How long the holder stays frozen. Default 8 s (the lease lasts 5 s). */
  readonly stopMs?: number;
  /** How long the rehearsal runs from its creation. Default 40 s. */
  readonly rehearsalSeconds?: number;
}

export interface LeaseResult {
  /** From SIGSTOP of the holder until the other instance held the lease (null: never). */
  readonly leaseFailoverMs: number | null;
  readonly stopMs: number;
  readonly results: SiteResult[];
  /** Sites whose stored pass/fail later read as absent. */
  readonly overwrittenToAbsent: string[];
  /** Sites with no stored result at the end. */
  readonly withoutResult: string[];
  /** The session ended in the store. */
  readonly ended: boolean;
  /** Each instance's phase once the session ended. */
  readonly phasesAfter: { holder: string; other: string };
  readonly crashes: number;
  readonly handlerErrors: number;
  readonly problems: string[];
}

export async function runLease(opts: LeaseOptions): Promise<LeaseResult> {
  const stopMs = opts.stopMs ?? 8000;
  const rehearsalSeconds = opts.rehearsalSeconds ?? 40;
  return withScope(async (scope) => {
    const redis = scope.add(await startOwnRedis(), 'stop the redis-server', (r) => r.close());
    const env = { REDIS_URL: redis.url, STORE: 'redis', MEDIA_WORKERS: '1', REHEARSAL_WINDOW_MS: '1000' };
    const a = await startWatched(scope, { env });
    const lease = () => redis.client().get(LEASE_KEY);
    const holder = await until('the first instance to take the lease', lease, { timeoutMs: 10_000 });
    const b = await startWatched(scope, { env });
    await sleep(1500);
    if ((await lease()) !== holder) throw new Error('the lease moved to the second instance without a fault');

    const ids = await siteIds(a.server, opts.bridgesOnHolder + opts.bridgesOnOther);
    const tokens = await tokensFor(a.server, ids);
    const onHolder = new Map([...tokens].slice(0, 1 + opts.bridgesOnHolder));
    const onOther = new Map([...tokens].slice(1 + opts.bridgesOnHolder));
    await joinSites(scope, a.server.url, onHolder);
    // No hub on the other instance (media does not cross instances): its bridges join without waiting for one.
    await joinSites(scope, b.server.url, onOther, { waitForHub: false });

    const session = await sessionEndingIn(b.server, 'rehearsal', rehearsalSeconds, ids);
    await until(
      'both instances in the rehearsal',
      async () => (await phaseOf(a.server)) === 'rehearsal' && (await phaseOf(b.server)) === 'rehearsal',
      { timeoutMs: 10_000 },
    );

    // Freeze the holder past the lease's 5 s.
    const frozen = performance.now();
    a.server.signal('SIGSTOP');
    let leaseFailoverMs: number | null = null;
    const history = new Map<string, string[]>();
    const record = (results: SiteResult[]) => {
      for (const r of results) {
        const seen = history.get(r.siteId) ?? [];
        // 'none': nothing stored yet (the report says absent for it too).
        const now = r.checkedAt === null ? 'none' : r.result;
        if (seen.at(-1) !== now) seen.push(now);
        history.set(r.siteId, seen);
      }
    };
    while (performance.now() - frozen < stopMs) {
      const now = await lease();
      if (leaseFailoverMs === null && now !== null && now !== holder)
        leaseFailoverMs = Math.round(performance.now() - frozen);
      record(await rehearsalResults(b.server, session.id));
      await sleep(100);
    }
    a.server.signal('SIGCONT');

    // The rehearsal goes on to its end.
    let ended = true;
    const endBy = performance.now() + (rehearsalSeconds + 30) * 1000;
    while ((await sessionStatus(b.server, session.id)) !== 'ended') {
      if (performance.now() > endBy) {
        ended = false;
        break;
      }
      record(await rehearsalResults(b.server, session.id));
      await sleep(500);
    }
    // Results written at the end (absent ones, the last runs) land, then the final state.
    await sleep(2000);
    const results = await rehearsalResults(b.server, session.id);
    record(results);
    const phasesAfter = { holder: 'unknown', other: 'unknown' };
    try {
      await until(
        'both instances out of the rehearsal phase',
        async () => {
          phasesAfter.holder = await phaseOf(a.server);
          phasesAfter.other = await phaseOf(b.server);
          return phasesAfter.holder === 'open' && phasesAfter.other === 'open';
        },
        { timeoutMs: 10_000, everyMs: 250 },
      );
    } catch {
      // Reported through phasesAfter.
    }
    const overwrittenToAbsent = [...history]
      .filter(([, seen]) => seen.some((r, i) => (r === 'pass' || r === 'fail') && seen.slice(i + 1).includes('absent')))
      .map(([id, seen]) => `${id}: ${seen.join(' -> ')}`);
    const counters = [await bugCounters(a.server), await bugCounters(b.server)];
    await a.stop();
    await b.stop();
    const result = {
      leaseFailoverMs,
      stopMs,
      results,
      overwrittenToAbsent,
      withoutResult: results.filter((r) => r.checkedAt === null || r.result === 'absent').map((r) => r.siteId),
      ended,
      phasesAfter,
      crashes: a.crashes.length + b.crashes.length,
      handlerErrors: counters.reduce((s, c) => s + c.handlerErrors, 0),
    };
    const problems: string[] = [];
    if (result.leaseFailoverMs === null) problems.push(`the lease did not move within ${stopMs} ms`);
    if (!result.ended) problems.push('the rehearsal did not end');
    if (result.overwrittenToAbsent.length > 0)
      problems.push(`results overwritten to absent: ${result.overwrittenToAbsent.join('; ')}`);
    if (result.withoutResult.length > 0)
      problems.push(`sites present without a stored result: ${result.withoutResult.join(', ')}`);
    if (phasesAfter.holder !== 'open' || phasesAfter.other !== 'open')
      problems.push(`phase stuck after the end: ${JSON.stringify(phasesAfter)}`);
    if (result.crashes > 0) problems.push(`an instance exited ${result.crashes} time(s)`);
    if (result.handlerErrors !== 0) problems.push(`giaoban_handler_errors_total = ${result.handlerErrors}`);
    return { ...result, problems };
  });
}
