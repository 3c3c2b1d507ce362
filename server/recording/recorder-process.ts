// The recorder: one ffmpeg process (Debian's package) writing one segment. It receives the
// view's RTP streams as an SDP describes them and writes WebM:
// - video (VP8) is copied as it arrives, never re-encoded;
// - one audio stream (the hub alone) is copied too;
// - two (the hub and the floor holder) must become one track, as each bridge hears them: they
//   are decoded, mixed (amix, unscaled: the sum the bridges' browsers play) and encoded again
//   as Opus. That re-encoding is the only one, and only while a site holds the floor.
//   aresample=async=1 fills a source's gaps (loss, a stall) with silence so the two stay in time.
// It stops on SIGINT, which makes ffmpeg finish the file (cues and duration); a recorder that
// does not stop in time is killed. If the service dies, its recorder hears no packet any more
// and ends by itself after ffmpeg's input timeout (-listen_timeout), so none is left behind.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../kernel/logger.js';
import type { RecorderPorts, RecorderStream } from '../../media/index.js';
import { within } from './wait.js';

/**
 * Seconds without any packet after which ffmpeg ends by itself, finishing its file: when the
 * service is gone, or when every source of the view went silent at once (a new segment follows).
 */
const INPUT_TIMEOUT_S = 3;
const MIX_BITRATE = '64k';
const STDERR_LINES_KEPT = 20;
/** How long a stop waits for a recorder that has not begun writing yet. */
const BEGIN_WAIT_MS = (INPUT_TIMEOUT_S + 1) * 1000;
/** A WebM cluster at least every second: a recorder killed outright loses at most about that. */
const CLUSTER_MS = 1000;

