// One site's connection on the /site namespace, from the handshake to the disconnect. It is
// in the lobby (the pre-join page: network check, device check) until the client sends
// `join`; then it has media in the conference, until it leaves, rejoins or goes. Every
// handler validates (bind.ts) and delegates to the briefing or the media plane.

import type { Briefing, SiteConnection } from '../briefing/briefing.js';
import type { Site } from '../config/roster.js';
import type { CloseReason, IceServer, SiteEvent, SiteOutputs, siteEventClass, Welcome } from '../contract/index.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { Conference, ConsumerSink, NetworkProbes, SiteMedia } from '../media/index.js';
import { bindHandlers, type HandlerMap, type Limits } from './bind.js';
import type { SignalingCounters, SiteAuthenticator, SiteNotices } from './ports.js';
import { siteInputs } from './schemas.js';
import type { SiteSocket } from './site.js';

export interface SiteSessionDeps {
  readonly briefing: Briefing;
  readonly conference: Conference;
  readonly credentials: SiteAuthenticator;
  readonly limits: Limits<(typeof siteEventClass)[SiteEvent]>;
  readonly counters: SignalingCounters;
  /** How long a client has to take a consumer before it is dropped. */
  readonly consumeTimeoutMs: number;
  readonly welcome: (site: Site) => Welcome;
  /** Alerts to the technician: the page acknowledges them (absent: alerts are off). */
  readonly notices?: SiteNotices;
  /** TURN servers with fresh credentials for a site's join (none without TURN). */
  readonly iceServers: (siteId: string) => IceServer[];
  /** What the site's rehearsal learned, to start the live session on it (undefined: nothing). */
  readonly profileFor: (siteId: string) => Promise<JoinProfile | undefined>;
}

/** How a site starts: the protocol its rehearsal found working, its downlink, relay only. */
export interface JoinProfile {
  readonly protocols?: readonly ('udp' | 'tcp')[];
  readonly downlinkKbps?: number;
  readonly uplinkKbps?: number;
  readonly relayOnly: boolean;
}

export class SiteSession {
  readonly site: Site;
  readonly version: number;
  readonly #socket: SiteSocket;
  readonly #deps: SiteSessionDeps;
  readonly #log: Logger;
  readonly #probes: NetworkProbes;
  readonly #conn: SiteConnection;
  #media: SiteMedia | undefined;
  #joining: Promise<SiteMedia> | undefined;
  #profile: JoinProfile | undefined;
  #closeReason: CloseReason | undefined;
  #closed = false;

  constructor(socket: SiteSocket, deps: SiteSessionDeps, log: Logger) {
    this.#socket = socket;
    this.#deps = deps;
    this.site = socket.data.site;
    this.version = socket.data.version;
    this.#log = log.child({ site: this.site.id, socket: socket.id });
    this.#probes = deps.conference.probes(this.site.id);
    this.#conn = {
      close: (reason, message) => this.close(reason, message),
      requestIceRestart: (reason) => socket.emit('media:restart-ice-requested', { reason }),
    };
    socket.on('disconnect', (why) => this.#onDisconnect(why));
    bindHandlers(socket, siteInputs, this.#handlers(), deps.limits, this.#bindHooks(), this.#log);
    deps.briefing.attach(this.site.id, this.#conn);
    // A link re-issued between this handshake's check and now must not get in.
    const current = deps.credentials.currentVersion(this.site.id);
    if (current !== undefined && current > this.version) {
      this.close('link-reissued', 'This link was re-issued; ask the operator for the new one.');
      return;
    }
    socket.emit('welcome', deps.welcome(this.site));
    this.#log.info('site connected');
  }

  get joined(): boolean {
    return this.#media !== undefined && !this.#media.closed;
  }

  #bindHooks() {
    const { counters } = this.#deps;
    return {
      fault: (event: string, err: unknown) => {
        counters.fault('site', event);
        this.#log.error({ err, event }, 'handler failed');
      },
      limited: (cls: string) => counters.limited('site', cls),
      flooding: () => this.close('flooding', 'This page sent too many messages; it will reconnect by itself.'),
    };
  }

  /** Tell the client why, then close this connection only. */
  close(reason: CloseReason, message: string): void {
    if (this.#closeReason) return;
    this.#closeReason = reason;
    this.#socket.emit('session:closed', { reason, message });
    this.#socket.disconnect(true);
  }

  #onDisconnect(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const reason = this.#closeReason ?? why;
    this.#probes.closeAll();
    this.#media?.close(this.#closeReason ?? 'disconnected');
    this.#deps.briefing.detach(this.site.id, this.#conn, reason);
    this.#log.info({ why: reason }, 'site disconnected');
  }

  #requireMedia(): SiteMedia {
    const media = this.#media;
    if (!media || media.closed) throw new AppError('out_of_order', 'join the conference first (join)');
    return media;
  }

