// One signed-in board: the roster read once over REST, then the live status and conference
// from the /operator socket pushes (no polling), all written into the store's signals. On
// every (re)connection the server sends the full picture (status:all, conference:changed);
// after a reconnection the board also reads the event log for what happened while it was away.
import { computed, effect, signal } from '@preact/signals';
import type { ConferenceView, SiteStatusView } from '../../contract/index.js';
import { Actions } from './actions.js';
import type { OperatorApi, RehearsalReport, SitesResponse } from './api.js';
import { CallList } from './call-list.js';
import { OperatorLink } from './connection.js';
import { conferenceNews, EventLog } from './events.js';
import { startOfToday } from './format.js';
import { t } from './i18n.js';
import { siteName } from './roster.js';
import { Schedule } from './sessions.js';
import type { AlertSound } from './sound.js';
import { LiveStore } from './store.js';

export type BoardState = 'connected' | 'reconnecting';

export interface BoardHooks {
  /** The server refused the token on the socket. */
  refused(): void;
  state(state: BoardState): void;
}

/** How far before the moment the board noticed it was cut off the missed events are read. */
const GAP_MARGIN_MS = 10_000;
const SPEAKING_SWEEP_MS = 500;
/** Names listed in a message before "and N more". */
const NAMES_SHOWN = 8;

let boards = 0;

export class Board {
  /** Tells this board's components from the last one's after signing in again. */
  readonly serial = ++boards;
  readonly store: LiveStore;
  readonly events = new EventLog();
  readonly schedule: Schedule;
  readonly actions: Actions;
  /** The technicians' alerts: who to call, what was sent, who acknowledged. */
  readonly callList: CallList;
  /** The latest rehearsal's report, read for the checks a site's detail shows. */
  readonly #lastReport = signal<RehearsalReport | null>(null);
  #lastReportStale = true;
  readonly #link: OperatorLink;
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #stopFollowingResults: () => void;
  #closed = false;
  /** The first conference view after a (re)connection is the server's full picture, not news. */
  #freshConnection = true;
  #lostAt: number | null = null;
  /** One read of the rehearsal results at a time; a change meanwhile asks for one more. */
  #readingRehearsal: Promise<void> | null = null;
  #rehearsalAgain = false;

