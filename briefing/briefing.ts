// The briefing as the operator runs it: which sites are connected, which have joined the
// conference, who holds the floor, whose hand is up, who is muted, and the phase. Signaling
// and the REST API both act through it; media follows its decisions through the conference.
import { EventEmitter } from 'node:events';
import type { Roster } from '../config/roster.js';
import type { CloseReason, ConferenceView, LinkReport, Phase } from '../contract/index.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';

/** What the briefing needs from a site's live connection. */
export interface SiteConnection {
  close(reason: CloseReason, message: string): void;
  requestIceRestart(reason: string): void;
}

/** What the briefing asks of the media plane. */
export interface FloorMedia {
  readonly floor: string | null;
  readonly muted: ReadonlySet<string>;
  setFloor(siteId: string | null): void;
  setMuted(siteId: string, muted: boolean): Promise<void>;
}

/**
 * The other nodes of a briefing spread over several (cluster/): what happens here is told to
 * them, and what concerns a site connected to another node is asked of that node.
 */
export interface Backplane {
  floorChanged(siteId: string | null): void;
  handChanged(siteId: string, raised: boolean): void;
  mutedChanged(siteId: string, muted: boolean): void;
  /** Act on a site connected to another node; false if no node has it. */
  actOnRemote(siteId: string, action: 'disconnect' | 'ice-restart'): boolean;
}

/** Where the briefing writes its event log (an outbox: a store outage loses nothing). */
export type EventSink = (event: { type: string; siteId?: string; data?: Record<string, unknown> }) => void;

export type SiteReport = LinkReport;

interface BriefingEvents {
  changed: [ConferenceView];
  /** A page's own view of its link, for the status board. */
  report: [siteId: string, report: SiteReport];
  /** The technician confirmed hearing and seeing the hub (rehearsal). */
  confirm: [siteId: string, c: { hears: boolean; sees: boolean }];
  /** A site's connection to the server arrived (true) or went (false), joined or not. */
  connection: [siteId: string, connected: boolean];
  /** A site joined the conference (true) or left it (false). */
  presence: [siteId: string, joined: boolean];
}

export const closeMessages: Record<CloseReason, string> = {
  'taken-over': 'This site was opened on another computer; this page has been disconnected.',
  left: 'The site left the conference.',
  'link-reissued': 'The operator re-issued this site’s link; ask for the new link.',
  'disconnected-by-operator': 'The operator disconnected this site.',
  'server-shutdown': 'The server is restarting; the page will reconnect by itself.',
  'heartbeat-timeout': 'The connection went silent.',
  flooding: 'This page sent too many messages; it will reconnect by itself.',
  moved: 'This server is stopping; the page moves to another one by itself.',
};

export class Briefing extends EventEmitter<BriefingEvents> {
  readonly #media: FloorMedia;
  readonly #roster: Roster;
  readonly #record: EventSink;
  readonly #log: Logger;
  readonly #connected = new Map<string, SiteConnection>();
  readonly #joined = new Set<string>();
  /** Sites joined on other nodes (cluster), by site id: the node. */
  readonly #remoteJoined = new Map<string, string>();
  #backplane: Backplane | undefined;
  #hands: string[] = [];
  #phase: Phase = 'open';
  #changePending = false;
  /** Since start, for /metrics. */
  floorChanges = 0;

  constructor(opts: { media: FloorMedia; roster: Roster; record: EventSink; logger: Logger }) {
    super();
    this.#media = opts.media;
    this.#roster = opts.roster;
    this.#record = opts.record;
    this.#log = opts.logger.child({ component: 'briefing' });
  }

