// The rehearsal's verdict rules, one table row per threshold and per cause: a rule that is
// changed so it can no longer fail (or no longer pass) breaks a row here.
import t from 'tap';
import type { LinkReport } from '../../../contract/index.js';
import type { SiteMediaStats } from '../../../media/index.js';
import { busyCause, type Evidence, resultOf, runChecks } from '../../../server/rehearsal/checks.js';

const th = { maxRttMs: 300, maxLossPct: 2, maxJitterMs: 30, minAudioKbps: 12, minVideoKbps: 30, minReceiveKbps: 40 };

type Producers = SiteMediaStats['producers'];
const sample = (i: number, over: Partial<SiteMediaStats> = {}, producers?: Producers): SiteMediaStats => ({
  siteId: 'hue',
  at: 1000 * i,
  transport: 'udp',
  ice: { send: 'connected', recv: 'connected' },
  dtls: { send: 'connected', recv: 'connected' },
  rttMs: 40,
  lossInPct: 0,
  lossOutPct: 0,
  jitterMs: 5,
  inKbps: 400,
  outKbps: 600,
  availableOutKbps: 1200,
  producers: producers ?? {
    mic: { kbps: 30, packets: 50 * i, score: 10, lossPct: 0, jitterMs: 2, paused: false },
    cam: { kbps: 400, packets: 40 * i, score: 10, lossPct: 0, jitterMs: 3, paused: false },
  },
  consumers: { count: 2, minScore: 10, kbps: 600 },
  ...over,
});
/** A healthy four-second window; `over` changes every sample, `producers(i)` the producers. */
const window = (over: Partial<SiteMediaStats> = {}, producers?: (i: number) => Producers) =>
  [1, 2, 3, 4].map((i) => sample(i, over, producers?.(i)));
const evidence = (over: Partial<Evidence> = {}): Evidence => ({
  role: 'bridge',
  present: true,
  samples: window(),
  reports: [],
  confirmed: null,
  heard: true,
  hubSending: true,
  ...over,
});
const report = (over: Partial<LinkReport> = {}): LinkReport => ({
  rttMs: 40,
  lossPct: 0,
  jitterMs: 5,
  inKbps: 600,
  outKbps: 400,
  transport: 'udp',
  receiving: { audio: true, video: true },
  ...over,
});
const find = (e: Evidence, name: string) => runChecks(e, th).find((c) => c.name === name);
const mic =
  (kbps: number, pps: number, paused = false) =>
  (i: number) => ({
    mic: { kbps, packets: Math.round(pps * i), score: 10, lossPct: 0, jitterMs: 2, paused },
    cam: { kbps: 400, packets: 40 * i, score: 10, lossPct: 0, jitterMs: 3, paused: false },
  });
const cam =
  (kbps: number, paused = false) =>
  (i: number) => ({
    mic: { kbps: 30, packets: 50 * i, score: 10, lossPct: 0, jitterMs: 2, paused: false },
    cam: { kbps, packets: 40 * i, score: 10, lossPct: 0, jitterMs: 3, paused },
  });

t.test('a healthy site passes every check', async (t) => {
  const checks = runChecks(evidence(), th);
  t.same(
    checks.filter((c) => c.severity !== 'ok').map((c) => c.code),
    [],
  );
  t.equal(resultOf(checks, true), 'pass');
  t.same(
    checks.map((c) => c.name),
    ['signaling', 'ice', 'audio-sent', 'video-sent', 'hub-received', 'rtt', 'loss', 'jitter'],
  );
  t.ok(
    checks.every((c) => c.reason.length > 0 && c.code.length > 0),
    'every check has words and a code',
  );
});

t.test('absent and connection', async (t) => {
  t.equal(resultOf(runChecks(evidence({ present: false }), th), false), 'absent');
  t.match(runChecks(evidence({ present: false }), th), [{ code: 'signaling.absent', pass: false }]);
  t.match(find(evidence({ samples: window({ transport: 'tcp' }) }), 'ice'), { code: 'ice.tcp', pass: true });
  t.match(find(evidence({ samples: window({ ice: { send: 'checking', recv: 'connected' } }) }), 'ice'), {
    code: 'ice.failed',
    pass: false,
  });
  t.match(find(evidence({ samples: window({ dtls: { send: 'connected', recv: 'failed' } }) }), 'ice'), {
    code: 'ice.failed',
    pass: false,
  });
});

