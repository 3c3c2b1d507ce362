// One recording of the briefing while it runs: a sequence of segments (files) under its folder,
// each one view of what the bridges see. When the view moves (the floor is given or taken, a
// source pauses, comes or goes), the next segment is started first and the current one ends
// once media flows into the next (its first key frame), so nothing is lost at the seam. A
// recorder that crashes is started again, after a pause that grows while it keeps failing,
// and the recording goes on in a new segment. One loop makes every change, one at a time.
import { EventEmitter } from 'node:events';
import type { Logger } from '../../kernel/logger.js';
import type { RecordingTap } from '../../media/index.js';
import type { Recording, RecordingSegment } from '../../store/records.js';
import { removeFile } from './disk.js';
import { Segment } from './segment.js';
import { within } from './wait.js';

/** Changes closer together than this make one new segment (the floor and its producers settle). */
const SETTLE_MS = 150;
/** The old segment ends when media flows into the new one, or after this long anyway. */
const FLOW_TIMEOUT_MS = 8000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;
/** Recorders failing this many times in a row, none ever receiving media, fail the recording. */
const MAX_FAILURES = 6;
/** A recorder that crashes sooner than this after it started makes the next wait longer. */
const STABLE_MS = 10_000;

interface ActiveRecordingEvents {
  /** The record changed (a segment began or ended). */
  changed: [Recording];
  /** A recorder crashed; a new segment follows. */
  restarted: [segment: number, why: string];
  ended: [Recording];
}

export interface ActiveRecordingOptions {
  readonly record: Recording;
  readonly dir: string;
  readonly tap: RecordingTap;
  readonly address: string;
  readonly logger: Logger;
  /** Whether the disk still has room for another segment. */
  readonly diskOk: () => Promise<boolean>;
}

export class ActiveRecording extends EventEmitter<ActiveRecordingEvents> {
  readonly id: string;
  readonly #o: ActiveRecordingOptions;
  readonly #log: Logger;
  #record: Recording;
  /** The segment that records now (the latest one started). */
  #current: Segment | undefined;
  /** Segments whose recorder runs or whose file is being finished. */
  readonly #live = new Set<Segment>();
  readonly #finishing = new Map<Segment, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #working: Promise<void> | undefined;
  #dirty = false;
  #failures = 0;
  /** Crashes in a row of recorders that had not run for long. */
  #quickCrashes = 0;
  #everFlowed = false;
  #stopping: Promise<Recording> | undefined;
  #stopSignal: () => void = () => undefined;
  readonly #stopped: Promise<void>;
  /** Settles once media flows into the first file, or there is nothing to record yet, or it stopped. */
  #settleFirst: () => void = () => undefined;
  readonly #first: Promise<void>;

