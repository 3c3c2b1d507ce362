// Opens and ends sessions at their times, exactly once: the transition is a compare-and-set
// in the store, and with several instances on one Redis only the holder of a lease acts. A
// session whose start passed while the service was down opens on boot if it is still within
// its window; otherwise it is recorded as missed.
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { Session } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';

interface SchedulerEvents {
  /** The session's phase begins in this process (freshly opened, or found open at boot). */
  opened: [Session];
  ended: [Session];
  missed: [Session];
}

const LEASE = 'scheduler';

export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #instance: string;
  readonly #tickMs: number;
  readonly #leaseMs: number;
  /** Sessions whose phase this process applied. */
  readonly #active = new Map<string, Session>();
  #timer: unknown;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(opts: {
    store: Store;
    clock: Clock;
    logger: Logger;
    instanceId: string;
    tickMs?: number;
    leaseMs?: number;
  }) {
    super();
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#log = opts.logger.child({ component: 'scheduler' });
    this.#instance = opts.instanceId;
    this.#tickMs = opts.tickMs ?? 1000;
    this.#leaseMs = opts.leaseMs ?? 5000;
  }

  start(): void {
    this.#schedule(0);
  }

  #schedule(ms: number) {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#ticking = this.tick()
        .catch((err: Error) => this.#log.warn({ err: err.message }, 'scheduler tick failed; retrying'))
        .finally(() => this.#schedule(this.#tickMs));
    }, ms);
  }

  active(): Session[] {
    return [...this.#active.values()];
  }

  async tick(): Promise<void> {
    if (this.#closed) return;
    if (!(await this.#store.acquireLease(LEASE, this.#instance, this.#leaseMs))) {
      // Another instance schedules; this one only follows what it applied (none, normally).
      return;
    }
    const now = this.#clock.now();
    const sessions = await this.#store.listSessions();
    const latest = new Map(sessions.map((s) => [s.id, s]));
    for (const s of sessions) {
      const start = Date.parse(s.startsAt);
      const end = start + s.durationMinutes * 60_000;
      const at = new Date(now).toISOString();
      if (s.status === 'scheduled' && now >= start) {
        if (now < end) {
          const open: Session = { ...s, status: 'open', openedAt: at, updatedAt: at };
          if (await this.#store.compareAndSetSession('scheduled', open)) {
            latest.set(s.id, open);
            await this.#record('session.opened', open, { late: now - start > this.#tickMs * 2 ? now - start : 0 });
            this.#apply(open);
          }
        } else {
          const missed: Session = { ...s, status: 'missed', updatedAt: at };
          if (await this.#store.compareAndSetSession('scheduled', missed)) {
            await this.#record('session.missed', missed, {});
            this.emit('missed', missed);
          }
        }
      } else if (s.status === 'open') {
        if (now >= end) {
          const ended: Session = { ...s, status: 'ended', endedAt: at, updatedAt: at };
          if (await this.#store.compareAndSetSession('open', ended)) {
            latest.set(s.id, ended);
            await this.#record('session.ended', ended, {});
            this.#end(ended);
          }
        } else if (!this.#active.has(s.id)) {
          // Open in the store but not here: the service restarted mid-session. Resume its phase.
          this.#log.info({ session: s.id }, 'resuming a session that was open before a restart');
          this.#apply(s);
        }
      }
    }
    // Sessions applied here that ended elsewhere (cancelled by the operator, or another writer).
    for (const [id, applied] of this.#active) {
      const current = latest.get(id);
      if (current?.status !== 'open') this.#end(current ?? applied);
    }
  }

  #apply(s: Session) {
    this.#active.set(s.id, s);
    this.#log.info({ session: s.id, kind: s.kind, title: s.title }, 'session opened');
    this.emit('opened', s);
  }

  #end(s: Session) {
    if (!this.#active.delete(s.id)) return;
    this.#log.info({ session: s.id, status: s.status }, 'session ended');
    this.emit('ended', s);
  }

  async #record(type: string, s: Session, data: Record<string, unknown>) {
    await this.#store
      .appendEvent({ type, sessionId: s.id, data: { kind: s.kind, title: s.title, ...data } })
      .catch((err: Error) => this.#log.warn({ err: err.message }, 'could not record a session event'));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    await this.#ticking;
    await this.#store.releaseLease(LEASE, this.#instance).catch((err: Error) => {
      this.#log.debug({ err: err.message }, 'could not release the scheduler lease');
    });
    this.removeAllListeners();
  }
}
