// The bots against a real mediasoup (bare: one worker, a WebRtcServer, a router; no signaling):
// simulcast and Opus arrive on every layer, a second bot consumes and sees the first packet and
// key frame, a server key frame request comes back as a key frame, pause/resume/cut behave.
// Every wait is on a condition with a generous timeout, never a fixed sleep.
import t from 'tap';
import * as werift from 'werift';
import { BareSfu, type DirectBot } from '../../bench/bots/bare-sfu.js';
import type { BotSource, ConsumerStats } from '../../bench/bots/index.js';
import { pacedSources } from '../../bench/bots/pacer.js';
import { weriftSender } from '../../bench/bots/werift-env.js';
import { until } from './until.js';

type Producer = NonNullable<ReturnType<DirectBot['producers']['get']>>;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

/** mediasoup's count of RTP bytes per received stream of a producer (rid or ssrc). */
async function layerBytes(p: Producer): Promise<Map<string, number>> {
  const layers = new Map<string, number>();
  for (const s of await p.getStats()) layers.set(s.rid ?? String(s.ssrc), s.byteCount);
  return layers;
}

const totalBytes = async (p: Producer) => [...(await layerBytes(p)).values()].reduce((a, b) => a + b, 0);

const sfu = await BareSfu.start();
t.teardown(() => sfu.close());

let hub: DirectBot | undefined;
let bridge: DirectBot | undefined;
let viewer: DirectBot | undefined;
let videoConsumer: Awaited<ReturnType<typeof sfu.consume>> | undefined;

const producer = (bot: DirectBot | undefined, source: BotSource) => need(bot?.producers.get(source), source);
const received = (id: string): ConsumerStats | undefined =>
  viewer?.media.stats().received.find((r) => r.consumerId === id);

t.test('(a) a hub bot sends 3 simulcast layers of VP8 and Opus; a bridge bot 2', async (t) => {
  hub = await sfu.join({ profile: 'hub', receive: false });
  const cam = producer(hub, 'cam');
  t.equal(cam.type, 'simulcast');
  t.same(
    cam.rtpParameters.encodings?.map((e) => e.rid),
    ['r0', 'r1', 'r2'],
  );
  const layers = await until('bytes on every layer', async () => {
    const l = await layerBytes(cam);
    return l.size === 3 && [...l.values()].every((b) => b > 0) && l;
  });
  t.same([...layers.keys()].sort(), ['r0', 'r1', 'r2'], 'mediasoup found each layer by its rid');
  const mic = producer(hub, 'mic');
  t.equal(mic.kind, 'audio');
  await until('Opus bytes', async () => (await totalBytes(mic)) > 0);
  const scores = await until('scores', async () => {
    const s = (await cam.getStats()).map((x) => x.score);
    return s.length === 3 && s.every((x) => x > 0) && s;
  });
  t.comment(`layer scores ${scores.join(', ')}`);

  bridge = await sfu.join({ profile: 'bridge', receive: false });
  const bridgeCam = producer(bridge, 'cam');
  t.equal(bridgeCam.type, 'simulcast');
  const bridgeLayers = await until('bytes on both bridge layers', async () => {
    const l = await layerBytes(bridgeCam);
    return l.size === 2 && [...l.values()].every((b) => b > 0) && l;
  });
  t.same([...bridgeLayers.keys()].sort(), ['r0', 'r1']);
  const sent = need(bridge.media.stats().sent.cam, 'bridge cam stats');
  t.same(
    sent.streams.map((s) => s.rid),
    ['r0', 'r1'],
  );
});

t.test('(b) a second bot consumes video and audio: first RTP, first key frame, sound', async (t) => {
  viewer = await sfu.join({ send: false });
  videoConsumer = await sfu.consume(viewer, producer(hub, 'cam'));
  const audio = await sfu.consume(viewer, producer(hub, 'mic'));
  t.equal(videoConsumer.server.type, 'simulcast');
  t.equal(videoConsumer.server.paused, false, 'resumed once the bot had it');
  const video = await until('the first key frame', () => received(videoConsumer?.server.id ?? '')?.firstKeyframeAt);
  const v = need(received(videoConsumer.server.id), 'video stats');
  t.ok(v.firstRtpAt !== undefined && v.firstRtpAt <= video, 'first RTP, then (or with it) the key frame');
  t.comment(`first key frame ${(video - (v.firstRtpAt ?? video)).toFixed(0)} ms after the first packet`);
  await until('sound on the audio consumer', () => received(audio.server.id)?.lastSoundAt);
  const a = need(received(audio.server.id), 'audio stats');
  t.equal(a.kind, 'audio');
  t.equal(a.keyframes, 0);

  await viewer.media.report();
  const report = await until('a report with incoming media', async () => {
    const r = await viewer?.media.report();
    return r?.receiving.video && r.receiving.audio && r;
  });
  t.ok((report.inKbps ?? 0) > 0, `in ${report.inKbps} kbit/s`);
  t.equal(report.transport, 'udp');
  t.ok(report.lossPct !== null && report.jitterMs !== null, `loss ${report.lossPct} %, jitter ${report.jitterMs} ms`);
  const hubReport = await until('an RTT from RTCP on the sending bot', async () => {
    const r = await hub?.media.report();
    return r?.rttMs !== null && r;
  });
  t.ok((hubReport.outKbps ?? 0) > 0, `rtt ${hubReport.rttMs} ms, out ${hubReport.outKbps} kbit/s`);
});

