import t from 'tap';
import type { SiteMediaStats } from '../../../media/index.js';
import { deriveState, type SiteSignals, type Thresholds } from '../../../server/status/derive.js';

const th: Thresholds = {
  maxRttMs: 300,
  maxLossPct: 2,
  maxJitterMs: 30,
  minSendKbps: 8,
  connectGraceMs: 10_000,
  staleMs: 3000,
};
const NOW = 1_000_000;
const up = { ice: 'connected', dtls: 'connected', protocol: 'udp' } as const;

const media = (over: Partial<SiteMediaStats> = {}): SiteMediaStats => ({
  siteId: 'hue',
  at: NOW - 500,
  transport: 'udp',
  ice: { send: 'connected', recv: 'connected' },
  dtls: { send: 'connected', recv: 'connected' },
  rttMs: 40,
  lossInPct: 0,
  lossOutPct: 0,
  jitterMs: 5,
  inKbps: 400,
  outKbps: 900,
  availableOutKbps: 1500,
  producers: {
    mic: { kbps: 32, packets: 500, score: 10, lossPct: 0, jitterMs: 3, paused: false },
    cam: { kbps: 350, packets: 900, score: 10, lossPct: 0, jitterMs: 5, paused: false },
  },
  consumers: { count: 2, minScore: 10, kbps: 900 },
  ...over,
});

const signals = (over: Partial<SiteSignals> = {}): SiteSignals => ({
  connected: true,
  joined: true,
  connectedAt: NOW - 60_000,
  transports: { send: { direction: 'send', ...up }, recv: { direction: 'recv', ...up } },
  media: media(),
  report: null,
  expectsToReceive: true,
  selfPaused: false,
  ...over,
});

t.test('offline without a connection', async (t) => {
  t.match(deriveState(signals({ connected: false }), th, NOW), { state: 'offline' });
});

t.test('online when media flows both ways', async (t) => {
  t.match(deriveState(signals(), th, NOW), { state: 'online', quality: false });
});

t.test('connecting while young, degraded when the grace runs out', async (t) => {
  const young = { connectedAt: NOW - 2000 };
  t.match(deriveState(signals({ ...young, transports: {} }), th, NOW), { state: 'connecting', reason: /transports/ });
  t.match(deriveState(signals({ transports: {} }), th, NOW), { state: 'degraded', reason: /transports/ });
  const checking = {
    send: { direction: 'send' as const, ice: 'new' as const, dtls: 'new' as const, protocol: null },
    recv: { direction: 'recv' as const, ...up },
  };
  t.match(deriveState(signals({ ...young, transports: checking }), th, NOW), {
    state: 'connecting',
    reason: /ICE new/,
  });
  t.match(deriveState(signals({ ...young, media: null }), th, NOW), { state: 'connecting', reason: /statistics/ });
});

t.test('ICE disconnected is degraded at once, even when young', async (t) => {
  const transports = {
    send: { direction: 'send' as const, ...up, ice: 'disconnected' as const },
    recv: { direction: 'recv' as const, ...up },
  };
  t.match(deriveState(signals({ connectedAt: NOW - 100, transports }), th, NOW), {
    state: 'degraded',
    reason: /interrupted/,
  });
});

t.test('media missing: nothing sent, nothing received, stale stats', async (t) => {
  const silent = media({
    producers: { cam: { kbps: 0, packets: 0, score: 0, lossPct: 0, jitterMs: 0, paused: false } },
  });
  t.match(deriveState(signals({ media: silent }), th, NOW), { state: 'degraded', reason: /no bytes/ });
  t.match(deriveState(signals({ media: media({ producers: {} }) }), th, NOW), {
    state: 'degraded',
    reason: /sends no audio or video/,
  });
  t.match(deriveState(signals({ media: media({ consumers: { count: 2, minScore: 0, kbps: 0 } }) }), th, NOW), {
    state: 'degraded',
    reason: /receives no media/,
  });
  t.match(
    deriveState(
      signals({ expectsToReceive: false, media: media({ consumers: { count: 0, minScore: null, kbps: 0 } }) }),
      th,
      NOW,
    ),
    {
      state: 'online',
    },
    'nothing to receive is not a fault',
  );
  t.match(deriveState(signals({ media: media({ at: NOW - 10_000 }) }), th, NOW), {
    state: 'degraded',
    reason: /statistics/,
  });
  const paused = media({
    producers: { mic: { kbps: 0, packets: 0, score: 0, lossPct: 0, jitterMs: 0, paused: true } },
  });
  t.match(
    deriveState(signals({ media: paused, selfPaused: true }), th, NOW),
    { state: 'online' },
    'a site that muted itself is fine',
  );
});

t.test('thresholds on RTT, loss and jitter, from the SFU or the page', async (t) => {
  t.match(deriveState(signals({ media: media({ rttMs: 301 }) }), th, NOW), {
    state: 'degraded',
    quality: true,
    reason: 'RTT 301 ms > 300 ms',
  });
  t.match(
    deriveState(signals({ media: media({ rttMs: 300 }) }), th, NOW),
    { state: 'online' },
    'at the threshold is fine',
  );
  t.match(deriveState(signals({ media: media({ lossInPct: 2.5 }) }), th, NOW), {
    state: 'degraded',
    reason: /loss 2.5 %/,
  });
  t.match(deriveState(signals({ media: media({ lossOutPct: 4 }) }), th, NOW), {
    state: 'degraded',
    reason: /loss 4.0 %/,
  });
  t.match(deriveState(signals({ media: media({ jitterMs: 31 }) }), th, NOW), {
    state: 'degraded',
    reason: /jitter 31 ms/,
  });
  const report = {
    rttMs: 500,
    lossPct: 0,
    jitterMs: 1,
    inKbps: 1,
    outKbps: 1,
    transport: 'tcp' as const,
    at: NOW - 100,
  };
  t.match(
    deriveState(signals({ report }), th, NOW),
    { state: 'degraded', reason: /RTT 500/ },
    'the page’s own report counts',
  );
  t.match(
    deriveState(signals({ report: { ...report, at: NOW - 60_000 } }), th, NOW),
    { state: 'online' },
    'an old report does not',
  );
});
