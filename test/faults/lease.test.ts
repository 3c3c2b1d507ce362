// Fault suite: two instances on one Redis during a rehearsal; the scheduler's lease holder is
// frozen (SIGSTOP) for 8 s. The other takes the lease, the rehearsal goes on and ends, every
// site has a stored result, and no instance is left in the rehearsal phase.
import t from 'tap';
import { runLease } from '../helpers/faults/lease.js';

t.test('the lease holder frozen for 8 s: the other instance takes over, nothing is lost', async (t) => {
  const r = await runLease({ bridgesOnHolder: 2, bridgesOnOther: 2, rehearsalSeconds: 30 });
  t.comment(JSON.stringify({ ...r, problems: undefined }));
  t.same(r.problems, [], 'nothing broke');
  t.ok(
    r.leaseFailoverMs !== null && r.leaseFailoverMs < r.stopMs,
    `the other instance took the lease after ${r.leaseFailoverMs} ms`,
  );
  t.ok(r.ended, 'the rehearsal ended');
  t.same(r.withoutResult, [], 'every site has a stored result');
  t.same(r.overwrittenToAbsent, [], 'none was overwritten to absent');
  t.same(r.phasesAfter, { holder: 'open', other: 'open' }, 'neither instance is stuck in the rehearsal phase');
  t.equal(r.crashes, 0, 'no instance exited');
});
