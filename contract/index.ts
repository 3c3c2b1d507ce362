// The one contract between the server and every client (the pages, the Node test peers, the
// load bots): the socket events of both namespaces, their inputs and ack data, the ack shape,
// and the domain terms on the wire. Types and constants only, no runtime dependency, so the
// page bundles carry none of the server's validation; signaling/schemas.ts holds the zod
// schemas that check every input against these types.
//
// mediasoup objects cross the wire in the shape mediasoup-client consumes; media/wire.ts turns
// the server's mediasoup objects into it.
import type { types as ms } from 'mediasoup-client';
import type { ErrorBody } from '../kernel/error-codes.js';
import type { OperatorMessage, TechnicianAlertNotice, TechnicianAlertView } from './alerts.js';

export * from '../kernel/error-codes.js';
export type { AlertFacts, OperatorMessage, TechnicianAlertNotice, TechnicianAlertView } from './alerts.js';

// ---- the ack shape ----------------------------------------------------------------------
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckFn<T> = (reply: Ack<T>) => void;
type Empty = Record<string, never>;

// ---- mediasoup objects as they cross the wire ------------------------------------------------
export type RtpCapabilities = ms.RtpCapabilities;
export type RtpParameters = ms.RtpParameters;
export type DtlsParameters = ms.DtlsParameters;
export type IceParameters = ms.IceParameters;
export type IceCandidate = ms.IceCandidate;
/** A TURN server a page may relay through (RTCIceServer's shape). */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}
export interface TransportOptions {
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
}

// ---- the domain terms on the wire ---------------------------------------------------------
export const siteRoles = ['hub', 'bridge'] as const;
export type SiteRole = (typeof siteRoles)[number];
/** What a site sends: its microphone and its camera. */
export const mediaSources = ['mic', 'cam'] as const;
export type MediaSource = (typeof mediaSources)[number];
export type MediaKind = 'audio' | 'video';
/**
 * Why a site receives a stream: the hub (every bridge), the floor holder (every site), or a
 * bridge in the hub's grid (the hub only).
 */
export const feeds = ['hub', 'floor', 'grid'] as const;
export type Feed = (typeof feeds)[number];
export const phases = ['open', 'rehearsal', 'live'] as const;
export type Phase = (typeof phases)[number];
export type Direction = 'send' | 'recv';
export type MediaProtocol = 'udp' | 'tcp';

export const closeReasons = [
  'taken-over', // the same site connected again elsewhere
  'left', // the site said goodbye
  'link-reissued', // the operator re-issued the link; this one is dead
  'disconnected-by-operator',
  'server-shutdown',
  'heartbeat-timeout',
  'flooding', // the connection kept sending past its limits
  'moved', // this node is stopping: go to another (the welcome listed them)
] as const;
export type CloseReason = (typeof closeReasons)[number];
/** After these the client stays down until a person acts; after any other it comes back. */
export const finalCloseReasons: readonly CloseReason[] = [
  'taken-over',
  'link-reissued',
  'disconnected-by-operator',
  'left',
];

/** The page's own view of its link (from getStats), for the status board and the rehearsal. */
export interface LinkReport {
  rttMs: number | null;
  lossPct: number | null;
  jitterMs: number | null;
  inKbps: number | null;
  outKbps: number | null;
  transport: MediaProtocol | null;
  /** Media goes through the TURN relay (the firewall let nothing else through). */
  relayed?: boolean;
  /** What the browser estimates it can send (availableOutgoingBitrate), kbit/s. */
  uplinkKbps?: number;
  /** Whether the hub's audio and video play on the page. */
  receiving?: { audio: boolean; video: boolean };
  /**
   * Why the page's encoder sends less than asked ('cpu': the computer is too busy,
   * 'bandwidth': the link), from getStats qualityLimitationReason.
   */
  limitation?: 'none' | 'cpu' | 'bandwidth' | 'other';
  /** Share of video frames the page dropped or could not encode in the last interval (%). */
  framesDroppedPct?: number;
  /** The Compute Pressure API's state, where the browser has it. */
  cpuPressure?: 'nominal' | 'fair' | 'serious' | 'critical';
}

