// Socket.io on the HTTP server: the /site and /operator namespaces. The engine's own ping is
// the heartbeat, tuned so a dead client is noticed within HEARTBEAT_TIMEOUT_MS (socket.io's
// defaults take about 45 s).
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Site } from '../config/roster.js';
import type { Conference } from '../media/index.js';
import type { Briefing } from '../server/briefing.js';
import type { SiteCredentials } from '../server/credentials.js';
import type { Logger } from '../server/logger.js';
import type { OperatorAuth } from '../server/operator.js';
import type { StatusService } from '../server/status/service.js';
import { OPERATOR_NAMESPACE, SITE_NAMESPACE } from './contract.js';
import { attachOperatorNamespace, type OperatorNamespace } from './operator.js';
import { attachSiteNamespace, type SiteNamespace } from './site.js';

export interface SignalingDeps {
  readonly httpServer: HttpServer;
  readonly credentials: SiteCredentials;
  readonly operator: OperatorAuth;
  readonly briefing: Briefing;
  readonly conference: Conference;
  readonly status: StatusService;
  readonly sites: readonly Site[];
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly logger: Logger;
}

export class Signaling {
  readonly io: Server;
  readonly sites: SiteNamespace;
  readonly operators: OperatorNamespace;
  #closed = false;

  constructor(deps: SignalingDeps) {
    this.io = new Server(deps.httpServer, {
      serveClient: false,
      pingInterval: deps.heartbeatIntervalMs,
      pingTimeout: deps.heartbeatTimeoutMs - deps.heartbeatIntervalMs,
      maxHttpBufferSize: 256 * 1024,
    });
    this.sites = this.io.of(SITE_NAMESPACE) as unknown as SiteNamespace;
    this.operators = this.io.of(OPERATOR_NAMESPACE) as unknown as OperatorNamespace;
    attachSiteNamespace(this.sites, {
      credentials: deps.credentials,
      briefing: deps.briefing,
      conference: deps.conference,
      sites: deps.sites,
      heartbeatMs: deps.heartbeatIntervalMs,
      consumeTimeoutMs: 10_000,
      logger: deps.logger,
    });
    attachOperatorNamespace(this.operators, {
      operator: deps.operator,
      briefing: deps.briefing,
      status: deps.status,
      logger: deps.logger,
    });
    // Pushed, not polled: state changes at once, metrics once per stats sample.
    deps.status.on('status', (s) => this.operators.emit('status:site', s));
    deps.status.on('metrics', (sites) => this.operators.volatile.emit('status:metrics', { sites }));
    deps.status.on('alert', (a) => this.operators.emit('alert', a));
    deps.briefing.on('changed', (view) => {
      this.sites.emit('conference:changed', view);
      this.operators.emit('conference:changed', view);
    });
    deps.conference.on('speaking', (sites) => {
      this.operators.volatile.emit('conference:speaking', { sites: sites.slice(0, 5) });
    });
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
