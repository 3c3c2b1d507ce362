// Socket.io on the HTTP server: the /site and /operator namespaces. The engine's own ping is
// the heartbeat, tuned so a dead client is noticed within HEARTBEAT_TIMEOUT_MS (socket.io's
// defaults take about 45 s). Signaling owns no state of the briefing: it authenticates,
// validates, limits and delegates, and pushes what changes to the clients.
import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import type { Briefing } from '../briefing/briefing.js';
import type { Site } from '../config/roster.js';
import {
  type IceServer,
  OPERATOR_NAMESPACE,
  type OperatorMessage,
  SITE_NAMESPACE,
  type TechnicianAlertNotice,
} from '../contract/index.js';
import type { Logger } from '../kernel/logger.js';
import type { FailureThrottle, Rate } from '../kernel/rate.js';
import type { Conference } from '../media/index.js';
import { attachOperatorNamespace, type OperatorNamespace } from './operator.js';
import type {
  OperatorAuthenticator,
  Placement,
  SignalingCounters,
  SiteAuthenticator,
  SiteNotices,
  StatusFeed,
} from './ports.js';
import { attachSiteNamespace, type SiteNamespace, type SiteSessions, siteRoom } from './site.js';
import type { JoinProfile } from './site-session.js';

export type {
  OperatorAuthenticator,
  Placement,
  SignalingCounters,
  SiteAuthenticator,
  SiteNotices,
  StatusFeed,
} from './ports.js';
export type { JoinProfile } from './site-session.js';

export interface SignalingDeps {
  readonly httpServer: HttpServer;
  readonly credentials: SiteAuthenticator;
  readonly operator: OperatorAuthenticator;
  readonly briefing: Briefing;
  readonly conference: Conference;
  readonly status: StatusFeed;
  readonly sites: readonly Site[];
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  /** Multiplies every per-connection event rate (tests of the handlers themselves raise it). */
  readonly rateScale: number;
  /** Failed authentications allowed per client address, across both namespaces and the API. */
  readonly authThrottle: FailureThrottle;
  readonly counters: SignalingCounters;
  /** Alerts to the technicians and the operator's messages to the pages (server/alerts/). */
  readonly notices?: SiteNotices;
  /** TURN servers with fresh credentials for a site (none without TURN). */
  readonly iceServers?: (siteId: string) => IceServer[];
  /** What a site's rehearsal learned, applied when it joins the live session. */
  readonly profileFor?: (siteId: string) => Promise<JoinProfile | undefined>;
  readonly logger: Logger;
  /**
   * With several nodes: socket.io's Redis adapter (pushes to the boards and to a site's page
   * reach every node), where sites go, and the other nodes' origins a page may call.
   */
  readonly cluster?: {
    readonly adapter: ServerOptions['adapter'];
    readonly placement: Placement;
    readonly origins: () => string[];
  };
}

const scaled = (rate: Rate, k: number): Rate => ({ burst: rate.burst * k, perSecond: rate.perSecond * k });

/**
 * What one connection may send. A page joining sends a dozen media requests at once and a
 * few more on every rebuild; it reports its link every 2 s and pings a few times during its
 * network check; a person raises a hand or picks a focus a few times a minute.
 */
export const siteRates = {
  media: { burst: 40, perSecond: 8 },
  control: { burst: 8, perSecond: 1 },
  report: { burst: 4, perSecond: 1 },
  ping: { burst: 10, perSecond: 4 },
  other: { burst: 10, perSecond: 1 },
} as const satisfies Record<string, Rate>;
export const operatorRates = {
  action: { burst: 30, perSecond: 5 },
  read: { burst: 20, perSecond: 5 },
  other: { burst: 10, perSecond: 1 },
} as const satisfies Record<string, Rate>;

export class Signaling {
  readonly io: Server;
  readonly sites: SiteNamespace;
  readonly operators: OperatorNamespace;
  readonly #sessions: SiteSessions;
  #closed = false;