// ---- site -> server -------------------------------------------------------------------------
export interface SiteInputs {
  /** Join the conference (after the pre-join checks); again to rebuild this connection's media. */
  join: Empty;
  'media:capabilities': Empty;
  /**
   * `probe`: a throw-away send transport for the pre-join network check, offering only the
   * given protocol; what is produced on it reaches nobody. Closed by media:close-transport.
   */
  'media:create-transport': { direction: Direction; probe?: { protocol: MediaProtocol } };
  'media:close-transport': { transportId: string };
  'media:connect-transport': { transportId: string; dtlsParameters: DtlsParameters };
  'media:produce': { transportId: string; kind: MediaKind; source: MediaSource; rtpParameters: RtpParameters };
  'media:pause-producer': { producerId: string; paused: boolean };
  'media:close-producer': { producerId: string };
  /** The client can take consumers now: the server starts sending every feed it should see. */
  'media:ready': { rtpCapabilities: RtpCapabilities };
  'media:restart-ice': { transportId: string };
  /** The hub picks which bridge it watches large (high layer); null for none. */
  'hub:focus': { siteId: string | null };
  'hand:set': { raised: boolean };
  'site:report': LinkReport;
  /** Rehearsal: the technician confirms hearing and seeing the hub. */
  'rehearsal:confirm': { hears: boolean; sees: boolean };
  /** Round trip of signaling, for the network check. */
  ping: { sent: number };
  leave: Empty;
  /** The technician acknowledges an alert shown on the page (the board's call list shows it). */
  'alert:ack': { alertId: string };
}
export type SiteEvent = keyof SiteInputs;
export type SiteInput<E extends SiteEvent> = SiteInputs[E];

export interface SiteOutputs {
  /**
   * TURN servers with credentials for this join (empty without TURN); 'relay' when the site's
   * rehearsal learned that only the relay gets through its firewall (the live session starts
   * there at once).
   */
  join: {
    iceServers: IceServer[];
    iceTransportPolicy?: 'all' | 'relay';
    /** The uplink (kbit/s) the site's rehearsal measured, when thin: send only the layers it carries. */
    uplinkKbps?: number;
  };
  'media:capabilities': { routerRtpCapabilities: RtpCapabilities };
  'media:create-transport': TransportOptions;
  'media:connect-transport': Empty;
  'media:close-transport': Empty;
  'media:produce': { producerId: string };
  'media:pause-producer': Empty;
  'media:close-producer': Empty;
  'media:ready': { consumers: number };
  'media:restart-ice': { iceParameters: IceParameters };
  'hub:focus': Empty;
  'hand:set': Empty;
  'site:report': Empty;
  'rehearsal:confirm': Empty;
  ping: { sent: number; serverTime: number };
  leave: Empty;
  'alert:ack': Empty;
}

/** The event classes a connection's rate limits are counted in. */
export const siteEventClass: Record<SiteEvent, 'media' | 'control' | 'report' | 'ping'> = {
  join: 'media',
  'media:capabilities': 'media',
  'media:create-transport': 'media',
  'media:close-transport': 'media',
  'media:connect-transport': 'media',
  'media:produce': 'media',
  'media:pause-producer': 'media',
  'media:close-producer': 'media',
  'media:ready': 'media',
  'media:restart-ice': 'media',
  'hub:focus': 'control',
  'hand:set': 'control',
  'rehearsal:confirm': 'control',
  leave: 'control',
  'alert:ack': 'control',
  'site:report': 'report',
  ping: 'ping',
};

// ---- server -> site -----------------------------------------------------------------------
export interface SiteSummary {
  id: string;
  role: SiteRole;
  name: string;
  nameEn: string;
}
export interface ConferenceView {
  phase: Phase;
  floor: string | null;
  hands: string[];
  /** Sites in the conference now (joined, not only connected). */
  present: string[];
  /** Sites muted in the conference by the operator. */
  muted: string[];
}
export interface Welcome {
  site: SiteSummary;
  hub: SiteSummary;
  sites: SiteSummary[];
  conference: ConferenceView;
  heartbeatMs: number;
  /** With several nodes: every node's address, least busy first (where to go if this one fails). */
  nodes?: string[];
}
export interface ConsumeOffer {
  consumerId: string;
  producerId: string;
  kind: MediaKind;
  rtpParameters: RtpParameters;
  /** Whose media it is. */
  siteId: string;
  source: MediaSource;
  feed: Feed;
}

