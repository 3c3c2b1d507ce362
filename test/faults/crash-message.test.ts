// Fault suite: the message that used to throw synchronously and end the process now gets a
// bad_request answer, and the sender, its connection and the conference carry on.
import t from 'tap';
import { runCrashMessage } from '../helpers/faults/crash-message.js';

t.test('media:create-transport {"direction":"recv","probe":{"protocol":"udp"}} is refused, nothing else', async (t) => {
  const r = await runCrashMessage();
  t.same(r.problems, [], 'nothing broke');
  t.equal(r.joinedAck, 'bad_request', 'a joined site gets bad_request');
  t.equal(r.lobbyAck, 'bad_request', 'a site in the lobby gets bad_request');
  t.equal(r.pushedCode, 'bad_request', 'sent without an ack, it gets a protocol:error bad_request');
  t.same(r.ackProblems, [], `all ${r.repeats + 2} acks in the contract shape`);
  t.ok(r.stillConnected, 'the connections stay up');
  t.ok(r.answersAfter, 'and are still served');
  t.not(r.mediaAfterMs, null, `every site still has media (missing: ${r.missing.join(', ')})`);
  t.equal(r.crashes, 0, 'the service did not exit');
  t.equal(r.handlerErrors, 0, 'no handler failed');
});