  constructor(deps: SignalingDeps) {
    const cluster = deps.cluster;
    this.io = new Server(deps.httpServer, {
      serveClient: false,
      pingInterval: deps.heartbeatIntervalMs,
      pingTimeout: deps.heartbeatTimeoutMs - deps.heartbeatIntervalMs,
      maxHttpBufferSize: 256 * 1024,
      ...(cluster
        ? {
            adapter: cluster.adapter,
            // A page served by one node may reach another after a failover (long polling is
            // a cross-origin request then).
            cors: { origin: (origin, done) => done(null, !origin || cluster.origins().includes(origin)) },
          }
        : {}),
    });
    this.sites = this.io.of(SITE_NAMESPACE) as SiteNamespace;
    this.operators = this.io.of(OPERATOR_NAMESPACE) as OperatorNamespace;
    const k = deps.rateScale;
    const flood = { floodRefusals: 200, floodWindowMs: 10_000 };
    this.#sessions = attachSiteNamespace(this.sites, {
      credentials: deps.credentials,
      briefing: deps.briefing,
      conference: deps.conference,
      sites: deps.sites,
      heartbeatMs: deps.heartbeatIntervalMs,
      consumeTimeoutMs: 10_000,
      ...(deps.notices ? { notices: deps.notices } : {}),
      iceServers: deps.iceServers ?? (() => []),
      profileFor: deps.profileFor ?? (async () => undefined),
      status: deps.status,
      limits: {
        rates: {
          media: scaled(siteRates.media, k),
          control: scaled(siteRates.control, k),
          report: scaled(siteRates.report, k),
          ping: scaled(siteRates.ping, k),
          other: scaled(siteRates.other, k),
        },
        ...flood,
      },
      authThrottle: deps.authThrottle,
      counters: deps.counters,
      ...(cluster ? { placement: cluster.placement } : {}),
      logger: deps.logger,
    });
    attachOperatorNamespace(this.operators, {
      operator: deps.operator,
      briefing: deps.briefing,
      status: deps.status,
      limits: {
        rates: {
          action: scaled(operatorRates.action, k),
          read: scaled(operatorRates.read, k),
          other: scaled(operatorRates.other, k),
        },
        ...flood,
      },
      authThrottle: deps.authThrottle,
      counters: deps.counters,
      ...(deps.notices ? { notices: deps.notices } : {}),
      logger: deps.logger,
    });
    deps.notices?.on('changed', (a) => this.operators.emit('technician-alert', a));
    // Pushed, not polled: state changes at once, metrics once per stats sample.
    deps.status.on('status', (s) => {
      this.operators.emit('status:site', s);
      // The site's own page shows what the board shows, so the two never disagree.
      this.sites.to(siteRoom(s.siteId)).emit('site:status', s);
    });
    deps.status.on('metrics', (sites) => this.operators.volatile.emit('status:metrics', { sites }));
    deps.status.on('alert', (a) => this.operators.emit('alert', a));
    // Every node keeps the same view of the briefing: each tells its own clients.
    deps.briefing.on('changed', (view) => {
      this.sites.local.emit('conference:changed', view);
      this.operators.local.emit('conference:changed', view);
    });
    deps.conference.on('audioOnly', (siteId, on) => {
      this.sites.to(siteRoom(siteId)).emit('media:audio-only', { on });
    });
    deps.conference.on('speaking', (sites) => {
      this.operators.local.volatile.emit('conference:speaking', { sites: sites.slice(0, 5) });
    });
  }

  /** Show an alert on a site's pages, wherever they are connected; resolves with how many it reached. */
  async showAlert(siteId: string, notice: TechnicianAlertNotice): Promise<number> {
    const room = siteRoom(siteId);
    const reached = (await this.sites.in(room).fetchSockets()).length;
    this.sites.to(room).emit('technician:alert', notice);
    return reached;
  }

  /** Show the operator's message on one site's pages, or on every page (null). */
  async showMessage(siteId: string | null, message: OperatorMessage): Promise<number> {
    if (siteId === null) {
      const reached = (await this.sites.fetchSockets()).length;
      this.sites.emit('operator:message', message);
      return reached;
    }
    const room = siteRoom(siteId);
    const reached = (await this.sites.in(room).fetchSockets()).length;
    this.sites.to(room).emit('operator:message', message);
    return reached;
  }

  /** With several nodes: tell every page here which nodes there are now. */
  announceNodes(nodes: string[]): void {
    this.sites.local.emit('nodes', { nodes });
  }

  /** Sites connected to this node. */
  get siteCount(): number {
    return this.#sessions.size;
  }

  /** Send every site to another node (a node stopping); resolves when they left, or after ms. */
  moveSites(ms: number): Promise<void> {
    return this.#sessions.moveAll(ms);
  }

  /** Disconnect every client; the HTTP server itself is closed by its owner. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.operators.disconnectSockets(true);
    this.sites.disconnectSockets(true);
    this.io.engine.close();
  }
}
