// Fault suite: 2,000 wrong bearer tokens from one address. After the first ~20 the address is
// refused without a look at its tokens (429); the right token from elsewhere works at once.
import t from 'tap';
import { runWrongBearer } from '../helpers/faults/wrong-bearer.js';

t.test('2,000 wrong bearer tokens: throttled by address, the operator unaffected', async (t) => {
  const r = await runWrongBearer({ requests: 2000 });
  t.comment(JSON.stringify({ ...r, problems: undefined }));
  t.same(r.problems, [], 'nothing broke');
  t.ok((r.byStatus[401] ?? 0) >= 20, 'the first ~20 were checked and refused (401)');
  t.ok((r.byStatus[429] ?? 0) >= 1900, `the rest were refused as rate_limited (429 x${r.byStatus[429]})`);
  t.equal(r.rightTokenStatus, 200, `the right token from 127.0.0.1 works at once (${r.rightTokenMs} ms)`);
  t.equal(r.crashes, 0, 'the service did not exit');
});
