// One signed-in board: the roster read once over REST, then the live status and conference
// from the /operator socket pushes (no polling). On every (re)connection the server sends the
// full picture (status:all, conference:changed); after a reconnection the board also reads the
// event log for what happened while it was away.
import type { ConferenceView, SiteStatusView } from '../../contract/index.js';
import { Actions } from './actions.js';
import { Alerts } from './alerts.js';
import type { EventEntry, OperatorApi } from './api.js';
import { OperatorLink } from './connection.js';
import { DetailPanel } from './detail.js';
import { byId, show } from './dom.js';
import { FloorPanel } from './floor.js';
import { startOfTodayInVietnam } from './format.js';
import { Grid } from './grid.js';
import { SiteMap } from './map.js';
import { BoardModel, type SitesResponse } from './model.js';
import { SchedulePanel } from './schedule.js';
import { Summary } from './summary.js';
import { Timeline } from './timeline.js';

export type BoardState = 'connected' | 'reconnecting';

export interface BoardHooks {
  /** The server refused the token on the socket. */
  refused(): void;
  state(state: BoardState): void;
}

/** How far before the moment the board noticed it was cut off the missed events are read. */
const GAP_MARGIN_MS = 10_000;
const SPEAKING_SWEEP_MS = 500;

export class Board {
  readonly model: BoardModel;
  readonly #grid: Grid;
  readonly #map: SiteMap;
  readonly #timeline: Timeline;
  readonly #alerts: Alerts;
  readonly #detail: DetailPanel;
  readonly #floor: FloorPanel;
  readonly #summary: Summary;
  readonly #schedule: SchedulePanel;
  readonly #link: OperatorLink;
  readonly #actions: Actions;
  readonly #abort = new AbortController();
  readonly #sweep: ReturnType<typeof setInterval>;
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
    readonly hooks: BoardHooks,
  ) {
    const signal = this.#abort.signal;
    const model = new BoardModel(roster);
    this.model = model;
    const select = (id: string) => this.select(id);
    this.#grid = new Grid(byId('grid'), model, select, signal);
    this.#map = new SiteMap(byId('map'), model, select, signal);
    this.#timeline = new Timeline(byId<HTMLOListElement>('timeline-list'), byId('timeline-filter'), model, signal);
    this.#alerts = new Alerts(
      byId('alert-banner'),
      byId('sound-toggle'),
      model,
      {
        open: select,
        dismissed: (ids) => {
          for (const id of ids) this.#unflash(id);
        },
      },
      signal,
    );
    this.#detail = new DetailPanel(
      byId('detail'),
      model,
      () => this.#actions,
      () => {
        this.#grid.select(null);
        this.#map.select(null);
      },
      signal,
    );
    this.#floor = new FloorPanel(byId('floor'), model, () => this.#actions, select);
    this.#summary = new Summary(byId('phase'), byId('counts'), model);
    this.#schedule = new SchedulePanel(
      byId('schedule'),
      byId<HTMLButtonElement>('schedule-toggle'),
      api,
      model,
      {
        rehearsalResultsChanged: () => void this.#readRehearsal(),
        select,
        detailOpen: () => this.#detail.siteId !== null,
        opened: () => {
          if (this.#detail.siteId) this.#detail.close();
        },
      },
      signal,
    );
    this.relabel();

    this.#link = new OperatorLink(token, {
      connected: (first) => {
        this.#freshConnection = true;
        show(byId('conn-banner'), false);
        hooks.state('connected');
        if (!first) void this.#readMissed();
      },
      lost: () => {
        this.#lostAt ??= Date.now();
        show(byId('conn-banner'), true);
        hooks.state('reconnecting');
      },
      unreachable: () => {
        this.#lostAt ??= Date.now();
        show(byId('conn-banner'), true);
      },
      refused: () => hooks.refused(),
    });
    this.#actions = new Actions(this.#link, api, (view) => this.#conference(view));
    this.#listen();
    void this.#readToday();
    this.#sweep = setInterval(() => this.#grid.update(model.quietSince(Date.now())), SPEAKING_SWEEP_MS);
  }

  #listen(): void {
    const socket = this.#link.socket;
    socket.on('status:all', ({ sites }) => this.#statuses(sites, false));
    socket.on('status:site', (s) => this.#statuses([s], true));
    socket.on('status:metrics', ({ sites }) => this.#statuses(sites, false));
    socket.on('conference:changed', (view) => this.#conference(view));
    socket.on('conference:speaking', ({ sites }) => {
      const ids = sites.map((s) => s.siteId);
      this.model.heard(ids, Date.now());
      this.#grid.update(ids);
    });
    socket.on('alert', (alert) => {
      this.#alerts.raise(alert);
      this.#grid.flash(alert.siteId);
      this.#map.flash(alert.siteId, true);
      this.#timeline.add({
        type: 'alert',
        siteId: alert.siteId,
        at: alert.at,
        data: { kind: alert.kind, reason: alert.reason },
      });
    });
  }

  #statuses(list: readonly SiteStatusView[], news: boolean): void {
    const ids: string[] = [];
    for (const s of list) {
      const previous = this.model.apply(s);
      if (!previous) continue;
      ids.push(s.siteId);
      if (news && previous.state !== s.state) {
        this.#timeline.add({
          type: 'site.state',
          siteId: s.siteId,
          at: s.since,
          data: { from: previous.state, to: s.state, reason: s.reason ?? '' },
        });
      }
    }
    this.#grid.update(ids);
    this.#map.update(ids);
    this.#summary.render();
    if (this.#detail.siteId && ids.includes(this.#detail.siteId)) this.#detail.update();
  }

  #conference(view: ConferenceView): void {
    const before = this.model.conference;
    this.model.conference = view;
    if (before && !this.#freshConnection) this.#timeline.add(...conferenceNews(before, view));
    this.#freshConnection = false;
    this.#floor.render();
    this.#summary.render();
    this.#detail.update();
    this.#schedule.phase(view.phase);
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
          const changed = this.model.updateRehearsal(await this.api.sites());
          if (this.#abort.signal.aborted) return;
          this.#grid.update(changed);
          this.#detail.rehearsalChanged(changed);
        } catch (err) {
          console.warn('board: could not read the rehearsal results', err);
        }
      } while (this.#rehearsalAgain && !this.#abort.signal.aborted);
    })();
    try {
      await this.#readingRehearsal;
    } finally {
      this.#readingRehearsal = null;
    }
  }

  async #readToday(): Promise<void> {
    try {
      this.#timeline.add(...(await this.api.events(startOfTodayInVietnam())));
    } catch (err) {
      console.warn('board: could not read today’s events', err);
    }
  }

  /** What happened while the socket was down: the log has it, the pushes were lost. */
  async #readMissed(): Promise<void> {
    const since = this.#lostAt ?? Date.now();
    this.#lostAt = null;
    try {
      this.#timeline.add(...(await this.api.events(new Date(since - GAP_MARGIN_MS).toISOString())));
    } catch (err) {
      console.warn('board: could not read the events missed while reconnecting', err);
    }
  }

  select(siteId: string): void {
    this.#detail.open(siteId);
    this.#grid.select(siteId);
    this.#map.select(siteId);
    this.#alerts.seen(siteId);
    this.#unflash(siteId);
  }

  #unflash(siteId: string): void {
    this.#grid.stopFlash(siteId);
    this.#map.flash(siteId, false);
  }

  /** Build (or rebuild after a language switch) everything that shows words. */
  relabel(): void {
    this.#grid.build();
    this.#map.build();
    this.#timeline.render();
    this.#alerts.render();
    this.#alerts.renderToggle();
    this.#floor.render(true);
    this.#summary.render();
    this.#detail.relabel();
    this.#schedule.relabel();
    const selected = this.#detail.siteId;
    this.#grid.select(selected);
    this.#map.select(selected);
  }

  close(): void {
    this.#abort.abort();
    clearInterval(this.#sweep);
    this.#link.close();
    this.#schedule.dispose();
    if (this.#detail.siteId) this.#detail.close();
    this.#alerts.dismissAll();
    this.#alerts.close();
    show(byId('conn-banner'), false);
  }
}

/** Timeline entries for what changed between two conference views (as the server logs them). */
function conferenceNews(before: ConferenceView, after: ConferenceView): EventEntry[] {
  const at = new Date().toISOString();
  const news: EventEntry[] = [];
  if (before.floor !== after.floor) {
    if (after.floor) news.push({ type: 'floor.given', siteId: after.floor, at });
    else if (before.floor) news.push({ type: 'floor.taken', siteId: before.floor, at });
  }
  for (const id of after.hands) if (!before.hands.includes(id)) news.push({ type: 'hand.raised', siteId: id, at });
  for (const id of before.hands) {
    // A hand also goes down when the site gets the floor or leaves: the server logs neither.
    if (!after.hands.includes(id) && id !== after.floor && after.present.includes(id)) {
      news.push({ type: 'hand.lowered', siteId: id, at });
    }
  }
  for (const id of after.muted) if (!before.muted.includes(id)) news.push({ type: 'site.muted', siteId: id, at });
  for (const id of before.muted) if (!after.muted.includes(id)) news.push({ type: 'site.unmuted', siteId: id, at });
  return news;
}
