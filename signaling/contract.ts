// The one contract between the server and the pages (and the Node test peers): zod schemas
// for every socket event's input, types inferred from them, the ack shape, and the socket.io
// event maps. Pure: imports nothing from Node or mediasoup, so the browser bundle uses it too.
import { z } from 'zod';
import type { ErrorBody } from './errors.js';

export * from './errors.js';

// ---- the ack shape ----------------------------------------------------------------------
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckFn<T> = (reply: Ack<T>) => void;

// ---- mediasoup objects as they cross the wire. Their shape is checked here; mediasoup checks
// the rest and its TypeErrors become bad_request.
const id = z.string().min(1).max(100);
const rtpCodec = z.looseObject({ mimeType: z.string(), clockRate: z.number() });
export const rtpCapabilitiesSchema = z.looseObject({
  codecs: z.array(rtpCodec).max(100).optional(),
  headerExtensions: z
    .array(z.looseObject({ uri: z.string() }))
    .max(100)
    .optional(),
});
export const rtpParametersSchema = z.looseObject({
  codecs: z.array(z.looseObject({ mimeType: z.string(), payloadType: z.number(), clockRate: z.number() })).min(1),
  encodings: z.array(z.looseObject({})).max(8).optional(),
  headerExtensions: z.array(z.looseObject({})).optional(),
  rtcp: z.looseObject({}).optional(),
  mid: z.string().optional(),
});
export const dtlsParametersSchema = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.looseObject({ algorithm: z.string(), value: z.string() })).min(1),
});

export type RtpCapabilities = z.infer<typeof rtpCapabilitiesSchema>;
export type RtpParameters = z.infer<typeof rtpParametersSchema>;
export type DtlsParameters = z.infer<typeof dtlsParametersSchema>;

// ---- the domain terms on the wire ---------------------------------------------------------
export const siteRoles = ['hub', 'bridge'] as const;
export type SiteRole = (typeof siteRoles)[number];
/** What a site sends: its microphone and its camera. */
export const mediaSources = ['mic', 'cam'] as const;
export type MediaSource = (typeof mediaSources)[number];
/**
 * Why a site receives a stream: the hub (every bridge), the floor holder (every site), or a
 * bridge in the hub's grid (the hub only).
 */
export const feeds = ['hub', 'floor', 'grid'] as const;
export type Feed = (typeof feeds)[number];
export const phases = ['open', 'rehearsal', 'live'] as const;
export type Phase = (typeof phases)[number];

export const closeReasons = [
  'taken-over', // the same site connected again elsewhere
  'left', // the site said goodbye
  'link-reissued', // the operator re-issued the link; this one is dead
  'disconnected-by-operator',
  'server-shutdown',
  'heartbeat-timeout',
] as const;
export type CloseReason = (typeof closeReasons)[number];

// ---- site -> server: inputs -----------------------------------------------------------------
export const siteInputs = {
  'media:capabilities': z.strictObject({}),
  /**
   * `probe`: a throw-away send transport for the pre-join network check, offering only the
   * given protocol; what is produced on it reaches nobody. Closed by media:close-transport.
   */
  'media:create-transport': z.strictObject({
    direction: z.enum(['send', 'recv']),
    probe: z.strictObject({ protocol: z.enum(['udp', 'tcp']) }).optional(),
  }),
  'media:close-transport': z.strictObject({ transportId: id }),
  'media:connect-transport': z.strictObject({ transportId: id, dtlsParameters: dtlsParametersSchema }),
  'media:produce': z.strictObject({
    transportId: id,
    kind: z.enum(['audio', 'video']),
    source: z.enum(mediaSources),
    rtpParameters: rtpParametersSchema,
  }),
  'media:pause-producer': z.strictObject({ producerId: id, paused: z.boolean() }),
  'media:close-producer': z.strictObject({ producerId: id }),
  /** The client can take consumers now: the server starts sending every feed it should see. */
  'media:ready': z.strictObject({ rtpCapabilities: rtpCapabilitiesSchema }),
  'media:restart-ice': z.strictObject({ transportId: id }),
  /** The hub picks which bridge it watches large (high layer); null for none. */
  'hub:focus': z.strictObject({ siteId: id.nullable() }),
  'hand:set': z.strictObject({ raised: z.boolean() }),
  /** The page's own view of its link (from getStats), for the status board. */
  'site:report': z.strictObject({
    rttMs: z.number().nonnegative().max(60_000).nullable(),
    lossPct: z.number().min(0).max(100).nullable(),
    jitterMs: z.number().nonnegative().max(60_000).nullable(),
    inKbps: z.number().nonnegative().max(1e6).nullable(),
    outKbps: z.number().nonnegative().max(1e6).nullable(),
    transport: z.enum(['udp', 'tcp']).nullable(),
    receiving: z.strictObject({ audio: z.boolean(), video: z.boolean() }).optional(),
  }),
  /** Rehearsal: the technician confirms hearing and seeing the hub. */
  'rehearsal:confirm': z.strictObject({ hears: z.boolean(), sees: z.boolean() }),
  /** Round trip of signaling, for the network check. */
  ping: z.strictObject({ sent: z.number() }),
  leave: z.strictObject({}),
} as const;
export type SiteEvent = keyof typeof siteInputs;
export type SiteInput<E extends SiteEvent> = z.infer<(typeof siteInputs)[E]>;