/** The SDP ffmpeg reads: one media section per stream, on the ports it must listen on. */
export function recorderSdp(streams: readonly RecorderStream[], ports: readonly RecorderPorts[], address: string) {
  const lines = ['v=0', `o=- 0 0 IN IP4 ${address}`, 's=giao-ban recording', `c=IN IP4 ${address}`, 't=0 0'];
  streams.forEach((s, i) => {
    const p = ports[i];
    if (!p) throw new Error('a port pair per stream is needed');
    lines.push(`m=${s.kind} ${p.rtp} RTP/AVP ${s.payloadType}`);
    lines.push(`a=rtcp:${p.rtcp}`);
    lines.push(`a=rtpmap:${s.payloadType} ${s.codec}/${s.clockRate}${s.channels ? `/${s.channels}` : ''}`);
    lines.push('a=recvonly');
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** ffmpeg's arguments for these streams (video first, then audio, as the feed orders them). */
export function recorderArgs(streams: readonly RecorderStream[], address: string, file: string): string[] {
  const audio = streams.filter((s) => s.kind === 'audio').length;
  const video = streams.some((s) => s.kind === 'video');
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'warning',
    '-nostats',
    '-progress',
    'pipe:1',
    '-stats_period',
    '0.5',
    '-protocol_whitelist',
    'pipe,udp,rtp',
    '-f',
    'sdp',
    // Only this host can send into the recording.
    '-localaddr',
    address,
    '-listen_timeout',
    String(INPUT_TIMEOUT_S),
    // Start writing as soon as the first key frame gives the picture's size: the frame rate
    // (20 frames, 2 s, by default) is not needed to copy the video.
    '-fpsprobesize',
    '0',
    '-i',
    'pipe:0',
  ];
  if (video) args.push('-map', '0:v:0', '-c:v', 'copy');
  if (audio === 1) args.push('-map', '0:a:0', '-c:a', 'copy');
  if (audio >= 2) {
    const inputs = Array.from({ length: audio }, (_, i) => `[0:a:${i}]aresample=async=1[a${i}]`).join(';');
    const mixed = Array.from({ length: audio }, (_, i) => `[a${i}]`).join('');
    args.push(
      '-filter_complex',
      `${inputs};${mixed}amix=inputs=${audio}:normalize=0[mix]`,
      '-map',
      '[mix]',
      '-c:a',
      'libopus',
      '-b:a',
      MIX_BITRATE,
    );
  }
  // Each cluster goes to the disk when complete (-flush_packets), not when a buffer fills.
  args.push('-f', 'webm', '-cluster_time_limit', String(CLUSTER_MS), '-flush_packets', '1', '-y', file);
  return args;
}

export interface RecorderProgress {
  /** Video frames written. */
  readonly frames: number;
  /** How far the file reaches, in ms. */
  readonly outMs: number;
  readonly bytes: number;
}

export interface RecorderExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Asked to stop (stop() or kill()); otherwise it crashed or gave up by itself. */
  readonly asked: boolean;
  /** The last lines ffmpeg wrote on stderr (its warnings and errors). */
  readonly stderr: string;
}

interface RecorderEvents {
  progress: [RecorderProgress];
}

export interface RecorderOptions {
  readonly streams: readonly RecorderStream[];
  readonly ports: readonly RecorderPorts[];
  readonly address: string;
  readonly file: string;
  readonly logger: Logger;
}

export class RecorderProcess extends EventEmitter<RecorderEvents> {
  readonly #child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly #log: Logger;
  readonly #stderr: string[] = [];
  readonly exited: Promise<RecorderExit>;
  #progress: RecorderProgress = { frames: 0, outMs: 0, bytes: 0 };
  #begin: () => void = () => undefined;
  /** Settles when it has begun writing media (before that, a SIGINT would leave no file). */
  readonly #begun: Promise<void>;
  #asked = false;
  #done = false;

  private constructor(opts: RecorderOptions) {
    super();
    this.#log = opts.logger;
    this.#begun = new Promise((resolve) => {
      this.#begin = resolve;
    });
    const args = recorderArgs(opts.streams, opts.address, opts.file);
    this.#child = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.#done) return;
        this.#done = true;
        resolve({ code, signal, asked: this.#asked, stderr: this.#stderr.join('\n') });
      };
      this.#child.once('exit', finish);
      // ffmpeg missing (ENOENT): Node reports 'error', and 'exit' may never come.
      this.#child.once('error', (err) => {
        this.#note(`cannot run ffmpeg: ${err.message}`);
        if (this.#child.pid === undefined) finish(null, null);
      });
    });
    this.#child.stdin.on('error', (err) => this.#note(`stdin: ${err.message}`));
    this.#child.stdin.end(recorderSdp(opts.streams, opts.ports, opts.address));
    let pending: Record<string, string> = {};
    let partial = '';
    this.#child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const eq = line.indexOf('=');
        if (eq < 0) continue;
        const key = line.slice(0, eq).trim();
        const value = line.slice(eq + 1).trim();
        pending[key] = value;
        if (key !== 'progress') continue;
        this.#progress = {
          frames: Number(pending.frame) || 0,
          // out_time_us in microseconds; "N/A" before the first packet.
          outMs: Math.max(0, Math.round((Number(pending.out_time_us) || 0) / 1000)),
          bytes: Number(pending.total_size) || 0,
        };
        pending = {};
        if (this.#progress.outMs > 0 || this.#progress.frames > 0) this.#begin();
        this.emit('progress', this.#progress);
      }
    });
    let errPartial = '';
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (errPartial + chunk).split('\n');
      errPartial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.#note(line.trim());
    });
  }

  static start(opts: RecorderOptions): RecorderProcess {
    return new RecorderProcess(opts);
  }

  #note(line: string): void {
    this.#stderr.push(line);
    if (this.#stderr.length > STDERR_LINES_KEPT) this.#stderr.shift();
    this.#log.debug({ ffmpeg: line }, 'recorder says');
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return !this.#done;
  }

  get progress(): RecorderProgress {
    return this.#progress;
  }

  get stderr(): string {
    return this.#stderr.join('\n');
  }

  /** Finish the file and end (SIGINT); killed if it has not ended within `graceMs`. */
  async stop(graceMs = (INPUT_TIMEOUT_S + 3) * 1000): Promise<RecorderExit> {
    if (this.#done) return this.exited;
    this.#asked = true;
    // Interrupted while it still reads its input's first packets, ffmpeg ends without a file:
    // a segment stopped that early waits until it has begun (it soon does, or times out).
    const begun = await within(
      Promise.race([this.#begun.then(() => true), this.exited.then(() => true)]),
      BEGIN_WAIT_MS,
      false,
    );
    if (this.#done) return this.exited;
    if (!begun) this.#log.warn({ pid: this.pid }, 'the recorder has not begun its file; stopping it anyway');
    this.#log.debug({ pid: this.pid, progress: this.#progress }, 'recorder stopping');
    // ffmpeg acts on SIGINT between packets: one waiting for a packet that will not come (its
    // source left) ends at its input timeout, and finishes the file then. (A second SIGINT
    // would end it at once, but with the file unfinished and its last buffer lost.)
    this.#child.kill('SIGINT');
    const timer = setTimeout(() => {
      this.#log.warn({ pid: this.pid, graceMs }, 'the recorder did not stop in time; killing it');
      this.#child.kill('SIGKILL');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** End it at once (it never got going): the file is not finished. */
  kill(): Promise<RecorderExit> {
    if (!this.#done) {
      this.#asked = true;
      this.#child.kill('SIGKILL');
    }
    return this.exited;
  }
}