t.test('(c) a server key frame request (PLI) or a FIR brings a key frame', async (t) => {
  const consumer = need(videoConsumer, 'video consumer');
  const cam = () => need(hub?.media.stats().sent.cam, 'hub cam stats');
  const answered = () => cam().streams.reduce((n, s) => n + s.keyframesOnRequest, 0);
  const seen = () => received(consumer.server.id)?.keyframes ?? 0;
  // After the last answer, wait out the key frame rate limit so this request is not absorbed.
  const lastAnswers = answered();
  await until('the rate limit window to pass', async () => {
    await new Promise((r) => setTimeout(r, 350));
    return answered() === lastAnswers;
  });
  const [answersBefore, seenBefore] = [answered(), seen()];
  const start = performance.now();
  await consumer.server.requestKeyFrame();
  await until('the key frame at the viewer', () => seen() > seenBefore);
  t.comment(`key frame at the viewer ${(performance.now() - start).toFixed(0)} ms after requestKeyFrame()`);
  t.ok(answered() > answersBefore, 'the sending bot answered the request (it sends no key frame otherwise)');

  // mediasoup asks VP8 senders with PLI; FIR (RFC 5104) is fed to the transport's RTCP here.
  const layer = need(cam().streams[1], 'layer r1');
  const dtls = weriftSender(need(hub?.media.producer('cam'), 'cam producer').rtpSender).dtlsTransport;
  const fir = Buffer.alloc(20);
  fir.writeUInt8(0x84, 0); // V=2, FMT=4 (FIR)
  fir.writeUInt8(206, 1); // payload-specific feedback
  fir.writeUInt16BE(4, 2);
  fir.writeUInt32BE(1, 4);
  fir.writeUInt32BE(layer.ssrc, 12);
  fir.writeUInt8(1, 16);
  const firAnswers = layer.keyframesOnRequest;
  await until('the rate limit window to pass', () => new Promise((r) => setTimeout(() => r(true), 350)));
  for (const p of werift.RtcpPacketConverter.deSerialize(fir)) dtls.onRtcp.execute(p);
  t.equal(need(cam().streams[1], 'layer r1').keyframesOnRequest, firAnswers + 1, 'the FIR was answered at once');
});

t.test('(d) pause stops a source, resume restarts it, cut silences the bot', async (t) => {
  const cam = producer(hub, 'cam');
  const mic = producer(hub, 'mic');
  const micPackets = () => need(hub?.media.stats().sent.mic, 'mic stats').streams[0]?.packets ?? 0;
  /** Lets media time pass: waits for the unpaused microphone to send n more packets (20 ms each). */
  const micClock = async (n: number) => {
    const from = micPackets();
    await until(`${n} mic packets`, () => micPackets() >= from + n);
  };

  hub?.media.pause('cam');
  t.equal(hub?.media.producer('cam')?.paused, true, 'the mediasoup-client producer is paused too');
  await micClock(10);
  const pausedBytes = await totalBytes(cam);
  const micBytes = await totalBytes(mic);
  await micClock(25);
  t.equal(await totalBytes(cam), pausedBytes, 'no video reaches the server while paused');
  t.ok((await totalBytes(mic)) > micBytes, 'the microphone went on');

  hub?.media.resume('cam');
  await until('video again', async () => (await totalBytes(cam)) > pausedBytes);
  t.pass('video flows again after resume');

  const hubBot = need(hub, 'hub bot');
  hubBot.media.cut();
  t.ok(hubBot.media.closed);
  t.ok(hubBot.media.producer('cam')?.closed, 'its producers are closed');
  t.equal(pacedSources(), 3, "only the bridge bot's mic and 2 camera layers are still paced");
  // The bridge bot keeps sending: its packets at the server are the clock here.
  const bridgeMic = producer(bridge, 'mic');
  const clock = async (n: number) => {
    const from = (await bridgeMic.getStats())[0]?.packetCount ?? 0;
    await until(`${n} bridge packets`, async () => ((await bridgeMic.getStats())[0]?.packetCount ?? 0) >= from + n);
  };
  await clock(10);
  const [camCut, micCut] = [await totalBytes(cam), await totalBytes(mic)];
  await clock(25);
  t.same([await totalBytes(cam), await totalBytes(mic)], [camCut, micCut], 'nothing arrives from a cut bot');
  const v = need(received(need(videoConsumer, 'consumer').server.id), 'viewer stats');
  t.ok(v.packets > 0, 'the viewer had received before the cut');
});

t.test('everything closes', async (t) => {
  for (const bot of [hub, bridge, viewer]) if (bot) await sfu.leave(bot);
  if (hub) await hub.media.close();
  t.equal(pacedSources(), 0);
});
