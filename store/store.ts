// The one place state that must survive a restart, or be seen by another instance, goes.
// Two implementations pass the same contract tests: in memory (the embedded default) and Redis.
import type {
  BriefingState,
  EventRecord,
  NewEvent,
  NodeRecord,
  Placement,
  Recording,
  RehearsalResult,
  Session,
  SiteProfile,
  SiteStatus,
  SourceRecord,
  TechnicianAlert,
  TechnicianAlertUpdate,
  WebhookDeadLetter,
  WebhookEndpointState,
} from './records.js';

export interface EventQuery {
  /** ISO time: only events at or after it. */
  readonly since?: string;
  /** Only events with a larger sequence number (for clients that resume a stream). */
  readonly afterSeq?: number;
  /** At most this many, the newest ones. */
  readonly limit?: number;
}

export interface Store {
  readonly kind: 'memory' | 'redis';

  /** A named secret (server HMAC key, operator token hash). */
  getSecret(name: string): Promise<string | undefined>;
  /** Set the secret unless one exists; returns the value in force (so two instances agree). */
  setSecretIfAbsent(name: string, value: string): Promise<string>;
  setSecret(name: string, value: string): Promise<void>;

  /** The version a site's join token is derived from; 1 until the first re-issue. */
  getCredentialVersion(siteId: string): Promise<number>;
  /** Every site's version that was ever bumped (others are 1). */
  getCredentialVersions(): Promise<Map<string, number>>;
  bumpCredentialVersion(siteId: string): Promise<number>;

  putSiteStatus(status: SiteStatus): Promise<void>;
  getSiteStatuses(): Promise<Map<string, SiteStatus>>;

  putSession(session: Session): Promise<void>;
  /** Several sessions at once, all or none (a day's plan). */
  putSessions(sessions: readonly Session[]): Promise<void>;
  /** Replace a session only if its status is still `expected`; false if another writer won. */
  compareAndSetSession(expected: Session['status'], next: Session): Promise<boolean>;
  getSession(id: string): Promise<Session | undefined>;
  listSessions(): Promise<Session[]>;

  /**
   * Store a site's result unless a better one of the same attempt is there: a later attempt
   * (a retest) replaces any result; within an attempt pass beats fail beats absent, so
   * instances that each saw part of a rehearsal never overwrite one another's pass. Returns
   * the result in force.
   */
  putRehearsalResult(result: RehearsalResult): Promise<RehearsalResult>;
  getRehearsalResults(sessionId: string): Promise<RehearsalResult[]>;

  putSiteProfile(profile: SiteProfile): Promise<void>;
  getSiteProfiles(): Promise<Map<string, SiteProfile>>;

  /** Append to the bounded event log; the store assigns a strictly increasing `seq`. */
  appendEvent(event: NewEvent): Promise<EventRecord>;
  listEvents(query?: EventQuery): Promise<EventRecord[]>;

  /** Hold a named lease for ttlMs: true if this owner now holds it (fresh or renewed). */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;

  // ---- several nodes, one briefing ----
  /** Write this node's record; it disappears if not written again within ttlMs. */
  putNode(node: NodeRecord, ttlMs: number): Promise<void>;
  /** Nodes whose record is alive. */
  listNodes(): Promise<NodeRecord[]>;
  removeNode(id: string): Promise<void>;
  /** The producers of a node's sites (replaces its previous list). */
  putNodeSources(nodeId: string, sources: readonly SourceRecord[]): Promise<void>;
  getAllSources(): Promise<Map<string, SourceRecord[]>>;
  removeNodeSources(nodeId: string): Promise<void>;
  getBriefingState(): Promise<BriefingState>;
  setFloor(siteId: string | null): Promise<void>;
  /** Raise or lower a hand; returns the hands in order. Atomic across nodes. */
  setHand(siteId: string, raised: boolean): Promise<string[]>;
  /** The operator mutes or unmutes a site; returns every muted site. */
  setMuted(siteId: string, muted: boolean): Promise<string[]>;
  /** Where a site is connected now (the newest connection wins). */
  placeSite(siteId: string, placement: Placement): Promise<void>;
  /** The connection `conn` of a site went: forget the placement unless a newer one replaced it. */
  releaseSite(siteId: string, conn: string): Promise<boolean>;
  listPlacements(): Promise<Map<string, Placement>>;

