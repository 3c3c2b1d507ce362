// One segment of a recording: one file, one recorder process, one view of the briefing (whose
// video, whose audio). It opens the conference's feed paused, starts the recorder, waits until
// the recorder listens, then lets media flow and asks for key frames until one has gone out,
// so the file starts with one. It ends when asked (the view moved on, the recording stopped)
// or by itself (the recorder crashed); the recording decides what follows.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../kernel/logger.js';
import type { RecordingFeed, RecordingTap } from '../../media/index.js';
import type { RecordingSegment } from '../../store/records.js';
import { removeFile } from './disk.js';
import { freePortPairs, untilListening } from './ports.js';
import { probeMedia } from './probe.js';
import { type RecorderExit, RecorderProcess } from './recorder-process.js';

/** How long ffmpeg may take to bind its ports (it loads many libraries; 0.3-1 s here). */
const LISTEN_TIMEOUT_MS = 10_000;
/** Key frames are asked for this often until one has gone out. */
const KEY_FRAME_RETRY_MS = 1000;

export interface SegmentOptions {
  readonly n: number;
  readonly dir: string;
  readonly tap: RecordingTap;
  /** Where the recorder listens (this host's loopback). */
  readonly address: string;
  readonly logger: Logger;
}

export class Segment {
  readonly n: number;
  readonly file: string;
  readonly path: string;
  readonly startedAt: string;
  readonly view: { readonly video: string | null; readonly audio: readonly string[] };
  /** Which producers it records. */
  readonly key: string;
  readonly #feed: RecordingFeed;
  readonly #recorder: RecorderProcess;
  readonly #log: Logger;
  /** True once media flows into the recorder (its first key frame sent); false if it ended first. */
  readonly flowing: Promise<boolean>;
  /** Resolves when the recorder has exited, for whatever reason. */
  readonly ended: Promise<RecorderExit>;
  #stopping: Promise<RecorderExit> | undefined;

  private constructor(opts: SegmentOptions, feed: RecordingFeed, recorder: RecorderProcess, file: string) {
    this.n = opts.n;
    this.file = file;
    this.path = join(opts.dir, file);
    this.startedAt = new Date().toISOString();
    this.view = feed.view;
    this.key = feed.key;
    this.#feed = feed;
    this.#recorder = recorder;
    this.#log = opts.logger;
    this.ended = recorder.exited.then((exit) => {
      feed.close();
      return exit;
    });
    this.flowing = Promise.race([feed.flowing.then(() => true), this.ended.then(() => false)]);
  }

  /** Open the feed, start the recorder, and let media flow once it listens. */
  static async open(opts: SegmentOptions): Promise<Segment> {
    // The recording's folder, made with its first segment (a recording that never got media leaves none).
    await mkdir(opts.dir, { recursive: true });
    const feed = await opts.tap.open();
    let recorder: RecorderProcess | undefined;
    try {
      const ports = await freePortPairs(opts.address, feed.streams.length);
      const file = `segment-${opts.n}.webm`;
      recorder = RecorderProcess.start({
        streams: feed.streams,
        ports,
        address: opts.address,
        file: join(opts.dir, file),
        logger: opts.logger,
      });
      const started = recorder;
      const listening = await untilListening(
        ports.map((p) => p.rtp),
        LISTEN_TIMEOUT_MS,
        () => !started.running,
      );
      if (!listening) {
        throw new Error(`the recorder did not listen: ${recorder.stderr || 'no output'}`);
      }
      await feed.start(ports);
      const segment = new Segment(opts, feed, recorder, file);
      segment.#askForKeyFrames();
      opts.logger.info(
        { segment: opts.n, pid: recorder.pid, video: feed.view.video, audio: feed.view.audio },
        'recording segment started',
      );
      return segment;
    } catch (err) {
      if (recorder) {
        await recorder.kill();
        // It may have begun the file; a segment that never started leaves none.
        await removeFile(join(opts.dir, `segment-${opts.n}.webm`), opts.logger);
      }
      feed.close();
      throw err;
    }
  }

  /** mediasoup asks for a key frame when the feed starts; without one the file cannot begin. */
  #askForKeyFrames(): void {
    if (!this.#feed.streams.some((s) => s.kind === 'video')) return;
    // Until one has gone out, or the recorder ended (either settles `flowing`).
    const timer = setInterval(() => {
      if (this.#feed.closed) return;
      this.#feed.requestKeyFrame().catch((err: Error) => {
        this.#log.debug({ err: err.message }, 'key frame request failed');
      });
    }, KEY_FRAME_RETRY_MS);
    void this.flowing.then(() => clearInterval(timer));
  }

  get running(): boolean {
    return this.#recorder.running;
  }

  get pid(): number | undefined {
    return this.#recorder.pid;
  }

  /** How far the file reaches now, in seconds, and its size. */
  get progress(): { seconds: number; bytes: number } {
    const p = this.#recorder.progress;
    return { seconds: p.outMs / 1000, bytes: p.bytes };
  }

  /** Finish the file (the recorder writes its end) and stop the media. Harmless the second time. */
  stop(): Promise<RecorderExit> {
    this.#stopping ??= (async () => {
      // The recorder first, while media still flows: it finishes the file with what it has.
      const exit = await this.#recorder.stop();
      this.#feed.close();
      return exit;
    })();
    return this.#stopping;
  }

  /** What the finished file holds: its length as ffprobe reads it, or as far as the recorder got. */
  async describe(end: RecordingSegment['end']): Promise<RecordingSegment> {
    const bytes = await stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
    let seconds: number | null = null;
    if (bytes > 0) {
      seconds = await probeMedia(this.path).then(
        (p) => p.seconds,
        (err: Error) => {
          this.#log.warn({ segment: this.n, err: err.message }, 'could not probe a segment');
          return null;
        },
      );
    }
    // A file cut short (a crash) may not say its length: the recorder's last progress does.
    seconds ??= this.#recorder.progress.outMs > 0 ? this.#recorder.progress.outMs / 1000 : null;
    return {
      ...this.snapshot(),
      endedAt: new Date().toISOString(),
      seconds,
      bytes,
      ...(end ? { end } : {}),
    };
  }

  /** The segment as it stands while it is written. */
  snapshot(): RecordingSegment {
    const p = this.progress;
    return {
      n: this.n,
      file: this.file,
      startedAt: this.startedAt,
      seconds: p.seconds,
      bytes: p.bytes,
      video: this.view.video,
      audio: [...this.view.audio],
    };
  }
}
