// Scheduling with a controllable clock: exactly-once firing, a restart in the middle, a missed
// window, cancellation, time zones; and two instances on one real Redis.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { loadRoster } from '../../../config/roster.js';
import { ManualClock } from '../../../kernel/clock.js';
import { createLogger } from '../../../kernel/logger.js';
import { Scheduler } from '../../../server/schedule/scheduler.js';
import { SessionService } from '../../../server/schedule/sessions.js';
import { zonedToUtc } from '../../../server/schedule/zone.js';
import { MemoryStore } from '../../../store/memory.js';
import { Outbox } from '../../../store/outbox.js';
import { RedisStore } from '../../../store/redis.js';
import type { Store } from '../../../store/store.js';

const logger = createLogger('silent');
const roster = loadRoster(undefined);
const TZ = 'Asia/Ho_Chi_Minh';
const MIN = 60_000;

function scheduler(store: Store, clock: ManualClock, leaseMs = 5000) {
  // Leases expire on the store's own (real) clock, as they do in Redis.
  const s = new Scheduler({
    store,
    outbox: new Outbox({ store, logger }),
    clock,
    logger,
    instanceId: randomUUID(),
    tickMs: 1000,
    leaseMs,
  });
  const seen = { opened: [] as string[], ended: [] as string[], missed: [] as string[] };
  s.on('opened', (x) => seen.opened.push(x.id));
  s.on('ended', (x) => seen.ended.push(x.id));
  s.on('missed', (x) => seen.missed.push(x.id));
  return { s, seen };
}

const sessionService = (store: Store, clock: ManualClock) =>
  new SessionService(store, new Outbox({ store, logger }), roster, clock, TZ, logger);

const countEvents = async (store: Store, type: string) =>
  (await store.listEvents()).filter((e) => e.type === type).length;

t.test('time zones: 08:00 in Vietnam is 01:00 UTC; the plan pairs 16:30 the day before', async (t) => {
  t.equal(zonedToUtc('2012-06-22', '08:00', TZ).toISOString(), '2012-06-22T01:00:00.000Z');
  t.equal(zonedToUtc('2012-06-21', '16:30', TZ).toISOString(), '2012-06-21T09:30:00.000Z');
  t.equal(zonedToUtc('2012-06-22', '08:00', 'UTC').toISOString(), '2012-06-22T08:00:00.000Z');
  t.equal(
    zonedToUtc('2026-03-08', '03:00', 'America/New_York').toISOString(),
    '2026-03-08T07:00:00.000Z',
    'across a DST change',
  );
  const clock = new ManualClock('2012-06-18T00:00:00Z');
  const sessions = sessionService(new MemoryStore(), clock);
  const [rehearsal, live] = await sessions.plan({
    date: '2012-06-22',
    liveAt: '08:00',
    rehearsalAt: '16:30',
    liveMinutes: 540,
    rehearsalMinutes: 90,
  });
  t.equal(rehearsal.startsAt, '2012-06-21T09:30:00.000Z');
  t.equal(rehearsal.kind, 'rehearsal');
  t.equal(live.startsAt, '2012-06-22T01:00:00.000Z');
  t.equal(live.siteIds.length, 64, 'expected sites default to the whole roster');
  await t.rejects(
    sessions.plan({
      date: '2012-06-22',
      liveAt: '08:00',
      rehearsalAt: '16:30',
      liveMinutes: 540,
      rehearsalMinutes: 90,
    }),
    {
      code: 'conflict',
    },
    'a second plan for the same day overlaps',
  );
  await t.rejects(
    sessions.create({
      kind: 'live',
      title: 'x',
      startsAt: '2012-06-22T08:00:00+07:00',
      durationMinutes: 30,
      siteIds: ['atlantis'],
    }),
    { code: 'bad_request', message: /atlantis/ },
  );
});

t.test('exactly once: opens at its time, ends at its end, never twice', async (t) => {
  const clock = new ManualClock('2012-06-21T09:29:50Z');
  const store = new MemoryStore();
  const sessions = sessionService(store, clock);
  const s = await sessions.create({
    kind: 'rehearsal',
    title: 'Kiểm tra',
    startsAt: '2012-06-21T16:30:00+07:00',
    durationMinutes: 60,
  });
  const { s: sched, seen } = scheduler(store, clock);
  sched.start();
  await clock.advance(9000);
  t.same(seen.opened, [], 'not before its time');
  await clock.advance(2000);
  t.same(seen.opened, [s.id], 'opened at 16:30');
  t.equal((await store.getSession(s.id))?.status, 'open');
  await clock.advance(30 * MIN);
  t.same(seen.opened, [s.id], 'once');
  await clock.advance(31 * MIN);
  t.same(seen.ended, [s.id], 'ended after 60 minutes');
  t.equal((await store.getSession(s.id))?.status, 'ended');
  t.equal(await countEvents(store, 'session.opened'), 1);
  t.equal(await countEvents(store, 'session.ended'), 1);
  await sched.close();
});

