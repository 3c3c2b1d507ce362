// Opens and ends sessions at their times, exactly once: the transition is a compare-and-set
// in the store, and with several instances on one Redis only the holder of a lease makes it.
// Every instance follows the store: it applies an open session's phase to its own sites and
// ends it when the store (or the clock) says it is over. A session whose start passed while
// the service was down opens on boot if it is still within its window; otherwise it is
// recorded as missed.
import { EventEmitter } from 'node:events';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { Outbox } from '../../store/outbox.js';
import type { Session } from '../../store/records.js';
import type { Store } from '../../store/store.js';

interface SchedulerEvents {
  /** The session's phase begins in this process (freshly opened, or found open at boot). */
  opened: [Session];
  ended: [Session];
  missed: [Session];
}

const LEASE = 'scheduler';

export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly #store: Store;
  readonly #outbox: Outbox;
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
    outbox: Outbox;
    clock: Clock;
    logger: Logger;
    instanceId: string;
    tickMs?: number;
    leaseMs?: number;
  }) {
    super();
    this.#store = opts.store;
    this.#outbox = opts.outbox;
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
    // Only the lease holder opens and ends sessions in the store; every instance follows the
    // store, so each applies the phase to its own sites and none is left stuck in a phase.
    const leader = await this.#store.acquireLease(LEASE, this.#instance, this.#leaseMs);
    const now = this.#clock.now();
    const sessions = await this.#store.listSessions();
    const latest = new Map(sessions.map((s) => [s.id, s]));
    if (leader) {
      for (const s of sessions) {
        const next = await this.#transition(s, now);
        if (next) latest.set(s.id, next);
      }
    }
    for (const s of latest.values()) {
      const end = Date.parse(s.startsAt) + s.durationMinutes * 60_000;
      if (s.status === 'open' && now < end && !this.#active.has(s.id)) {
        // Open in the store but not here: opened by another instance, or before a restart.
        this.#log.info({ session: s.id, leader }, 'following a session that is open');
        this.#apply(s);
      }
    }
    // Sessions applied here that ended (in the store, or by their clock while no leader acts).
    for (const [id, applied] of this.#active) {
      const current = latest.get(id);
      const end = Date.parse(applied.startsAt) + applied.durationMinutes * 60_000;
      if (current?.status !== 'open' || now >= end)
        this.#end(current?.status === 'open' ? applied : (current ?? applied));
    }
  }

  /** The leader's transitions: open what is due, end what is over, mark what was missed. */
  async #transition(s: Session, now: number): Promise<Session | undefined> {
    const start = Date.parse(s.startsAt);
    const end = start + s.durationMinutes * 60_000;
    const at = new Date(now).toISOString();
    if (s.status === 'scheduled' && now >= start) {
      if (now < end) {
        const open: Session = { ...s, status: 'open', openedAt: at, updatedAt: at };
        if (!(await this.#store.compareAndSetSession('scheduled', open))) return undefined;
        await this.#record('session.opened', open, { late: now - start > this.#tickMs * 2 ? now - start : 0 });
        return open;
      }
      const missed: Session = { ...s, status: 'missed', updatedAt: at };
      if (!(await this.#store.compareAndSetSession('scheduled', missed))) return undefined;
      await this.#record('session.missed', missed, {});
      this.emit('missed', missed);
      return missed;
    }
    if (s.status === 'open' && now >= end) {
      const ended: Session = { ...s, status: 'ended', endedAt: at, updatedAt: at };
      if (!(await this.#store.compareAndSetSession('open', ended))) return undefined;
      await this.#record('session.ended', ended, {});
      return ended;
    }
    return undefined;
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
    this.#outbox
      .event({ type, sessionId: s.id, data: { kind: s.kind, title: s.title, ...data } })
      .catch((err: Error) => this.#log.error({ err: err.message }, 'could not record a session event'));
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