export interface SiteServerEvents {
  welcome: (w: Welcome) => void;
  'conference:changed': (c: ConferenceView) => void;
  /** Ack `{ ok: true }` once the consumer exists on the client; the server then resumes it. */
  'media:consume': (offer: ConsumeOffer, ack: AckFn<Empty>) => void;
  'media:consumer-closed': (p: { consumerId: string }) => void;
  /** The operator asks this site to restart ICE (or the server noticed trouble). */
  'media:restart-ice-requested': (p: { reason: string }) => void;
  /** The server lost this site's media (a media process died): join again on this connection. */
  'media:reset': (p: { reason: string }) => void;
  /** Sent just before the server closes this connection, so the page can say why. */
  'session:closed': (p: { reason: CloseReason; message: string }) => void;
  /**
   * This site's downlink cannot carry video: the hub's video pauses, its audio goes on (on:
   * true); video is back (on: false). The page says so.
   */
  'media:audio-only': (p: { on: boolean }) => void;
  /** With several nodes: the nodes now, least busy first (where to go if this one fails). */
  nodes: (p: { nodes: string[] }) => void;
  /** This site's state as the operator's board shows it (on join and on every change). */
  'site:status': (s: SiteStatusView) => void;
  'protocol:error': (p: ErrorBody & { event: string }) => void;
  /** An alert for this site's technician, with what to do (contract/alerts.ts words it). */
  'technician:alert': (a: TechnicianAlertNotice) => void;
  /** A short message from the central operator, to this site or to every site. */
  'operator:message': (m: OperatorMessage) => void;
}

export type SiteClientEvents = {
  [E in SiteEvent]: (input: SiteInput<E>, ack: AckFn<SiteOutputs[E]>) => void;
};

// ---- operator -> server -------------------------------------------------------------------
export interface OperatorInputs {
  'floor:give': { siteId: string };
  'floor:take': Empty;
  'site:mute': { siteId: string; muted: boolean };
  'site:restart-ice': { siteId: string };
  'site:disconnect': { siteId: string };
  'conference:get': Empty;
  /** A short message shown on one site's page (siteId) or on every page (null). */
  'site:message': { siteId: string | null; text: string };
}
export type OperatorEvent = keyof OperatorInputs;
export type OperatorInput<E extends OperatorEvent> = OperatorInputs[E];
export interface OperatorOutputs {
  'floor:give': ConferenceView;
  'floor:take': ConferenceView;
  'site:mute': ConferenceView;
  'site:restart-ice': Empty;
  'site:disconnect': Empty;
  'conference:get': ConferenceView;
  /** `pages`: the pages it reached now (a page opened later does not get it). */
  'site:message': { id: string; pages: number };
}
export const operatorEventClass: Record<OperatorEvent, 'action' | 'read'> = {
  'floor:give': 'action',
  'floor:take': 'action',
  'site:mute': 'action',
  'site:restart-ice': 'action',
  'site:disconnect': 'action',
  'conference:get': 'read',
  'site:message': 'action',
};
export type OperatorClientEvents = {
  [E in OperatorEvent]: (input: OperatorInput<E>, ack: AckFn<OperatorOutputs[E]>) => void;
};
/** A site's live status as the board shows it (GET /api/sites gives the same). */
export interface SiteStatusView {
  siteId: string;
  state: 'offline' | 'connecting' | 'online' | 'degraded';
  since: string;
  updatedAt: string;
  reason?: string;
  transport?: MediaProtocol | null;
  flags: Record<string, boolean>;
  metrics: Record<string, number | null>;
  /** What the last rehearsal learned of the site's link (shown beside what it uses now). */
  learned?: {
    transport: MediaProtocol | null;
    relayed: boolean;
    downlinkKbps: number | null;
    uplinkKbps: number | null;
  };
}
export interface AlertView {
  siteId: string;
  kind: 'dropped' | 'degraded';
  reason: string;
  at: string;
}

export interface OperatorServerEvents {
  /** Every site's status: on connect, and after the board's own reconnect. */
  'status:all': (p: { sites: SiteStatusView[] }) => void;
  /** One site's state or flags changed. */
  'status:site': (s: SiteStatusView) => void;
  /** Metrics of these sites moved (once per stats sample). */
  'status:metrics': (p: { sites: SiteStatusView[] }) => void;
  alert: (a: AlertView) => void;
  'conference:changed': (c: ConferenceView) => void;
  /** Someone is talking: the loudest sites with their level in dBov (-127..0). */
  'conference:speaking': (p: { sites: { siteId: string; volume: number }[] }) => void;
  'protocol:error': (p: ErrorBody & { event: string }) => void;
  /** A technician alert was raised or changed (delivered, repeated, acknowledged, over). */
  'technician-alert': (a: TechnicianAlertView) => void;
}

/** Socket.io namespaces. */
export const SITE_NAMESPACE = '/site';
export const OPERATOR_NAMESPACE = '/operator';
