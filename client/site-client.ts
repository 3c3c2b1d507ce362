// A site in the conference, kept there all day with no one touching it: the link to the
// server, the join (on the technician's Join, not on connection), the room's own controls
// (microphone, camera, hand, the hub's focus), its link reports, and recovery. Recovery has
// three rungs: an ICE restart when a transport stays disconnected or failed for 3 s (or the
// operator asks); a rebuild of the media session on the same connection when that does not
// bring it back (or the server lost the site's media); and, when the connection itself
// drops, a new connection on which the whole media session is rebuilt, resuming as the same
// site: focus and raised hand included. The page, the Node test peers and the load bots all
// run this; what differs between them (how a Device is made, how the link is measured) comes
// in through SiteClientEnv.
import type { types } from 'mediasoup-client';
import type {
  CloseReason,
  ConferenceView,
  ConsumeOffer,
  ErrorBody,
  LinkReport,
  MediaProtocol,
  OperatorMessage,
  SiteRole,
  SiteStatusView,
  SiteSummary,
  TechnicianAlertNotice,
  Welcome,
} from '../contract/index.js';
import { Emitter } from './emitter.js';
import { backoffMs, SiteLink } from './link.js';
import {
  type ConnectionState,
  type Direction,
  type LocalTracks,
  type MediaEnv,
  MediaSession,
  type RemoteMedia,
  SessionClosedError,
} from './media-session.js';
import { QualityMonitor } from './quality.js';

export type ClientState = 'prejoin' | 'joining' | 'in-conference' | 'reconnecting' | 'error';

/** What the client is doing to get in or back in; the page words it, a test reads it. */
export interface Notice {
  readonly key:
    | 'join.joining'
    | 'join.waitingServer'
    | 'reconnecting.server'
    | 'reconnecting.serverRestart'
    | 'reconnecting.media'
    | 'reconnecting.mediaReset'
    | 'reconnecting.rebuild'
    | 'reconnecting.operator'
    | 'reconnecting.retry';
  readonly params?: Readonly<Record<string, string | number>>;
}

/** Why the client stopped; `retryable` errors can be left with retry(). */
export interface ClientError {
  readonly code: CloseReason | 'unauthorized' | 'no-token' | 'unsupported';
  readonly detail?: string;
  readonly retryable: boolean;
}

export interface SiteClientEnv extends MediaEnv {
  /** The server's origin ('' in the page: its own). */
  readonly url: string;
  /** Come back by itself after a drop. Default true. */
  readonly reconnect?: boolean;
  readonly transports?: ('websocket' | 'polling')[];
  /** The link as this client measures it, for site:report; default: the transports' getStats. */
  sampleLink?(send: types.Transport | undefined, recv: types.Transport | undefined): Promise<LinkReport | undefined>;
  /** Default 2000 ms; 0: no reports. */
  readonly reportIntervalMs?: number;
  /** The computer's CPU pressure, where the runtime can tell (the page's Compute Pressure API). */
  cpuPressure?(): LinkReport['cpuPressure'] | undefined;
  /** Where recoverable trouble is told (the page: the console). */
  warn?(message: string, detail?: unknown): void;
}

export interface SiteClientEvents {
  /** Anything the page shows changed. */
  change: [];
  /** Every accepted (re)connection. */
  welcome: [w: Welcome, reconnected: boolean];
  /** The technician joined (the first time, or after a reload). */
  joined: [];
  /** A media session finished joining: producers exist; `consumers` were offered at once. */
  media: [consumers: number];
  /** Where a join got to. */
  step: [step: string];
  /** A new consumer exists (before the server resumes it). */
  consumer: [RemoteMedia];
  /** Something failed outside any awaited call (a consume, an ICE restart). */
  trouble: [what: string, err: Error];
  /** The server's own messages, for those who watch the protocol (tests). */
  protocolError: [ErrorBody & { event: string }];
  restartIceRequested: [reason: string];
  closed: [reason: CloseReason, message: string];
  /** An alert for the technician arrived (a new one, not one already shown). */
  alert: [TechnicianAlertNotice];
  /** A message from the central operator arrived. */
  message: [OperatorMessage];
}

