// The few bits of a VP8 RTP payload a bot needs without decoding (RFC 7741): where a frame
// starts, whether it is a key frame, and where the picture id and TL0PICIDX sit so a replayed
// stream can keep them continuous across loops (mediasoup's VP8 handling reads both).
//
// Payload descriptor:
//   byte 0            |X|R|N|S|R| PID |    S: start of a partition, PID: partition index
//   if X              |I|L|T|K| RSV   |
//   if I              |M| PictureID   |    M set: the picture id has 15 bits (2 bytes), else 7
//   if L              |  TL0PICIDX    |
//   if T or K         |TID|Y| KEYIDX  |
// Then, in the first packet of a frame only (S = 1 and PID = 0), the VP8 payload header, whose
// first byte's lowest bit is P, the inverse key frame flag: P = 0 means a key frame. A key frame
// continues with the start code 9d 01 2a and two little-endian 16-bit words whose low 14 bits
// are the width and the height.

export interface Vp8Descriptor {
  /** Bytes of the payload descriptor; the VP8 data starts here. */
  size: number;
  /** S bit and PID 0: the first packet of a frame. */
  frameStart: boolean;
  /** Byte offset of the picture id, or -1. */
  pictureIdAt: number;
  /** 7 or 15; 0 without a picture id. */
  pictureIdBits: number;
  /** Byte offset of TL0PICIDX, or -1. */
  tl0At: number;
  /** Temporal layer id, or -1 when the packet carries none. */
  tid: number;
}

/** Parses the descriptor; undefined when the payload is too short to hold what it announces. */
export function parseVp8(payload: Uint8Array): Vp8Descriptor | undefined {
  const b0 = payload[0];
  if (b0 === undefined) return undefined;
  const frameStart = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
  let at = 1;
  let pictureIdAt = -1;
  let pictureIdBits = 0;
  let tl0At = -1;
  let tid = -1;
  if (b0 & 0x80) {
    const x = payload[at++];
    if (x === undefined) return undefined;
    if (x & 0x80) {
      const p = payload[at];
      if (p === undefined) return undefined;
      pictureIdAt = at;
      pictureIdBits = p & 0x80 ? 15 : 7;
      at += pictureIdBits === 15 ? 2 : 1;
    }
    if (x & 0x40) tl0At = at++;
    if (x & 0x30) {
      const t = payload[at++];
      if (t === undefined) return undefined;
      if (x & 0x20) tid = t >> 6;
    }
  }
  if (at > payload.length) return undefined;
  return { size: at, frameStart, pictureIdAt, pictureIdBits, tl0At, tid };
}

/** The first packet of a key frame: frame start and P bit clear in the VP8 payload header. */
export function isVp8KeyframeStart(payload: Uint8Array): boolean {
  const d = parseVp8(payload);
  if (!d?.frameStart) return false;
  const header = payload[d.size];
  return header !== undefined && (header & 0x01) === 0;
}

/** Width and height from a key frame's first packet, or undefined. */
export function vp8KeyframeSize(payload: Uint8Array): { width: number; height: number } | undefined {
  if (!isVp8KeyframeStart(payload)) return undefined;
  const d = parseVp8(payload);
  if (!d) return undefined;
  const at = d.size + 3;
  if (payload.length < at + 7 || payload[at] !== 0x9d || payload[at + 1] !== 0x01 || payload[at + 2] !== 0x2a) {
    return undefined;
  }
  const view = new DataView(payload.buffer, payload.byteOffset + at + 3, 4);
  return { width: view.getUint16(0, true) & 0x3fff, height: view.getUint16(2, true) & 0x3fff };
}

export function readPictureId(payload: Uint8Array, d: Vp8Descriptor): number {
  if (d.pictureIdBits === 15) return (((payload[d.pictureIdAt] ?? 0) & 0x7f) << 8) | (payload[d.pictureIdAt + 1] ?? 0);
  if (d.pictureIdBits === 7) return (payload[d.pictureIdAt] ?? 0) & 0x7f;
  return -1;
}

/** Writes the picture id in place, keeping the M bit and the field's width. */
export function writePictureId(payload: Uint8Array, d: Vp8Descriptor, id: number): void {
  if (d.pictureIdBits === 15) {
    payload[d.pictureIdAt] = 0x80 | ((id >> 8) & 0x7f);
    payload[d.pictureIdAt + 1] = id & 0xff;
  } else if (d.pictureIdBits === 7) {
    payload[d.pictureIdAt] = id & 0x7f;
  }
}
