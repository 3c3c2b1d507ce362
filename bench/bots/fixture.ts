// Recorded RTP for the bots: the file format, its reader (with a per-process cache, so 64 bots
// share one copy) and its writer (used once by scripts/capture-bot-fixtures.ts).
//
// A fixture is one RTP stream as a real encoder sent it, media packets only (padding-only
// packets are left out), in sequence order. Sequence numbers are implicit: one per record.
// All integers are big-endian.
//
//   header (24 bytes)
//     0   4  magic "BRTP"
//     4   1  version, 1
//     5   1  kind: 0 audio, 1 video
//     6   1  payload type as recorded (informational; a replay uses the negotiated one)
//     7   1  reserved, 0
//     8   4  clock rate in Hz
//     12  2  width (video; 0 for audio)
//     14  2  height (video; 0 for audio)
//     16  4  loop delta: timestamp step from the last record back to the first when looping
//     20  4  record count N
//   N records (8 bytes + payload each)
//     0   4  timestamp delta from the previous record (0 for the first, 0 within a frame)
//     4   1  flags: bit 0 RTP marker, bit 1 first packet of a VP8 key frame,
//                   bit 2 an RFC 6464 audio level byte follows in the next field
//     5   1  audio level byte as sent in the ssrc-audio-level extension (V bit + -dBov), or 0
//     6   2  payload length L
//     8   L  payload
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export type MediaKind = 'audio' | 'video';

export interface FixturePacket {
  /** Timestamp step from the previous packet (0 within a frame). */
  tsDelta: number;
  marker: boolean;
  /** First packet of a key frame. */
  keyframe: boolean;
  /** The ssrc-audio-level byte the encoder sent, if any. */
  audioLevel: number | undefined;
  payload: Buffer;
}

export interface Fixture {
  kind: MediaKind;
  payloadType: number;
  clockRate: number;
  width: number;
  height: number;
  /** Timestamp step from the last packet back to the first when the replay loops. */
  loopDelta: number;
  packets: FixturePacket[];
}

const MAGIC = 'BRTP';
const VERSION = 1;
const HEADER = 24;
const RECORD = 8;
const FLAG_MARKER = 1;
const FLAG_KEYFRAME = 2;
const FLAG_LEVEL = 4;

export class FixtureFormatError extends Error {
  constructor(file: string, why: string) {
    super(`${file}: not a bot RTP fixture: ${why}`);
    this.name = 'FixtureFormatError';
  }
}

export function decodeFixture(data: Buffer, file = 'fixture'): Fixture {
  if (data.length < HEADER || data.toString('latin1', 0, 4) !== MAGIC) throw new FixtureFormatError(file, 'bad magic');
  if (data.readUInt8(4) !== VERSION) throw new FixtureFormatError(file, `version ${data.readUInt8(4)}`);
  const kind: MediaKind = data.readUInt8(5) === 1 ? 'video' : 'audio';
  const count = data.readUInt32BE(20);
  const packets: FixturePacket[] = [];
  let at = HEADER;
  for (let i = 0; i < count; i++) {
    if (at + RECORD > data.length) throw new FixtureFormatError(file, `record ${i} is cut short`);
    const flags = data.readUInt8(at + 4);
    const length = data.readUInt16BE(at + 6);
    if (at + RECORD + length > data.length) throw new FixtureFormatError(file, `payload ${i} is cut short`);
    packets.push({
      tsDelta: data.readUInt32BE(at),
      marker: (flags & FLAG_MARKER) !== 0,
      keyframe: (flags & FLAG_KEYFRAME) !== 0,
      audioLevel: flags & FLAG_LEVEL ? data.readUInt8(at + 5) : undefined,
      payload: data.subarray(at + RECORD, at + RECORD + length),
    });
    at += RECORD + length;
  }
  if (packets.length === 0) throw new FixtureFormatError(file, 'no packets');
  return {
    kind,
    payloadType: data.readUInt8(6),
    clockRate: data.readUInt32BE(8),
    width: data.readUInt16BE(12),
    height: data.readUInt16BE(14),
    loopDelta: data.readUInt32BE(16),
    packets,
  };
}

export function encodeFixture(f: Fixture): Buffer {
  const size = f.packets.reduce((n, p) => n + RECORD + p.payload.length, HEADER);
  const out = Buffer.alloc(size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt8(VERSION, 4);
  out.writeUInt8(f.kind === 'video' ? 1 : 0, 5);
  out.writeUInt8(f.payloadType, 6);
  out.writeUInt32BE(f.clockRate, 8);
  out.writeUInt16BE(f.width, 12);
  out.writeUInt16BE(f.height, 14);
  out.writeUInt32BE(f.loopDelta, 16);
  out.writeUInt32BE(f.packets.length, 20);
  let at = HEADER;
  for (const p of f.packets) {
    const flags =
      (p.marker ? FLAG_MARKER : 0) | (p.keyframe ? FLAG_KEYFRAME : 0) | (p.audioLevel === undefined ? 0 : FLAG_LEVEL);
    out.writeUInt32BE(p.tsDelta, at);
    out.writeUInt8(flags, at + 4);
    out.writeUInt8(p.audioLevel ?? 0, at + 5);
    out.writeUInt16BE(p.payload.length, at + 6);
    p.payload.copy(out, at + RECORD);
    at += RECORD + p.payload.length;
  }
  return out;
}

/** Where the committed fixtures live. */
export const fixturesDir = resolve(import.meta.dirname, 'fixtures');

/** The committed fixtures by name; the video layers are ordered from the smallest. */
export const fixtureFiles = {
  audio: 'opus-mono.rtp',
  video: ['vp8-160x90.rtp', 'vp8-320x180.rtp', 'vp8-640x360.rtp'],
} as const;

const cache = new Map<string, Fixture>();

/** Reads a fixture once per process; every bot replays the same buffers. */
export function loadFixture(name: string, dir = fixturesDir): Fixture {
  const file = resolve(dir, name);
  let f = cache.get(file);
  if (!f) {
    f = decodeFixture(readFileSync(file), file);
    cache.set(file, f);
  }
  return f;
}

export function writeFixture(file: string, f: Fixture): number {
  const data = encodeFixture(f);
  writeFileSync(file, data);
  return data.length;
}
