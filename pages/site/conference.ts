// The room in the conference, kept there all day with no one touching it: the join, the
// room's own controls (microphone, camera, hand, the hub's focus), the link quality, and
// recovery. Recovery has three rungs: an ICE restart when a transport stays disconnected or
// failed for 3 s (or the operator asks); a rebuild of the media session on the same
// connection when that does not bring it back; and, when the connection itself drops, a new
// connection (socket.io reconnects; signaling.ts covers what it leaves out) on which the whole
// media session is rebuilt, resuming as the same site: focus and raised hand included.
import {
  type CloseReason,
  type ConferenceView,
  type ConsumeOffer,
  type ErrorBody,
  type SiteRole,
  type SiteSummary,
  siteInputs,
  type Welcome,
} from '../../signaling/contract.js';
import type { Message } from './i18n.js';
import {
  type ConnectionState,
  type Direction,
  type LocalTracks,
  MediaSession,
  type RemoteMedia,
  SessionClosedError,
} from './media-session.js';
import { QualityMonitor, type Report } from './quality.js';
import { backoffMs, Signaling } from './signaling.js';

export type PageState = 'prejoin' | 'joining' | 'in-conference' | 'reconnecting' | 'error';

export interface PageError {
  readonly code: string;
  readonly title: Message;
  readonly message: Message;
  readonly action?: { readonly label: Message; run(): void };
}

const ICE_GRACE_MS = 3000;
const ICE_RESTART_WAIT_MS = 6000;
const REPORT_INTERVAL_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ConferenceHooks {
  /** Every accepted (re)connection. */
  welcomed?(w: Welcome, reconnected: boolean): void;
  /** The page joined the conference (the first time, or after a reload). */
  joined?(): void;
}

export class Conference {
  state: PageState = 'prejoin';
  welcome: Welcome | undefined;
  view: ConferenceView | undefined;
  error: PageError | undefined;
  /** What the overlay (or the join button) says while the page gets in or back in. */
  recovery: Message | undefined;
  report: Report | undefined;
  transport: 'udp' | 'tcp' | null = null;
  micMuted = false;
  camOff = false;
  /** The hub: the bridge it watches large. */
  focus: string | null = null;
  /** Signaling is up and welcomed. */
  connected = false;
  /** Failed connection attempts since the last success. */
  attempts = 0;
  readonly signaling: Signaling;

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
  readonly #listeners = new Set<() => void>();
  readonly #hooks: ConferenceHooks;

  constructor(token: string, hooks: ConferenceHooks = {}) {
    this.#hooks = hooks;
    this.signaling = new Signaling(token, {
      welcome: (w, reconnected) => this.#onWelcome(w, reconnected),
      lost: (why) => this.#onLost(why.closed),
      retrying: (attempt) => {
        this.attempts = attempt;
        if (this.#wantIn && this.state !== 'error')
          this.recovery = { key: 'reconnecting.server', params: { n: attempt } };
        this.#changed();
      },
      refused: (error) => this.#onRefused(error),
      ended: (reason) => this.#onEnded(reason),
    });
    const socket = this.signaling.socket;
    socket.on('conference:changed', (view) => {
      this.view = view;
      // While a rebuild runs, the server's view does not have our hand yet: keep our wish.
      if (this.state === 'in-conference' && this.welcome) this.#handWanted = view.hands.includes(this.welcome.site.id);
      this.#changed();
    });
    socket.on('media:consume', (offer, ack) => this.#onConsume(offer, ack));
    socket.on('media:consumer-closed', ({ consumerId }) => this.#session?.closeConsumer(consumerId));
    socket.on('media:restart-ice-requested', () => {
      void this.#repairMedia(['send', 'recv'], { key: 'reconnecting.operator' }, false);
    });
    socket.on('protocol:error', (p) => console.warn('protocol error', p));
  }

  start(): void {
    this.signaling.connect();
    setInterval(() => void this.#sampleQuality(), REPORT_INTERVAL_MS);
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
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
  join(): void {
    if (this.state !== 'prejoin') return;
    this.#wantIn = true;
    this.state = 'joining';
    this.recovery = this.connected ? { key: 'join.joining' } : { key: 'join.waitingServer' };
    this.#changed();
    this.#hooks.joined?.();
    if (this.connected) void this.#build();
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
      console.warn('could not switch a device', err);
    }
    this.#changed();
  }

  async toggleMic(): Promise<void> {
    this.micMuted = !this.micMuted;
    this.#changed();
    await this.#session?.setPaused('mic', this.micMuted).catch((err: Error) => console.warn('mic', err.message));
  }

  async toggleCam(): Promise<void> {
    this.camOff = !this.camOff;
    this.#changed();
    await this.#session?.setPaused('cam', this.camOff).catch((err: Error) => console.warn('camera', err.message));
  }

  async toggleHand(): Promise<void> {
    if (this.role !== 'bridge' || !this.connected) return;
    const raised = !this.handRaised;
    this.#handWanted = raised;
    await this.signaling.request('hand:set', { raised }).catch((err: Error) => console.warn('hand', err.message));
  }

  /** The hub watches one bridge large (the server sends it in the high layer); null for none. */
  async setFocus(siteId: string | null): Promise<void> {
    if (this.role !== 'hub') return;
    this.focus = siteId;
    this.#changed();
    if (this.connected)
      await this.signaling.request('hub:focus', { siteId }).catch((err: Error) => console.warn('focus', err.message));
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
    this.#hooks.welcomed?.(w, reconnected);
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
    console.warn('the server refused this link:', error.message);
    this.#wantIn = false;
    this.#fail({
      code: 'unauthorized',
      title: { key: 'error.unauthorized.title' },
      message: { key: 'error.unauthorized' },
    });
  }

  #onEnded(reason: CloseReason): void {
    const again = (label: Message): PageError['action'] => ({
      label,
      run: () => {
        this.error = undefined;
        this.state = this.#wantIn ? 'reconnecting' : 'prejoin';
        this.recovery = { key: 'join.waitingServer' };
        this.#changed();
        this.signaling.connect();
      },
    });
    const errors: Partial<Record<CloseReason, PageError>> = {
      'taken-over': {
        code: 'taken-over',
        title: { key: 'error.takenOver.title' },
        message: { key: 'error.takenOver' },
        action: again({ key: 'error.takenOver.action' }),
      },
      'link-reissued': {
        code: 'link-reissued',
        title: { key: 'error.linkReissued.title' },
        message: { key: 'error.linkReissued' },
      },
      'disconnected-by-operator': {
        code: 'disconnected-by-operator',
        title: { key: 'error.byOperator.title' },
        message: { key: 'error.byOperator' },
        action: again({ key: 'error.byOperator.action' }),
      },
    };
    this.#fail(
      errors[reason] ?? {
        code: reason,
        title: { key: 'error.left.title' },
        message: { key: 'error.left' },
        action: again({ key: 'error.left.action' }),
      },
    );
  }

