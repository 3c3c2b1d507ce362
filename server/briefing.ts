// The briefing as the operator runs it: who is present, who holds the floor, whose hand is
// up, who is muted, and the phase. Signaling and the REST API both act through it; media
// follows its decisions through the conference.
import { EventEmitter } from 'node:events';
import type { Roster } from '../config/roster.js';
import type { Conference } from '../media/index.js';
import type { CloseReason, ConferenceView, Phase, SiteInput } from '../signaling/contract.js';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';
import type { Store } from './store/store.js';

/** What the briefing needs from a site's live connection. */
export interface SiteConnection {
  close(reason: CloseReason, message: string): void;
  requestIceRestart(reason: string): void;
}

export type SiteReport = SiteInput<'site:report'>;

interface BriefingEvents {
  changed: [ConferenceView];
  /** A page's own view of its link, for the status board. */
  report: [siteId: string, report: SiteReport];
  /** The technician confirmed hearing and seeing the hub (rehearsal). */
  confirm: [siteId: string, c: { hears: boolean; sees: boolean }];
  /** A site's live connection arrived (true) or went (false). */
  presence: [siteId: string, connected: boolean];
}

export const closeMessages: Record<CloseReason, string> = {
  'taken-over': 'This site was opened on another computer; this page has been disconnected.',
  left: 'The site left the conference.',
  'link-reissued': 'The operator re-issued this site’s link; ask for the new link.',
  'disconnected-by-operator': 'The operator disconnected this site.',
  'server-shutdown': 'The server is restarting; the page will reconnect by itself.',
  'heartbeat-timeout': 'The connection went silent.',
};

export class Briefing extends EventEmitter<BriefingEvents> {
  readonly #conference: Conference;
  readonly #roster: Roster;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #present = new Map<string, SiteConnection>();
  #hands: string[] = [];
  #phase: Phase = 'open';
  /** Since start, for /metrics. */
  floorChanges = 0;

  constructor(opts: { conference: Conference; roster: Roster; store: Store; logger: Logger }) {
    super();
    this.#conference = opts.conference;
    this.#roster = opts.roster;
    this.#store = opts.store;
    this.#log = opts.logger.child({ component: 'briefing' });
  }

  view(): ConferenceView {
    return {
      phase: this.#phase,
      floor: this.#conference.floor,
      hands: [...this.#hands],
      present: [...this.#present.keys()],
      muted: [...this.#conference.muted],
    };
  }

  get phase(): Phase {
    return this.#phase;
  }

  setPhase(phase: Phase): void {
    if (phase === this.#phase) return;
    this.#phase = phase;
    this.#changed();
  }

  hands(): readonly string[] {
    return this.#hands;
  }

  isPresent(siteId: string): boolean {
    return this.#present.has(siteId);
  }

  #changed() {
    this.emit('changed', this.view());
  }

  #event(type: string, siteId?: string, data?: Record<string, unknown>) {
    // The event log is a record, not a gate: a store outage must not block the floor.
    this.#store.appendEvent({ type, ...(siteId ? { siteId } : {}), ...(data ? { data } : {}) }).catch((err: Error) => {
      this.#log.warn({ err: err.message, type }, 'could not record an event');
    });
  }

  #site(siteId: string) {
    const site = this.#roster.get(siteId);
    if (!site) throw new AppError('not_found', `no site with id "${siteId}" in the roster`);
    return site;
  }

  /** A site's connection arrives; an earlier connection of the same site is told and closed. */
  attach(siteId: string, conn: SiteConnection): void {
    const previous = this.#present.get(siteId);
    this.#present.set(siteId, conn);
    if (previous && previous !== conn) previous.close('taken-over', closeMessages['taken-over']);
    this.#event('site.connected', siteId, { takeover: Boolean(previous) });
    this.emit('presence', siteId, true);
    this.#changed();
  }

  detach(siteId: string, conn: SiteConnection, why: string): void {
    if (this.#present.get(siteId) !== conn) return; // already replaced by a newer connection
    this.#present.delete(siteId);
    this.#hands = this.#hands.filter((h) => h !== siteId);
    this.#event('site.disconnected', siteId, { why });
    this.emit('presence', siteId, false);
    this.#changed();
  }

  giveFloor(siteId: string): ConferenceView {
    const site = this.#site(siteId);
    if (site.kind === 'hub') throw new AppError('bad_request', 'the hub presides; give the floor to a bridge');
    if (this.#conference.floor !== siteId) this.floorChanges++;
    this.#conference.setFloor(siteId);
    this.#hands = this.#hands.filter((h) => h !== siteId);
    this.#event('floor.given', siteId);
    this.#changed();
    return this.view();
  }

  takeFloor(): ConferenceView {
    const had = this.#conference.floor;
    this.#conference.setFloor(null);
    if (had) {
      this.floorChanges++;
      this.#event('floor.taken', had);
    }
    this.#changed();
    return this.view();
  }

  setHand(siteId: string, raised: boolean): void {
    const up = this.#hands.includes(siteId);
    if (raised === up) return;
    if (raised && this.#conference.floor === siteId) return; // already speaking
    this.#hands = raised ? [...this.#hands, siteId] : this.#hands.filter((h) => h !== siteId);
    this.#event(raised ? 'hand.raised' : 'hand.lowered', siteId);
    this.#changed();
  }

  async mute(siteId: string, muted: boolean): Promise<ConferenceView> {
    this.#site(siteId);
    await this.#conference.setMuted(siteId, muted);
    this.#event(muted ? 'site.muted' : 'site.unmuted', siteId);
    this.#changed();
    return this.view();
  }

  requestIceRestart(siteId: string): void {
    this.#site(siteId);
    const conn = this.#present.get(siteId);
    if (!conn) throw new AppError('conflict', `site "${siteId}" is not connected`);
    conn.requestIceRestart('the operator asked this site to reconnect its media');
    this.#event('site.ice-restart-requested', siteId);
  }

  /** Close a site's live connection, if any. */
  disconnect(siteId: string, reason: CloseReason): boolean {
    this.#site(siteId);
    const conn = this.#present.get(siteId);
    if (!conn) return false;
    conn.close(reason, closeMessages[reason]);
    return true;
  }

  close(): void {
    for (const conn of [...this.#present.values()]) conn.close('server-shutdown', closeMessages['server-shutdown']);
    this.#present.clear();
    this.removeAllListeners();
  }
}