// ---- site -> server: ack data -----------------------------------------------------------------
export interface TransportOptions {
  id: string;
  iceParameters: Record<string, unknown>;
  iceCandidates: Record<string, unknown>[];
  dtlsParameters: Record<string, unknown>;
}
export interface SiteOutputs {
  'media:capabilities': { routerRtpCapabilities: Record<string, unknown> };
  'media:create-transport': TransportOptions;
  'media:connect-transport': Record<string, never>;
  'media:close-transport': Record<string, never>;
  'media:produce': { producerId: string };
  'media:pause-producer': Record<string, never>;
  'media:close-producer': Record<string, never>;
  'media:ready': { consumers: number };
  'media:restart-ice': { iceParameters: Record<string, unknown> };
  'hub:focus': Record<string, never>;
  'hand:set': Record<string, never>;
  'site:report': Record<string, never>;
  'rehearsal:confirm': Record<string, never>;
  ping: { sent: number; serverTime: number };
  leave: Record<string, never>;
}

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
  /** Sites connected now. */
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
}
export interface ConsumeOffer {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: Record<string, unknown>;
  /** Whose media it is. */
  siteId: string;
  source: MediaSource;
  feed: Feed;
}

export interface SiteServerEvents {
  welcome: (w: Welcome) => void;
  'conference:changed': (c: ConferenceView) => void;
  /** Ack `{ ok: true }` once the consumer exists on the client; the server then resumes it. */
  'media:consume': (offer: ConsumeOffer, ack: AckFn<Record<string, never>>) => void;
  'media:consumer-closed': (p: { consumerId: string }) => void;
  /** The operator asks this site to restart ICE (or the server noticed trouble). */
  'media:restart-ice-requested': (p: { reason: string }) => void;
  /** Sent just before the server closes this connection, so the page can say why. */
  'session:closed': (p: { reason: CloseReason; message: string }) => void;
  'protocol:error': (p: ErrorBody & { event: string }) => void;
}

export type SiteClientEvents = {
  [E in SiteEvent]: (input: SiteInput<E>, ack: AckFn<SiteOutputs[E]>) => void;
};

// ---- operator -> server -------------------------------------------------------------------
export const operatorInputs = {
  'floor:give': z.strictObject({ siteId: id }),
  'floor:take': z.strictObject({}),
  'site:mute': z.strictObject({ siteId: id, muted: z.boolean() }),
  'site:restart-ice': z.strictObject({ siteId: id }),
  'site:disconnect': z.strictObject({ siteId: id }),
  'conference:get': z.strictObject({}),
} as const;
export type OperatorEvent = keyof typeof operatorInputs;
export type OperatorInput<E extends OperatorEvent> = z.infer<(typeof operatorInputs)[E]>;
export interface OperatorOutputs {
  'floor:give': ConferenceView;
  'floor:take': ConferenceView;
  'site:mute': ConferenceView;
  'site:restart-ice': Record<string, never>;
  'site:disconnect': Record<string, never>;
  'conference:get': ConferenceView;
}
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
  transport?: 'udp' | 'tcp' | null;
  flags: Record<string, boolean>;
  metrics: Record<string, number | null>;
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
}

/** Socket.io namespaces. */
export const SITE_NAMESPACE = '/site';
export const OPERATOR_NAMESPACE = '/operator';