t.test('audio is judged by what arrives: DTX-aware', async (t) => {
  const rows: [string, Partial<Evidence>, string, boolean, string][] = [
    ['a voice', { samples: window({}, mic(30, 50)) }, 'audio.ok', true, 'ok'],
    ['at the threshold', { samples: window({}, mic(12, 50)), heard: false }, 'audio.ok', true, 'ok'],
    ['heard, below the bitrate', { samples: window({}, mic(5, 10)), heard: true }, 'audio.ok', true, 'ok'],
    ['a quiet room with DTX', { samples: window({}, mic(0.6, 2.5)), heard: false }, 'audio.quiet', true, 'warn'],
    ['nothing arrives', { samples: window({}, mic(0, 0)), heard: false }, 'audio.none', false, 'fail'],
    ['under one packet a second', { samples: window({}, mic(0.1, 0.5)), heard: false }, 'audio.none', false, 'fail'],
    ['muted at the site', { samples: window({}, mic(0, 0, true)), heard: false }, 'audio.muted', false, 'fail'],
    [
      'no microphone',
      {
        samples: window({}, () => ({
          cam: { kbps: 400, packets: 10, score: 10, lossPct: 0, jitterMs: 3, paused: false },
        })),
      },
      'audio.missing',
      false,
      'fail',
    ],
  ];
  for (const [what, over, code, pass, severity] of rows) {
    t.match(find(evidence(over), 'audio-sent'), { code, pass, severity }, what);
  }
});

t.test('video', async (t) => {
  t.match(find(evidence({ samples: window({}, cam(30)) }), 'video-sent'), { code: 'video.ok', pass: true }, 'at 30');
  t.match(find(evidence({ samples: window({}, cam(29.9)) }), 'video-sent'), { code: 'video.low', pass: false });
  t.match(find(evidence({ samples: window({}, cam(0, true)) }), 'video-sent'), { code: 'video.off', pass: false });
  const noCam = window({}, () => ({
    mic: { kbps: 30, packets: 9, score: 10, lossPct: 0, jitterMs: 2, paused: false },
  }));
  t.match(find(evidence({ samples: noCam }), 'video-sent'), {
    code: 'video.none',
    pass: false,
    reason: /no video reaches the server \(0 kbit\/s < 30\)/,
  });
});

t.test("the hub's stream: judged only when the hub sends", async (t) => {
  t.match(find(evidence(), 'hub-received'), { code: 'hub.ok', pass: true });
  t.match(find(evidence({ samples: window({ consumers: { count: 2, minScore: 10, kbps: 39 } }) }), 'hub-received'), {
    code: 'hub.none',
    pass: false,
  });
  t.match(
    find(
      evidence({ hubSending: false, samples: window({ consumers: { count: 0, minScore: null, kbps: 0 } }) }),
      'hub-received',
    ),
    { code: 'hub.notChecked', pass: true, severity: 'warn' },
    'the hub absent is not the bridge’s fault',
  );
  t.match(find(evidence({ reports: [report({ receiving: { audio: true, video: false } })] }), 'hub-received'), {
    code: 'hub.notPlaying',
    pass: false,
    params: { kind: 'video' },
  });
  t.match(find(evidence({ reports: [report()] }), 'hub-received'), { code: 'hub.okPage', pass: true });
  const slow = window({ consumers: { count: 2, minScore: 10, kbps: 35 } });
  t.match(
    find(evidence({ samples: slow, reports: [report()] }), 'hub-received'),
    { code: 'hub.okPage', pass: true },
    'a page that plays the hub passes below the rate (a still hub, a busy hub computer: Chromium, 10 runs)',
  );
  t.match(
    find(evidence({ samples: slow, reports: [report({ receiving: { audio: true, video: false } })] }), 'hub-received'),
    { code: 'hub.none', pass: false },
    'below the rate and not playing: the hub does not reach the site',
  );
  t.match(
    find(
      evidence({ samples: window({ consumers: { count: 0, minScore: null, kbps: 0 } }), reports: [report()] }),
      'hub-received',
    ),
    { code: 'hub.none', pass: false },
    'nothing from the SFU: a page report alone does not pass',
  );
  t.equal(find(evidence({ role: 'hub' }), 'hub-received'), undefined, 'the hub is not judged on itself');
});