  /** Send a message to every instance subscribed to `channel` (this one included). */
  publish(channel: string, message: string): Promise<void>;
  /** Receive the messages of `channel`; the returned function unsubscribes. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;

  // ---- webhooks: each endpoint follows the event log in order ----
  /** The oldest `count` events after `afterSeq`, oldest first (a reader walking the log). */
  readEvents(afterSeq: number, count: number): Promise<EventRecord[]>;
  /** Store an endpoint's state unless one exists; returns the state in force. */
  initWebhookEndpoint(state: WebhookEndpointState): Promise<WebhookEndpointState>;
  putWebhookEndpoint(state: WebhookEndpointState): Promise<void>;
  listWebhookEndpoints(): Promise<WebhookEndpointState[]>;
  putWebhookDeadLetter(letter: WebhookDeadLetter): Promise<void>;
  getWebhookDeadLetter(id: string): Promise<WebhookDeadLetter | undefined>;
  /** Oldest first. */
  listWebhookDeadLetters(): Promise<WebhookDeadLetter[]>;
  /** Remove a dead letter; false if it was not there (another redelivery took it). */
  removeWebhookDeadLetter(id: string): Promise<boolean>;

  // ---- alerts to the sites' technicians ----
  /** Store a new alert unless one with its id exists; true if this call created it. */
  openTechnicianAlert(alert: TechnicianAlert): Promise<boolean>;
  /** Apply one change; the first acknowledgement and the first close stay. Undefined if unknown. */
  updateTechnicianAlert(id: string, update: TechnicianAlertUpdate): Promise<TechnicianAlert | undefined>;
  getTechnicianAlert(id: string): Promise<TechnicianAlert | undefined>;
  /** The newest alerts first, at most `limit` (the store keeps the latest 1000). */
  listTechnicianAlerts(limit?: number): Promise<TechnicianAlert[]>;

  // ---- recordings (their files are on the disk of the node that made them) ----
  putRecording(recording: Recording): Promise<void>;
  getRecording(id: string): Promise<Recording | undefined>;
  /** Every recording, the newest first. */
  listRecordings(): Promise<Recording[]>;

  /** Throws store_unavailable when the backing service cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_EVENT_LOG_LIMIT = 10_000;
/** Technician alerts the store keeps (the oldest go first). */
export const TECHNICIAN_ALERTS_KEPT = 1000;

/** A stored alert with one change applied (the rule of updateTechnicianAlert). */
export function applyAlertUpdate(alert: TechnicianAlert, update: TechnicianAlertUpdate): TechnicianAlert {
  if ('repeatAt' in update) return { ...alert, repeats: alert.repeats + 1, lastAt: update.repeatAt };
  if ('channel' in update) return { ...alert, deliveries: { ...alert.deliveries, [update.channel]: update.delivery } };
  if ('ackedAt' in update) return alert.ackedAt ? alert : { ...alert, ackedAt: update.ackedAt };
  return alert.closedAt ? alert : { ...alert, closedAt: update.closedAt };
}

const rank = { absent: 0, fail: 1, pass: 2 } as const;

/** Whether `next` replaces `current` as a site's rehearsal result (the rule of putRehearsalResult). */
export function supersedes(next: RehearsalResult, current: RehearsalResult | undefined): boolean {
  if (!current) return true;
  const a = next.attempt ?? 0;
  const b = current.attempt ?? 0;
  if (a !== b) return a > b;
  return rank[next.result] >= rank[current.result];
}

export function filterEvents(events: readonly EventRecord[], query: EventQuery = {}): EventRecord[] {
  const sinceMs = query.since !== undefined ? Date.parse(query.since) : undefined;
  let out = events.filter(
    (e) =>
      (query.afterSeq === undefined || e.seq > query.afterSeq) &&
      (sinceMs === undefined || Date.parse(e.at) >= sinceMs),
  );
  if (query.limit !== undefined && out.length > query.limit) out = out.slice(out.length - query.limit);
  return out;
}