  constructor(o: ActiveRecordingOptions) {
    super();
    this.#o = o;
    this.id = o.record.id;
    this.#record = o.record;
    this.#log = o.logger;
    this.#stopped = new Promise((resolve) => {
      this.#stopSignal = resolve;
    });
    this.#first = new Promise((resolve) => {
      this.#settleFirst = resolve;
    });
    o.tap.on('changed', () => this.#kick(SETTLE_MS));
  }

  /** Begin: the first segment starts as soon as there is something to record. */
  start(): void {
    this.#kick(0);
  }

  /** Whose video and audio a file started now would take. */
  get view(): { video: string | null; audio: string[] } {
    return this.#o.tap.view;
  }

  /** Until media flows into the first file (its first key frame), at most `ms`. */
  async started(ms: number): Promise<void> {
    await within(Promise.race([this.#first, this.#stopped]), ms, undefined);
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** The record with the segments being written, as far as they have got. */
  snapshot(): Recording {
    const done = new Set(this.#record.segments.map((s) => s.n));
    const live = [...this.#live].filter((s) => !done.has(s.n)).map((s) => s.snapshot());
    return { ...this.#record, segments: [...this.#record.segments, ...live].sort((a, b) => a.n - b.n) };
  }

  /** Pids of the recorders running now (tests and the operator's status). */
  get recorderPids(): number[] {
    return [...this.#live].filter((s) => s.running).flatMap((s) => (s.pid ? [s.pid] : []));
  }

  #kick(delayMs: number): void {
    if (this.#stopping || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, delayMs);
  }

  #run(): void {
    if (this.#working) {
      this.#dirty = true;
      return;
    }
    this.#working = (async () => {
      do {
        this.#dirty = false;
        try {
          await this.#step();
        } catch (err) {
          this.#log.error({ err }, 'recording step failed');
        }
      } while (this.#dirty && !this.#stopping);
    })().finally(() => {
      this.#working = undefined;
    });
  }

  /** Bring the files in line with the view: a new segment when it moved, none while it is empty. */
  async #step(): Promise<void> {
    if (this.#stopping) return;
    const want = this.#o.tap.view;
    const current = this.#current?.running ? this.#current : undefined;
    // By producer: a site that joined again sends from new producers, which need a new file.
    if (current && current.key === this.#o.tap.key) return;
    if (want.video === null && want.audio.length === 0) {
      // Nobody to record (the hub left, and nobody holds the floor): the file ends; the next
      // begins when someone sends again.
      if (current) this.#finishLater(current, 'switch');
      this.#current = undefined;
      this.#settleFirst();
      return;
    }
    if (!(await this.#o.diskOk())) {
      this.#log.error('the disk is nearly full; the recording stops');
      void this.stop('disk-full');
      return;
    }
    let next: Segment;
    try {
      next = await Segment.open({
        n: this.#nextNumber(),
        dir: this.#o.dir,
        tap: this.#o.tap,
        address: this.#o.address,
        logger: this.#log,
      });
    } catch (err) {
      this.#failed(`could not start a segment: ${(err as Error).message}`);
      return;
    }
    this.#live.add(next);
    void next.ended.then((exit) => {
      if (exit.asked) return;
      // Crashed, or gave up by itself (ffmpeg's input timeout when nothing came for a while).
      const why = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
      this.#record = { ...this.#record, restarts: this.#record.restarts + 1 };
      this.#log.warn({ segment: next.n, why, stderr: exit.stderr }, 'the recorder ended by itself; starting again');
      this.emit('restarted', next.n, why);
      const quick = Date.now() - Date.parse(next.startedAt) < STABLE_MS;
      this.#quickCrashes = quick ? this.#quickCrashes + 1 : 0;
      void this.#finish(next, 'crash')
        .catch((err: Error) => this.#log.error({ segment: next.n, err: err.message }, 'could not finish a segment'))
        .then(() => {
          if (this.#current === next) this.#current = undefined;
          this.#kick(this.#retryDelay());
        });
    });
    this.emit('changed', this.snapshot());
    const flowing = await within(Promise.race([next.flowing, this.#stopped.then(() => false)]), FLOW_TIMEOUT_MS, false);
    if (flowing) {
      this.#failures = 0;
      this.#everFlowed = true;
      this.#settleFirst();
    } else if (next.running) {
      this.#log.warn({ segment: next.n, view: next.view }, 'no media flows to the recorder yet; keeping it');
    }
    // Make before break: the previous file ends only now that the next one has its picture.
    // (Stopping meanwhile: the stop ends both.) Its recorder may take a few seconds to end
    // (its source left: ffmpeg's input timeout); the next change need not wait for it.
    if (current && current !== next && !this.#stopping) this.#finishLater(current, 'switch');
    if (next.running) this.#current = next;
  }

  /** The next segment's number: after every kept or running one (a dropped empty file's is reused). */
  #nextNumber(): number {
    const used = [...this.#record.segments.map((s) => s.n), ...[...this.#live].map((s) => s.n)];
    return used.length ? Math.max(...used) + 1 : 1;
  }

  /** Grows while recorders keep failing to start or crash soon after they started. */
  #retryDelay(): number {
    const tries = Math.max(this.#failures - 1, this.#quickCrashes - 1, 0);
    return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** tries);
  }

  #failed(why: string): void {
    this.#failures++;
    this.#log.warn({ failures: this.#failures, why }, 'recording segment failed');
    if (!this.#everFlowed && this.#failures >= MAX_FAILURES) {
      void this.stop('recorder-failed', 'failed');
      return;
    }
    this.#kick(this.#retryDelay());
  }

  #finishLater(segment: Segment, end: NonNullable<RecordingSegment['end']>): void {
    this.#finish(segment, end).catch((err: Error) => {
      this.#log.error({ segment: segment.n, err: err.message }, 'could not finish a segment');
    });
  }

  /** End a segment's file and keep it in the record (an empty one is dropped). Once per segment. */
  #finish(segment: Segment, end: NonNullable<RecordingSegment['end']>): Promise<void> {
    let finishing = this.#finishing.get(segment);
    if (!finishing) {
      finishing = (async () => {
        const exit = await segment.stop();
        const described = await segment.describe(end);
        this.#live.delete(segment);
        if (!described.seconds) {
          // The recorder wrote no media (it never got any, or was cut before its first cluster).
          await removeFile(segment.path, this.#log);
          this.#log.warn(
            { segment: segment.n, bytes: described.bytes, code: exit.code, signal: exit.signal, stderr: exit.stderr },
            'segment without media dropped',
          );
          if (end === 'crash') this.#failures++;
        } else {
          const segments = [...this.#record.segments, described].sort((a, b) => a.n - b.n);
          this.#record = { ...this.#record, segments };
          this.#log.info(
            { segment: segment.n, seconds: described.seconds, bytes: described.bytes, end },
            'recording segment finished',
          );
        }
        this.emit('changed', this.snapshot());
      })();
      this.#finishing.set(segment, finishing);
    }
    return finishing;
  }

  /** Stop: every recorder finishes its file; the record is final. Harmless the second time. */
  stop(reason: string, state: 'stopped' | 'failed' = 'stopped'): Promise<Recording> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#stopSignal();
      await this.#working;
      // The recorders first, while media still flows: each finishes its file with what it has.
      await Promise.all([...this.#live].map((s) => this.#finish(s, 'stop')));
      await Promise.all(this.#finishing.values());
      this.#o.tap.close();
      this.#current = undefined;
      this.#record = { ...this.#record, state, stoppedAt: new Date().toISOString(), stopReason: reason };
      this.#log.info(
        { reason, state, segments: this.#record.segments.length, restarts: this.#record.restarts },
        'recording stopped',
      );
      this.emit('ended', this.#record);
      this.removeAllListeners();
      return this.#record;
    })();
    return this.#stopping;
  }
}