t.test('RTT, loss and jitter: every threshold, link or computer', async (t) => {
  const busy = [report({ limitation: 'cpu' })];
  const rows: [string, 'rtt' | 'loss' | 'jitter', Partial<SiteMediaStats>, LinkReport[], string, boolean][] = [
    ['rtt under', 'rtt', { rttMs: 299 }, [], 'rtt.ok', true],
    ['rtt at', 'rtt', { rttMs: 300 }, [], 'rtt.high', false],
    ['rtt over, busy computer', 'rtt', { rttMs: 400 }, busy, 'rtt.busy', true],
    ['rtt unknown', 'rtt', { rttMs: null }, [], 'rtt.unknown', false],
    ['loss under', 'loss', { lossInPct: 1.9 }, [], 'loss.ok', true],
    ['loss at, sent', 'loss', { lossInPct: 2 }, [], 'loss.high', false],
    ['loss at, received', 'loss', { lossOutPct: 2 }, [], 'loss.high', false],
    ['loss over, busy computer', 'loss', { lossInPct: 14 }, busy, 'loss.busy', true],
    ['loss over, CPU pressure', 'loss', { lossInPct: 14 }, [report({ cpuPressure: 'critical' })], 'loss.busy', true],
    ['loss over, frames dropped', 'loss', { lossInPct: 14 }, [report({ framesDroppedPct: 25 })], 'loss.busy', true],
    ['loss over, a little dropped', 'loss', { lossInPct: 14 }, [report({ framesDroppedPct: 5 })], 'loss.high', false],
    [
      'loss over, bandwidth-limited',
      'loss',
      { lossInPct: 14 },
      [report({ limitation: 'bandwidth' })],
      'loss.high',
      false,
    ],
    ['jitter under', 'jitter', { jitterMs: 29 }, [], 'jitter.ok', true],
    ['jitter at', 'jitter', { jitterMs: 30 }, [], 'jitter.high', false],
    ['jitter over, busy', 'jitter', { jitterMs: 45 }, busy, 'jitter.busy', true],
    ['no jitter measured', 'jitter', { jitterMs: null }, [], 'jitter.none', true],
  ];
  for (const [what, name, over, reports, code, pass] of rows) {
    const c = find(evidence({ samples: window(over), reports }), name);
    t.match(c, { code, pass, severity: pass ? (code.endsWith('.busy') ? 'warn' : 'ok') : 'fail' }, what);
  }
  const rtt = find(evidence({ samples: window({ rttMs: null }), reports: [report({ rttMs: 120 })] }), 'rtt');
  t.match(rtt, { code: 'rtt.ok', value: 120 }, "the page's own RTT counts when the SFU has none");
  const loss = find(evidence({ samples: window({ lossInPct: 5, lossOutPct: 1 }) }), 'loss');
  t.match(loss?.params, { sent: 5, received: 1 }, 'which way the packets are lost');
});

t.test('the busy computer, told apart', async (t) => {
  t.equal(busyCause([report()]), null);
  t.match(busyCause([report({ limitation: 'cpu' })]), { cause: 'cause.cpu' });
  t.match(busyCause([report({ cpuPressure: 'serious' })]), { cause: 'cause.pressure' });
  t.equal(busyCause([report({ cpuPressure: 'fair' })]), null);
  t.match(busyCause([report({ framesDroppedPct: 11 })]), { cause: 'cause.frames', pct: 11 });
  t.equal(busyCause([report({ framesDroppedPct: 10 })]), null, 'at 10 % dropped frames the computer copes');
  t.equal(
    busyCause([report({ limitation: 'cpu' }), report(), report(), report()]),
    null,
    'only the recent reports count',
  );
});

t.test("the technician's confirmation", async (t) => {
  t.match(find(evidence({ confirmed: { hears: true, sees: true } }), 'confirmed'), {
    code: 'confirmed.ok',
    pass: true,
  });
  t.match(find(evidence({ confirmed: { hears: true, sees: false } }), 'confirmed'), {
    code: 'confirmed.noVideo',
    pass: false,
  });
  t.match(find(evidence({ confirmed: { hears: false, sees: true } }), 'confirmed'), {
    code: 'confirmed.noAudio',
    pass: false,
  });
  t.match(find(evidence({ confirmed: { hears: false, sees: false } }), 'confirmed'), {
    code: 'confirmed.neither',
    pass: false,
  });
  t.equal(find(evidence(), 'confirmed'), undefined, 'no confirmation, no check');
});

t.test('warnings pass the site; one failure fails it', async (t) => {
  const warned = runChecks(evidence({ samples: window({}, mic(0.6, 2.5)), heard: false }), th);
  t.equal(resultOf(warned, true), 'pass');
  const failed = runChecks(evidence({ samples: window({ jitterMs: 31 }) }), th);
  t.equal(resultOf(failed, true), 'fail');
});
