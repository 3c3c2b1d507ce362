// The HTTP edge: Fastify with one error handler, health, and the operator API. Components are
// built by main.ts (or a test) and passed in, so the app owns none of them.
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Briefing } from '../briefing/briefing.js';
import type { Roster } from '../config/roster.js';
import type { Config } from '../config/schema.js';
import { AppError, isAppError, publicError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { FailureThrottle } from '../kernel/rate.js';
import type { MediaPlane } from '../media/index.js';
import type { Outbox } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import type { TechnicianAlerts } from './alerts/service.js';
import type { SiteCredentials } from './credentials.js';
import type { ServiceMetrics } from './metrics.js';
import type { OperatorAuth } from './operator.js';
import operatorAuth from './plugins/operator-auth.js';
import securityHeaders from './plugins/security-headers.js';
import type { Recordings } from './recording/recordings.js';
import type { RehearsalRunner } from './rehearsal/runner.js';
import { alertRoutes } from './routes/alerts.js';
import { boardRoutes } from './routes/board.js';
import { conferenceRoutes } from './routes/conference.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { pageRoutes } from './routes/pages.js';
import { recordingRoutes } from './routes/recordings.js';
import { sessionRoutes } from './routes/sessions.js';
import { siteActionRoutes, siteRoutes } from './routes/sites.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { SessionService } from './schedule/sessions.js';
import type { StatusService } from './status/service.js';
import type { WebhookDeliverer } from './webhooks/deliverer.js';

export interface AppDeps {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly store: Store;
  readonly outbox: Outbox;
  readonly metrics: ServiceMetrics;
  /** Failed authentications per client address, shared with signaling. */
  readonly authThrottle: FailureThrottle;
  readonly roster: Roster;
  readonly credentials: SiteCredentials;
  readonly operator: OperatorAuth;
  readonly media: MediaPlane;
  /** The origins of the cluster's nodes (empty with a single node). */
  readonly nodeOrigins: () => string[];
  /** The cluster's nodes with their sites, for GET /api/nodes (a single node lists itself). */
  readonly nodes: () => Promise<unknown>;
  /** Connected sockets by namespace (signaling attaches after the app is built). */
  readonly sockets: () => { site: number; operator: number };
  readonly briefing: Briefing;
  readonly status: StatusService;
  readonly sessions: SessionService;
  readonly rehearsals: RehearsalRunner;
  /** The briefing's recordings (server/recording/). */
  readonly recordings?: Recordings;
  /** Set when WEBHOOK_URLS is. */
  readonly webhooks?: WebhookDeliverer;
  readonly alerts?: TechnicianAlerts;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }),
    // Request lines would repeat what the error handler and the domain already log.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.TRUST_PROXY,
    https: config.tls ? { cert: config.tls.cert, key: config.tls.key } : null,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  app.decorate('deps', deps);
  await app.register(securityHeaders, { tls: config.tls !== undefined });
  await app.register(operatorAuth, {
    operator: deps.operator,
    throttle: deps.authThrottle,
    refused: (reason) => deps.metrics.httpAuthRefused(reason),
  });

  app.setErrorHandler((err, req, reply) => {
    if (isAppError(err)) {
      if (err.status >= 500) req.log.warn({ code: err.code, err: err.message }, 'request failed');
      return reply.status(err.status).send({ error: err.toBody() });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own 4xx (bad JSON, body too large, schema): its message names the problem.
      const code = status === 404 ? 'not_found' : status === 401 ? 'unauthorized' : 'bad_request';
      return reply.status(status).send({ error: { code, message: (err as Error).message } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: publicError(err) });
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send({ error: new AppError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`).toBody() });
  });

  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(pageRoutes);
  await app.register(boardRoutes);
  // The operator's API: one authentication hook for every route in it.
  await app.register(async (api) => {
    api.addHook('onRequest', app.operatorOnly);
    await api.register(siteRoutes);
    await api.register(siteActionRoutes);
    await api.register(conferenceRoutes);
    await api.register(sessionRoutes);
    await api.register(eventRoutes);
    await api.register(recordingRoutes);
    await api.register(webhookRoutes);
    await api.register(alertRoutes);
    api.get('/api/nodes', async () => ({ nodes: await deps.nodes() }));
  });
  return app;
}