  /** A problem found before signaling could start (no token in the link, no WebRTC). */
  showError(error: PageError): void {
    this.#wantIn = false;
    this.signaling.stop();
    this.#fail(error);
  }

  #fail(error: PageError): void {
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
      ack({ ok: false, error: { code: 'out_of_order', message: 'no media session on this page yet' } });
      return;
    }
    session.consume(offer).then(
      () => ack({ ok: true, data: {} }),
      (err: Error) => ack({ ok: false, error: { code: 'internal', message: err.message } }),
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
      if (generation !== this.#generation || !this.#wantIn || !this.signaling.connected || !role) return;
      const session: MediaSession = new MediaSession(this.signaling, role, {
        remoteChanged: () => {
          if (session === this.#session) this.#changed();
        },
        transportState: (direction, state) => this.#onTransportState(session, direction, state),
      });
      this.#session = session;
      try {
        const startedWith = this.#local;
        await session.start(startedWith, { mic: this.micMuted, cam: this.camOff });
        if (generation !== this.#generation) return;
        // The camera or microphone came (or went) while joining, e.g. a permission answered late.
        if (this.#local.audio !== startedWith.audio) await session.setTrack('mic', this.#local.audio, this.micMuted);
        if (this.#local.video !== startedWith.video) await session.setTrack('cam', this.#local.video, this.camOff);
        if (generation !== this.#generation) return;
        await this.#resumeAsSameSite();
        this.#joinedGeneration = generation;
        this.state = 'in-conference';
        this.recovery = undefined;
        this.#changed();
        return;
      } catch (err) {
        session.close();
        if (this.#session === session) this.#session = undefined;
        if (generation !== this.#generation || err instanceof SessionClosedError) return;
        if (err instanceof Error && err.name === 'UnsupportedError') {
          this.#wantIn = false;
          this.#fail({
            code: 'unsupported',
            title: { key: 'error.unsupported.title' },
            message: { key: 'error.unsupported', params: { detail: err.message } },
          });
          return;
        }
        console.warn(`joining the media failed (attempt ${attempt})`, err);
        if (!this.signaling.connected) return; // the next welcome starts over
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
    if (site.role === 'hub' && this.focus)
      await this.signaling.request('hub:focus', { siteId: this.focus }).catch(() => undefined);
    if (site.role === 'bridge' && this.#handWanted && !this.view?.hands.includes(site.id)) {
      await this.signaling.request('hand:set', { raised: true }).catch(() => undefined);
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
    // 'closed' here means the far end closed it (DTLS close), not this page: trouble too.
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
  async #repairMedia(directions: Direction[], why: Message, showOverlay: boolean): Promise<void> {
    const session = this.#session;
    if (!session || this.#repairing || !this.signaling.connected) return;
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
      console.warn('media repair failed; rebuilding', err);
      if (generation === this.#generation && this.#wantIn && this.signaling.connected) {
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
    let report: Report;
    try {
      report = await this.#quality.sample(session.sendTransport, session.recvTransport);
    } catch (err) {
      console.warn('getStats failed', err);
      return;
    }
    if (session !== this.#session) return;
    this.report = report;
    if (report.transport) this.transport = report.transport;
    this.#changed();
    // The contract's own schema: never send the server a report it would refuse.
    const parsed = siteInputs['site:report'].safeParse(report);
    if (parsed.success && this.signaling.connected) {
      await this.signaling.request('site:report', parsed.data).catch(() => undefined);
    }
  }

  /** For the tests' window.giaoBan: what this page receives. */
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
