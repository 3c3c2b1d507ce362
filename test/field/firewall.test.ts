// A branch behind a firewall, in real Chromium: with UDP blocked the page joins over ICE-TCP to
// the SFU; with UDP and the SFU's TCP port blocked it joins through TURN over TLS; no click
// beyond Join, and the page and the board say which way it went.
import t from 'tap';
import { Field } from '../helpers/field.js';
import { firewall } from '../helpers/field-scenarios.js';

t.setTimeout(240_000);
const field = await Field.start();
t.teardown(() => field.close());

t.test('UDP blocked: the page joins over TCP to the SFU', async (t) => {
  const r = await firewall(field, 'bac-ninh', false);
  t.ok(r.joinMs <= 5000, `joined with media ${Math.round(r.joinMs)} ms after the link was opened (target 5000)`);
  t.equal(r.transport, 'tcp', 'over ICE-TCP');
  t.equal(r.relayed, false, 'not through the relay');
  t.match(r.notice, /qua TCP/, 'the page says so');
  t.equal(r.board.transport, 'tcp', 'the board shows TCP');
});

t.test('UDP and the media TCP port blocked: the page joins through TURN over TLS', async (t) => {
  const r = await firewall(field, 'ca-mau', true);
  t.ok(r.joinMs <= 8000, `joined with media ${Math.round(r.joinMs)} ms after the link was opened (target 8000)`);
  t.equal(r.relayed, true, 'through the relay');
  t.match(r.notice, /TURN/, 'the page says so');
  t.equal(r.board.flags.relayed, true, 'the board marks the relay');
});
