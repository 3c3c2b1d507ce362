// A long, lossy link (5 % loss each way, 300 ms more round trip), in real Chromium: the board
// says the site is degraded and why, and the hub's voice keeps playing on the page. The issue's
// target is 98 % of samples played without concealment; measured here ~96 %: mediasoup passes
// the worst bridge's loss to the hub's Opus encoder (in-band FEC) but cannot forward RED
// (RFC 2198 redundancy, versatica/mediasoup#481), which is what recovers 5 % random loss.
// The floor below catches a regression (FEC off, a jitter buffer starved by the relay's
// delay) without claiming the target; bench:field reports the number.
import t from 'tap';
import { Field } from '../helpers/field.js';
import { lossy } from '../helpers/field-scenarios.js';

t.setTimeout(240_000);
const field = await Field.start();
t.teardown(() => field.close());

t.test('5 % loss and 300 ms round trip', async (t) => {
  const r = await lossy(field, 'dien-bien');
  t.equal(r.transport, 'udp', 'media over UDP, through the delay');
  t.equal(r.boardState, 'degraded', `the board says degraded (${r.boardReason})`);
  t.match(r.boardReason ?? '', /loss|RTT|jitter/, 'and says why');
  t.ok(
    r.continuityPct >= 94,
    `hub audio played without concealment: ${r.continuityPct} % (at least 94 %; the issue's target is 98 %)`,
  );
});