t.test('a restart in the middle resumes the open session without opening it again', async (t) => {
  const clock = new ManualClock('2012-06-22T00:59:59Z');
  const store = new MemoryStore();
  const sessions = sessionService(store, clock);
  const live = await sessions.create({
    kind: 'live',
    title: 'Giao ban',
    startsAt: '2012-06-22T08:00:00+07:00',
    durationMinutes: 540,
  });
  const a = scheduler(store, clock, 300);
  await clock.advance(2000);
  await a.s.tick();
  t.same(a.seen.opened, [live.id]);
  // The process dies here, without releasing its lease: the next one waits for it to lapse.
  const b = scheduler(store, clock, 300);
  await b.s.tick();
  // Every instance applies an open session's phase to its own sites, lease or not.
  t.same(b.seen.opened, [live.id], 'resumed in the new process at once, while the dead one still holds the lease');
  await new Promise((r) => setTimeout(r, 400));
  await b.s.tick();
  t.same(b.seen.opened, [live.id], 'applied once');
  t.equal(await countEvents(store, 'session.opened'), 1, 'opened once in the log');
  t.equal((await store.getSession(live.id))?.status, 'open');
  await b.s.close();
});

t.test('a window missed while the service was down is recorded as missed; a late start opens', async (t) => {
  const clock = new ManualClock('2012-06-21T00:00:00Z');
  const store = new MemoryStore();
  const sessions = sessionService(store, clock);
  const gone = await sessions.create({
    kind: 'rehearsal',
    title: 'Kiểm tra',
    startsAt: '2012-06-21T16:30:00+07:00',
    durationMinutes: 60,
  });
  const late = await sessions.create({
    kind: 'live',
    title: 'Giao ban',
    startsAt: '2012-06-22T08:00:00+07:00',
    durationMinutes: 540,
  });
  // The service was down from before 16:30 on the 21st until 09:00 on the 22nd.
  await clock.advance(Date.parse('2012-06-22T02:00:00Z') - clock.now());
  const { s, seen } = scheduler(store, clock);
  await s.tick();
  t.same(seen.missed, [gone.id]);
  t.equal((await store.getSession(gone.id))?.status, 'missed');
  t.same(seen.opened, [late.id], 'the live session is still within its window: it opens, late');
  const opened = (await store.listEvents()).find((e) => e.type === 'session.opened');
  t.equal(opened?.data?.late, 3600_000, 'and the log says how late');
  await s.close();
});

t.test('cancellation: a scheduled session never opens; an open one ends at once', async (t) => {
  const clock = new ManualClock('2012-06-21T09:00:00Z');
  const store = new MemoryStore();
  const sessions = sessionService(store, clock);
  const a = await sessions.create({
    kind: 'rehearsal',
    title: 'A',
    startsAt: '2012-06-21T09:30:00Z',
    durationMinutes: 30,
  });
  const b = await sessions.create({ kind: 'live', title: 'B', startsAt: '2012-06-21T10:00:00Z', durationMinutes: 30 });
  const { s, seen } = scheduler(store, clock);
  s.start();
  await sessions.cancel(a.id);
  await clock.advance(31 * MIN);
  t.same(seen.opened, [], 'the cancelled one never opened');
  await clock.advance(29 * MIN);
  t.same(seen.opened, [b.id]);
  await sessions.cancel(b.id);
  await clock.advance(1000);
  t.same(seen.ended, [b.id], 'the open one ended at the next tick');
  t.equal((await store.getSession(b.id))?.status, 'cancelled');
  await t.rejects(sessions.cancel(b.id), { code: 'conflict' });
  await t.rejects(sessions.update(b.id, { title: 'x' }), { code: 'conflict' });
  await s.close();
});

t.test('two instances on one real Redis: the session opens once', async (t) => {
  const url = process.env.REDIS_TEST_URL;
  if (!url) throw new Error('REDIS_TEST_URL is not set: run the suite with `npm test`, which starts redis-server');
  const prefix = `test:${randomUUID()}:`;
  const [storeA, storeB] = await Promise.all([
    RedisStore.create({ url, logger, prefix }),
    RedisStore.create({ url, logger, prefix }),
  ]);
  t.teardown(async () => {
    await storeA.deleteAll();
    await Promise.all([storeA.close(), storeB.close()]);
  });
  const clock = new ManualClock('2012-06-22T00:59:59.500Z');
  const sessions = sessionService(storeA, clock);
  const live = await sessions.create({
    kind: 'live',
    title: 'Giao ban',
    startsAt: '2012-06-22T08:00:00+07:00',
    durationMinutes: 540,
  });
  const a = scheduler(storeA, clock);
  const b = scheduler(storeB, clock);
  await clock.advance(1000);
  for (let i = 0; i < 5; i++) await Promise.all([a.s.tick(), b.s.tick()]);
  // One instance opens it in the store; both apply its phase to their own sites, once each.
  t.same([a.seen.opened, b.seen.opened], [[live.id], [live.id]], 'applied once by each instance');
  t.equal(await countEvents(storeA, 'session.opened'), 1, 'opened exactly once');
  t.equal((await storeB.getSession(live.id))?.status, 'open');
  await Promise.all([a.s.close(), b.s.close()]);
});
