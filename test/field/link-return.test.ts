// The office's link drops for 20 s and comes back: the board shows the site gone meanwhile,
// and the page is back with the hub's sound and picture within 10 s, without a click.
import t from 'tap';
import { Field } from '../helpers/field.js';
import { linkReturn } from '../helpers/field-scenarios.js';

t.setTimeout(180_000);
// The production heartbeat: how fast the board notices a silent site is part of the test.
const field = await Field.start({ HEARTBEAT_INTERVAL_MS: '1000', HEARTBEAT_TIMEOUT_MS: '2500' });
t.teardown(() => field.close());

t.test('link down 20 s, then up', async (t) => {
  const r = await linkReturn(field, 'son-la');
  t.equal(r.boardWhileDown, 'offline', 'the board showed the site offline while its link was down');
  t.ok(r.recoveryMs <= 10_000, `back with media ${Math.round(r.recoveryMs)} ms after the link returned (target 10000)`);
  t.equal(r.stateAfter, 'in-conference', 'in the conference again, without a click');
});
