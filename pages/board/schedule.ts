// The schedule panel, opened from the header's "Lịch": plan a briefing day (the server sets the
// rehearsal at 16:30 the day before and the live session at 08:00), see the sessions, cancel
// one, and read a rehearsal's report. It covers the side column only, so all 64 tiles stay in
// view. The list is read when the panel opens, every 15 s while it is open, and whenever the
// conference phase changes (a session opened or ended) — the last also while it is closed, so
// a rehearsal that opens gets its report read and the tiles' markers follow it.
import type { ConferenceView } from '../../contract/index.js';
import { failureText } from './actions.js';
import { ApiError, type OperatorApi, type SessionView } from './api.js';
import { el, fill, icon, show } from './dom.js';
import { dayBefore, dmy, vietnamDate, wallClock } from './format.js';
import { type StringKey, t } from './i18n.js';
import type { BoardModel } from './model.js';
import { ReportView } from './report.js';

export interface ScheduleHooks {
  /** A rehearsal's results changed: read every site's latest result again. */
  rehearsalResultsChanged(): void;
  /** Open a site's detail (from a failed site in the report). */
  select(siteId: string): void;
  /** The site detail is open over the panel: Escape is its, not the panel's. */
  detailOpen(): boolean;
  /** The operator opened the panel: a detail left open would cover it. */
  opened(): void;
}

interface Outcome {
  readonly ok: boolean;
  /** Worded when shown, so a language switch rewords it. */
  readonly text: () => string;
}

const LIST_POLL_MS = 15_000;
/** Past sessions listed (newest first); older ones are only counted. */
const PAST_SHOWN = 12;

const activeStatuses: ReadonlySet<string> = new Set(['open', 'scheduled']);

/** What matters now first: what is under way, then what comes next (soonest first), then the past. */
function ordered(sessions: readonly SessionView[]): { shown: SessionView[]; older: number } {
  const rank = (s: SessionView) => (s.status === 'open' ? 0 : s.status === 'scheduled' ? 1 : 2);
  const sorted = [...sessions].sort((a, b) => {
    const r = rank(a) - rank(b);
    if (r !== 0) return r;
    return rank(a) === 2 ? b.startsAt.localeCompare(a.startsAt) : a.startsAt.localeCompare(b.startsAt);
  });
  const active = sorted.filter((s) => rank(s) < 2);
  const past = sorted.filter((s) => rank(s) === 2);
  return { shown: [...active, ...past.slice(0, PAST_SHOWN)], older: Math.max(0, past.length - PAST_SHOWN) };
}

/** "90 phút", "9 giờ", "1 giờ 30 phút". */
function duration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (!h) return t('duration.minutes', { m });
  return m ? t('duration.hoursMinutes', { h, m }) : t('duration.hours', { h });
}

const when = (s: SessionView) => wallClock(s.startsAtLocal, s.startsAt);
const kindLabel = (s: SessionView) => t(s.kind === 'rehearsal' ? 'session.rehearsal' : 'session.live');

export class SchedulePanel {
  readonly #report: ReportView;
  #open = false;
  #sessions: SessionView[] | null = null;
  #listError: string | null = null;
  #reads = 0;
  #listTimer: ReturnType<typeof setTimeout> | undefined;
  #phase: ConferenceView['phase'] | undefined;
  /** The rehearsal whose report the operator asked for; otherwise the one under way or the last. */
  #picked: string | null = null;
  #confirming: string | null = null;
  #cancelling: string | null = null;
  #planning = false;
  #planOutcome: Outcome | null = null;
  #listOutcome: Outcome | null = null;
  #listKey = '';
  #date = '';
  #title = '';

  readonly #dateInput = el('input', { type: 'date', id: 'plan-date', name: 'date', required: true });
  readonly #titleInput = el('input', { type: 'text', id: 'plan-title', name: 'title', maxlength: 200 });
  readonly #planButton = el('button', { type: 'submit', class: 'primary', 'data-plan': 'submit' });
  readonly #planHint = el('p', { class: 'plan-hint' });
  readonly #planResult = el('p', { class: 'plan-result', role: 'status' });
  readonly #list = el('ul', { class: 'session-list' });
  readonly #listNote = el('p', { class: 'sessions-note' });
  readonly #listResult = el('p', { class: 'sessions-result', role: 'status' });

