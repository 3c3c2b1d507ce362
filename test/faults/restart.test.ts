// Fault suite: kill -9 of the service and a start with the same settings on the default store
// (the private redis-server in DATA_DIR). Links, the operator token, sessions, rehearsal
// results and the event log are intact; every site is back with media within 15 s.
import t from 'tap';
import { runRestart } from '../helpers/faults/restart.js';

t.test('kill -9 and restart: state intact, every site back with media within 15 s', async (t) => {
  const r = await runRestart({ bridges: 3 });
  t.comment(JSON.stringify({ ...r, problems: undefined }));
  t.same(r.problems, [], 'nothing broke');
  t.ok(
    r.restartRecoveryMs !== null && r.restartRecoveryMs <= 15_000,
    `every site back with media ${r.restartRecoveryMs} ms after the new start`,
  );
  t.ok(r.linksSame, 'the join links (tokens) are the same');
  t.ok(r.operatorTokenWorks, 'the generated operator token still works');
  t.notOk(r.newTokenPrinted, 'and no new one was generated');
  t.ok(r.sessionsSame, 'sessions are intact');
  t.ok(
    r.resultsSame,
    `rehearsal results are intact (${r.resultsBefore.map((s) => `${s.siteId}: ${s.result}`).join(', ')})`,
  );
  t.ok(r.oldEventsIntact, 'the old events are intact');
  t.ok(r.seqContinues, `the event log continues after seq ${r.lastSeqBefore} (${r.newEvents} new)`);
  t.equal(r.crashes, 0, 'no exit but the kill');
});