  view(): ConferenceView {
    return {
      phase: this.#phase,
      floor: this.#media.floor,
      hands: [...this.#hands],
      present: [...new Set([...this.#joined, ...this.#remoteJoined.keys()])],
      muted: [...this.#media.muted],
    };
  }

  /** Join a cluster: from now on changes are told to the other nodes. */
  useBackplane(backplane: Backplane): void {
    this.#backplane = backplane;
  }

  /** The floor, hands and mutes as the whole cluster has them (another node changed them). */
  async applyShared(state: {
    floor: string | null;
    hands: readonly string[];
    muted: readonly string[];
  }): Promise<void> {
    if (this.#media.floor !== state.floor) this.#media.setFloor(state.floor);
    this.#hands = [...state.hands];
    const muted = new Set(state.muted);
    for (const id of [...this.#media.muted]) if (!muted.has(id)) await this.#media.setMuted(id, false);
    for (const id of muted) if (!this.#media.muted.has(id)) await this.#media.setMuted(id, true);
    this.#changed();
  }

  /** A site joined (node) or left (null) the conference on another node. */
  applyRemotePresence(siteId: string, node: string | null): void {
    const before = this.#remoteJoined.get(siteId);
    if (node === null) this.#remoteJoined.delete(siteId);
    else this.#remoteJoined.set(siteId, node);
    if (before !== node) this.#changed();
  }

  /** A node is gone: every site it had left the conference. */
  forgetNode(node: string): void {
    let changed = false;
    for (const [siteId, n] of this.#remoteJoined) {
      if (n === node) {
        this.#remoteJoined.delete(siteId);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  get phase(): Phase {
    return this.#phase;
  }

  setPhase(phase: Phase): void {
    if (phase === this.#phase) return;
    this.#phase = phase;
    this.#log.info({ phase }, 'phase changed');
    this.#changed();
  }

  hands(): readonly string[] {
    return this.#hands;
  }

  /** In the conference (joined), not only connected: here, or on another node. */
  isPresent(siteId: string): boolean {
    return this.#joined.has(siteId) || this.#remoteJoined.has(siteId);
  }

  /** Joined on this node. */
  isLocal(siteId: string): boolean {
    return this.#connected.has(siteId);
  }

  isConnected(siteId: string): boolean {
    return this.#connected.has(siteId);
  }

  /**
   * Tell everyone the view changed, once per turn of the event loop however many changes it
   * had: a burst of hands or joins costs one broadcast, not one per change.
   */
  #changed() {
    if (this.#changePending) return;
    this.#changePending = true;
    setImmediate(() => {
      this.#changePending = false;
      this.emit('changed', this.view());
    });
  }

  #site(siteId: string) {
    const site = this.#roster.get(siteId);
    if (!site) throw new AppError('not_found', `no site with id "${siteId}" in the roster`);
    return site;
  }

  /** A site's connection arrives; an earlier connection of the same site is told and closed. */
  attach(siteId: string, conn: SiteConnection): void {
    const previous = this.#connected.get(siteId);
    this.#connected.set(siteId, conn);
    if (previous && previous !== conn) {
      if (this.#leave(siteId)) {
        this.emit('presence', siteId, false);
        this.#changed();
      }
      previous.close('taken-over', closeMessages['taken-over']);
    }
    this.#record({ type: 'site.connected', siteId, data: { takeover: Boolean(previous) } });
    this.emit('connection', siteId, true);
  }

  /** The connection joins the conference (the technician pressed Join). */
  join(siteId: string, conn: SiteConnection): void {
    if (this.#connected.get(siteId) !== conn) throw new AppError('taken_over', 'this connection was taken over');
    if (this.#joined.has(siteId)) return;
    this.#joined.add(siteId);
    this.#record({ type: 'site.joined', siteId });
    this.emit('presence', siteId, true);
    this.#changed();
  }

  #leave(siteId: string): boolean {
    if (!this.#joined.delete(siteId)) return false;
    this.#hands = this.#hands.filter((h) => h !== siteId);
    return true;
  }

  detach(siteId: string, conn: SiteConnection, why: string): void {
    if (this.#connected.get(siteId) !== conn) return; // already replaced by a newer connection
    this.#connected.delete(siteId);
    const wasJoined = this.#leave(siteId);
    this.#record({ type: 'site.disconnected', siteId, data: { why } });
    // The connection first: a site that drops goes offline, not back to the pre-join state.
    this.emit('connection', siteId, false);
    if (wasJoined) {
      this.emit('presence', siteId, false);
      this.#changed();
    }
  }

  giveFloor(siteId: string): ConferenceView {
    const site = this.#site(siteId);
    if (site.kind === 'hub') throw new AppError('bad_request', 'the hub presides; give the floor to a bridge');
    if (this.#media.floor !== siteId) this.floorChanges++;
    this.#media.setFloor(siteId);
    this.#hands = this.#hands.filter((h) => h !== siteId);
    this.#record({ type: 'floor.given', siteId });
    this.#backplane?.floorChanged(siteId);
    this.#backplane?.handChanged(siteId, false);
    this.#changed();
    return this.view();
  }

  takeFloor(): ConferenceView {
    const had = this.#media.floor;
    this.#media.setFloor(null);
    if (had) {
      this.floorChanges++;
      this.#record({ type: 'floor.taken', siteId: had });
      this.#backplane?.floorChanged(null);
    }
    this.#changed();
    return this.view();
  }

  setHand(siteId: string, raised: boolean): void {
    const up = this.#hands.includes(siteId);
    if (raised === up) return;
    if (raised && (this.#media.floor === siteId || !this.#joined.has(siteId))) return; // speaking, or not in
    this.#hands = raised ? [...this.#hands, siteId] : this.#hands.filter((h) => h !== siteId);
    this.#record({ type: raised ? 'hand.raised' : 'hand.lowered', siteId });
    this.#backplane?.handChanged(siteId, raised);
    this.#changed();
  }

  async mute(siteId: string, muted: boolean): Promise<ConferenceView> {
    this.#site(siteId);
    await this.#media.setMuted(siteId, muted);
    this.#record({ type: muted ? 'site.muted' : 'site.unmuted', siteId });
    this.#backplane?.mutedChanged(siteId, muted);
    this.#changed();
    return this.view();
  }

  requestIceRestart(siteId: string): void {
    this.#site(siteId);
    const conn = this.#connected.get(siteId);
    if (!conn || !this.#joined.has(siteId))
      throw new AppError('conflict', `site "${siteId}" is not connected to the conference`);
    conn.requestIceRestart('the operator asked this site to reconnect its media');
    this.#record({ type: 'site.ice-restart-requested', siteId });
  }

  /** Act on a site's connection here only (another node asked): never forwarded again. */
  actLocally(siteId: string, action: 'disconnect' | 'ice-restart' | 'taken-over'): boolean {
    const conn = this.#connected.get(siteId);
    if (!conn) return false;
    if (action === 'ice-restart') conn.requestIceRestart('the operator asked this site to reconnect its media');
    else {
      const reason = action === 'disconnect' ? 'disconnected-by-operator' : 'taken-over';
      conn.close(reason, closeMessages[reason]);
    }
    return true;
  }

  /** Close a site's live connection, if any. */
  disconnect(siteId: string, reason: CloseReason): boolean {
    this.#site(siteId);
    const conn = this.#connected.get(siteId);
    if (!conn)
      return reason === 'disconnected-by-operator'
        ? (this.#backplane?.actOnRemote(siteId, 'disconnect') ?? false)
        : false;
    conn.close(reason, closeMessages[reason]);
    return true;
  }

  close(): void {
    for (const conn of [...this.#connected.values()]) conn.close('server-shutdown', closeMessages['server-shutdown']);
    this.#connected.clear();
    this.#joined.clear();
    this.removeAllListeners();
  }
}
