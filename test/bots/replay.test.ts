// The bots' recorded media without any network: the committed fixtures, the VP8 bits, a
// replayed stream's numbering across its loop and on key frame requests, and the receiver's
// loss and key frame counting.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import t from 'tap';
import * as werift from 'werift';
import { decodeFixture, encodeFixture, fixtureFiles, fixturesDir, loadFixture } from '../../bench/bots/fixture.js';
import { pacedSources } from '../../bench/bots/pacer.js';
import { StreamReceiver } from '../../bench/bots/receiver.js';
import { RecordedStream, recordedCamera } from '../../bench/bots/sources.js';
import { isVp8KeyframeStart, parseVp8, readPictureId, vp8KeyframeSize, writePictureId } from '../../bench/bots/vp8.js';
import { until } from './until.js';

t.test('the committed fixtures: small, key frame first, voice with pauses', async (t) => {
  const files = [fixtureFiles.audio, ...fixtureFiles.video];
  const bytes = files.reduce((n, f) => n + statSync(resolve(fixturesDir, f)).size, 0);
  t.ok(bytes < 400 * 1024, `${(bytes / 1024).toFixed(0)} KiB in all`);
  const sizes = fixtureFiles.video.map((f) => {
    const v = loadFixture(f);
    const first = v.packets[0];
    t.ok(first && isVp8KeyframeStart(first.payload), `${f} starts with a key frame`);
    t.ok(
      v.packets.every((p) => p.tsDelta < 90_000),
      `${f}: no gap of a second or more`,
    );
    t.equal(v.packets.at(-1)?.marker, true, `${f} ends on a whole frame`);
    return first && vp8KeyframeSize(first.payload);
  });
  t.same(sizes, [
    { width: 160, height: 90 },
    { width: 320, height: 180 },
    { width: 640, height: 360 },
  ]);
  const audio = loadFixture(fixtureFiles.audio);
  t.equal(audio.kind, 'audio');
  t.equal(audio.clockRate, 48_000);
  const levels = new Set(audio.packets.map((p) => p.audioLevel));
  t.ok(levels.size > 10, 'the audio level varies');
  t.ok(
    audio.packets.some((p) => p.payload.length <= 8),
    'DTX frames in the pauses',
  );
  t.ok(
    audio.packets.every((p) => p.tsDelta % 960 === 0),
    '20 ms frames',
  );
});

t.test('the format round-trips', async (t) => {
  const f = loadFixture(fixtureFiles.video[0]);
  const again = decodeFixture(encodeFixture(f));
  t.same({ ...again, packets: again.packets.length }, { ...f, packets: f.packets.length });
  t.same(again.packets[3], f.packets[3]);
  t.throws(() => decodeFixture(Buffer.from('not a fixture at all, no')), /not a bot RTP fixture/);
});

t.test('VP8 picture ids are rewritten in place', async (t) => {
  const first = loadFixture(fixtureFiles.video[1]).packets[0];
  if (!first) throw new Error('empty fixture');
  const copy = Buffer.from(first.payload);
  const d = parseVp8(copy);
  if (!d) throw new Error('no descriptor');
  t.equal(d.pictureIdBits, 15);
  t.ok(d.tl0At > 0 && d.tid === 0, 'simulcast VP8 carries temporal layers');
  writePictureId(copy, d, 0x7abc);
  t.equal(readPictureId(copy, d), 0x7abc);
  t.equal(copy.subarray(d.size).compare(first.payload.subarray(d.size)), 0, 'the VP8 data is untouched');
});

interface Sent {
  seq: number;
  ts: number;
  marker: boolean;
  key: boolean;
  pictureId: number;
  tl0: number;
  tid: number;
  ext: werift.RtpHeader['extensions'];
}

function record(stream: RecordedStream): Sent[] {
  const sent: Sent[] = [];
  stream.track.onReceiveRtp.subscribe((p) => {
    const d = parseVp8(p.payload);
    sent.push({
      seq: p.header.sequenceNumber,
      ts: p.header.timestamp,
      marker: p.header.marker,
      key: isVp8KeyframeStart(p.payload),
      pictureId: d ? readPictureId(p.payload, d) : -1,
      tl0: d && d.tl0At >= 0 ? (p.payload[d.tl0At] ?? -1) : -1,
      tid: d?.tid ?? -1,
      ext: p.header.extensions,
    });
  });
  return sent;
}

