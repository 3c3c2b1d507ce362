// The contract every Store passes. Run against the in-memory store and a real Redis server.
import type { Test } from 'tap';
import type { Session } from '../../store/records.js';
import type { Store } from '../../store/store.js';

const session = (id: string, startsAt: string): Session => ({
  id,
  kind: 'rehearsal',
  title: 'Kiểm tra kết nối',
  startsAt,
  durationMinutes: 60,
  siteIds: ['hub', 'ha-noi'],
  agenda: [],
  status: 'scheduled',
  createdAt: '2012-06-01T00:00:00.000Z',
  updatedAt: '2012-06-01T00:00:00.000Z',
});

export function storeContract(t: Test, make: () => Promise<Store>) {
  t.test('secrets: set-if-absent keeps the first value', async (t) => {
    const store = await make();
    t.equal(await store.getSecret('k'), undefined);
    t.equal(await store.setSecretIfAbsent('k', 'first'), 'first');
    t.equal(await store.setSecretIfAbsent('k', 'second'), 'first', 'second writer gets the value in force');
    await store.setSecret('k', 'third');
    t.equal(await store.getSecret('k'), 'third');
    await store.close();
  });

  t.test('credential versions start at 1 and bump per site', async (t) => {
    const store = await make();
    t.equal(await store.getCredentialVersion('bac-ninh'), 1);
    t.equal(await store.bumpCredentialVersion('bac-ninh'), 2);
    t.equal(await store.bumpCredentialVersion('bac-ninh'), 3);
    t.equal(await store.getCredentialVersion('bac-ninh'), 3);
    t.equal(await store.getCredentialVersion('ca-mau'), 1, 'other sites unaffected');
    await store.close();
  });

  t.test('site status snapshots', async (t) => {
    const store = await make();
    const at = new Date().toISOString();
    await store.putSiteStatus({
      siteId: 'hue',
      state: 'online',
      since: at,
      updatedAt: at,
      flags: { floor: true },
      metrics: { rttMs: 20 },
    });
    await store.putSiteStatus({
      siteId: 'hue',
      state: 'degraded',
      since: at,
      updatedAt: at,
      reason: 'loss 5%',
      flags: {},
      metrics: { lossPct: 5, rttMs: null },
    });
    const all = await store.getSiteStatuses();
    t.equal(all.size, 1);
    t.same(all.get('hue'), {
      siteId: 'hue',
      state: 'degraded',
      since: at,
      updatedAt: at,
      reason: 'loss 5%',
      flags: {},
      metrics: { lossPct: 5, rttMs: null },
    });
    await store.close();
  });

  t.test('sessions: put, list in start order, compare-and-set once', async (t) => {
    const store = await make();
    await store.putSession(session('live', '2012-06-22T01:00:00.000Z'));
    await store.putSession(session('rehearsal', '2012-06-21T09:30:00.000Z'));
    t.same(
      (await store.listSessions()).map((s) => s.id),
      ['rehearsal', 'live'],
    );
    const open = { ...session('rehearsal', '2012-06-21T09:30:00.000Z'), status: 'open' as const };
    const results = await Promise.all([
      store.compareAndSetSession('scheduled', open),
      store.compareAndSetSession('scheduled', open),
    ]);
    t.same(results.sort(), [false, true], 'exactly one writer wins');
    t.equal((await store.getSession('rehearsal'))?.status, 'open');
    t.equal(await store.compareAndSetSession('scheduled', { ...open, id: 'missing' }), false, 'no such session');
    t.equal(await store.getSession('missing'), undefined);
    await store.close();
  });

  t.test('rehearsal results per session', async (t) => {
    const store = await make();
    const at = new Date().toISOString();
    await store.putRehearsalResult({
      sessionId: 's1',
      siteId: 'hue',
      result: 'fail',
      checks: [{ name: 'video', pass: false, value: 0, reason: 'no video' }],
      updatedAt: at,
    });
    await store.putRehearsalResult({ sessionId: 's1', siteId: 'hue', result: 'pass', checks: [], updatedAt: at });
    await store.putRehearsalResult({ sessionId: 's1', siteId: 'ca-mau', result: 'absent', checks: [], updatedAt: at });
    await store.putRehearsalResult({ sessionId: 's2', siteId: 'hue', result: 'fail', checks: [], updatedAt: at });
    const s1 = (await store.getRehearsalResults('s1')).sort((a, b) => a.siteId.localeCompare(b.siteId));
    t.same(
      s1.map((r) => [r.siteId, r.result]),
      [
        ['ca-mau', 'absent'],
        ['hue', 'pass'],
      ],
    );
    t.same(await store.getRehearsalResults('none'), []);
    await store.close();
  });

  t.test('site profiles: the latest per site', async (t) => {
    const store = await make();
    const at = new Date().toISOString();
    await store.putSiteProfile({
      siteId: 'hue',
      sessionId: 's1',
      transport: 'udp',
      uplinkKbps: 900,
      rttMs: 40,
      measuredAt: at,
    });
    await store.putSiteProfile({
      siteId: 'hue',
      sessionId: 's2',
      transport: 'tcp',
      uplinkKbps: 400,
      rttMs: null,
      measuredAt: at,
    });
    const all = await store.getSiteProfiles();
    t.equal(all.size, 1);
    t.same(all.get('hue'), {
      siteId: 'hue',
      sessionId: 's2',
      transport: 'tcp',
      uplinkKbps: 400,
      rttMs: null,
      measuredAt: at,
    });
    await store.close();
  });

  t.test('event log: append-only, ordered, bounded, queryable', async (t) => {
    const store = await make();
    const first = await store.appendEvent({
      type: 'site.state',
      siteId: 'hue',
      data: { from: 'offline', to: 'online', list: [] },
      at: '2012-06-21T09:00:00.000Z',
    });
    t.equal(first.type, 'site.state');
    t.same(first.data, { from: 'offline', to: 'online', list: [] }, 'empty arrays survive');
    const more = [];
    for (let i = 0; i < 30; i++)
      more.push(
        await store.appendEvent({
          type: 'tick',
          data: { i },
          at: `2012-06-21T10:00:${String(i).padStart(2, '0')}.000Z`,
        }),
      );
    const seqs = [first, ...more].map((e) => e.seq);
    t.ok(
      seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0)),
      'seq strictly increases',
    );
    const all = await store.listEvents();
    t.equal(all.length, 20, 'bounded to the limit (20 in tests), oldest dropped');
    t.equal(all[0]?.data?.i, 10, '31 appended, the 11 oldest dropped');
    t.equal((await store.listEvents({ since: '2012-06-21T10:00:25.000Z' })).length, 5);
    t.equal((await store.listEvents({ afterSeq: more[27]?.seq })).length, 2);
    t.same(
      (await store.listEvents({ limit: 3 })).map((e) => e.data?.i),
      [27, 28, 29],
      'limit keeps the newest',
    );
    await store.close();
  });

  t.test('leases: one holder at a time, renewable, expiring', async (t) => {
    const store = await make();
    t.equal(await store.acquireLease('scheduler', 'a', 300), true);
    t.equal(await store.acquireLease('scheduler', 'b', 300), false, 'held by a');
    t.equal(await store.acquireLease('scheduler', 'a', 300), true, 'a renews');
    await new Promise((r) => setTimeout(r, 400));
    t.equal(await store.acquireLease('scheduler', 'b', 300), true, 'expired, b takes it');
    await store.releaseLease('scheduler', 'a');
    t.equal(await store.acquireLease('scheduler', 'a', 300), false, 'a cannot release what b holds');
    await store.releaseLease('scheduler', 'b');
    t.equal(await store.acquireLease('scheduler', 'a', 300), true);
    await store.close();
  });

  t.test('ping and close', async (t) => {
    const store = await make();
    await store.ping();
    await store.close();
    await store.close();
    t.pass('close twice is harmless');
  });

  t.test('rehearsal results merge: pass beats fail beats absent; a retest replaces', async (t) => {
    const store = await make();
    const result = (r: 'pass' | 'fail' | 'absent', attempt = 0) => ({
      sessionId: 's',
      siteId: 'hue',
      result: r,
      checks: [],
      updatedAt: '2012-06-21T09:40:00.000Z',
      attempt,
    });
    t.equal((await store.putRehearsalResult(result('pass'))).result, 'pass');
    t.equal((await store.putRehearsalResult(result('absent'))).result, 'pass', 'absent never overwrites');
    t.equal((await store.putRehearsalResult(result('fail'))).result, 'pass', "another instance's fail does not");
    t.equal((await store.putRehearsalResult(result('fail', 1))).result, 'fail', 'a retest replaces it');
    t.equal((await store.getRehearsalResults('s'))[0]?.result, 'fail');
    await store.close();
  });

  t.test('nodes: records expire with their heartbeat', async (t) => {
    const store = await make();
    const node = (id: string) => ({
      id,
      url: `http://127.0.0.1:${id === 'a' ? 3001 : 3002}`,
      mediaAddress: '127.0.0.1',
      sites: 3,
      draining: false,
      startedAt: '2012-06-22T00:00:00.000Z',
      heartbeatAt: '2012-06-22T00:00:01.000Z',
    });
    await store.putNode(node('a'), 300);
    await store.putNode(node('b'), 5000);
    t.same((await store.listNodes()).map((n) => n.id).sort(), ['a', 'b']);
    await new Promise((r) => setTimeout(r, 400));
    t.same(
      (await store.listNodes()).map((n) => n.id),
      ['b'],
      'a missed its heartbeat',
    );
    await store.removeNode('b');
    t.same(await store.listNodes(), []);
    await store.close();
  });

  t.test('sources, briefing state and placements are shared', async (t) => {
    const store = await make();
    const src = {
      siteId: 'hub',
      role: 'hub' as const,
      source: 'cam' as const,
      producerId: 'p1',
      kind: 'video' as const,
      paused: false,
    };
    await store.putNodeSources('a', [src]);
    await store.putNodeSources('b', []);
    t.same((await store.getAllSources()).get('a'), [src]);
    await store.removeNodeSources('a');
    t.same([...(await store.getAllSources()).keys()], ['b']);

    t.same(await store.getBriefingState(), { floor: null, hands: [], muted: [] });
    await store.setFloor('hue');
    t.same(await store.setHand('ca-mau', true), ['ca-mau']);
    t.same(await store.setHand('hue', true), ['ca-mau', 'hue'], 'hands keep their order');
    t.same(await store.setHand('ca-mau', true), ['ca-mau', 'hue'], 'raising twice is once');
    t.same(await store.setHand('ca-mau', false), ['hue']);
    t.same(await store.setMuted('hue', true), ['hue']);
    t.same(await store.setMuted('hue', false), []);
    t.same(await store.getBriefingState(), { floor: 'hue', hands: ['hue'], muted: [] });
    await store.setFloor(null);
    t.equal((await store.getBriefingState()).floor, null);

    const at = '2012-06-22T01:00:00.000Z';
    await store.placeSite('hue', { node: 'a', conn: 'c1', joined: false, since: at });
    await store.placeSite('hue', { node: 'b', conn: 'c2', joined: true, since: at });
    t.equal(await store.releaseSite('hue', 'c1'), false, 'an old connection cannot release a newer one');
    t.equal((await store.listPlacements()).get('hue')?.node, 'b');
    t.equal(await store.releaseSite('hue', 'c2'), true);
    t.equal((await store.listPlacements()).size, 0);
    await store.close();
  });
  t.test('event log: a reader walks it oldest first from a sequence number', async (t) => {
    const store = await make();
    const seqs = [];
    for (let i = 0; i < 8; i++) seqs.push((await store.appendEvent({ type: 'tick', data: { i } })).seq);
    t.same(
      (await store.readEvents(0, 3)).map((e) => e.data?.i),
      [0, 1, 2],
      'the oldest first, not the newest',
    );
    t.same(
      (await store.readEvents(seqs[5] ?? 0, 10)).map((e) => e.data?.i),
      [6, 7],
    );
    t.same(await store.readEvents(seqs[7] ?? 0, 10), [], 'nothing after the last');
    await store.close();
  });

  t.test('webhook endpoints: the first state stays, later puts replace it', async (t) => {
    const store = await make();
    const at = '2012-06-22T01:00:00.000Z';
    const state = { id: 'e1', url: 'http://127.0.0.1:9/hook', cursor: 4, updatedAt: at };
    t.same(await store.initWebhookEndpoint(state), state);
    t.same(await store.initWebhookEndpoint({ ...state, cursor: 99 }), state, 'a second start keeps the cursor');
    const failing = {
      ...state,
      cursor: 7,
      head: { seq: 9, attempts: 2, firstTriedAt: at, lastError: 'HTTP 503', nextAttemptAt: at },
    };
    await store.putWebhookEndpoint(failing);
    t.same(await store.listWebhookEndpoints(), [failing]);
    await store.close();
  });

  t.test('webhook dead letters: kept, listed oldest first, removed once', async (t) => {
    const store = await make();
    const letter = (seq: number, at: string) => ({
      id: `e1-${seq}`,
      endpointId: 'e1',
      url: 'http://127.0.0.1:9/hook',
      seq,
      messageId: `msg_x_${seq}`,
      type: 'site.offline',
      payload: '{"type":"site.offline","data":{"list":[]}}',
      attempts: 8,
      firstTriedAt: at,
      lastTriedAt: at,
      lastError: 'HTTP 500',
    });
    await store.putWebhookDeadLetter(letter(12, '2012-06-22T01:00:05.000Z'));
    await store.putWebhookDeadLetter(letter(3, '2012-06-22T01:00:01.000Z'));
    t.same(
      (await store.listWebhookDeadLetters()).map((l) => l.seq),
      [3, 12],
    );
    t.same(await store.getWebhookDeadLetter('e1-12'), letter(12, '2012-06-22T01:00:05.000Z'));
    t.equal(await store.removeWebhookDeadLetter('e1-12'), true);
    t.equal(await store.removeWebhookDeadLetter('e1-12'), false, 'a second redelivery finds it gone');
    t.equal(await store.getWebhookDeadLetter('e1-12'), undefined);
    await store.close();
  });

  t.test('technician alerts: created once, changes apply field by field, newest first', async (t) => {
    const store = await make();
    const alert = (id: string, openedAt: string) => ({
      id,
      siteId: 'ca-mau',
      kind: 'dropped' as const,
      reason: 'no connection',
      cause: 'connection',
      phase: 'live' as const,
      sessionId: 's1',
      openedAt,
      lastAt: openedAt,
      repeats: 0,
      deliveries: { page: { status: 'pending' as const, at: openedAt } },
    });
    t.equal(await store.openTechnicianAlert(alert('a1', '2012-06-22T01:00:00.000Z')), true);
    t.equal(await store.openTechnicianAlert(alert('a1', '2012-06-22T01:00:00.000Z')), false, 'another node made it');
    t.equal(await store.openTechnicianAlert(alert('a2', '2012-06-22T01:05:00.000Z')), true);
    const sent = { status: 'sent' as const, at: '2012-06-22T01:00:01.000Z', to: 'kt@example.vn', attempts: 1 };
    await store.updateTechnicianAlert('a1', { channel: 'email', delivery: sent });
    await store.updateTechnicianAlert('a1', { repeatAt: '2012-06-22T01:00:30.000Z' });
    await store.updateTechnicianAlert('a1', { repeatAt: '2012-06-22T01:00:40.000Z' });
    await store.updateTechnicianAlert('a1', { ackedAt: '2012-06-22T01:01:00.000Z' });
    const after = await store.updateTechnicianAlert('a1', { ackedAt: '2012-06-22T01:09:00.000Z' });
    t.equal(after?.ackedAt, '2012-06-22T01:01:00.000Z', 'the first acknowledgement stays');
    t.equal(after?.repeats, 2);
    t.equal(after?.lastAt, '2012-06-22T01:00:40.000Z');
    t.same(after?.deliveries, { page: { status: 'pending', at: '2012-06-22T01:00:00.000Z' }, email: sent });
    await store.updateTechnicianAlert('a1', { closedAt: '2012-06-22T01:03:00.000Z' });
    t.equal((await store.getTechnicianAlert('a1'))?.closedAt, '2012-06-22T01:03:00.000Z');
    t.equal(await store.updateTechnicianAlert('nope', { closedAt: '2012-06-22T01:03:00.000Z' }), undefined);
    t.same(
      (await store.listTechnicianAlerts()).map((a) => a.id),
      ['a2', 'a1'],
    );
    t.same(
      (await store.listTechnicianAlerts(1)).map((a) => a.id),
      ['a2'],
    );
    await store.close();
  });

  t.test('recordings: put replaces, get, list newest first', async (t) => {
    const store = await make();
    const recording = (id: string, startedAt: string) => ({
      id,
      sessionId: 'live',
      node: 'local',
      state: 'recording' as const,
      by: 'session' as const,
      startedAt,
      restarts: 0,
      segments: [
        {
          n: 1,
          file: 'segment-1.webm',
          startedAt,
          seconds: null,
          bytes: 0,
          video: 'hub',
          audio: ['hub'],
        },
      ],
    });
    await store.putRecording(recording('r1', '2012-06-22T01:00:00.000Z'));
    await store.putRecording(recording('r2', '2012-06-22T01:30:00.000Z'));
    const stopped = {
      ...recording('r1', '2012-06-22T01:00:00.000Z'),
      state: 'stopped' as const,
      stopReason: 'operator',
    };
    await store.putRecording(stopped);
    t.same(await store.getRecording('r1'), stopped);
    t.equal(await store.getRecording('nope'), undefined);
    t.same(
      (await store.listRecordings()).map((r) => r.id),
      ['r2', 'r1'],
    );
    await store.close();
  });
}
