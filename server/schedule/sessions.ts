// Sessions over the always-open conference: a rehearsal (connectivity checks) or the live
// briefing (alerts, the day's timeline). Stored in UTC; entered and shown in the schedule's zone.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { Roster } from '../../config/roster.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Outbox } from '../../store/outbox.js';
import type { NewEvent, Session } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { dayBefore, formatInZone, zonedToUtc } from './zone.js';

const title = z.string().trim().min(1, 'expected a title').max(200);
const agenda = z
  .array(z.strictObject({ title, siteId: z.string().optional(), minutes: z.number().int().min(1).max(600) }))
  .max(200);
export const newSessionSchema = z.strictObject({
  kind: z.enum(['rehearsal', 'live'], { error: 'expected "rehearsal" or "live"' }),
  title,
  startsAt: z.iso.datetime({
    offset: true,
    error: 'expected an ISO 8601 time with an offset, e.g. 2012-06-22T08:00:00+07:00',
  }),
  durationMinutes: z
    .number({ error: 'expected minutes' })
    .int()
    .min(1)
    .max(24 * 60),
  siteIds: z.array(z.string()).min(1).optional(),
  agenda: agenda.optional(),
});
export const sessionPatchSchema = newSessionSchema.partial();
export const planSchema = z.strictObject({
  date: z.iso.date({ error: 'expected the briefing day as YYYY-MM-DD' }),
  title: title.optional(),
  liveAt: z
    .string()
    .regex(/^\d{2}:\d{2}$/, 'expected HH:MM')
    .default('08:00'),
  rehearsalAt: z
    .string()
    .regex(/^\d{2}:\d{2}$/, 'expected HH:MM')
    .default('16:30'),
  liveMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(9 * 60),
  rehearsalMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(90),
  siteIds: z.array(z.string()).min(1).optional(),
  agenda: agenda.optional(),
});

export type NewSession = z.infer<typeof newSessionSchema>;

interface SessionEvents {
  /** An open session was cancelled: the scheduler ends its phase. */
  cancelled: [Session];
}

const endOf = (s: Pick<Session, 'startsAt' | 'durationMinutes'>) => Date.parse(s.startsAt) + s.durationMinutes * 60_000;

export class SessionService extends EventEmitter<SessionEvents> {
  readonly #log: Logger;

  constructor(
    readonly store: Store,
    readonly outbox: Outbox,
    readonly roster: Roster,
    readonly clock: Clock,
    readonly timeZone: string,
    logger: Logger,
  ) {
    super();
    this.#log = logger.child({ component: 'sessions' });
  }

