// Fault suite: fuzzed messages on both namespaces (valid and bad credentials, malformed raw
// packets, payloads dear to validate) against the real service in its own process, once with
// its limits raised so the handlers run, once with the default limits. `npm run bench:faults`
// sends 10,000 per namespace; here a third of that keeps `npm test` short.
import t from 'tap';
import { runFuzz } from '../helpers/faults/fuzz.js';

const PER_NAMESPACE = 3_000;

t.test('fuzzed messages: the service stays up, answers in the contract, no handler fails', async (t) => {
  const r = await runFuzz({
    messagesPerNamespace: PER_NAMESPACE,
    invalidHandshakesPerNamespace: 100,
    rawPackets: 1_000,
    defaultLimitMessages: 2_000,
  });
  t.comment(`seed ${r.seed}: ${r.fuzzMessages} messages; ${JSON.stringify(r.messagesPerNamespace)}`);
  for (const run of r.runs) {
    const { surfaces, handlerErrorLines: _, ...rest } = run;
    t.comment(`${run.limits} limits: ${JSON.stringify(rest)}`);
    for (const [name, s] of Object.entries(surfaces)) t.comment(`  ${name}: ${JSON.stringify(s)}`);
  }
  t.same(r.problems, [], `nothing broke (replay with seed ${r.seed})`);
  t.ok(r.messagesPerNamespace.site >= PER_NAMESPACE, `at least ${PER_NAMESPACE} messages on /site`);
  t.ok(r.messagesPerNamespace.operator >= PER_NAMESPACE, `at least ${PER_NAMESPACE} messages on /operator`);
  t.equal(r.crashes, 0, 'no crash');
  t.equal(r.handlerErrors, 0, 'giaoban_handler_errors_total is 0');
  t.equal(r.badAcks, 0, 'every answer had the contract shape');
  t.equal(r.unanswered, 0, 'every ack came');
  const [raised, defaults] = r.runs;
  t.ok(
    (raised?.heavy?.maxAnswerBytes ?? Number.POSITIVE_INFINITY) <= 16 * 1024,
    'payloads dear to validate get short answers',
  );
  t.ok((raised?.surfaces.badSite?.refused.unauthorized ?? 0) > 0, 'bad tokens were refused as unauthorized');
  t.ok((raised?.surfaces.badSite?.refused.rate_limited ?? 0) > 0, 'then throttled by address');
  t.ok((defaults?.rateLimited ?? 0) > 0, 'with the default limits, messages were rate_limited');
  t.ok((defaults?.surfaces.site?.closed.flooding ?? 0) > 0, 'and a flooding site connection was closed as flooding');
  t.ok(raised?.sitesJoinAfter && defaults?.sitesJoinAfter, 'real sites join and exchange video afterwards');
});