t.test('a replayed layer loops seamlessly and answers key frame requests once per burst', async (t) => {
  const fixture = loadFixture(fixtureFiles.video[0]);
  const stream = new RecordedStream(fixture, { keyframeMinIntervalMs: 300 });
  t.teardown(() => stream.stop());
  const sent = record(stream);
  let ready = false;
  stream.start(() => ready);
  t.equal(stream.requestKeyframe(), false, 'nothing to answer before it started');
  ready = true;
  await until('one loop and a bit', () => sent.length > fixture.packets.length + 10, 20_000);

  for (let i = 1; i < sent.length; i++) {
    const [a, b] = [sent[i - 1], sent[i]];
    if (!a || !b) continue;
    if (((a.seq + 1) & 0xffff) !== b.seq) t.fail(`sequence jumps at ${i}`);
    const step = (b.ts - a.ts) >>> 0;
    if (a.marker ? step === 0 || step > 90_000 : step !== 0) t.fail(`timestamp step ${step} at ${i}`);
    const newFrame = a.marker;
    if (newFrame && b.pictureId !== ((a.pictureId + 1) & 0x7fff)) t.fail(`picture id jumps at ${i}`);
    if (!newFrame && b.pictureId !== a.pictureId) t.fail(`picture id changes within a frame at ${i}`);
    const tl0 = newFrame && b.tid === 0 ? (a.tl0 + 1) & 0xff : a.tl0;
    if (b.tl0 !== tl0) t.fail(`TL0PICIDX ${b.tl0}, expected ${tl0} at ${i}`);
  }
  t.equal(sent.filter((s) => s.key).length, 1, 'a key frame only at the start, none on the loop');
  t.pass('numbering checked across the loop');

  const before = sent.length;
  const answers = [1, 2, 3, 4, 5].map(() => stream.requestKeyframe());
  t.same(answers, [true, false, false, false, false], 'a burst of requests gives one key frame');
  const next = sent[before];
  t.ok(next?.key, 'the key frame went out at once');
  t.equal(next?.seq, ((sent[before - 1]?.seq ?? 0) + 1) & 0xffff, 'with the next sequence number');
  t.equal(stream.counters.keyframeRequests, 6);
  t.equal(stream.counters.keyframesOnRequest, 1);
  stream.stop();
  t.equal(pacedSources(), 0, 'the shared timer has no source left');
});

t.test('pause holds a stream; resume goes on with contiguous sequence numbers', async (t) => {
  const stream = new RecordedStream(loadFixture(fixtureFiles.audio));
  t.teardown(() => stream.stop());
  stream.setAudioLevelExtension(7);
  const sent = record(stream);
  stream.start(() => true);
  await until('a few packets', () => sent.length >= 5);
  stream.pause();
  const atPause = sent.length;
  const pausedAt = performance.now();
  // The stream is silent from the call on: nothing is queued behind it.
  await until('time passing', () => performance.now() - pausedAt > 200);
  t.equal(sent.length, atPause, 'nothing sent while paused');
  stream.resume();
  await until('packets again', () => sent.length > atPause + 2);
  const [a, b] = [sent[atPause - 1], sent[atPause]];
  t.equal(b?.seq, ((a?.seq ?? 0) + 1) & 0xffff);
  t.ok(((b?.ts ?? 0) - (a?.ts ?? 0)) >>> 0 >= 960, 'the timestamp moved on by the pause');
  t.ok(
    sent.some((s) => s.ext.some((e) => e.id === 7 && e.payload.length === 1)),
    'the recorded audio level goes out in the negotiated extension',
  );
});

t.test('a camera has one stream per layer, the largest ones for fewer layers', async (t) => {
  const bridge = recordedCamera(2);
  t.teardown(() => bridge.stop());
  t.equal(bridge.streams.length, 2);
  t.equal(bridge.track, bridge.streams[0]?.track);
  t.throws(() => recordedCamera(4), RangeError);
});

t.test('the receiver counts loss from sequence gaps and spots key frames', async (t) => {
  const track = new werift.MediaStreamTrack({ kind: 'video' });
  const receiver = new StreamReceiver(track, { kind: 'video', clockRate: 90_000, mimeType: 'video/VP8' });
  t.teardown(() => receiver.close());
  const fixture = loadFixture(fixtureFiles.video[0]);
  const seqs = [65530, 65531, 65533, 65534, 65535, 0, 1, 3];
  seqs.forEach((seq, i) => {
    const p = fixture.packets[i];
    if (!p) return;
    track.writeRtp(new werift.RtpPacket(new werift.RtpHeader({ sequenceNumber: seq, timestamp: i * 3000 }), p.payload));
  });
  const c = receiver.counters;
  t.equal(c.packets, 8);
  t.equal(c.expected, 10, 'across the sequence number wrap');
  t.equal(c.lost, 2);
  t.equal(c.keyframes, 1);
  t.ok(c.firstRtpAt !== undefined && c.firstKeyframeAt === c.firstRtpAt, 'the first packet was the key frame');
  t.ok(Number.isFinite(c.jitterMs) && c.jitterMs >= 0);
});