  constructor(
    token: string,
    readonly api: OperatorApi,
    roster: SitesResponse,
    readonly sound: AlertSound,
    hooks: BoardHooks,
  ) {
    const store = new LiveStore(roster);
    this.store = store;
    this.schedule = new Schedule(api, (ids) => this.names(ids));
    const callList = new CallList(api);
    this.callList = callList;
    // A report read that saw the results change: the tiles' marks follow.
    this.#stopFollowingResults = effect(() => {
      if (this.schedule.report.results.value) void this.#readRehearsal();
    });
    this.#link = new OperatorLink(token, {
      connected: (first) => {
        this.#freshConnection = true;
        store.cutOff.value = false;
        hooks.state('connected');
        // Alerts changed while away are not pushed again: read them.
        void callList.load();
        if (!first) void this.#readMissed();
      },
      lost: () => {
        this.#lostAt ??= Date.now();
        store.cutOff.value = true;
        hooks.state('reconnecting');
      },
      unreachable: () => {
        this.#lostAt ??= Date.now();
        store.cutOff.value = true;
      },
      refused: () => hooks.refused(),
    });
    this.actions = new Actions(this.#link, api, (view) => this.#conference(view));
    this.#listen();
    void this.#readToday();
    this.#sweep = setInterval(() => store.sweepSpeaking(Date.now()), SPEAKING_SWEEP_MS);
  }

  #listen(): void {
    const socket = this.#link.socket;
    socket.on('status:all', ({ sites }) => this.#statuses(sites, false));
    socket.on('status:site', (s) => this.#statuses([s], true));
    socket.on('status:metrics', ({ sites }) => this.#statuses(sites, false));
    socket.on('conference:changed', (view) => this.#conference(view));
    socket.on('conference:speaking', ({ sites }) =>
      this.store.heard(
        sites.map((s) => s.siteId),
        Date.now(),
      ),
    );
    socket.on('technician-alert', (alert) => this.callList.apply(alert));
    socket.on('alert', (alert) => {
      this.store.raise(alert);
      this.sound.beep();
      this.events.add({
        type: 'alert',
        siteId: alert.siteId,
        at: alert.at,
        data: { kind: alert.kind, reason: alert.reason },
      });
    });
  }

  #statuses(list: readonly SiteStatusView[], news: boolean): void {
    const changes = this.store.apply(list);
    if (!news) return;
    this.events.add(
      ...changes.map(({ before, after }) => ({
        type: 'site.state',
        siteId: after.siteId,
        at: after.since,
        data: { from: before.state, to: after.state, reason: after.reason ?? '' },
      })),
    );
  }

  #conference(view: ConferenceView): void {
    const before = this.store.conference.peek();
    this.store.conference.value = view;
    if (before && !this.#freshConnection) this.events.add(...conferenceNews(before, view));
    this.#freshConnection = false;
    this.schedule.phase(view.phase);
  }

  /** Open a site's detail (null: close it). */
  select(siteId: string | null): void {
    this.store.select(siteId);
  }

  /** "Cà Mau, Hà Giang" or "A, B, … and 53 more sites". */
  names(ids: readonly string[]): string {
    const names = ids.map((id) => siteName(this.store.site(id), id));
    if (names.length <= NAMES_SHOWN) return names.join(', ');
    return t('report.more', { names: names.slice(0, NAMES_SHOWN).join(', '), n: names.length - NAMES_SHOWN });
  }

  /**
   * The latest rehearsal's report, for a site's detail: the one the schedule panel shows when
   * it is that rehearsal, else one read for the detail (null until it is read).
   */
  readonly latestReport = computed(() => {
    const last = this.store.lastRehearsal.value;
    if (!last) return null;
    const shown = this.schedule.report.report.value;
    if (shown?.sessionId === last.sessionId) return shown;
    const own = this.#lastReport.value;
    return own?.sessionId === last.sessionId ? own : null;
  });

  /** A detail is open and wants the latest rehearsal's checks: read them unless at hand. */
  async wantLatestReport(): Promise<void> {
    const last = this.store.lastRehearsal.peek();
    if (!last || (this.latestReport.peek() && !this.#lastReportStale)) return;
    this.#lastReportStale = false;
    try {
      const report = await this.api.report(last.sessionId);
      if (!this.#closed) this.#lastReport.value = report;
    } catch (err) {
      this.#lastReportStale = true;
      console.warn('board: could not read the latest rehearsal report', err);
    }
  }

  /**
   * Every site's result in the latest rehearsal, read again (GET /api/sites decides which
   * rehearsal that is) when a report read saw the results change; the tiles' marks follow.
   */
  async #readRehearsal(): Promise<void> {
    if (this.#readingRehearsal) {
      this.#rehearsalAgain = true;
      return this.#readingRehearsal;
    }
    this.#readingRehearsal = (async () => {
      do {
        this.#rehearsalAgain = false;
        try {
          const changed = this.store.updateRehearsal(await this.api.sites());
          if (this.#closed) return;
          if (changed) {
            this.#lastReportStale = true;
            if (this.store.selected.peek()) void this.wantLatestReport();
          }
        } catch (err) {
          console.warn('board: could not read the rehearsal results', err);
        }
      } while (this.#rehearsalAgain && !this.#closed);
    })();
    try {
      await this.#readingRehearsal;
    } finally {
      this.#readingRehearsal = null;
    }
  }

  async #readToday(): Promise<void> {
    try {
      this.events.add(...(await this.api.events(startOfToday())));
    } catch (err) {
      console.warn('board: could not read today’s events', err);
    }
  }

  /** What happened while the socket was down: the log has it, the pushes were lost. */
  async #readMissed(): Promise<void> {
    const since = this.#lostAt ?? Date.now();
    this.#lostAt = null;
    try {
      this.events.add(...(await this.api.events(new Date(since - GAP_MARGIN_MS).toISOString())));
    } catch (err) {
      console.warn('board: could not read the events missed while reconnecting', err);
    }
  }

  close(): void {
    this.#closed = true;
    this.#stopFollowingResults();
    clearInterval(this.#sweep);
    this.#link.close();
    this.schedule.close();
    this.store.close();
  }
}
