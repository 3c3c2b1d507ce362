// What the store keeps. Zod schemas because the Redis store reads these back from outside
// the process; types are inferred from them.
import { z } from 'zod';

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
  uplinkKbps: z.number().nullable(),
  rttMs: z.number().nullable(),
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
