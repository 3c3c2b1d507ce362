// Fault suite: kill -9 of each mediasoup worker (with one worker, and with two carrying one
// conference between them). Every site must be back with media within 10 s.
import t from 'tap';
import { runWorkerKill } from '../helpers/faults/worker-kill.js';

for (const workers of [1, 2] as const) {
  t.test(`kill -9 of each of ${workers} worker(s): replaced, every site back with media`, async (t) => {
    const r = await runWorkerKill({ workers, bridges: 3 });
    for (const k of r.kills) t.comment(JSON.stringify(k));
    t.same(r.problems, [], 'nothing broke');
    t.equal(r.kills.length, workers, 'every worker was killed once');
    for (const k of r.kills) {
      t.ok(
        k.recoveryMs !== null && k.recoveryMs <= 10_000,
        `worker ${k.worker}: every site back with media in ${k.recoveryMs} ms`,
      );
      t.not(k.newPid, k.pid, `worker ${k.worker}: replaced (pid ${k.pid} -> ${k.newPid})`);
      t.ok(k.sawNotReady, `worker ${k.worker}: /readyz said 503 while it was down`);
    }
    t.equal(r.deathsCounted, workers, 'giaoban_worker_deaths_total');
    t.equal(r.replacementsCounted, workers, 'giaoban_worker_replacements_total');
    t.same(r.eventsLogged, { died: workers, replaced: workers }, 'media.worker-died / media.worker-replaced logged');
    t.equal(r.crashes, 0, 'the service did not exit');
  });
}