  /** Media in the conference for this connection; a second join rebuilds it. */
  async #join(): Promise<SiteMedia> {
    if (this.#closed) throw new AppError('conflict', 'this connection is closing');
    this.#media?.close('rejoined');
    this.#media = undefined;
    const sink: ConsumerSink = {
      offer: async (offer) => {
        const reply = await this.#socket.timeout(this.#deps.consumeTimeoutMs).emitWithAck('media:consume', offer);
        if (!reply.ok) throw new Error(`client refused consumer: ${reply.error.message}`);
      },
      closed: (consumerId) => this.#socket.emit('media:consumer-closed', { consumerId }),
    };
    const profile = await this.#deps.profileFor(this.site.id);
    this.#profile = profile;
    const media = await this.#deps.conference.join(this.site.id, this.site.kind, sink, {
      ...(profile?.protocols ? { protocols: profile.protocols } : {}),
      ...(profile?.downlinkKbps ? { downlinkKbps: profile.downlinkKbps } : {}),
    });
    if (this.#closed) {
      media.close('left');
      throw new AppError('conflict', 'this connection closed while joining');
    }
    this.#media = media;
    media.once('closed', (reason) => {
      // Its router died with a media worker: the client joins again on this same connection.
      if (reason === 'media-lost' && !this.#closed && this.#media === media) {
        this.#media = undefined;
        this.#socket.emit('media:reset', { reason: 'the server lost this site’s media; joining again' });
      }
    });
    this.#deps.briefing.join(this.site.id, this.#conn);
    this.#log.info({ router: media.router.index }, 'site joined');
    return media;
  }

  #handlers(): HandlerMap<typeof siteInputs, SiteOutputs> {
    const { briefing, conference } = this.#deps;
    const site = this.site;
    return {
      join: async () => {
        // Two joins in flight become one rebuild after the other.
        const previous = this.#joining?.catch(() => undefined);
        const joining = (async () => {
          await previous;
          return this.#join();
        })();
        this.#joining = joining;
        await joining;
        const iceServers = this.#deps.iceServers(site.id);
        return {
          iceServers,
          ...(this.#profile?.relayOnly && iceServers.length ? { iceTransportPolicy: 'relay' as const } : {}),
          ...(this.#profile?.uplinkKbps ? { uplinkKbps: this.#profile.uplinkKbps } : {}),
        };
      },
      'media:capabilities': async () => ({ routerRtpCapabilities: await conference.rtpCapabilities() }),
      'media:create-transport': async ({ direction, probe }) => {
        if (probe) {
          if (direction !== 'send') throw new AppError('bad_request', 'a network check sends; use direction "send"');
          return this.#probes.create(probe.protocol);
        }
        return this.#requireMedia().createTransport(direction);
      },
      'media:close-transport': ({ transportId }) => {
        if (this.#probes.has(transportId)) this.#probes.close(transportId);
        else this.#requireMedia().closeTransport(transportId);
        return {};
      },
      'media:connect-transport': async ({ transportId, dtlsParameters }) => {
        if (this.#probes.has(transportId)) await this.#probes.connect(transportId, dtlsParameters);
        else await this.#requireMedia().connectTransport(transportId, dtlsParameters);
        return {};
      },
      'media:produce': async ({ transportId, kind, source, rtpParameters }) => {
        if (this.#probes.has(transportId))
          return { producerId: await this.#probes.produce(transportId, kind, rtpParameters) };
        const producer = await this.#requireMedia().produce(transportId, kind, source, rtpParameters);
        return { producerId: producer.id };
      },
      'media:pause-producer': async ({ producerId, paused }) => {
        await this.#requireMedia().pauseProducer(producerId, paused);
        return {};
      },
      'media:close-producer': ({ producerId }) => {
        this.#requireMedia().closeProducer(producerId);
        return {};
      },
      'media:ready': async ({ rtpCapabilities }) => ({
        consumers: await conference.ready(this.#requireMedia(), rtpCapabilities),
      }),
      'media:restart-ice': async ({ transportId }) => ({
        iceParameters: await this.#requireMedia().restartIce(transportId),
      }),
      'hub:focus': async ({ siteId }) => {
        if (site.kind !== 'hub') throw new AppError('forbidden', 'only the hub chooses which bridge it watches');
        await conference.setFocus(this.#requireMedia(), siteId);
        return {};
      },
      'hand:set': ({ raised }) => {
        if (site.kind === 'hub') throw new AppError('bad_request', 'the hub presides and does not raise a hand');
        if (!this.joined) throw new AppError('out_of_order', 'join the conference before raising a hand');
        briefing.setHand(site.id, raised);
        return {};
      },
      'site:report': (report) => {
        briefing.emit('report', site.id, report);
        return {};
      },
      'rehearsal:confirm': (c) => {
        briefing.emit('confirm', site.id, c);
        return {};
      },
      ping: ({ sent }) => ({ sent, serverTime: Date.now() }),
      'alert:ack': async ({ alertId }) => {
        if (!this.#deps.notices) throw new AppError('not_found', `no alert "${alertId}" for this site`);
        await this.#deps.notices.acknowledge(site.id, alertId);
        return {};
      },
      leave: () => {
        // Ack first, then close, so the page hears that its goodbye was received.
        setImmediate(() => this.close('left', 'You left the conference.'));
        return {};
      },
    };
  }
}
