// What the store keeps. Zod schemas because the Redis store reads these back from outside
// the process; types are inferred from them.
import { z } from 'zod';
import { technicianAlertKinds } from '../contract/alerts.js';

export const siteStates = ['offline', 'connecting', 'online', 'degraded'] as const;
export type SiteState = (typeof siteStates)[number];

export const siteStatusSchema = z.object({
  siteId: z.string(),
  state: z.enum(siteStates),
  since: z.string(), // ISO time of the last state change
  updatedAt: z.string(),
  reason: z.string().optional(),
  transport: z.enum(['udp', 'tcp']).nullable().optional(),
  flags: z.record(z.string(), z.boolean()).default({}),
  metrics: z.record(z.string(), z.number().nullable()).default({}),
  /** What the last rehearsal learned of the site's link, beside what it uses now. */
  learned: z
    .object({
      transport: z.enum(['udp', 'tcp']).nullable(),
      relayed: z.boolean(),
      downlinkKbps: z.number().nullable(),
      uplinkKbps: z.number().nullable(),
    })
    .optional(),
});
export type SiteStatus = z.infer<typeof siteStatusSchema>;

export const sessionKinds = ['rehearsal', 'live'] as const;
export const sessionStatuses = ['scheduled', 'open', 'ended', 'cancelled', 'missed'] as const;

export const sessionSchema = z.object({
  id: z.string(),
  kind: z.enum(sessionKinds),
  title: z.string(),
  startsAt: z.string(), // ISO 8601 in UTC: unambiguous whatever the display zone
  durationMinutes: z.number().int().positive(),
  siteIds: z.array(z.string()),
  agenda: z
    .array(z.object({ title: z.string(), siteId: z.string().optional(), minutes: z.number().int().positive() }))
    .default([]),
  status: z.enum(sessionStatuses),
  createdAt: z.string(),
  updatedAt: z.string(),
  openedAt: z.string().optional(),
  endedAt: z.string().optional(),
});
export type Session = z.infer<typeof sessionSchema>;

