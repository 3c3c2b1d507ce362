// One alert per bout: the technician-alert service over a real store, fed the status service's
// alerts and states and the rehearsal's results as they arrive. The pages are a recorder of
// what would be pushed (signaling's end is tested with real pages in alerts.test.ts and the
// Chromium test); no email or SMS channel is configured here.
import t from 'tap';
import { loadRoster } from '../../../config/roster.js';
import type { Phase } from '../../../contract/index.js';
import { createLogger } from '../../../kernel/logger.js';
import { TechnicianAlerts } from '../../../server/alerts/service.js';
import { MemoryStore } from '../../../store/memory.js';
import { Outbox } from '../../../store/outbox.js';
import type { RehearsalResult } from '../../../store/records.js';
import { writeSmallRoster } from '../../helpers/small-roster.js';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function make(store: MemoryStore, phase: { value: Phase }, pushed: string[] = []) {
  const file = writeSmallRoster();
  const roster = loadRoster(file.file);
  file.remove();
  return TechnicianAlerts.create({
    roster,
    store,
    outbox: new Outbox({ store, logger }),
    logger,
    timeZone: 'Asia/Ho_Chi_Minh',
    quietMs: 200,
    channels: {},
    phase: () => phase.value,
    session: () => undefined,
  }).then((alerts) => {
    alerts.usePages({
      alert: async (siteId) => {
        pushed.push(siteId);
        return 1;
      },
      message: async () => 0,
    });
    return alerts;
  });
}

const drop = (at = new Date().toISOString()) => ({
  siteId: 'ca-mau',
  kind: 'dropped' as const,
  reason: 'no connection',
  at,
});

t.test('troubles fold into the open bout until the site has been well for the quiet time', async (t) => {
  const store = new MemoryStore();
  const phase = { value: 'live' as Phase };
  const pushed: string[] = [];
  const alerts = await make(store, phase, pushed);
  t.teardown(() => alerts.close());
  const changes: string[] = [];
  alerts.on('changed', (a) => changes.push(a.id));

  await alerts.onStatusAlert(drop());
  alerts.onStatus({ siteId: 'ca-mau', state: 'online' });
  await sleep(50);
  alerts.onStatus({ siteId: 'ca-mau', state: 'offline' }); // back down before the quiet time
  await alerts.onStatusAlert(drop());
  await alerts.onStatusAlert({ ...drop(), kind: 'degraded', reason: 'RTT 900 ms > 400 ms' });
  let list = await store.listTechnicianAlerts();
  t.equal(list.length, 1, 'one alert for the bout');
  t.equal(list[0]?.repeats, 2, 'the later troubles are counted on it');
  t.same(pushed, ['ca-mau'], 'the page got it once');
  t.ok(changes.length >= 3, 'the boards hear every change');

  alerts.onStatus({ siteId: 'ca-mau', state: 'online' });
  await sleep(300);
  list = await store.listTechnicianAlerts();
  t.ok(list[0]?.closedAt, 'well for the quiet time: the bout is over');

  await alerts.onStatusAlert(drop());
  list = await store.listTechnicianAlerts();
  t.equal(list.length, 2, 'the next trouble is a new bout');
  t.equal(list[0]?.repeats, 0);
  t.match(list[0]?.deliveries, { email: { status: 'skipped' }, sms: { status: 'skipped' }, page: { status: 'sent' } });

  alerts.onPhase();
  await sleep(20);
  t.ok((await store.listTechnicianAlerts())[0]?.closedAt, 'a new phase ends the bouts of the last one');
  phase.value = 'open';
  await alerts.onStatusAlert(drop());
  t.equal((await store.listTechnicianAlerts()).length, 2, 'no alert outside a session');
});

t.test('a restart keeps the open bout; two nodes raise a check alert once', async (t) => {
  const store = new MemoryStore();
  const phase = { value: 'rehearsal' as Phase };
  const first = await make(store, phase);
  await first.onStatusAlert(drop());
  first.close();
  const again = await make(store, phase);
  const other = await make(store, phase);
  t.teardown(() => {
    again.close();
    other.close();
  });
  await again.onStatusAlert(drop());
  const list = await store.listTechnicianAlerts();
  t.equal(list.length, 1, 'folded into the bout opened before the restart');
  t.equal(list[0]?.repeats, 1);

  const failed: RehearsalResult = {
    sessionId: 's1',
    siteId: 'ha-giang',
    result: 'fail',
    attempt: 0,
    updatedAt: new Date().toISOString(),
    checks: [
      { name: 'ice', pass: true, value: 'udp', reason: '', code: 'ice.udp' },
      { name: 'loss', pass: false, value: 4, reason: '', code: 'loss.high', params: { pct: 4, max: 2 } },
    ],
  };
  await Promise.all([again.onChecked(failed), other.onChecked(failed)]);
  const checks = (await store.listTechnicianAlerts()).filter((a) => a.kind === 'check-failed');
  t.equal(checks.length, 1, 'one alert, whichever node stored the result');
  t.same(checks[0]?.checks, [{ name: 'loss', code: 'loss.high', params: { pct: 4, max: 2 } }]);
  t.equal(again.counts.raised['check-failed'] + other.counts.raised['check-failed'], 1);
  const notice = again.noticeOf(checks[0] as NonNullable<(typeof checks)[0]>);
  t.match(notice.facts, { kind: 'check-failed', cause: 'check', site: 'Hà Giang', siteEn: 'Ha Giang' });

  await again.onChecked({ ...failed, result: 'pass', attempt: 1, checks: [] });
  t.ok((await store.getTechnicianAlert(checks[0]?.id ?? ''))?.closedAt, 'a pass on a retest ends it');
  await again.onChecked({ ...failed, siteId: 'thua-thien-hue', result: 'absent', checks: [] });
  const absent = (await store.listTechnicianAlerts()).find((a) => a.kind === 'absent');
  t.match(absent, { siteId: 'thua-thien-hue', cause: 'absent', deliveries: { page: { status: 'sent' } } });
});
