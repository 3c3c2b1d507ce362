// The /site namespace: a bridge or the hub, authenticated by its join link's token before
// anything else happens (a client address that keeps presenting bad tokens is refused for a
// while without its token being looked at). Each connection becomes a SiteSession. A link that
// is re-issued closes every connection made with the old one, on this instance and, through
// the store's messages, on every other.
import type { Namespace, Socket } from 'socket.io';
import type { Briefing } from '../briefing/briefing.js';
import type { Site } from '../config/roster.js';
import {
  type IceServer,
  type SiteClientEvents,
  type SiteEvent,
  type SiteServerEvents,
  type SiteSummary,
  siteEventClass,
} from '../contract/index.js';
import { publicError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { FailureThrottle } from '../kernel/rate.js';
import type { Conference } from '../media/index.js';
import type { Limits } from './bind.js';
import type { Placement, SignalingCounters, SiteAuthenticator, SiteNotices, StatusFeed } from './ports.js';
import { type JoinProfile, SiteSession } from './site-session.js';

interface SiteSocketData {
  site: Site;
  /** The link version the handshake verified. */
  version: number;
}
export type SiteSocket = Socket<SiteClientEvents, SiteServerEvents, Record<string, never>, SiteSocketData>;
export type SiteNamespace = Namespace<SiteClientEvents, SiteServerEvents, Record<string, never>, SiteSocketData>;

export interface SiteNamespaceDeps {
  readonly credentials: SiteAuthenticator;
  readonly briefing: Briefing;
  readonly conference: Conference;
  readonly sites: readonly Site[];
  readonly heartbeatMs: number;
  readonly consumeTimeoutMs: number;
  readonly limits: Omit<Limits<(typeof siteEventClass)[SiteEvent]>, 'classOf'>;
  readonly authThrottle: FailureThrottle;
  readonly counters: SignalingCounters;
  readonly status: StatusFeed;
  readonly placement?: Placement;
  /** Alerts to the technician: shown again on a page that (re)connects until acknowledged. */
  readonly notices?: SiteNotices;
  readonly iceServers: (siteId: string) => IceServer[];
  readonly profileFor: (siteId: string) => Promise<JoinProfile | undefined>;
  readonly logger: Logger;
}

/** The socket.io room of one site's connections (its pushes go there). */
export const siteRoom = (siteId: string) => `site:${siteId}`;

export const summary = (s: Site): SiteSummary => ({ id: s.id, role: s.kind, name: s.name, nameEn: s.nameEn });

export function refusal(body: { code: string; message: string; url?: string }): Error & { data: unknown } {
  return Object.assign(new Error(body.message), { data: body });
}

/** The namespace's sessions, for the owner's drain and counts. */
export interface SiteSessions {
  readonly size: number;
  /** Send every site to another node ('moved'); resolves when none is left or after ms. */
  moveAll(ms: number): Promise<void>;
}

export function attachSiteNamespace(nsp: SiteNamespace, deps: SiteNamespaceDeps): SiteSessions {
  const log = deps.logger.child({ component: 'signaling', namespace: 'site' });
  const hub = deps.sites.find((s) => s.kind === 'hub');
  if (!hub) throw new Error('the roster has no hub');
  const roster = deps.sites.map(summary);
  const sessions = new Set<SiteSession>();

  nsp.use((socket, next) => {
    const address = socket.handshake.address;
    if (deps.authThrottle.blocked(address)) {
      deps.counters.authRefused('site', 'throttled');
      next(refusal({ code: 'rate_limited', message: 'Too many failed attempts from this address; wait a minute.' }));
      return;
    }
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    deps.credentials.verify(token).then(
      ({ site, version }) => {
        // With several nodes: a busier (or stopping) node sends the site to another one.
        const elsewhere = deps.placement?.placeFor(sessions.size);
        if (elsewhere) {
          next(refusal({ code: 'moved', message: 'this node is busier than another; use that one', url: elsewhere }));
          return;
        }
        socket.data.site = site;
        socket.data.version = version;
        next();
      },
      (err: unknown) => {
        const body = publicError(err);
        if (body.code === 'unauthorized') {
          deps.authThrottle.failed(address);
          deps.counters.authRefused('site', 'invalid');
        }
        next(refusal(body));
      },
    );
  });

  const limits = { ...deps.limits, classOf: (event: string) => siteEventClass[event as SiteEvent] };
  nsp.on('connection', (socket) => {
    try {
      const session = new SiteSession(
        socket,
        {
          briefing: deps.briefing,
          conference: deps.conference,
          credentials: deps.credentials,
          limits,
          counters: deps.counters,
          consumeTimeoutMs: deps.consumeTimeoutMs,
          ...(deps.notices ? { notices: deps.notices } : {}),
          iceServers: deps.iceServers,
          profileFor: deps.profileFor,
          welcome: (site) => ({
            site: summary(site),
            hub: summary(hub),
            sites: roster,
            conference: deps.briefing.view(),
            heartbeatMs: deps.heartbeatMs,
            ...(deps.placement ? { nodes: deps.placement.nodeUrls() } : {}),
          }),
        },
        log,
      );
      sessions.add(session);
      socket.once('disconnect', () => sessions.delete(session));
      void socket.join(siteRoom(session.site.id));
      const status = deps.status.get(session.site.id);
      if (status) socket.emit('site:status', status);
      // A page that was closed (or cut off) when an alert came shows it now.
      deps.notices?.pendingFor(session.site.id).then(
        (pending) => {
          for (const notice of pending) socket.emit('technician:alert', notice);
        },
        (err: Error) => log.warn({ err: err.message, site: session.site.id }, 'could not read the pending alerts'),
      );
    } catch (err) {
      // A fault in setting up one connection closes that connection only.
      deps.counters.fault('site', 'connection');
      log.error({ err, site: socket.data.site?.id }, 'site connection set-up failed');
      socket.emit('protocol:error', { ...publicError(err), event: 'connection' });
      socket.disconnect(true);
    }
  });

  // A re-issued link: every connection made with an older version goes, wherever it was checked.
  deps.credentials.on('reissued', (siteId, version) => {
    for (const session of [...sessions]) {
      if (session.site.id === siteId && session.version < version) {
        session.close('link-reissued', 'This link was re-issued; ask the operator for the new one.');
      }
    }
  });

  return {
    get size() {
      return sessions.size;
    },
    async moveAll(ms: number) {
      for (const session of [...sessions]) session.close('moved', 'This server is stopping; moving to another one.');
      const end = Date.now() + ms;
      while (sessions.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
