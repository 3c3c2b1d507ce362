// npm run bench:faults [-- --only fuzz,flood]
// The fault suite at full size against the real service in its own process (real mediasoup
// workers, real redis-servers, real WebRTC peers): 10,000 fuzzed messages per namespace, the
// message that used to crash the process, a flood beside ten quiet bridges, kill -9 of every
// worker (one and two workers), kill -9 of the service and a restart, Redis down for 30 s in a
// live session, the scheduler's lease holder frozen for 8 s, 2,000 wrong bearer tokens. Prints
// a table and, as its last line, one JSON object. The scenarios are the same functions the
// tests in test/faults/ assert on, at the sizes `npm test` keeps short.
import { runCrashMessage } from '../test/helpers/faults/crash-message.js';
import { runFlood } from '../test/helpers/faults/flood.js';
import { runFuzz } from '../test/helpers/faults/fuzz.js';
import { runLease } from '../test/helpers/faults/lease.js';
import { runRedisOutage } from '../test/helpers/faults/redis-outage.js';
import { runRestart } from '../test/helpers/faults/restart.js';
import { runWorkerKill } from '../test/helpers/faults/worker-kill.js';
import { runWrongBearer } from '../test/helpers/faults/wrong-bearer.js';

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;

interface Row {
  readonly scenario: string;
  readonly measured: string;
  readonly ok: boolean;
  readonly problems: string[];
  readonly seconds: number;
}
const rows: Row[] = [];

/** Run one scenario; a scenario that throws is a row with its error, and its numbers stay null. */
async function scenario<T extends { problems: string[] }>(
  name: string,
  run: () => Promise<T>,
  measured: (r: T) => string,
): Promise<T | undefined> {
  if (only && !only.has(name)) return undefined;
  const t0 = performance.now();
  process.stderr.write(`bench:faults: ${name}…\n`);
  try {
    const r = await run();
    rows.push({
      scenario: name,
      measured: measured(r),
      ok: r.problems.length === 0,
      problems: r.problems,
      seconds: Math.round((performance.now() - t0) / 1000),
    });
    return r;
  } catch (err) {
    rows.push({
      scenario: name,
      measured: 'did not complete',
      ok: false,
      problems: [(err as Error).message.split('\n')[0] ?? ''],
      seconds: Math.round((performance.now() - t0) / 1000),
    });
    return undefined;
  }
}

const fuzz = await scenario(
  'fuzz',
  () =>
    runFuzz({
      messagesPerNamespace: 10_000,
      invalidHandshakesPerNamespace: 500,
      rawPackets: 5_000,
      defaultLimitMessages: 3_000,
    }),
  (r) =>
    `${r.fuzzMessages} messages (site ${r.messagesPerNamespace.site}, operator ${r.messagesPerNamespace.operator}), seed ${r.seed}, ${r.handlerErrors} handler errors, ${r.badAcks} answers off the contract`,
);
const crash = await scenario(
  'crash-message',
  runCrashMessage,
  (r) =>
    `ack ${r.joinedAck} (joined), ${r.lobbyAck} (lobby), push ${r.pushedCode}; media on: ${r.mediaAfterMs !== null}`,
);
const flood = await scenario(
  'flood',
  () => runFlood({ bridges: 10, floodMs: 10_000 }),
  (r) =>
    `${r.flooder.sent} sent, closed as flooding ${r.flooder.closed.flooding ?? 0}x; ${r.heartbeatMissed} of 11 quiet sites missed a heartbeat (longest gap ${r.maxHeartbeatGapMs} ms); server loop delay p99/max ${r.loopDelayAfterMs.p99}/${r.loopDelayAfterMs.max} ms`,
);
const kill1 = await scenario(
  'worker-kill-1',
  () => runWorkerKill({ workers: 1, bridges: 3 }),
  (r) =>
    `all back with media in ${r.kills.map((k) => k.recoveryMs).join(', ')} ms; ready again in ${r.kills.map((k) => k.readyAgainMs).join(', ')} ms`,
);
const kill2 = await scenario(
  'worker-kill-2',
  () => runWorkerKill({ workers: 2, bridges: 3 }),
  (r) =>
    `all back with media in ${r.kills.map((k) => k.recoveryMs).join(', ')} ms; ready again in ${r.kills.map((k) => k.readyAgainMs).join(', ')} ms`,
);
const restart = await scenario(
  'restart',
  () => runRestart({ bridges: 3 }),
  (r) =>
    `all back with media ${r.restartRecoveryMs} ms after the new start (ready in ${r.readyMs} ms); links ${r.linksSame ? 'same' : 'CHANGED'}, sessions ${r.sessionsSame ? 'intact' : 'CHANGED'}, results ${r.resultsSame ? 'intact' : 'CHANGED'}, event log ${r.seqContinues ? 'continues' : 'BROKEN'}`,
);
const outage = await scenario(
  'redis-outage',
  () => runRedisOutage({ bridges: 3, outageMs: 30_000 }),
  (r) =>
    `${r.lostEvents} of ${r.changesSeen} board changes lost; cut site back in ${r.cutRejoinMs} ms during the outage; ${r.deferred} writes held, drained in ${r.drainMs} ms; media stalls ${r.mediaStalls}`,
);
const lease = await scenario(
  'lease',
  () => runLease({ bridgesOnHolder: 2, bridgesOnOther: 2, stopMs: 8000, rehearsalSeconds: 40 }),
  (r) =>
    `lease moved ${r.leaseFailoverMs} ms after SIGSTOP; results ${r.results.map((x) => `${x.siteId}:${x.result}`).join(' ')}; phases after ${r.phasesAfter.holder}/${r.phasesAfter.other}`,
);
const bearer = await scenario(
  'wrong-bearer',
  () => runWrongBearer({ requests: 2000 }),
  (r) =>
    `${JSON.stringify(r.byStatus)} in ${r.durationMs} ms; right token: ${r.rightTokenStatus} in ${r.rightTokenMs} ms`,
);

