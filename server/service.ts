// Composes the service from its parts, in dependency order, and closes them in reverse.
// main.ts runs it for real; tests start it in-process with their own config.

import { randomBytes, randomUUID } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { FastifyInstance } from 'fastify';
import { Briefing } from '../briefing/briefing.js';
import { ClusterNode, defaultNodeId } from '../cluster/node.js';
import { loadRoster, type Roster } from '../config/roster.js';
import type { Config } from '../config/schema.js';
import { type Clock, systemClock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { FailureThrottle } from '../kernel/rate.js';
import { MediaPlane } from '../media/index.js';
import { Signaling } from '../signaling/index.js';
import { openStore } from '../store/index.js';
import { Outbox } from '../store/outbox.js';
import { RedisStore } from '../store/redis.js';
import type { Store } from '../store/store.js';
import { alertChannels } from './alerts/channels.js';
import { TechnicianAlerts } from './alerts/service.js';
import { buildApp } from './app.js';
import { SiteCredentials } from './credentials.js';
import { ServiceMetrics } from './metrics.js';
import { OperatorAuth } from './operator.js';
import { SiteProfiles } from './profiles.js';
import { Recordings } from './recording/recordings.js';
import { defaultCheckThresholds } from './rehearsal/checks.js';
import { RehearsalRunner } from './rehearsal/runner.js';
import { Scheduler } from './schedule/scheduler.js';
import { SessionService } from './schedule/sessions.js';
import { StatusService } from './status/service.js';
import { iceServersFor, type TurnConfig } from './turn/credentials.js';
import { startEmbeddedTurn } from './turn/embedded-coturn.js';
import { WebhookDeliverer } from './webhooks/deliverer.js';

export interface Service {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly outbox: Outbox;
  readonly roster: Roster;
  readonly credentials: SiteCredentials;
  readonly media: MediaPlane;
  readonly briefing: Briefing;
  readonly status: StatusService;
  readonly sessions: SessionService;
  readonly scheduler: Scheduler;
  readonly rehearsals: RehearsalRunner;
  readonly signaling: Signaling;
  readonly metrics: ServiceMetrics;
  /** The briefing's recordings (ffmpeg fed by the conference). */
  readonly recordings: Recordings;
  /** The webhooks' deliverer (WEBHOOK_URLS set), else undefined. */
  readonly webhooks: WebhookDeliverer | undefined;
  /** Alerts to the sites' technicians and the operator's messages to the pages. */
  readonly alerts: TechnicianAlerts;
  /** This node's part in a cluster (CLUSTER=true), else undefined. */
  readonly cluster: ClusterNode | undefined;
  /** The address the HTTP server listens on, after listen(). */
  readonly url: string;
  /** Stop taking sites and move them to other nodes (a node stopping in a cluster). */
  drain(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  /** Where a generated operator token is shown; stderr by default. */
  readonly announceOperatorToken?: (token: string) => void;
  /** The scheduler's clock (tests pass a manual one). */
  readonly clock?: Clock;
  /** How long the rehearsal measures each site's media (ms). */
  readonly rehearsalWindowMs?: number;
}

/** Failed authentications a client address may make: 20 at once, then one every 3 s. */
const AUTH_FAILURES = { burst: 20, perSecond: 1 / 3 };

export async function startService(opts: StartOptions): Promise<Service> {
  const { config, logger, announceOperatorToken } = opts;
  const clock = opts.clock ?? systemClock;
  const roster = loadRoster(config.ROSTER_FILE);
  const opened = await openStore(config, logger);
  const { store } = opened;
  const outbox = new Outbox({ store, logger });
  const metrics = new ServiceMetrics();
  const closers: (() => Promise<void> | void)[] = [
    () => opened.close(),
    async () => {
      // Writes still waiting get a moment to land before the store goes.
      await outbox.drain(1000);
      outbox.close();
    },
    () => metrics.close(),
  ];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.error({ err }, 'error while closing');
      }
    }
    closers.length = 0;
  };
  try {
    // Before anything of this run is logged: an endpoint seen for the first time starts with it.
    const webhooks =
      config.WEBHOOK_URLS && config.WEBHOOK_SECRET
        ? await WebhookDeliverer.create({
            store,
            outbox,
            roster,
            logger,
            urls: config.WEBHOOK_URLS,
            secret: config.WEBHOOK_SECRET,
            timeoutMs: config.WEBHOOK_TIMEOUT_MS,
            maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
            retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
            retryMaxMs: config.WEBHOOK_RETRY_MAX_MS,
            instanceId: randomUUID(),
          })
        : undefined;
    if (webhooks) closers.push(() => webhooks.close());
    const operator = await OperatorAuth.create(store, config.OPERATOR_TOKEN, logger, announceOperatorToken);
    let publicUrl = config.PUBLIC_URL;
    const credentials = await SiteCredentials.create(store, roster, () => publicUrl, logger);
    closers.push(() => credentials.close());
    const media = await MediaPlane.create(config, logger);
    closers.push(() => media.close());
    media.on('workerDied', (worker) => {
      outbox.event({ type: 'media.worker-died', data: { worker } }).catch((err: Error) => {
        logger.error({ err: err.message }, 'could not record a worker death');
      });
    });
    media.on('workerReplaced', (worker) => {
      outbox.event({ type: 'media.worker-replaced', data: { worker } }).catch((err: Error) => {
        logger.error({ err: err.message }, 'could not record a worker replacement');
      });
    });
    const profiles = new SiteProfiles(store, logger);
    await profiles.refresh();
    closers.push(() => profiles.close());
    const briefing = new Briefing({
      media: media.conference,
      roster,
      logger,
      record: (event) =>
        outbox.event(event).catch((err: Error) => logger.error({ err: err.message, type: event.type }, 'event lost')),
    });
    const status = await StatusService.create({
      roster,
      briefing,
      conference: media.conference,
      store,
      outbox,
      logger,
      learned: (siteId) => profiles.learned(siteId),
      thresholds: {
        maxRttMs: config.STATUS_MAX_RTT_MS,
        maxLossPct: config.STATUS_MAX_LOSS_PCT,
        maxJitterMs: config.STATUS_MAX_JITTER_MS,
        minSendKbps: config.STATUS_MIN_SEND_KBPS,
        connectGraceMs: config.STATUS_CONNECT_GRACE_MS,
        staleMs: config.STATS_INTERVAL_MS * 3,
      },
    });
    closers.push(() => status.close());
    const sessions = new SessionService(store, outbox, roster, clock, config.TIME_ZONE, logger);
    const rehearsals = new RehearsalRunner({
      conference: media.conference,
      briefing,
      store,
      outbox,
      roster,
      logger,
      windowMs: opts.rehearsalWindowMs ?? config.REHEARSAL_WINDOW_MS,
      thresholds: {
        maxRttMs: config.REHEARSAL_MAX_RTT_MS,
        maxLossPct: config.REHEARSAL_MAX_LOSS_PCT,
        maxJitterMs: config.REHEARSAL_MAX_JITTER_MS,
        minAudioKbps: config.REHEARSAL_MIN_AUDIO_KBPS,
        minVideoKbps: config.REHEARSAL_MIN_VIDEO_KBPS,
        minReceiveKbps: defaultCheckThresholds.minReceiveKbps,
      },
    });
    closers.push(() => rehearsals.close());
    rehearsals.on('profiled', () => void profiles.refresh());
    const scheduler = new Scheduler({ store, outbox, clock, logger, instanceId: randomUUID() });
    // A session is a phase over the always-open conference.
    scheduler.on('opened', (s) => {
      briefing.setPhase(s.kind === 'rehearsal' ? 'rehearsal' : 'live');
      if (s.kind === 'rehearsal') {
        rehearsals.start(s).catch((err: Error) => logger.error({ err: err.message }, 'could not start the rehearsal'));
      }
    });
    scheduler.on('ended', (s) => {
      briefing.setPhase('open');
      if (s.kind === 'rehearsal') {
        rehearsals
          .finish(s)
          .catch((err: Error) => logger.error({ err: err.message }, 'could not finish the rehearsal'));
      }
    });
    // A cancelled open session ends at the next tick rather than waiting for its end time.
    sessions.on('cancelled', () => {
      scheduler.tick().catch((err: Error) => logger.warn({ err: err.message }, 'scheduler tick failed'));
    });
    closers.push(() => scheduler.close());
    // Recordings: the live session from its start (RECORDING_AUTO), and on the operator's demand.
    const recordings = await Recordings.create({
      conference: media.conference,
      store,
      outbox,
      dataDir: config.DATA_DIR,
      minFreeMb: config.RECORDING_MIN_FREE_MB,
      node: config.CLUSTER ? (config.NODE_ID ?? defaultNodeId(config.PORT)) : 'local',
      liveSession: () => scheduler.active().find((s) => s.kind === 'live'),
      logger,
    });
    closers.push(() => recordings.close());
    if (config.RECORDING_AUTO) scheduler.on('opened', (s) => void recordings.sessionOpened(s));
    scheduler.on('ended', (s) => void recordings.sessionEnded(s));
    // Alerts to the sites' technicians: the status service's (a drop, a degradation) and the
    // rehearsal's failed checks; on the page, by email and by SMS.
    const channels = alertChannels(config);
    closers.push(() => channels.close());
    const alerts = await TechnicianAlerts.create({
      roster,
      store,
      outbox,
      logger,
      timeZone: config.TIME_ZONE,
      operatorPhone: config.ALERT_OPERATOR_PHONE,
      quietMs: config.ALERT_QUIET_MS,
      channels,
      phase: () => briefing.phase,
      session: () => scheduler.active().at(-1),
    });
    closers.push(() => alerts.close());
    status.on('status', (s) => alerts.onStatus(s));
    status.on('alert', (a) => void alerts.onStatusAlert(a));
    rehearsals.on('checked', (r) => void alerts.onChecked(r));
    scheduler.on('opened', () => alerts.onPhase());
    scheduler.on('ended', () => alerts.onPhase());
    const authThrottle = new FailureThrottle(AUTH_FAILURES);
    // TURN for bridges behind firewalls: an existing server, or coturn run here.
    let turn: TurnConfig | undefined;
    if (config.TURN_URLS && config.TURN_SECRET) {
      turn = { urls: config.TURN_URLS, secret: config.TURN_SECRET, ttlS: config.TURN_CREDENTIAL_TTL_S };
    } else if (config.TURN_EMBEDDED) {
      const secret =
        config.TURN_SECRET ?? (await store.setSecretIfAbsent('turn-secret', randomBytes(24).toString('base64url')));
      const coturn = await startEmbeddedTurn({
        dataDir: config.DATA_DIR,
        listenIp: config.MEDIA_LISTEN_IP,
        announcedAddress: config.MEDIA_ANNOUNCED_ADDRESS,
        port: config.TURN_PORT,
        tlsPort: config.TURN_TLS_PORT,
        secret,
        tls:
          config.TLS_CERT_FILE && config.TLS_KEY_FILE
            ? { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE }
            : undefined,
        logger,
      });
      closers.push(() => coturn.stop());
      turn = { urls: coturn.urls, secret, ttlS: config.TURN_CREDENTIAL_TTL_S };
    }
    let cluster: ClusterNode | undefined;
    if (config.CLUSTER) {
      if (!(store instanceof RedisStore))
        throw new Error('CLUSTER: the nodes of a cluster share one Redis (REDIS_URL)');
      const nodeUrl = config.publicUrlGiven ? config.PUBLIC_URL : undefined;
      if (!nodeUrl) throw new Error('CLUSTER: set PUBLIC_URL to this node’s address, where pages reach it');
      cluster = new ClusterNode({
        id: config.NODE_ID ?? defaultNodeId(config.PORT),
        url: nodeUrl,
        mediaAddress: config.CLUSTER_MEDIA_ADDRESS ?? config.MEDIA_ANNOUNCED_ADDRESS,
        store,
        conference: media.conference,
        briefing,
        logger,
      });
      status.useRemote(cluster);
      const node = cluster;
      closers.push(() => node.close());
    }
    let signaling: Signaling | undefined;
    const sockets = () => ({
      site: signaling?.sites.sockets.size ?? 0,
      operator: signaling?.operators.sockets.size ?? 0,
    });
    metrics.attach({ status, briefing, media, outbox, sockets });
    metrics.attachNotifications({ webhooks, alerts });
    metrics.attachRecordings(recordings);
    const app = await buildApp({
      config,
      logger,
      store,
      outbox,
      metrics,
      authThrottle,
      roster,
      credentials,
      operator,
      media,
      briefing,
      status,
      sessions,
      rehearsals,
      ...(webhooks ? { webhooks } : {}),
      alerts,
      recordings,
      sockets,
      nodeOrigins: () => cluster?.nodes().map((n) => new URL(n.url).origin) ?? [],
      nodes: async () => {
        const placements = await store.listPlacements().catch(() => new Map<string, { node: string }>());
        const sitesOf = (node: string) => [...placements].filter(([, p]) => p.node === node).map(([id]) => id);
        if (!cluster) {
          const here = status
            .all()
            .filter((s) => s.state !== 'offline')
            .map((s) => s.siteId);
          return [{ id: 'local', url: publicUrl, sites: signaling?.siteCount ?? 0, draining: false, siteIds: here }];
        }
        return cluster.nodes().map((n) => ({ ...n, siteIds: sitesOf(n.id) }));
      },
    });
    closers.push(() => app.close());
    signaling = new Signaling({
      httpServer: app.server,
      credentials,
      operator,
      briefing,
      conference: media.conference,
      status,
      sites: roster.sites,
      heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
      heartbeatTimeoutMs: config.HEARTBEAT_TIMEOUT_MS,
      rateScale: config.SIGNALING_RATE_SCALE,
      iceServers: (siteId) => iceServersFor(turn, siteId),
      // The live session starts each site on what its rehearsal learned.
      profileFor: async (siteId) => (briefing.phase === 'live' ? profiles.forJoin(siteId) : undefined),
      authThrottle,
      counters: metrics.signaling,
      notices: alerts,
      ...(cluster && store instanceof RedisStore
        ? {
            cluster: {
              adapter: createAdapter(store.adapterClient()),
              placement: {
                placeFor: (local: number) => cluster?.placeFor(local) ?? null,
                nodeUrls: () => cluster?.nodes().map((n) => n.url) ?? [],
              },
              origins: () => cluster?.nodes().map((n) => new URL(n.url).origin) ?? [],
            },
          }
        : {}),
      logger,
    });
    const live = signaling;
    alerts.usePages({
      alert: (siteId, notice) => live.showAlert(siteId, notice),
      message: (siteId, message) => live.showMessage(siteId, message),
    });
    closers.push(() => live.close());
    // Sites hear why before their sockets close.
    closers.push(() => briefing.close());
    await app.listen({ host: config.HOST, port: config.PORT });
    if (cluster) {
      await cluster.start({
        localSites: () => live.siteCount,
        onStatus: (listener) => status.on('status', listener),
        markGone: (siteId, reason) => status.markGone(siteId, reason),
        act: async (siteId, action) => {
          if (action === 'mute' || action === 'unmute') await media.conference.setMuted(siteId, action === 'mute');
          else briefing.actLocally(siteId, action);
        },
        takenOver: (siteId) => briefing.actLocally(siteId, 'taken-over'),
        nodesChanged: (urls) => live.announceNodes(urls),
      });
    }
    scheduler.start();
    webhooks?.start();
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
    if (!config.publicUrlGiven) publicUrl = url;
    logger.info(
      { url, publicUrl, store: store.kind, data: opened.where, sites: roster.sites.length, workers: media.pids },
      'giao-ban ready',
    );
    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      outbox,
      roster,
      credentials,
      media,
      briefing,
      status,
      sessions,
      scheduler,
      rehearsals,
      signaling: live,
      metrics,
      recordings,
      webhooks,
      alerts,
      cluster,
      url,
      drain: async (ms: number) => {
        if (!cluster) return;
        await cluster.drain();
        await live.moveSites(ms);
      },
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
