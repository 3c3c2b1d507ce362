// The schedule as the board holds it: the sessions (read when the panel opens, every 15 s
// while it is open, and whenever the conference phase changes, the last also while it is
// closed, so a rehearsal that opens gets its report read and the tiles' marks follow it),
// planning a briefing day, cancelling a session, and which rehearsal the report is about.
import { signal } from '@preact/signals';
import type { ConferenceView } from '../../contract/index.js';
import { failureText } from './actions.js';
import { ApiError, type OperatorApi, type SessionView } from './api.js';
import { wallClock, zoneDate } from './format.js';
import { t } from './i18n.js';
import { type Outcome, ReportData } from './rehearsal-report.js';

const LIST_POLL_MS = 15_000;

/** A session's start on the schedule's own wall clock, "16:30 21/06/2012". */
export const startText = (s: SessionView) => wallClock(s.startsAtLocal, s.startsAt);

export class Schedule {
  readonly open = signal(false);
  readonly sessions = signal<readonly SessionView[] | null>(null);
  readonly listError = signal<string | null>(null);
  /** The session whose cancellation is being asked about, on the panel itself. */
  readonly confirming = signal<string | null>(null);
  readonly cancelling = signal<string | null>(null);
  readonly listOutcome = signal<Outcome | null>(null);
  /** The plan form: the day (YYYY-MM-DD) and the title as typed. */
  readonly date = signal('');
  readonly title = signal('');
  readonly planning = signal(false);
  readonly planOutcome = signal<Outcome | null>(null);
  readonly report: ReportData;
  #reads = 0;
  #listTimer: ReturnType<typeof setTimeout> | undefined;
  #phase: ConferenceView['phase'] | undefined;
  /** The rehearsal whose report the operator asked for; otherwise the one under way or the last. */
  #picked: string | null = null;

  constructor(
    readonly api: OperatorApi,
    names: (siteIds: readonly string[]) => string,
  ) {
    this.report = new ReportData(api, names);
  }

  show(): void {
    // Tomorrow in the briefing's zone unless the operator already chose a day.
    if (!this.date.peek()) this.date.value = zoneDate(Date.now(), 1);
    this.open.value = true;
    void this.refresh();
  }

  hide(): void {
    this.open.value = false;
    this.confirming.value = null;
    clearTimeout(this.#listTimer);
    this.#listTimer = undefined;
  }

  /** Every conference view: a change of phase means a session opened or ended. */
  phase(phase: ConferenceView['phase']): void {
    if (phase === this.#phase) return;
    // A rehearsal that opens is what the operator wants to watch, whatever was picked before.
    if (phase === 'rehearsal') this.#picked = null;
    this.#phase = phase;
    void this.refresh();
  }

  /** Read the sessions (and so the report) now; again in 15 s while the panel is open. */
  async refresh(): Promise<void> {
    clearTimeout(this.#listTimer);
    this.#listTimer = undefined;
    const read = ++this.#reads;
    try {
      const sessions = await this.api.sessions();
      if (read !== this.#reads) return;
      this.sessions.value = sessions;
      this.listError.value = null;
    } catch (err) {
      if (read !== this.#reads) return;
      this.listError.value = failureText(err);
    }
    this.report.show(this.#reportSession());
    if (this.open.peek()) this.#listTimer = setTimeout(() => void this.refresh(), LIST_POLL_MS);
  }

  /** The rehearsal to report on: the one picked, else the one under way, else the last that ran. */
  #reportSession(): SessionView | null {
    const rehearsals = (this.sessions.peek() ?? []).filter((s) => s.kind === 'rehearsal');
    const picked = rehearsals.find((s) => s.id === this.#picked);
    if (picked) return picked;
    const ran = rehearsals.filter((s) => s.openedAt).sort((a, b) => b.startsAt.localeCompare(a.startsAt));
    return rehearsals.find((s) => s.status === 'open') ?? ran[0] ?? null;
  }

  /** The operator asked for this rehearsal's report. */
  pick(session: SessionView): void {
    this.#picked = session.id;
    this.report.show(session);
  }

  async plan(): Promise<void> {
    if (this.planning.peek()) return;
    const date = this.date.peek();
    const title = this.title.peek().trim();
    this.planning.value = true;
    this.planOutcome.value = null;
    try {
      const { rehearsal, live } = await this.api.plan({ date, ...(title ? { title } : {}) });
      this.planOutcome.value = {
        ok: true,
        text: () => t('plan.done', { rehearsal: startText(rehearsal), live: startText(live) }),
      };
    } catch (err) {
      const message = failureText(err);
      const conflict = err instanceof ApiError && err.code === 'conflict';
      this.planOutcome.value = { ok: false, text: () => t(conflict ? 'plan.conflict' : 'plan.failed', { message }) };
    }
    this.planning.value = false;
    await this.refresh();
  }

  askCancel(sessionId: string | null): void {
    this.confirming.value = sessionId;
    if (sessionId) this.listOutcome.value = null;
  }

  async cancel(s: SessionView): Promise<void> {
    this.confirming.value = null;
    this.cancelling.value = s.id;
    try {
      await this.api.cancelSession(s.id);
      this.listOutcome.value = { ok: true, text: () => t('session.cancelled', { title: s.title }) };
    } catch (err) {
      const message = failureText(err);
      this.listOutcome.value = { ok: false, text: () => t('session.cancelFailed', { message }) };
    }
    this.cancelling.value = null;
    await this.refresh();
  }

  close(): void {
    this.hide();
    this.report.close();
    this.#reads++; // an answer still on its way is dropped
  }
}