  constructor(
    readonly root: HTMLElement,
    readonly button: HTMLButtonElement,
    readonly api: OperatorApi,
    readonly model: BoardModel,
    readonly hooks: ScheduleHooks,
    signal: AbortSignal,
  ) {
    this.#report = new ReportView(api, model, {
      resultsChanged: () => hooks.rehearsalResultsChanged(),
      select: (id) => hooks.select(id),
    });
    button.addEventListener('click', () => (this.#open ? this.close() : this.open()), { signal });
    // Captured, so this runs before the detail's own Escape closes it: one Escape, one panel.
    document.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Escape' && this.#open && !hooks.detailOpen()) this.close();
      },
      { signal, capture: true },
    );
    this.#dateInput.addEventListener('input', () => {
      this.#date = this.#dateInput.value;
      this.#renderPlan();
    });
    this.#titleInput.addEventListener('input', () => {
      this.#title = this.#titleInput.value;
    });
    this.#build();
  }

  open(): void {
    this.#open = true;
    // Tomorrow in Vietnam unless the operator already chose a day.
    if (!this.#date) this.#date = vietnamDate(Date.now(), 1);
    this.#dateInput.value = this.#date;
    this.#dateInput.min = vietnamDate();
    this.#renderPlan();
    show(this.root, true);
    this.button.setAttribute('aria-expanded', 'true');
    this.hooks.opened();
    void this.refresh();
  }

  close(): void {
    this.#open = false;
    this.#confirming = null;
    clearTimeout(this.#listTimer);
    this.#listTimer = undefined;
    show(this.root, false);
    this.button.setAttribute('aria-expanded', 'false');
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
      this.#sessions = sessions;
      this.#listError = null;
    } catch (err) {
      if (read !== this.#reads) return;
      this.#listError = failureText(err);
    }
    this.#report.show(this.#reportSession());
    this.#renderList();
    if (this.#open) this.#listTimer = setTimeout(() => void this.refresh(), LIST_POLL_MS);
  }

  /** The rehearsal to report on: the one picked, else the one under way, else the last that ran. */
  #reportSession(): SessionView | null {
    const rehearsals = (this.#sessions ?? []).filter((s) => s.kind === 'rehearsal');
    const picked = rehearsals.find((s) => s.id === this.#picked);
    if (picked) return picked;
    const ran = rehearsals.filter((s) => s.openedAt).sort((a, b) => b.startsAt.localeCompare(a.startsAt));
    return rehearsals.find((s) => s.status === 'open') ?? ran[0] ?? null;
  }

  relabel(): void {
    this.#build();
    this.#report.relabel();
  }

  #build(): void {
    const close = el('button', { type: 'button', class: 'detail-close', 'aria-label': t('schedule.close') }, '×');
    close.addEventListener('click', () => this.close());
    const form = el(
      'form',
      { class: 'plan', autocomplete: 'off' },
      el('h3', { class: 'section-heading' }, t('plan.heading')),
      el(
        'div',
        { class: 'plan-fields' },
        el('label', { class: 'plan-field plan-date' }, el('span', {}, t('plan.date')), this.#dateInput),
        el('label', { class: 'plan-field plan-title' }, el('span', {}, t('plan.title')), this.#titleInput),
      ),
      el('div', { class: 'plan-submit' }, this.#planHint, this.#planButton),
      this.#planResult,
    );
    // Nothing is submitted to the server as a form (the page's CSP forbids it): the API is called.
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#plan();
    });
    this.#titleInput.placeholder = t('plan.titlePlaceholder');
    this.#dateInput.value = this.#date;
    this.#titleInput.value = this.#title;
    this.#listKey = '';
    this.root.replaceChildren(
      el(
        'header',
        { class: 'schedule-header' },
        el('h2', { class: 'schedule-title' }, icon('calendar'), t('schedule.heading')),
        close,
      ),
      form,
      el(
        'section',
        { class: 'sessions' },
        el('h3', { class: 'section-heading' }, t('sessions.heading')),
        this.#listResult,
        this.#list,
        this.#listNote,
      ),
      this.#report.root,
    );
    this.root.setAttribute('aria-label', t('schedule.heading'));
    this.button.replaceChildren(icon('calendar'), t('schedule.button'));
    this.button.title = t('schedule.buttonTitle');
    this.#renderPlan();
    this.#renderList();
  }

  #renderPlan(): void {
    // The day spelled out with both times: a date field may show the day month-first.
    const day = /^\d{4}-\d{2}-\d{2}$/.test(this.#date) ? this.#date : '';
    this.#planHint.textContent = day
      ? t('plan.when', { rehearsal: `16:30 ${dmy(dayBefore(day))}`, live: `08:00 ${dmy(day)}` })
      : t('plan.hint');
    this.#planButton.textContent = t(this.#planning ? 'plan.busy' : 'plan.submit');
    this.#planButton.disabled = this.#planning;
    const o = this.#planOutcome;
    show(this.#planResult, !!o);
    if (o) {
      this.#planResult.dataset.ok = String(o.ok);
      this.#planResult.textContent = o.text();
    }
  }

  async #plan(): Promise<void> {
    if (this.#planning) return;
    const date = this.#dateInput.value;
    const title = this.#titleInput.value.trim();
    this.#planning = true;
    this.#planOutcome = null;
    this.#renderPlan();
    try {
      const { rehearsal, live } = await this.api.plan({ date, ...(title ? { title } : {}) });
      this.#planOutcome = { ok: true, text: () => t('plan.done', { rehearsal: when(rehearsal), live: when(live) }) };
    } catch (err) {
      const message = failureText(err);
      const conflict = err instanceof ApiError && err.code === 'conflict';
      this.#planOutcome = { ok: false, text: () => t(conflict ? 'plan.conflict' : 'plan.failed', { message }) };
    }
    this.#planning = false;
    this.#renderPlan();
    await this.refresh();
  }

  /** The list; rebuilt only when what it shows changed, so a read does not swallow a click. */
  #renderList(): void {
    const o = this.#listOutcome;
    show(this.#listResult, !!o);
    if (o) {
      this.#listResult.dataset.ok = String(o.ok);
      this.#listResult.textContent = o.text();
    }
    const sessions = this.#sessions;
    const { shown, older } = ordered(sessions ?? []);
    const note = this.#listError
      ? t('sessions.unreadable', { message: this.#listError })
      : !sessions
        ? t('sessions.loading')
        : !sessions.length
          ? t('sessions.empty')
          : older
            ? t('sessions.older', { n: older })
            : '';
    this.#listNote.textContent = note;
    show(this.#listNote, !!note);
    const reported = this.#report.sessionId;
    const key = JSON.stringify([
      shown.map((s) => [s.id, s.status, s.title, s.startsAt, s.durationMinutes]),
      reported,
      this.#confirming,
      this.#cancelling,
    ]);
    if (key === this.#listKey) return;
    this.#listKey = key;
    fill(this.#list, ...shown.map((s) => this.#item(s, s.id === reported)));
  }

  #item(s: SessionView, reported: boolean): HTMLLIElement {
    const title =
      s.kind === 'rehearsal'
        ? el('button', { type: 'button', class: 'link-button session-title', title: t('session.showReport') }, s.title)
        : el('span', { class: 'session-title', title: s.title }, s.title);
    if (s.kind === 'rehearsal') {
      title.addEventListener('click', () => {
        this.#picked = s.id;
        this.#report.show(s);
        this.#renderList();
      });
    }
    const canCancel = activeStatuses.has(s.status);
    const cancel = canCancel
      ? el(
          'button',
          {
            type: 'button',
            class: 'small danger',
            'data-session-action': 'cancel',
            title: t('session.cancelTitle'),
            disabled: this.#cancelling !== null || this.#confirming !== null,
          },
          t('session.cancel'),
        )
      : null;
    cancel?.addEventListener('click', () => {
      this.#confirming = s.id;
      this.#listOutcome = null;
      this.#renderList();
    });
    return el(
      'li',
      {
        class: `session${reported ? ' reported' : ''}`,
        'data-session-id': s.id,
        'data-kind': s.kind,
        'data-status': s.status,
      },
      el(
        'div',
        { class: 'session-line' },
        el('span', { class: 'kind-badge', 'data-kind': s.kind }, kindLabel(s)),
        title,
        cancel,
      ),
      el(
        'div',
        { class: 'session-line session-meta' },
        el('time', { class: 'session-start', datetime: s.startsAt }, when(s)),
        el('span', { class: 'session-duration' }, duration(s.durationMinutes)),
        el('span', { class: 'session-status', 'data-status': s.status }, t(`session.status.${s.status}` as StringKey)),
      ),
      this.#confirming === s.id ? this.#confirmBox(s) : null,
    );
  }

  /** Asked on the panel itself: window.confirm would block the board's updates while it waits. */
  #confirmBox(s: SessionView): HTMLElement {
    const yes = el('button', { type: 'button', class: 'danger', 'data-confirm': 'yes' }, t('session.confirmYes'));
    const no = el('button', { type: 'button', 'data-confirm': 'no' }, t('session.confirmNo'));
    yes.addEventListener('click', () => void this.#cancel(s));
    no.addEventListener('click', () => {
      this.#confirming = null;
      this.#renderList();
    });
    const question = t('session.confirmCancel', { kind: kindLabel(s).toLowerCase(), title: s.title, when: when(s) });
    return el(
      'div',
      { class: 'session-confirm', role: 'alertdialog' },
      el('p', {}, s.status === 'open' ? `${question} ${t('session.confirmCancelOpen')}` : question),
      el('div', { class: 'confirm-buttons' }, yes, no),
    );
  }

  async #cancel(s: SessionView): Promise<void> {
    this.#confirming = null;
    this.#cancelling = s.id;
    this.#renderList();
    try {
      await this.api.cancelSession(s.id);
      this.#listOutcome = { ok: true, text: () => t('session.cancelled', { title: s.title }) };
    } catch (err) {
      const message = failureText(err);
      this.#listOutcome = { ok: false, text: () => t('session.cancelFailed', { message }) };
    }
    this.#cancelling = null;
    await this.refresh();
  }

  dispose(): void {
    this.close();
    this.#report.close();
    this.#reads++; // an answer still on its way is dropped
  }
}
