// What a rehearsal learns is used: a branch whose firewall blocks UDP and whose uplink is thin
// is measured at the rehearsal; in the live session the SFU offers it only ICE-TCP and the
// page sends only the camera layer its uplink carries, from the first second, while a branch
// on the same network that was never rehearsed starts with both; the board shows what was
// learned beside what is used now. Join times of both are compared (bench:field reports them).
import t from 'tap';
import { Field } from '../helpers/field.js';
import { learnedProfile, median } from '../helpers/field-scenarios.js';

t.setTimeout(420_000);
const field = await Field.start();
t.teardown(() => field.close());

t.test('a rehearsal over a shaped link learns the profile; the live session applies it', async (t) => {
  const r = await learnedProfile(field, 'ha-giang', 'cao-bang', 2, (line) => t.comment(line));
  t.match(r.learned, { transport: 'tcp', relayed: false }, `the rehearsal learned TCP (${JSON.stringify(r.learned)})`);
  t.ok((r.learned?.uplinkKbps ?? 1e9) < 400, `and a thin uplink (${r.learned?.uplinkKbps} kbit/s)`);
  t.same(r.liveCandidates, ['tcp'], 'in the live session the SFU offers the site only TCP');
  t.equal(r.liveTransport, 'tcp', 'and the page uses it');
  t.equal(r.layersWith, 1, 'the profiled site sends one camera layer from the start');
  t.equal(r.layersWithout, 2, 'the site without a profile starts with two');
  t.comment(`join (Join pressed to media): with the profile ${median(r.withMs)} ms, without ${median(r.withoutMs)} ms`);
});
