// The briefing's recordings: started when the live session opens (RECORDING_AUTO) or by the
// operator, stopped by the operator, with the session, or at shutdown. One runs at a time (it
// records the whole conference; a second would be a copy). Files go to
// DATA_DIR/recordings/<id>/segment-<n>.webm; the record of each recording is in the store, so
// the list and the downloads outlive a restart. A recording found still "recording" at start
// was cut by a crash of the service: it is closed as interrupted, its files kept.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Conference } from '../../media/index.js';
import type { Outbox } from '../../store/outbox.js';
import type { Recording, RecordingSegment, Session } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { freeMegabytes } from './disk.js';
import { probeMedia } from './probe.js';
import { ActiveRecording } from './recording.js';

/** The recorder runs on this host: plain RTP between mediasoup and ffmpeg never leaves it. */
const RECORDER_ADDRESS = '127.0.0.1';
/** How long starting waits for media to flow into the recorder before it answers anyway. */
const START_WAIT_MS = 8000;
/** How often the free space is checked while recording. */
const DISK_CHECK_MS = 15_000;

export interface RecordingsOptions {
  readonly conference: Conference;
  readonly store: Store;
  readonly outbox: Outbox;
  /** DATA_DIR: recordings go to its recordings/ folder. */
  readonly dataDir: string;
  readonly minFreeMb: number;
  /** This node's id (its disk holds the files of the recordings it makes). */
  readonly node: string;
  /** The live session open now, if any (a recording started during it belongs to it). */
  readonly liveSession: () => Session | undefined;
  readonly logger: Logger;
}

/** A recording as the API shows it: its record, with totals and where to fetch each segment. */
export interface RecordingView extends Omit<Recording, 'segments'> {
  readonly seconds: number;
  readonly bytes: number;
  readonly segments: (RecordingSegment & { readonly url: string })[];
  /** While it records: whose video and audio a file started now would take. */
  readonly now?: { readonly video: string | null; readonly audio: readonly string[] };
}

export type RefusalReason = 'disk' | 'busy' | 'no-recorder';

export class Recordings {
  readonly #o: RecordingsOptions;
  readonly #log: Logger;
  readonly #dir: string;
  readonly #active = new Map<string, ActiveRecording>();
  #diskTimer: NodeJS.Timeout | undefined;
  #recorderChecked: Promise<string | undefined> | undefined;
  /** A start under way (two at once would both pass the one-at-a-time check). */
  #starting = false;
  #closed = false;
  /** Since start, for /metrics. */
  readonly counts = {
    started: 0,
    stopped: 0,
    restarts: 0,
    segments: 0,
    refused: { disk: 0, busy: 0, 'no-recorder': 0 } as Record<RefusalReason, number>,
  };

  private constructor(o: RecordingsOptions) {
    this.#o = o;
    this.#log = o.logger.child({ component: 'recordings' });
    this.#dir = join(o.dataDir, 'recordings');
  }

