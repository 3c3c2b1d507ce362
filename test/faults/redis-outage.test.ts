// Fault suite: Redis stopped during a live session (8 s here; `npm run bench:faults` holds it
// 30 s), one site cut for 3 s in the middle. Media flows on, the cut site gets back in, and no
// state change the board saw is missing from the event log afterwards.
import t from 'tap';
import { runRedisOutage } from '../helpers/faults/redis-outage.js';

t.test('Redis down during a live session: nothing lost, nobody stuck', async (t) => {
  const r = await runRedisOutage({ bridges: 3, outageMs: 8000 });
  t.comment(JSON.stringify({ ...r, problems: undefined }));
  t.same(r.problems, [], 'nothing broke');
  t.equal(r.lostEvents, 0, `every one of the ${r.changesSeen} state changes the board saw is in the event log`);
  t.ok(r.changesSeenWhileDown > 0, 'the board saw changes while Redis was down');
  t.ok(r.cutRejoinedDuringOutage, `the cut site got back in during the outage (${r.cutRejoinMs} ms)`);
  t.equal(r.mediaStalls, 0, 'media flowed for the others throughout');
  t.ok(r.notReadyDuringOutage, '/readyz said 503 while the store was down');
  t.ok(r.deferred > 0, `writes were held and applied later (${r.deferred})`);
  t.equal(r.dropped, 0, 'no write dropped');
  t.equal(r.crashes, 0, 'the service did not exit');
});
