// Fault suite: one bridge floods while the hub and ten bridges stay in the conference. The
// flood is refused and its connection closed; no other site misses a heartbeat or its media.
import t from 'tap';
import { runFlood } from '../helpers/faults/flood.js';

t.test('a flooding bridge is refused and closed; the other sites do not notice', async (t) => {
  const r = await runFlood({ bridges: 10, floodMs: 10_000 });
  t.comment(JSON.stringify({ ...r, problems: undefined }));
  t.same(r.problems, [], 'nothing broke');
  t.ok((r.flooder.acks.rate_limited ?? 0) > 0, 'the flooder got rate_limited');
  t.ok((r.flooder.closed.flooding ?? 0) > 0, 'and was closed as flooding');
  t.equal(r.heartbeatMissed, 0, `no other site missed a heartbeat (longest gap ${r.maxHeartbeatGapMs} ms)`);
  t.equal(r.disconnects, 0, 'no other site was disconnected');
  t.not(r.mediaAfterMs, null, 'every other site still has media');
  t.equal(r.crashes, 0, 'the service did not exit');
  t.equal(r.handlerErrors, 0, 'no handler failed');
});