  static async create(o: RecordingsOptions): Promise<Recordings> {
    const r = new Recordings(o);
    await r.#closeInterrupted();
    // Known before the session opens, not when it should be recorded.
    void r.#recorderMissing().then((missing) => {
      if (missing) r.#log.warn(missing);
    });
    return r;
  }

  /** Recordings running now. */
  get active(): number {
    return this.#active.size;
  }

  /** Seconds recorded by the running recordings (their files so far). */
  get activeSeconds(): number {
    let total = 0;
    for (const a of this.#active.values()) for (const s of a.snapshot().segments) total += s.seconds ?? 0;
    return total;
  }

  /** Pids of the recorder processes running now. */
  recorderPids(): number[] {
    return [...this.#active.values()].flatMap((a) => a.recorderPids);
  }

  /** Start recording now (refused: one already runs, the disk is nearly full, no ffmpeg). */
  async start(by: Recording['by'], sessionId: string | null = this.#o.liveSession()?.id ?? null) {
    if (this.#closed) throw new AppError('media_unavailable', 'the service is shutting down');
    const running = [...this.#active.values()].find((a) => !a.stopping);
    if (running) this.#refuse('busy', `recording ${running.id} is already running; stop it first`);
    if (this.#starting) this.#refuse('busy', 'a recording is being started already');
    this.#starting = true;
    try {
      return await this.#start(by, sessionId);
    } finally {
      this.#starting = false;
    }
  }

  async #start(by: Recording['by'], sessionId: string | null): Promise<RecordingView> {
    const missing = await this.#recorderMissing();
    if (missing) this.#refuse('no-recorder', missing);
    const free = await freeMegabytes(this.#dir);
    if (free < this.#o.minFreeMb) {
      this.#refuse(
        'disk',
        `the disk is nearly full: ${free} MB free under ${this.#dir}, and a recording needs at least ${this.#o.minFreeMb} MB (RECORDING_MIN_FREE_MB)`,
      );
    }
    const id = `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
    const record: Recording = {
      id,
      sessionId,
      node: this.#o.node,
      state: 'recording',
      by,
      startedAt: new Date().toISOString(),
      restarts: 0,
      segments: [],
    };
    const dir = join(this.#dir, id);
    const log = this.#log.child({ recording: id });
    const active = new ActiveRecording({
      record,
      dir,
      tap: this.#o.conference.record(RECORDER_ADDRESS),
      address: RECORDER_ADDRESS,
      logger: log,
      diskOk: () => this.#diskOk(),
    });
    this.#active.set(id, active);
    this.counts.started++;
    let segments = 0;
    active.on('changed', (r) => {
      if (r.segments.length > segments) this.counts.segments += r.segments.length - segments;
      segments = r.segments.length;
      this.#save(r);
    });
    active.on('restarted', (segment, why) => {
      this.counts.restarts++;
      this.#event('recording.recorder-restarted', sessionId, { recordingId: id, segment, why });
    });
    active.once('ended', (r) => {
      this.#active.delete(id);
      this.counts.stopped++;
      this.#save(r);
      const v = view(r);
      this.#event('recording.stopped', r.sessionId, {
        recordingId: id,
        reason: r.stopReason ?? 'unknown',
        state: r.state,
        segments: r.segments.length,
        seconds: Math.round(v.seconds * 10) / 10,
        bytes: v.bytes,
        restarts: r.restarts,
      });
      if (this.#active.size === 0) this.#stopDiskWatch();
    });
    this.#save(record);
    this.#event('recording.started', sessionId, { recordingId: id, by, node: this.#o.node });
    log.info({ by, session: sessionId, dir }, 'recording started');
    active.start();
    this.#watchDisk();
    // The answer comes once media flows into the recorder, so "recording" means it.
    await active.started(START_WAIT_MS);
    return view(active.snapshot(), active);
  }

  /** Stop a running recording; each recorder finishes its file. */
  async stop(id: string, reason = 'operator'): Promise<RecordingView> {
    const active = this.#active.get(id);
    if (!active) {
      const stored = await this.#o.store.getRecording(id);
      if (!stored) throw new AppError('not_found', `no recording ${id}`);
      if (stored.state === 'recording' && stored.node !== this.#o.node)
        throw new AppError('conflict', `recording ${id} runs on node ${stored.node}; stop it there`);
      throw new AppError('conflict', `recording ${id} is not running (${stored.state})`);
    }
    return view(await active.stop(reason));
  }

  async list(): Promise<RecordingView[]> {
    const stored = await this.#o.store.listRecordings();
    return stored.map((r) => {
      const active = this.#active.get(r.id);
      return active ? view(active.snapshot(), active) : view(r);
    });
  }

  async get(id: string): Promise<RecordingView> {
    const active = this.#active.get(id);
    if (active) return view(active.snapshot(), active);
    const stored = await this.#o.store.getRecording(id);
    if (!stored) throw new AppError('not_found', `no recording ${id}`);
    return view(stored);
  }

  /** A finished segment's file, for download. */
  async segmentFile(id: string, n: number): Promise<{ path: string; bytes: number; name: string }> {
    const r = await this.get(id);
    const segment = r.segments.find((s) => s.n === n);
    if (!segment) throw new AppError('not_found', `recording ${id} has no segment ${n} (it has ${r.segments.length})`);
    if (r.node !== this.#o.node)
      throw new AppError('conflict', `recording ${id} is on node ${r.node}; download it there`);
    if (!segment.endedAt)
      throw new AppError('conflict', `segment ${n} is still being written; it can be downloaded once it ends`);
    const path = join(this.#dir, id, segment.file);
    const bytes = await stat(path).then(
      (s) => s.size,
      () => {
        throw new AppError('not_found', `the file of segment ${n} of recording ${id} is gone from the disk`);
      },
    );
    return { path, bytes, name: `giao-ban-${id}-${n}.webm` };
  }

  /** A live session opened: record it from its start (one node of a cluster does). */
  async sessionOpened(session: Session): Promise<void> {
    if (session.kind !== 'live' || this.#closed) return;
    if ([...this.#active.values()].some((a) => a.snapshot().sessionId === session.id)) return;
    const endsAt = Date.parse(session.startsAt) + session.durationMinutes * 60_000;
    const ttl = Math.max(60_000, endsAt - Date.now() + 60_000);
    if (!(await this.#o.store.acquireLease(`recording:${session.id}`, this.#o.node, ttl))) {
      this.#log.info({ session: session.id }, 'another node records this session');
      return;
    }
    try {
      await this.start('session', session.id);
    } catch (err) {
      const message = err instanceof AppError ? err.message : (err as Error).message;
      this.#log.error({ session: session.id, err: message }, 'could not record the live session');
    }
  }

  /** A session ended: its recording stops with it. */
  async sessionEnded(session: Session): Promise<void> {
    const mine = [...this.#active.values()].filter((a) => a.snapshot().sessionId === session.id);
    await Promise.all(mine.map((a) => a.stop('session-ended')));
  }

  #refuse(reason: RefusalReason, message: string): never {
    this.counts.refused[reason]++;
    this.#event('recording.refused', this.#o.liveSession()?.id ?? null, { reason, message });
    throw new AppError(reason === 'no-recorder' ? 'media_unavailable' : 'conflict', message);
  }

  /** Why no recorder can run here (ffmpeg missing), checked once. */
  #recorderMissing(): Promise<string | undefined> {
    this.#recorderChecked ??= promisify(execFile)('ffmpeg', ['-hide_banner', '-version'], { timeout: 10_000 }).then(
      () => undefined,
      (err: Error) => `no recorder: ffmpeg cannot run here (${err.message}); install it with scripts/setup.sh`,
    );
    return this.#recorderChecked;
  }

  /** Room for another segment; a disk whose free space cannot be read counts as full. */
  async #diskOk(): Promise<boolean> {
    try {
      return (await freeMegabytes(this.#dir)) >= this.#o.minFreeMb;
    } catch (err) {
      this.#log.error({ err: (err as Error).message, dir: this.#dir }, 'cannot read the free disk space');
      return false;
    }
  }

  #watchDisk(): void {
    if (this.#diskTimer) return;
    this.#diskTimer = setInterval(() => {
      freeMegabytes(this.#dir).then(
        (free) => {
          if (free >= this.#o.minFreeMb) return;
          this.#log.error({ free, min: this.#o.minFreeMb }, 'the disk is nearly full; recordings stop');
          for (const a of this.#active.values()) void a.stop('disk-full');
        },
        (err: Error) => this.#log.warn({ err: err.message }, 'could not read the free disk space'),
      );
    }, DISK_CHECK_MS);
  }

  #stopDiskWatch(): void {
    clearInterval(this.#diskTimer);
    this.#diskTimer = undefined;
  }

  #save(r: Recording): void {
    this.#o.outbox
      .write(`recording ${r.id}`, (s) => s.putRecording(r))
      .catch((err: Error) => this.#log.error({ err: err.message, recording: r.id }, 'recording record not stored'));
  }

  #event(type: string, sessionId: string | null, data: Record<string, unknown>): void {
    this.#o.outbox
      .event({ type, ...(sessionId ? { sessionId } : {}), data })
      .catch((err: Error) => this.#log.error({ err: err.message, type }, 'event lost'));
  }

  /** Recordings this node was making when it last stopped without closing them. */
  async #closeInterrupted(): Promise<void> {
    const stored = await this.#o.store.listRecordings();
    for (const r of stored) {
      if (r.state !== 'recording' || r.node !== this.#o.node) continue;
      const segments = await Promise.all(
        r.segments.map(async (s): Promise<RecordingSegment> => {
          if (s.endedAt) return s;
          const path = join(this.#dir, r.id, s.file);
          const bytes = await stat(path).then(
            (st) => st.size,
            () => 0,
          );
          const probed =
            bytes > 0
              ? await probeMedia(path).catch((err: Error) => {
                  this.#log.warn({ recording: r.id, segment: s.n, err: err.message }, 'could not probe a segment');
                  return undefined;
                })
              : undefined;
          return {
            ...s,
            bytes,
            seconds: probed?.seconds ?? s.seconds,
            endedAt: new Date().toISOString(),
            end: 'crash',
          };
        }),
      );
      const closed: Recording = {
        ...r,
        state: 'stopped',
        stoppedAt: new Date().toISOString(),
        stopReason: 'interrupted',
        segments: segments.filter((s) => s.bytes > 0),
      };
      this.#save(closed);
      this.#event('recording.stopped', r.sessionId, {
        recordingId: r.id,
        reason: 'interrupted',
        state: 'stopped',
        segments: closed.segments.length,
        seconds: Math.round(view(closed).seconds * 10) / 10,
        bytes: view(closed).bytes,
        restarts: r.restarts,
      });
      this.#log.warn({ recording: r.id }, 'a recording cut by a restart of the service was closed');
    }
  }

  /** Stop every recording (the service is stopping): each file is finished. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopDiskWatch();
    await Promise.all([...this.#active.values()].map((a) => a.stop('shutdown')));
  }
}

function view(r: Recording, active?: ActiveRecording): RecordingView {
  const seconds = r.segments.reduce((sum, s) => sum + (s.seconds ?? 0), 0);
  const bytes = r.segments.reduce((sum, s) => sum + s.bytes, 0);
  return {
    ...r,
    seconds,
    bytes,
    segments: r.segments.map((s) => ({ ...s, url: `/api/recordings/${r.id}/segments/${s.n}` })),
    ...(active && !active.stopping ? { now: active.view } : {}),
  };
}
