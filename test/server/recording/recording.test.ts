// Recording end to end: the real service (mediasoup worker), real WebRTC peers sending VP8 and
// Opus (libwebrtc via @roamhq/wrtc), the real recorder (Debian's ffmpeg) and ffprobe reading
// the files back. Nothing is faked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { ErrorBody } from '../../../kernel/error-codes.js';
import type { RecordingView } from '../../../server/recording/recordings.js';
import { SitePeer } from '../../helpers/peer.js';
import { probe, processAlive, sleep, until } from '../../helpers/recording.js';
import { operatorHeaders, startTestService } from '../../helpers/service.js';

/** What the API answers: a recording, a list of them, a session, or an error. */
type Body = Partial<RecordingView> & { error?: ErrorBody; recordings?: RecordingView[] };
type Api = (
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: unknown,
) => Promise<{ status: number; body: Body }>;

async function setUp(t: Test, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-rec-'));
  const service = await startTestService({ DATA_DIR: dataDir, ...env });
  const peers: SitePeer[] = [];
  const pids = new Set<number>();
  const watch = setInterval(() => {
    for (const pid of service.recordings.recorderPids()) pids.add(pid);
  }, 50);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(watch);
      await Promise.all(peers.map((p) => p.close()));
      await service.close();
    })();
    return closing;
  };
  t.teardown(async () => {
    await close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  /** Close everything the test started; no recorder may outlive the service. */
  const finish = async () => {
    await close();
    for (const pid of pids) t.notOk(processAlive(pid), `recorder ${pid} is gone`);
  };
  const api: Api = async (method, url, payload) => {
    const res = await service.app.inject({ method, url, headers: operatorHeaders, ...(payload ? { payload } : {}) });
    const json = String(res.headers['content-type']).includes('json');
    return { status: res.statusCode, body: json ? (res.json() as Body) : {} };
  };
  const joinSite = async (siteId: string) => {
    const peer = await SitePeer.join({ url: service.url, token: await service.credentials.tokenFor(siteId) });
    peers.push(peer);
    return peer;
  };
  return { service, api, joinSite, dataDir, finish };
}

const recording = async (api: Api, id: string) => (await api('GET', `/api/recordings/${id}`)).body as RecordingView;

t.test('a recording follows the floor, in WebM segments of VP8 and Opus, N ± 1 s long', async (t) => {
  const { service, api, joinSite, dataDir, finish } = await setUp(t);
  await joinSite('hub');
  const bridge = await joinSite('ca-mau');
  await bridge.waitForBytesFrom('hub', 'video');

  const started = await api('POST', '/api/recordings', {});
  const t0 = Date.now();
  t.equal(started.status, 201, JSON.stringify(started.body));
  const id = started.body.id as string;
  t.equal(started.body.state, 'recording');
  t.same(started.body.now, { video: 'hub', audio: ['hub'] }, 'the hub alone, before anyone has the floor');
  t.equal(started.body.segments?.length, 1, 'the answer comes with the first file being written');

  await sleep(4000);
  t.equal((await api('POST', '/api/floor', { siteId: 'ca-mau' })).status, 200);
  const switched = await until('a second segment', async () => {
    const r = await recording(api, id);
    return r.segments.length === 2 && r.segments[0]?.endedAt ? r : undefined;
  });
  t.same(switched.now, { video: 'ca-mau', audio: ['hub', 'ca-mau'] }, 'the floor holder is seen; both are heard');
  t.equal(switched.segments[0]?.end, 'switch');
  await sleep(Math.max(0, 8000 - (Date.now() - t0)));

  const n = (Date.now() - t0) / 1000;
  const stopped = await api('POST', `/api/recordings/${id}/stop`);
  t.equal(stopped.status, 200);
  const r = stopped.body as RecordingView;
  t.equal(r.state, 'stopped');
  t.equal(r.stopReason, 'operator');
  t.same(
    r.segments.map((s) => [s.n, s.video, s.audio, s.end]),
    [
      [1, 'hub', ['hub'], 'switch'],
      [2, 'ca-mau', ['hub', 'ca-mau'], 'stop'],
    ],
  );

  let total = 0;
  for (const s of r.segments) {
    const p = await probe(join(dataDir, 'recordings', id, s.file));
    t.comment(`segment ${s.n}: ${JSON.stringify(p)}`);
    t.same(
      p.streams.map((x) => `${x.codec_type}:${x.codec_name}`).sort(),
      ['audio:opus', 'video:vp8'],
      `segment ${s.n} has VP8 video and Opus audio`,
    );
    t.ok(p.startsWithKeyFrame, `segment ${s.n} starts with a key frame`);
    t.ok(Math.abs(p.seconds - (s.seconds ?? -1)) < 0.05, 'the record says what ffprobe reads');
    total += p.seconds;
  }
  t.comment(`recorded ${total.toFixed(2)} s in ${r.segments.length} segments over ${n.toFixed(2)} s`);
  t.ok(Math.abs(total - n) <= 1, `lasts N ± 1 s (N = ${n.toFixed(2)}, recorded ${total.toFixed(2)})`);
  t.ok(Math.abs(r.seconds - total) < 0.1, 'the listing totals its segments');

  // The download is the file, byte for byte.
  const file = await service.app.inject({ url: `/api/recordings/${id}/segments/1`, headers: operatorHeaders });
  t.equal(file.statusCode, 200);
  t.match(file.headers['content-type'], /video\/webm/);
  t.match(file.headers['content-disposition'], /attachment/);
  t.equal(file.rawPayload.length, r.segments[0]?.bytes);
  t.equal(file.rawPayload.subarray(0, 4).toString('hex'), '1a45dfa3', 'an EBML (WebM) file');

  const list = await api('GET', '/api/recordings');
  t.same(
    (list.body.recordings ?? []).map((x) => [x.id, x.state, x.segments.length]),
    [[id, 'stopped', 2]],
  );
  const events = (await service.store.listEvents()).filter((e) => e.type.startsWith('recording.'));
  t.same(
    events.map((e) => e.type),
    ['recording.started', 'recording.stopped'],
  );
  t.match(events[1]?.data, { recordingId: id, reason: 'operator', segments: 2 });
  const metrics = (await service.app.inject({ url: '/metrics', headers: operatorHeaders })).body;
  t.match(metrics, /giaoban_recordings_active 0/);
  t.match(metrics, /giaoban_recordings_started_total 1/);
  t.match(metrics, /giaoban_recording_segments_total 2/);
  await finish();
});

t.test('a recorder killed mid-recording is started again in a new segment', async (t) => {
  const { service, api, joinSite, dataDir, finish } = await setUp(t);
  await joinSite('hub');
  const started = await api('POST', '/api/recordings', {});
  t.equal(started.status, 201);
  const id = started.body.id as string;
  // Long enough for the recorder to have written (ffmpeg probes its input ~2 s, then writes a
  // cluster a second): a recorder killed sooner leaves no media, and its file is dropped.
  await sleep(4500);
  const [pid] = service.recordings.recorderPids();
  t.ok(pid, 'a recorder runs');
  process.kill(pid as number, 'SIGKILL');
  const restarted = await until('a new segment after the crash', async () => {
    const r = await recording(api, id);
    return r.segments.length === 2 && r.segments[0]?.end === 'crash' && (r.segments[1]?.seconds ?? 0) > 1
      ? r
      : undefined;
  });
  t.equal(restarted.restarts, 1);
  t.not(service.recordings.recorderPids()[0], pid, 'another recorder');
  const metrics = (await service.app.inject({ url: '/metrics', headers: operatorHeaders })).body;
  t.match(metrics, /giaoban_recorder_restarts_total 1/);
  const stopped = (await api('POST', `/api/recordings/${id}/stop`)).body as RecordingView;
  t.equal(stopped.segments.length, 2);
  // The killed recorder could not finish its file, but what it wrote plays.
  const crashed = await probe(join(dataDir, 'recordings', id, 'segment-1.webm'));
  t.ok(
    crashed.streams.some((s) => s.codec_name === 'vp8'),
    'the cut file still holds the video',
  );
  const second = await probe(join(dataDir, 'recordings', id, 'segment-2.webm'));
  t.same(second.streams.map((s) => s.codec_name).sort(), ['opus', 'vp8']);
  t.ok(second.startsWithKeyFrame, 'the new segment starts with a key frame');
  const types = (await service.store.listEvents()).map((e) => e.type).filter((x) => x.startsWith('recording.'));
  t.same(types, ['recording.started', 'recording.recorder-restarted', 'recording.stopped']);
  await finish();
});

t.test('the hub joins again: a new segment takes its new producers', async (t) => {
  const { api, joinSite, finish } = await setUp(t);
  const first = await joinSite('hub');
  const started = await api('POST', '/api/recordings', {});
  const id = started.body.id as string;
  await sleep(2500);
  await first.close();
  await joinSite('hub');
  const r = await until('a segment from the new producers', async () => {
    const x = await recording(api, id);
    return x.segments[0]?.end && (x.segments[1]?.seconds ?? 0) > 1 ? x : undefined;
  });
  t.equal(r.segments[0]?.end, 'switch', 'the first file was ended, not lost to a crash');
  t.equal(r.restarts, 0);
  t.same(r.now, { video: 'hub', audio: ['hub'] });
  t.equal((await api('POST', `/api/recordings/${id}/stop`)).status, 200);
  await finish();
});

t.test('refusals and errors say why', async (t) => {
  t.test('no recording starts when the disk is nearly full', async (t) => {
    const { service, api, finish } = await setUp(t, { RECORDING_MIN_FREE_MB: '10000000' });
    const res = await api('POST', '/api/recordings', {});
    t.equal(res.status, 409);
    t.equal(res.body.error?.code, 'conflict');
    t.match(res.body.error?.message, /disk is nearly full: \d+ MB free .*RECORDING_MIN_FREE_MB/);
    t.same((await api('GET', '/api/recordings')).body, { recordings: [] });
    const metrics = (await service.app.inject({ url: '/metrics', headers: operatorHeaders })).body;
    t.match(metrics, /giaoban_recordings_refused_total\{reason="disk"\} 1/);
    const refused = (await service.store.listEvents()).find((e) => e.type === 'recording.refused');
    t.match(refused?.data, { reason: 'disk' });
    await finish();
  });

  t.test('the API: 404 and 409 with reasons, 400 for a bad request', async (t) => {
    const { api, joinSite, finish } = await setUp(t);
    t.equal((await api('POST', '/api/recordings/nope/stop')).status, 404);
    t.equal((await api('GET', '/api/recordings/nope')).status, 404);
    t.equal((await api('POST', '/api/recordings', { what: 1 })).status, 400);
    t.equal((await api('POST', '/api/recordings', { sessionId: 'nope' })).status, 404);
    t.equal((await api('GET', '/api/recordings/x/segments/zero')).status, 400);

    // Nobody sends yet: it waits, with nothing written.
    const waiting = await api('POST', '/api/recordings', {});
    t.equal(waiting.status, 201);
    t.same(waiting.body.now, { video: null, audio: [] });
    const id = waiting.body.id as string;
    const again = await api('POST', '/api/recordings', {});
    t.equal(again.status, 409);
    t.match(again.body.error?.message, new RegExp(`recording ${id} is already running`));

    // The hub arrives: the recording begins by itself.
    await joinSite('hub');
    const rolling = await until('a segment once the hub sends', async () => {
      const r = await recording(api, id);
      return (r.segments[0]?.seconds ?? 0) > 0.5 ? r : undefined;
    });
    const live = await api('GET', `/api/recordings/${id}/segments/1`);
    t.equal(live.status, 409, 'a segment being written is not served');
    t.match(live.body.error?.message, /still being written/);
    t.equal(rolling.segments.length, 1);

    t.equal((await api('POST', `/api/recordings/${id}/stop`)).status, 200);
    const twice = await api('POST', `/api/recordings/${id}/stop`);
    t.equal(twice.status, 409);
    t.match(twice.body.error?.message, /is not running \(stopped\)/);
    t.equal((await api('GET', `/api/recordings/${id}/segments/2`)).status, 404);
    t.equal((await api('GET', `/api/recordings/${id}/segments/1`)).status, 200);
    await finish();
  });
});

t.test('the live session is recorded from its opening and the recording stops with it', async (t) => {
  const { service, api, joinSite, finish } = await setUp(t, { RECORDING_AUTO: 'true' });
  await joinSite('hub');
  const session = await api('POST', '/api/sessions', {
    kind: 'live',
    title: 'Giao ban trực tuyến',
    startsAt: new Date(Date.now() - 1000).toISOString(),
    durationMinutes: 60,
  });
  t.equal(session.status, 201, JSON.stringify(session.body));
  const sessionId = session.body.id as string;
  const r = await until('the session recorded', async () => {
    const list = (await api('GET', '/api/recordings')).body.recordings ?? [];
    return list.find((x) => x.sessionId === sessionId && x.segments.length > 0);
  });
  t.equal(r.by, 'session');
  await sleep(1500);
  t.equal((await api('POST', `/api/sessions/${sessionId}/cancel`)).status, 200);
  const ended = await until('stopped with the session', async () => {
    const x = await recording(api, r.id);
    return x.state === 'stopped' ? x : undefined;
  });
  t.equal(ended.stopReason, 'session-ended');
  const stoppedEvent = (await service.store.listEvents()).find((e) => e.type === 'recording.stopped');
  t.equal(stoppedEvent?.sessionId, sessionId);
  await finish();
});
