// The /site namespace: a bridge or the hub, authenticated by its join token. Each connection
// gets its own media in the conference; a second connection of the same site takes over.
import type { Namespace, Socket } from 'socket.io';
import type { Site } from '../config/roster.js';
import type { Conference, ConsumerSink, SiteMedia } from '../media/index.js';
import type { Briefing, SiteConnection } from '../server/briefing.js';
import type { SiteCredentials } from '../server/credentials.js';
import { AppError, publicError } from '../server/errors.js';
import type { Logger } from '../server/logger.js';
import { bindHandlers, type HandlerMap } from './bind.js';
import {
  type CloseReason,
  type SiteClientEvents,
  type SiteOutputs,
  type SiteServerEvents,
  type SiteSummary,
  siteInputs,
} from './contract.js';

interface SiteSocketData {
  site: Site;
}
type SiteSocket = Socket<SiteClientEvents, SiteServerEvents, Record<string, never>, SiteSocketData>;
export type SiteNamespace = Namespace<SiteClientEvents, SiteServerEvents, Record<string, never>, SiteSocketData>;

export interface SiteNamespaceDeps {
  readonly credentials: SiteCredentials;
  readonly briefing: Briefing;
  readonly conference: Conference;
  readonly sites: readonly Site[];
  readonly heartbeatMs: number;
  /** How long a client has to take a consumer before it is dropped. */
  readonly consumeTimeoutMs: number;
  readonly logger: Logger;
}

const summary = (s: Site): SiteSummary => ({ id: s.id, role: s.kind, name: s.name, nameEn: s.nameEn });

export function attachSiteNamespace(nsp: SiteNamespace, deps: SiteNamespaceDeps): void {
  const log = deps.logger.child({ component: 'signaling', namespace: 'site' });
  const hub = deps.sites.find((s) => s.kind === 'hub') as Site;
  const roster = deps.sites.map(summary);

  // Authenticate first; nothing else happens for a socket without a valid token.
  nsp.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    deps.credentials.verify(token).then(
      (site) => {
        socket.data.site = site;
        next();
      },
      (err: unknown) => {
        const refusal = new Error(publicError(err).message) as Error & { data?: unknown };
        refusal.data = publicError(err);
        next(refusal);
      },
    );
  });

  nsp.on('connection', (socket) => {
    onConnection(socket, deps, log, hub, roster).catch((err: unknown) => {
      log.error({ err, site: socket.data.site?.id }, 'site connection set-up failed');
      socket.emit('protocol:error', { ...publicError(err), event: 'connection' });
      socket.disconnect(true);
    });
  });
}

async function onConnection(
  socket: SiteSocket,
  deps: SiteNamespaceDeps,
  nsLog: Logger,
  hub: Site,
  roster: SiteSummary[],
): Promise<void> {
  const site = socket.data.site;
  const log = nsLog.child({ site: site.id, socket: socket.id });
  let closeReason: CloseReason | undefined;
  const conn: SiteConnection = {
    close(reason, message) {
      closeReason = reason;
      socket.emit('session:closed', { reason, message });
      socket.disconnect(true);
    },
    requestIceRestart(reason) {
      socket.emit('media:restart-ice-requested', { reason });
    },
  };
  const sink: ConsumerSink = {
    async offer(offer) {
      const reply = await socket.timeout(deps.consumeTimeoutMs).emitWithAck('media:consume', offer);
      if (!reply.ok) throw new Error(`client refused consumer: ${reply.error.message}`);
    },
    closed(consumerId) {
      socket.emit('media:consumer-closed', { consumerId });
    },
  };

  const media: SiteMedia = await deps.conference.join(site.id, site.kind, sink);
  if (socket.disconnected) {
    media.close('left');
    return;
  }
  media.once('closed', (reason) => {
    // Its router died: the page must rebuild on a living one, which a fresh connection does.
    if (reason === 'media-lost' && socket.connected) conn.close('server-shutdown', 'Media was lost; reconnecting.');
  });
  socket.on('disconnect', (why) => {
    media.close(closeReason ?? 'disconnected');
    deps.briefing.detach(site.id, conn, closeReason ?? why);
    log.info({ why: closeReason ?? why }, 'site disconnected');
  });

  const handlers: HandlerMap<typeof siteInputs, SiteOutputs> = {
    'media:capabilities': async () => ({
      routerRtpCapabilities: { ...(await deps.conference.rtpCapabilities()) },
    }),
    'media:create-transport': ({ direction, probe }) => {
      if (!probe) return media.createTransport(direction);
      if (direction !== 'send') throw new AppError('bad_request', 'a network check sends; use direction "send"');
      return media.createProbe(probe.protocol);
    },
    'media:close-transport': async ({ transportId }) => {
      media.closeTransport(transportId);
      return {};
    },
    'media:connect-transport': async ({ transportId, dtlsParameters }) => {
      await media.connectTransport(transportId, dtlsParameters);
      return {};
    },
    'media:produce': async ({ transportId, kind, source, rtpParameters }) => ({
      producerId: (await media.produce(transportId, kind, source, rtpParameters)).id,
    }),
    'media:pause-producer': async ({ producerId, paused }) => {
      await media.pauseProducer(producerId, paused);
      return {};
    },
    'media:close-producer': async ({ producerId }) => {
      media.closeProducer(producerId);
      return {};
    },
    'media:ready': async ({ rtpCapabilities }) => ({
      consumers: await deps.conference.ready(media, rtpCapabilities as Parameters<Conference['ready']>[1]),
    }),
    'media:restart-ice': async ({ transportId }) => ({ iceParameters: await media.restartIce(transportId) }),
    'hub:focus': async ({ siteId }) => {
      if (site.kind !== 'hub') throw new AppError('forbidden', 'only the hub chooses which bridge it watches');
      await deps.conference.setFocus(media, siteId);
      return {};
    },
    'hand:set': async ({ raised }) => {
      if (site.kind === 'hub') throw new AppError('bad_request', 'the hub presides and does not raise a hand');
      deps.briefing.setHand(site.id, raised);
      return {};
    },
    'site:report': async (report) => {
      deps.briefing.emit('report', site.id, report);
      return {};
    },
    'rehearsal:confirm': async (c) => {
      deps.briefing.emit('confirm', site.id, c);
      return {};
    },
    ping: async ({ sent }) => ({ sent, serverTime: Date.now() }),
    leave: async () => {
      // Ack first, then close, so the page hears that its goodbye was received.
      setImmediate(() => conn.close('left', 'You left the conference.'));
      return {};
    },
  };
  bindHandlers(socket, siteInputs, handlers, log);
  deps.briefing.attach(site.id, conn);
  socket.emit('welcome', {
    site: summary(site),
    hub: summary(hub),
    sites: roster,
    conference: deps.briefing.view(),
    heartbeatMs: deps.heartbeatMs,
  });
  log.info({ router: media.router.index }, 'site connected');
}