  #checkSites(siteIds: readonly string[] | undefined): string[] {
    if (!siteIds) return this.roster.sites.map((s) => s.id);
    const unknown = siteIds.filter((id) => !this.roster.get(id));
    if (unknown.length)
      throw new AppError('bad_request', `siteIds: not in the roster: ${unknown.slice(0, 10).join(', ')}`);
    return [...new Set(siteIds)];
  }

  async #checkOverlap(candidate: Pick<Session, 'id' | 'startsAt' | 'durationMinutes'>) {
    const start = Date.parse(candidate.startsAt);
    const end = endOf(candidate);
    const clash = (await this.store.listSessions()).find(
      (s) =>
        s.id !== candidate.id &&
        (s.status === 'scheduled' || s.status === 'open') &&
        Date.parse(s.startsAt) < end &&
        start < endOf(s),
    );
    if (clash) {
      throw new AppError(
        'conflict',
        `overlaps the ${clash.kind} "${clash.title}" (${formatInZone(clash.startsAt, this.timeZone)}, ${clash.durationMinutes} min)`,
      );
    }
  }

  #build(input: NewSession): Session {
    const at = new Date(this.clock.now()).toISOString();
    const session: Session = {
      id: randomUUID(),
      kind: input.kind,
      title: input.title,
      startsAt: new Date(input.startsAt).toISOString(),
      durationMinutes: input.durationMinutes,
      siteIds: this.#checkSites(input.siteIds),
      agenda: input.agenda ?? [],
      status: 'scheduled',
      createdAt: at,
      updatedAt: at,
    };
    if (endOf(session) <= this.clock.now())
      throw new AppError('bad_request', 'startsAt: the session would be over already');
    return session;
  }

  /** An event for the log, through the outbox: a request that stored its change succeeds. */
  #record(event: NewEvent): void {
    this.outbox.event(event).catch((err: Error) => this.#log.error({ err: err.message }, 'could not record an event'));
  }

  #scheduled(sessions: readonly Session[]): void {
    for (const s of sessions)
      this.#record({ type: 'session.scheduled', sessionId: s.id, data: { kind: s.kind, startsAt: s.startsAt } });
  }

  async create(input: NewSession): Promise<Session> {
    const session = this.#build(input);
    await this.#checkOverlap(session);
    await this.store.putSession(session);
    this.#scheduled([session]);
    return session;
  }

  /**
   * The pair from the plan: a rehearsal the day before (16:30) and the live session (08:00),
   * stored together or not at all.
   */
  async plan(input: z.infer<typeof planSchema>): Promise<[Session, Session]> {
    const name = input.title ?? 'Giao ban trực tuyến';
    const liveStart = zonedToUtc(input.date, input.liveAt, this.timeZone).toISOString();
    const rehearsalStart = zonedToUtc(dayBefore(input.date), input.rehearsalAt, this.timeZone).toISOString();
    const rehearsal = this.#build({
      siteIds: input.siteIds,
      kind: 'rehearsal',
      title: `Kiểm tra kết nối — ${name}`,
      startsAt: rehearsalStart,
      durationMinutes: input.rehearsalMinutes,
    });
    const live = this.#build({
      siteIds: input.siteIds,
      kind: 'live',
      title: name,
      startsAt: liveStart,
      durationMinutes: input.liveMinutes,
      agenda: input.agenda,
    });
    if (Date.parse(live.startsAt) < endOf(rehearsal))
      throw new AppError('bad_request', 'the rehearsal would not be over before the live session starts');
    await this.#checkOverlap(rehearsal);
    await this.#checkOverlap(live);
    await this.store.putSessions([rehearsal, live]);
    this.#scheduled([rehearsal, live]);
    return [rehearsal, live];
  }

  async get(id: string): Promise<Session> {
    const s = await this.store.getSession(id);
    if (!s) throw new AppError('not_found', `no session with id "${id}"`);
    return s;
  }

  list(): Promise<Session[]> {
    return this.store.listSessions();
  }

  async update(id: string, patch: z.infer<typeof sessionPatchSchema>): Promise<Session> {
    const current = await this.get(id);
    if (current.status !== 'scheduled')
      throw new AppError('conflict', `the session is ${current.status}; only a scheduled one can change`);
    const next: Session = {
      ...current,
      ...(patch.kind ? { kind: patch.kind } : {}),
      ...(patch.title ? { title: patch.title } : {}),
      ...(patch.startsAt ? { startsAt: new Date(patch.startsAt).toISOString() } : {}),
      ...(patch.durationMinutes ? { durationMinutes: patch.durationMinutes } : {}),
      ...(patch.siteIds ? { siteIds: this.#checkSites(patch.siteIds) } : {}),
      ...(patch.agenda ? { agenda: patch.agenda } : {}),
      updatedAt: new Date(this.clock.now()).toISOString(),
    };
    await this.#checkOverlap(next);
    if (!(await this.store.compareAndSetSession('scheduled', next)))
      throw new AppError('conflict', 'the session opened meanwhile');
    return next;
  }

  async cancel(id: string): Promise<Session> {
    const current = await this.get(id);
    if (current.status !== 'scheduled' && current.status !== 'open') {
      throw new AppError('conflict', `the session is already ${current.status}`);
    }
    const at = new Date(this.clock.now()).toISOString();
    const next: Session = {
      ...current,
      status: 'cancelled',
      updatedAt: at,
      ...(current.status === 'open' ? { endedAt: at } : {}),
    };
    if (!(await this.store.compareAndSetSession(current.status, next)))
      throw new AppError('conflict', 'the session changed meanwhile; try again');
    this.#record({ type: 'session.cancelled', sessionId: id });
    if (current.status === 'open') this.emit('cancelled', next);
    return next;
  }
}