export const checkResultSchema = z.object({
  name: z.string(),
  pass: z.boolean(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  reason: z.string(),
  /** The check's code and parameters (contract/checks.ts), which the pages translate. */
  code: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  severity: z.enum(['ok', 'warn', 'fail']).optional(),
});
export const rehearsalResultSchema = z.object({
  sessionId: z.string(),
  siteId: z.string(),
  result: z.enum(['pass', 'fail', 'absent']),
  checks: z.array(checkResultSchema),
  updatedAt: z.string(),
  /** 0 for the first check of the rehearsal, +1 for each retest. */
  attempt: z.number().int().nonnegative().optional(),
});
export type RehearsalResult = z.infer<typeof rehearsalResultSchema>;

export const eventSchema = z.object({
  seq: z.number().int().nonnegative(),
  at: z.string(),
  type: z.string(),
  siteId: z.string().optional(),
  sessionId: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type EventRecord = z.infer<typeof eventSchema>;
export type NewEvent = Omit<EventRecord, 'seq' | 'at'> & { at?: string };

/** What a rehearsal learned about a site's link, for the live session to use. */
export const siteProfileSchema = z.object({
  siteId: z.string(),
  sessionId: z.string(),
  transport: z.enum(['udp', 'tcp']).nullable(),
  /** Media went through the TURN relay: nothing else got through the site's firewall. */
  relayed: z.boolean().optional(),
  uplinkKbps: z.number().nullable(),
  /** The page's encoder was held back by the uplink: uplinkKbps is the most it could send. */
  uplinkLimited: z.boolean().optional(),
  /** What the SFU could send the site (its bandwidth estimate), kbit/s. */
  downlinkKbps: z.number().nullable().optional(),
  rttMs: z.number().nullable(),
  lossPct: z.number().nullable().optional(),
  measuredAt: z.string(),
});
export type SiteProfile = z.infer<typeof siteProfileSchema>;

// ---- several nodes, one briefing -------------------------------------------------------------

/** A node of the cluster, as its heartbeat writes it (the record expires with the heartbeat). */
export const nodeRecordSchema = z.object({
  id: z.string(),
  /** Where pages reach it (its PUBLIC_URL). */
  url: z.string(),
  /** The address its media (and its cascade links) announce. */
  mediaAddress: z.string(),
  /** Sites connected to it now. */
  sites: z.number().int().nonnegative(),
  /** Stopping: it takes no new site and is moving its sites away. */
  draining: z.boolean(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
});
export type NodeRecord = z.infer<typeof nodeRecordSchema>;

/** A producer of a site on some node, for the other nodes' topology. */
export const sourceRecordSchema = z.object({
  siteId: z.string(),
  role: z.enum(['hub', 'bridge']),
  source: z.enum(['mic', 'cam']),
  producerId: z.string(),
  kind: z.enum(['audio', 'video']),
  paused: z.boolean(),
});
export type SourceRecord = z.infer<typeof sourceRecordSchema>;

/** Where a site is connected now. */
export const placementSchema = z.object({
  node: z.string(),
  /** The connection's id, so an old connection cannot release a newer one. */
  conn: z.string(),
  joined: z.boolean(),
  since: z.string(),
});
export type Placement = z.infer<typeof placementSchema>;

/** The floor, hands and operator mutes: one for the whole briefing, whichever node acts. */
export interface BriefingState {
  floor: string | null;
  hands: string[];
  muted: string[];
}

// ---- webhooks and technician alerts ----------------------------------------------------------

/**
 * Where one webhook endpoint's ordered delivery stands: the last event of the log it is done
 * with (delivered, passed over, or moved to the dead letters), and the event being retried.
 */
export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  cursor: z.number().int().nonnegative(),
  /** The event at the head of this endpoint's queue while it fails. */
  head: z
    .object({
      seq: z.number().int().nonnegative(),
      attempts: z.number().int().nonnegative(),
      firstTriedAt: z.string(),
      lastError: z.string(),
      nextAttemptAt: z.string(),
    })
    .optional(),
  updatedAt: z.string(),
});
export type WebhookEndpointState = z.infer<typeof webhookEndpointSchema>;

/** A delivery that kept failing: kept with its payload, so it can be sent again later. */
export const webhookDeadLetterSchema = z.object({
  /** `<endpoint id>-<seq>`. */
  id: z.string(),
  endpointId: z.string(),
  url: z.string(),
  seq: z.number().int().nonnegative(),
  /** The webhook-id header: the same on every attempt and on a redelivery. */
  messageId: z.string(),
  type: z.string(),
  payload: z.string(),
  attempts: z.number().int().positive(),
  firstTriedAt: z.string(),
  lastTriedAt: z.string(),
  lastError: z.string(),
});
export type WebhookDeadLetter = z.infer<typeof webhookDeadLetterSchema>;

export const alertChannels = ['page', 'email', 'sms'] as const;
export type AlertChannel = (typeof alertChannels)[number];

/** How an alert went out on one channel. */
export const channelDeliverySchema = z.object({
  status: z.enum(['sent', 'failed', 'pending', 'skipped']),
  at: z.string(),
  /** The address or number it went to (email, SMS); the number of pages (page). */
  to: z.string().optional(),
  detail: z.string().optional(),
  attempts: z.number().int().nonnegative().optional(),
});
export type ChannelDelivery = z.infer<typeof channelDeliverySchema>;

/**
 * An alert to a site's technician: one per bout of trouble (a drop or a degradation, and what
 * follows until the site has been well for a while), or per failed rehearsal check.
 */
export const technicianAlertSchema = z.object({
  id: z.string(),
  siteId: z.string(),
  kind: z.enum(technicianAlertKinds),
  /** The status reason (English, as derived) or the failed checks' names. */
  reason: z.string(),
  /** What the words say to do (contract/alerts.ts). */
  cause: z.string(),
  phase: z.enum(['open', 'rehearsal', 'live']),
  sessionId: z.string().optional(),
  /** The failed checks of a rehearsal (their codes are worded for the technician). */
  checks: z
    .array(
      z.object({
        name: z.string(),
        code: z.string().optional(),
        params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      }),
    )
    .optional(),
  openedAt: z.string(),
  /** The last trouble folded into this bout. */
  lastAt: z.string(),
  /** Troubles folded into this bout after the first (a flapping site). */
  repeats: z.number().int().nonnegative(),
  deliveries: z.partialRecord(z.enum(alertChannels), channelDeliverySchema),
  ackedAt: z.string().optional(),
  /** The bout is over: the site has been well for a while (or the phase changed). */
  closedAt: z.string().optional(),
});
export type TechnicianAlert = z.infer<typeof technicianAlertSchema>;

/** One change to a stored alert; each applies on its own (atomic per field in Redis). */
export type TechnicianAlertUpdate =
  | { readonly repeatAt: string }
  | { readonly channel: AlertChannel; readonly delivery: ChannelDelivery }
  | { readonly ackedAt: string }
  | { readonly closedAt: string };

// ---- recordings (server/recording/) ----------------------------------------------------------

export const recordingStates = ['recording', 'stopped', 'failed'] as const;
/** Why a segment (one file) ended: the view moved on, its recorder crashed, the recording stopped. */
export const segmentEnds = ['switch', 'crash', 'stop'] as const;

/** One file of a recording: one recorder process, one view of the briefing. */
export const recordingSegmentSchema = z.object({
  n: z.number().int().positive(),
  /** Its file name in the recording's folder (DATA_DIR/recordings/<id>/). */
  file: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  /** Its length as ffprobe reads it (while it is written: as far as the recorder has got). */
  seconds: z.number().nonnegative().nullable(),
  bytes: z.number().int().nonnegative(),
  /** The site whose camera it shows, and those it lets be heard. */
  video: z.string().nullable(),
  audio: z.array(z.string()),
  end: z.enum(segmentEnds).optional(),
});
export type RecordingSegment = z.infer<typeof recordingSegmentSchema>;

export const recordingSchema = z.object({
  id: z.string(),
  /** The live session it records, if it was started for one. */
  sessionId: z.string().nullable(),
  /** The node whose disk holds its files. */
  node: z.string(),
  state: z.enum(recordingStates),
  /** Started by the session's opening, or by the operator (API, board). */
  by: z.enum(['session', 'operator']),
  startedAt: z.string(),
  stoppedAt: z.string().optional(),
  /** Why it stopped: operator, session-ended, shutdown, disk-full, interrupted, recorder-failed. */
  stopReason: z.string().optional(),
  /** Recorders that crashed and were started again (each time a new segment). */
  restarts: z.number().int().nonnegative(),
  segments: z.array(recordingSegmentSchema),
});
export type Recording = z.infer<typeof recordingSchema>;