const ICE_GRACE_MS = 3000;
const ICE_RESTART_WAIT_MS = 6000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SiteClient extends Emitter<SiteClientEvents> {
  state: ClientState = 'prejoin';
  welcome: Welcome | undefined;
  view: ConferenceView | undefined;
  error: ClientError | undefined;
  /** What the overlay (or the join button) says while the client gets in or back in. */
  recovery: Notice | undefined;
  report: LinkReport | undefined;
  /** This site as the operator's board sees it (pushed by the server). */
  status: SiteStatusView | undefined;
  /** The link is too thin for video: the hub's video is paused, its audio goes on. */
  audioOnly = false;
  transport: MediaProtocol | null = null;
  micMuted = false;
  camOff = false;
  /** The hub: the bridge it watches large. */
  focus: string | null = null;
  /** Signaling is up and welcomed. */
  connected = false;
  /** Failed connection attempts since the last success. */
  attempts = 0;
  /** Alerts for the technician, oldest first, until acknowledged. */
  alerts: TechnicianAlertNotice[] = [];
  /** The operator's messages, oldest first, until closed. */
  messages: OperatorMessage[] = [];
  readonly link: SiteLink;

  readonly #env: SiteClientEnv;
  #wantIn = false;
  #handWanted = false;
  #session: MediaSession | undefined;
  /** Bumped by every rebuild and teardown, so a stale async step knows to stop. */
  #generation = 0;
  /** The generation whose media session finished joining: repairs apply only to that one. */
  #joinedGeneration = -1;
  readonly #iceTimers = new Map<Direction, ReturnType<typeof setTimeout>>();
  #repairing = false;
  #local: LocalTracks = { audio: undefined, video: undefined };
  readonly #quality = new QualityMonitor();
  #reportTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(token: string, env: SiteClientEnv) {
    super();
    this.#env = env;
    this.link = new SiteLink({
      url: env.url,
      token,
      ...(env.reconnect !== undefined ? { reconnect: env.reconnect } : {}),
      ...(env.transports ? { transports: env.transports } : {}),
    });
    this.link.on('welcome', (w, reconnected) => this.#onWelcome(w, reconnected));
    this.link.on('lost', (why) => this.#onLost(why.closed));
    this.link.on('retrying', (attempt) => {
      this.attempts = attempt;
      if (this.#wantIn && this.state !== 'error')
        this.recovery = { key: 'reconnecting.server', params: { n: attempt } };
      this.#changed();
    });
    this.link.on('refused', (error) => this.#onRefused(error));
    this.link.on('ended', (reason, message) => this.#onEnded(reason, message));
    this.link.listen('conference:changed', (view) => {
      this.view = view;
      // While a rebuild runs, the server's view does not have our hand yet: keep our wish.
      if (this.state === 'in-conference' && this.welcome) this.#handWanted = view.hands.includes(this.welcome.site.id);
      this.#changed();
    });
    this.link.listen('media:consume', (offer, ack) => this.#onConsume(offer, ack));
    this.link.listen('media:consumer-closed', ({ consumerId }) => this.#session?.closeConsumer(consumerId));
    this.link.listen('media:restart-ice-requested', ({ reason }) => {
      this.emit('restartIceRequested', reason);
      void this.#repairMedia(['send', 'recv'], { key: 'reconnecting.operator' }, false);
    });
    this.link.listen('media:reset', () => {
      // The server lost this site's media (a media process died): join again, same connection.
      if (!this.#wantIn || !this.connected) return;
      this.state = 'reconnecting';
      this.recovery = { key: 'reconnecting.mediaReset' };
      void this.#build();
    });
    this.link.listen('session:closed', ({ reason, message }) => this.emit('closed', reason, message));
    this.link.listen('media:audio-only', ({ on }) => {
      this.audioOnly = on;
      this.#changed();
    });
    this.link.listen('site:status', (status) => {
      this.status = status;
      this.#changed();
    });
    this.link.listen('technician:alert', (notice) => {
      // A page that reconnects is sent its unacknowledged alerts again: show each once.
      if (this.alerts.some((a) => a.id === notice.id)) return;
      this.alerts = [...this.alerts, notice];
      this.emit('alert', notice);
      this.#changed();
    });
    this.link.listen('operator:message', (message) => {
      if (this.messages.some((m) => m.id === message.id)) return;
      this.messages = [...this.messages, message];
      this.emit('message', message);
      this.#changed();
    });
    this.link.listen('protocol:error', (p) => {
      this.#warn('protocol error', p);
      this.emit('protocolError', p);
    });
  }

  protected override onListenerError(err: unknown, event: string): void {
    this.#warn(`a "${event}" listener failed`, err);
  }

  #warn(message: string, detail?: unknown): void {
    this.#env.warn?.(message, detail);
  }

  /** Connect to the server (the pre-join page needs it for its checks). */
  start(): void {
    this.link.connect();
    const every = this.#env.reportIntervalMs ?? 2000;
    if (every > 0 && !this.#reportTimer) this.#reportTimer = setInterval(() => void this.#sampleQuality(), every);
  }

  #changed(): void {
    this.emit('change');
  }

  // ---- what the page shows ----
  get site(): SiteSummary | undefined {
    return this.welcome?.site;
  }

  get role(): SiteRole | undefined {
    return this.welcome?.site.role;
  }

  get remote(): RemoteMedia[] {
    return [...(this.#session?.remote.values() ?? [])];
  }

  /** The current media session (transports, producers), for stats readers. */
  get session(): MediaSession | undefined {
    return this.#session;
  }

  get handRaised(): boolean {
    const id = this.welcome?.site.id;
    return Boolean(id && this.view?.hands.includes(id));
  }

  get hasFloor(): boolean {
    return Boolean(this.welcome && this.view?.floor === this.welcome.site.id);
  }

  get mutedByOperator(): boolean {
    const id = this.welcome?.site.id;
    return Boolean(id && this.view?.muted.includes(id));
  }

  get local(): LocalTracks {
    return this.#local;
  }

  siteById(id: string): SiteSummary | undefined {
    return this.welcome?.sites.find((s) => s.id === id);
  }

  // ---- what the technician does ----
  /** The Join button: into the conference (now, or as soon as the server answers). */
  join(): void {
    if (this.state !== 'prejoin') return;
    this.#wantIn = true;
    this.state = 'joining';
    this.recovery = this.connected ? { key: 'join.joining' } : { key: 'join.waitingServer' };
    this.#changed();
    this.emit('joined');
    if (this.connected) void this.#build();
  }

  /** Leave a retryable error: connect (and join) again. */
  retry(): void {
    if (this.state !== 'error' || !this.error?.retryable) return;
    this.error = undefined;
    this.state = this.#wantIn ? 'reconnecting' : 'prejoin';
    this.recovery = { key: 'join.waitingServer' };
    this.#changed();
    this.link.connect();
  }

  /** Rebuild the media session on this connection (as after a lost transport). */
  rebuild(): Promise<void> {
    return this.#build();
  }

  /** The camera or microphone changed (chosen, replugged, or opened after a retry). */
  async setLocal(local: LocalTracks): Promise<void> {
    const before = this.#local;
    this.#local = local;
    const session = this.#session;
    // While a session is still joining, #build applies the change when it is done.
    if (!session || session.closed || this.#joinedGeneration !== this.#generation) return;
    try {
      if (local.audio !== before.audio) await session.setTrack('mic', local.audio, this.micMuted);
      if (local.video !== before.video) await session.setTrack('cam', local.video, this.camOff);
    } catch (err) {
      this.#warn('could not switch a device', err);
    }
    this.#changed();
  }

  async toggleMic(): Promise<void> {
    await this.setMicMuted(!this.micMuted);
  }

  async setMicMuted(muted: boolean): Promise<void> {
    this.micMuted = muted;
    this.#changed();
    await this.#session?.setPaused('mic', muted).catch((err: Error) => this.#warn('mic', err.message));
  }

  async toggleCam(): Promise<void> {
    await this.setCamOff(!this.camOff);
  }

  async setCamOff(off: boolean): Promise<void> {
    this.camOff = off;
    this.#changed();
    await this.#session?.setPaused('cam', off).catch((err: Error) => this.#warn('camera', err.message));
  }

  async toggleHand(): Promise<void> {
    if (this.role !== 'bridge' || !this.connected) return;
    const raised = !this.handRaised;
    this.#handWanted = raised;
    await this.link.request('hand:set', { raised }).catch((err: Error) => this.#warn('hand', err.message));
  }

  /** The hub watches one bridge large (the server sends it in the high layer); null for none. */
  async setFocus(siteId: string | null): Promise<void> {
    if (this.role !== 'hub') return;
    this.focus = siteId;
    this.#changed();
    if (this.connected)
      await this.link.request('hub:focus', { siteId }).catch((err: Error) => this.#warn('focus', err.message));
  }

  /** The technician read an alert: the server records it (the board's call list shows it). */
  async acknowledgeAlert(id: string): Promise<void> {
    await this.link.request('alert:ack', { alertId: id });
    this.alerts = this.alerts.filter((a) => a.id !== id);
    this.#changed();
  }

  /** Close an operator's message on this page. */
  dismissMessage(id: string): void {
    this.messages = this.messages.filter((m) => m.id !== id);
    this.#changed();
  }

  /** Say goodbye to the server and stop (the server closes the connection after its ack). */
  async leave(): Promise<void> {
    this.#wantIn = false;
    await this.link.request('leave', {}, 3000).catch((err: Error) => this.#warn('leave', err.message));
  }

  /** Stop everything here at once, without a goodbye (the tab closes, the cable is cut). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wantIn = false;
    clearInterval(this.#reportTimer);
    this.#teardown();
    this.link.stop();
    this.link.socket.removeAllListeners();
    this.link.removeAllListeners();
    this.removeAllListeners();
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- signaling ----
  #onWelcome(w: Welcome, reconnected: boolean): void {
    this.welcome = w;
    this.view = w.conference;
    this.connected = true;
    this.attempts = 0;
    if (this.state === 'error') {
      this.error = undefined;
      this.state = this.#wantIn ? 'reconnecting' : 'prejoin';
    }
    this.emit('welcome', w, reconnected);
    if (this.#wantIn) void this.#build();
    this.#changed();
  }

  #onLost(closed: CloseReason | undefined): void {
    this.connected = false;
    this.#teardown();
    if (this.#wantIn && this.state !== 'error') {
      this.state = 'reconnecting';
      this.recovery =
        closed === 'server-shutdown'
          ? { key: 'reconnecting.serverRestart' }
          : { key: 'reconnecting.server', params: { n: Math.max(1, this.attempts) } };
    }
    this.#changed();
  }

  #onRefused(error: ErrorBody): void {
    this.#warn('the server refused this link', error.message);
    this.#wantIn = false;
    this.#fail({ code: 'unauthorized', retryable: false });
  }

  #onEnded(reason: CloseReason, message: string): void {
    this.#fail({ code: reason, detail: message, retryable: reason !== 'link-reissued' });
  }

  /** A problem found before signaling could start (no token in the link, no WebRTC). */
  showError(error: ClientError): void {
    this.#wantIn = false;
    this.link.stop();
    this.#fail(error);
  }

  #fail(error: ClientError): void {
    this.connected = false;
    this.#teardown();
    this.error = error;
    this.state = 'error';
    this.recovery = undefined;
    this.#changed();
  }

  #onConsume(
    offer: ConsumeOffer,
    ack: (reply: { ok: true; data: Record<string, never> } | { ok: false; error: ErrorBody }) => void,
  ): void {
    const session = this.#session;
    if (!session) {
      ack({ ok: false, error: { code: 'out_of_order', message: 'no media session here yet' } });
      return;
    }
    session.consume(offer).then(
      (remote) => {
        ack({ ok: true, data: {} });
        if (remote) this.emit('consumer', remote);
      },
      (err: Error) => {
        if (!(err instanceof SessionClosedError)) this.emit('trouble', `consume ${offer.kind} of ${offer.siteId}`, err);
        ack({ ok: false, error: { code: 'internal', message: err.message } });
      },
    );
  }

  // ---- media: join, rebuild, repair ----
  #teardown(): void {
    this.#generation++;
    for (const timer of this.#iceTimers.values()) clearTimeout(timer);
    this.#iceTimers.clear();
    this.#session?.close();
    this.#session = undefined;
    this.#quality.reset();
  }

  /** (Re)build the media session on the current connection until it works or the connection goes. */
  async #build(): Promise<void> {
    this.#teardown();
    const generation = this.#generation;
    if (this.state !== 'joining') {
      this.state = 'reconnecting';
      this.recovery ??= { key: 'reconnecting.rebuild' };
    }
    this.#changed();
    for (let attempt = 1; ; attempt++) {
      const role = this.role;
      if (generation !== this.#generation || !this.#wantIn || !this.link.connected || !role) return;
      const session: MediaSession = new MediaSession(this.link, this.#env, role, {
        remoteChanged: () => {
          if (session === this.#session) this.#changed();
        },
        transportState: (direction, state) => this.#onTransportState(session, direction, state),
        step: (step) => this.emit('step', step),
        trouble: (what, err) => this.emit('trouble', what, err),
      });
      this.#session = session;
      try {
        const own = this.#env.tracksForSession?.(role);
        const startedWith = own ?? this.#local;
        const consumers = await session.start(startedWith, { mic: this.micMuted, cam: this.camOff });
        if (generation !== this.#generation) return;
        // The camera or microphone came (or went) while joining, e.g. a permission answered late.
        if (!own && this.#local.audio !== startedWith.audio)
          await session.setTrack('mic', this.#local.audio, this.micMuted);
        if (!own && this.#local.video !== startedWith.video)
          await session.setTrack('cam', this.#local.video, this.camOff);
        if (generation !== this.#generation) return;
        await this.#resumeAsSameSite();
        this.#joinedGeneration = generation;
        this.state = 'in-conference';
        this.recovery = undefined;
        this.emit('step', 'joined');
        this.emit('media', consumers);
        this.#changed();
        return;
      } catch (err) {
        session.close();
        if (this.#session === session) this.#session = undefined;
        if (generation !== this.#generation || err instanceof SessionClosedError) return;
        if (err instanceof Error && err.name === 'UnsupportedError') {
          this.#wantIn = false;
          this.#fail({ code: 'unsupported', detail: err.message, retryable: false });
          return;
        }
        this.#warn(`joining the media failed (attempt ${attempt})`, err);
        if (!this.link.connected) return; // the next welcome starts over
        this.recovery = {
          key: 'reconnecting.retry',
          params: { detail: err instanceof Error ? err.message : String(err) },
        };
        this.#changed();
        await sleep(backoffMs(attempt));
      }
    }
  }

  /** A new server session knows nothing of this room's choices: tell it again. */
  async #resumeAsSameSite(): Promise<void> {
    const site = this.welcome?.site;
    if (!site) return;
    const failed = (what: string) => (err: Error) => this.#warn(`could not restore the ${what}`, err.message);
    if (site.role === 'hub' && this.focus)
      await this.link.request('hub:focus', { siteId: this.focus }).catch(failed('focus'));
    if (site.role === 'bridge' && this.#handWanted && !this.view?.hands.includes(site.id)) {
      await this.link.request('hand:set', { raised: true }).catch(failed('raised hand'));
    }
  }

  #onTransportState(session: MediaSession, direction: Direction, state: ConnectionState): void {
    if (session !== this.#session) return;
    const timer = this.#iceTimers.get(direction);
    if (state === 'connected' || state === 'new' || state === 'connecting') {
      if (state === 'connected' && timer) {
        clearTimeout(timer);
        this.#iceTimers.delete(direction);
      }
      return;
    }
    // 'closed' here means the far end closed it (DTLS close), not this client: trouble too.
    if ((state === 'disconnected' || state === 'failed' || state === 'closed') && !timer) {
      // 'disconnected' often heals by itself within a second or two; give it 3 s.
      this.#iceTimers.set(
        direction,
        setTimeout(() => {
          this.#iceTimers.delete(direction);
          const now = session.connectionState(direction);
          if (session === this.#session && (now === 'disconnected' || now === 'failed' || now === 'closed')) {
            void this.#repairMedia([direction], { key: 'reconnecting.media' }, true);
          }
        }, ICE_GRACE_MS),
      );
    }
  }

  /** ICE restart of the given transports; if they do not come back, rebuild the session. */
  async #repairMedia(directions: Direction[], why: Notice, showOverlay: boolean): Promise<void> {
    const session = this.#session;
    if (!session || this.#repairing || !this.link.connected) return;
    if (this.#joinedGeneration !== this.#generation) return; // still joining: #build retries itself
    this.#repairing = true;
    const generation = this.#generation;
    if (showOverlay) {
      this.state = 'reconnecting';
      this.recovery = why;
      this.#changed();
    }
    try {
      await session.restartIce(directions);
      const deadline = performance.now() + ICE_RESTART_WAIT_MS;
      const healthy = () =>
        directions.every((d) => {
          const s = session.connectionState(d);
          return s === undefined || s === 'connected' || s === 'new';
        });
      while (!healthy() && performance.now() < deadline && generation === this.#generation) await sleep(200);
      if (generation !== this.#generation) return;
      if (!healthy()) throw new Error('ICE restart did not reconnect');
      if (this.state === 'reconnecting') {
        this.state = 'in-conference';
        this.recovery = undefined;
      }
    } catch (err) {
      this.emit('trouble', 'ICE restart', err instanceof Error ? err : new Error(String(err)));
      if (generation === this.#generation && this.#wantIn && this.link.connected) {
        this.state = 'reconnecting';
        this.recovery = { key: 'reconnecting.rebuild' };
        void this.#build();
      }
    } finally {
      this.#repairing = false;
      this.#changed();
    }
  }

  // ---- quality ----
  async #sampleQuality(): Promise<void> {
    const session = this.#session;
    if (!session || this.state !== 'in-conference') return;
    let report: LinkReport | undefined;
    try {
      report = this.#env.sampleLink
        ? await this.#env.sampleLink(session.sendTransport, session.recvTransport)
        : await this.#quality.sample(session.sendTransport, session.recvTransport);
    } catch (err) {
      this.#warn('getStats failed', err);
      return;
    }
    if (session !== this.#session || !report) return;
    const pressure = this.#env.cpuPressure?.();
    if (pressure) report = { ...report, cpuPressure: pressure };
    this.report = report;
    if (report.transport) this.transport = report.transport;
    this.#changed();
    if (this.link.connected) {
      await this.link.request('site:report', report).catch((err: Error) => this.#warn('report', err.message));
    }
  }

  /** What this client receives (the page exposes it to its tests). */
  consumers(): { id: string; siteId: string; kind: string; source: string; feed: string; paused: boolean }[] {
    return this.remote.map(({ consumer, offer }) => ({
      id: consumer.id,
      siteId: offer.siteId,
      kind: offer.kind,
      source: offer.source,
      feed: offer.feed,
      paused: consumer.paused,
    }));
  }
}