const worst = (...xs: (number | null | undefined)[]) =>
  xs.some((x) => x === null) ? null : xs.every((x) => x === undefined) ? null : Math.max(...xs.map((x) => x ?? 0));
const crashes = [fuzz, crash, flood, kill1, kill2, restart, outage, lease, bearer].reduce(
  (a, r) => a + (r?.crashes ?? 0),
  0,
);
const result = {
  fuzzMessages: fuzz?.fuzzMessages ?? null,
  crashes,
  floodHeartbeatMissed: flood?.heartbeatMissed ?? null,
  workerKillRecoveryMs: kill1 || kill2 ? worst(kill1?.maxRecoveryMs, kill2?.maxRecoveryMs) : null,
  restartRecoveryMs: restart?.restartRecoveryMs ?? null,
  redisOutageLostEvents: outage?.lostEvents ?? null,
  leaseFailoverMs: lease?.leaseFailoverMs ?? null,
  // More of what was measured.
  fuzzSeed: fuzz?.seed ?? null,
  handlerErrors: [fuzz, crash, flood, kill1, kill2, restart, outage, lease].reduce(
    (a, r) => a + (r?.handlerErrors ?? 0),
    0,
  ),
  badAcks: fuzz?.badAcks ?? null,
  crashMessageAck: crash?.joinedAck ?? null,
  floodLoopDelayMaxMs: flood?.loopDelayAfterMs.max ?? null,
  floodMaxHeartbeatGapMs: flood?.maxHeartbeatGapMs ?? null,
  workerKillRecoveryMsOneWorker: kill1?.maxRecoveryMs ?? null,
  workerKillRecoveryMsTwoWorkers: kill2?.maxRecoveryMs ?? null,
  workersReplaced: (kill1?.replacementsCounted ?? 0) + (kill2?.replacementsCounted ?? 0),
  workersKilled: (kill1?.kills.length ?? 0) + (kill2?.kills.length ?? 0),
  restartReadyMs: restart?.readyMs ?? null,
  restartStateIntact: restart
    ? restart.linksSame && restart.sessionsSame && restart.resultsSame && restart.seqContinues
    : null,
  redisOutageMs: outage?.outageMs ?? null,
  redisOutageChangesSeen: outage?.changesSeen ?? null,
  redisOutageCutRejoinMs: outage?.cutRejoinMs ?? null,
  leaseStopMs: lease?.stopMs ?? null,
  wrongBearer: bearer?.byStatus ?? null,
  wrongBearerRightTokenMs: bearer?.rightTokenMs ?? null,
  scenariosFailed: rows.filter((r) => !r.ok).map((r) => r.scenario),
};

const width = Math.max(...rows.map((r) => r.scenario.length), 8);
process.stdout.write(`${'scenario'.padEnd(width)}  ok    s  measured\n`);
for (const r of rows) {
  process.stdout.write(
    `${r.scenario.padEnd(width)}  ${r.ok ? 'yes' : 'NO '} ${String(r.seconds).padStart(4)}  ${r.measured}\n`,
  );
  for (const p of r.problems) process.stdout.write(`${''.padEnd(width)}            ! ${p}\n`);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
