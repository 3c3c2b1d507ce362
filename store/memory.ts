// State that lives as long as the process: for tests, chosen explicitly (STORE=memory). The
// service's default keeps its state in a private Redis (store/embedded-redis.ts) so that it
// survives a restart.
import { EventEmitter } from 'node:events';
import {
  type BriefingState,
  type EventRecord,
  eventSchema,
  type NewEvent,
  type NodeRecord,
  type Placement,
  type Recording,
  type RehearsalResult,
  type Session,
  type SiteProfile,
  type SiteStatus,
  type SourceRecord,
  type TechnicianAlert,
  type TechnicianAlertUpdate,
  type WebhookDeadLetter,
  type WebhookEndpointState,
} from './records.js';
import {
  applyAlertUpdate,
  DEFAULT_EVENT_LOG_LIMIT,
  type EventQuery,
  filterEvents,
  type Store,
  supersedes,
  TECHNICIAN_ALERTS_KEPT,
} from './store.js';

// Copies in and out, so callers cannot mutate what is stored (as with Redis).
const copy = <T>(v: T): T => structuredClone(v);

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly #secrets = new Map<string, string>();
  readonly #versions = new Map<string, number>();
  readonly #statuses = new Map<string, SiteStatus>();
  readonly #sessions = new Map<string, Session>();
  readonly #recordings = new Map<string, Recording>();
  readonly #results = new Map<string, Map<string, RehearsalResult>>();
  readonly #profiles = new Map<string, SiteProfile>();
  readonly #leases = new Map<string, { owner: string; until: number }>();
  readonly #channels = new EventEmitter<Record<string, [string]>>();
  readonly #nodes = new Map<string, { node: NodeRecord; until: number }>();
  readonly #sources = new Map<string, SourceRecord[]>();
  readonly #placements = new Map<string, Placement>();
  readonly #webhookEndpoints = new Map<string, WebhookEndpointState>();
  readonly #deadLetters = new Map<string, WebhookDeadLetter>();
  /** Oldest first (insertion order). */
  readonly #alerts = new Map<string, TechnicianAlert>();
  #briefing: BriefingState = { floor: null, hands: [], muted: [] };
  #events: EventRecord[] = [];
  #seq = 0;
  #closed = false;

  constructor(readonly eventLimit = DEFAULT_EVENT_LOG_LIMIT) {}

  async getSecret(name: string) {
    return this.#secrets.get(name);
  }
  async setSecretIfAbsent(name: string, value: string) {
    const existing = this.#secrets.get(name);
    if (existing !== undefined) return existing;
    this.#secrets.set(name, value);
    return value;
  }
  async setSecret(name: string, value: string) {
    this.#secrets.set(name, value);
  }

  async getCredentialVersion(siteId: string) {
    return this.#versions.get(siteId) ?? 1;
  }
  async getCredentialVersions() {
    return new Map(this.#versions);
  }
  async bumpCredentialVersion(siteId: string) {
    const next = (this.#versions.get(siteId) ?? 1) + 1;
    this.#versions.set(siteId, next);
    return next;
  }

  async putSiteStatus(status: SiteStatus) {
    this.#statuses.set(status.siteId, copy(status));
  }
  async getSiteStatuses() {
    return new Map([...this.#statuses].map(([k, v]) => [k, copy(v)]));
  }

  async putSession(session: Session) {
    this.#sessions.set(session.id, copy(session));
  }
  async putSessions(sessions: readonly Session[]) {
    for (const s of sessions) this.#sessions.set(s.id, copy(s));
  }
  async compareAndSetSession(expected: Session['status'], next: Session) {
    const current = this.#sessions.get(next.id);
    if (!current || current.status !== expected) return false;
    this.#sessions.set(next.id, copy(next));
    return true;
  }
  async getSession(id: string) {
    const s = this.#sessions.get(id);
    return s && copy(s);
  }
  async listSessions() {
    return [...this.#sessions.values()].map(copy).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  }

  async putRehearsalResult(result: RehearsalResult) {
    const bySite = this.#results.get(result.sessionId) ?? new Map<string, RehearsalResult>();
    this.#results.set(result.sessionId, bySite);
    const current = bySite.get(result.siteId);
    if (supersedes(result, current)) bySite.set(result.siteId, copy(result));
    return copy(bySite.get(result.siteId) ?? result);
  }
  async getRehearsalResults(sessionId: string) {
    return [...(this.#results.get(sessionId)?.values() ?? [])].map(copy);
  }

  async putSiteProfile(profile: SiteProfile) {
    this.#profiles.set(profile.siteId, copy(profile));
  }
  async getSiteProfiles() {
    return new Map([...this.#profiles].map(([k, v]) => [k, copy(v)]));
  }

  async appendEvent(event: NewEvent) {
    const record = eventSchema.parse({ ...event, seq: ++this.#seq, at: event.at ?? new Date().toISOString() });
    this.#events.push(record);
    if (this.#events.length > this.eventLimit) this.#events = this.#events.slice(-this.eventLimit);
    return copy(record);
  }
  async listEvents(query?: EventQuery) {
    return filterEvents(this.#events, query).map(copy);
  }

  async acquireLease(name: string, owner: string, ttlMs: number) {
    const now = Date.now();
    const held = this.#leases.get(name);
    if (held && held.until > now && held.owner !== owner) return false;
    this.#leases.set(name, { owner, until: now + ttlMs });
    return true;
  }
  async releaseLease(name: string, owner: string) {
    if (this.#leases.get(name)?.owner === owner) this.#leases.delete(name);
  }

  async putNode(node: NodeRecord, ttlMs: number) {
    this.#nodes.set(node.id, { node: copy(node), until: Date.now() + ttlMs });
  }
  async listNodes() {
    const now = Date.now();
    return [...this.#nodes.values()].filter((n) => n.until > now).map((n) => copy(n.node));
  }
  async removeNode(id: string) {
    this.#nodes.delete(id);
  }
  async putNodeSources(nodeId: string, sources: readonly SourceRecord[]) {
    this.#sources.set(nodeId, copy([...sources]));
  }
  async getAllSources() {
    return new Map([...this.#sources].map(([k, v]) => [k, copy(v)]));
  }
  async removeNodeSources(nodeId: string) {
    this.#sources.delete(nodeId);
  }
  async getBriefingState() {
    return copy(this.#briefing);
  }
  async setFloor(siteId: string | null) {
    this.#briefing.floor = siteId;
  }
  async setHand(siteId: string, raised: boolean) {
    const { hands } = this.#briefing;
    if (raised && !hands.includes(siteId)) hands.push(siteId);
    if (!raised) this.#briefing.hands = hands.filter((h) => h !== siteId);
    return [...this.#briefing.hands];
  }
  async setMuted(siteId: string, muted: boolean) {
    const set = new Set(this.#briefing.muted);
    if (muted) set.add(siteId);
    else set.delete(siteId);
    this.#briefing.muted = [...set];
    return [...set];
  }
  async placeSite(siteId: string, placement: Placement) {
    this.#placements.set(siteId, copy(placement));
  }
  async releaseSite(siteId: string, conn: string) {
    if (this.#placements.get(siteId)?.conn !== conn) return false;
    this.#placements.delete(siteId);
    return true;
  }
  async listPlacements() {
    return new Map([...this.#placements].map(([k, v]) => [k, copy(v)]));
  }

  async publish(channel: string, message: string) {
    // Delivered asynchronously, as Redis would.
    setImmediate(() => this.#channels.emit(channel, message));
  }
  async subscribe(channel: string, onMessage: (message: string) => void) {
    this.#channels.on(channel, onMessage);
    return async () => {
      this.#channels.off(channel, onMessage);
    };
  }

  async readEvents(afterSeq: number, count: number) {
    return this.#events
      .filter((e) => e.seq > afterSeq)
      .slice(0, count)
      .map(copy);
  }
  async initWebhookEndpoint(state: WebhookEndpointState) {
    const existing = this.#webhookEndpoints.get(state.id);
    if (existing) return copy(existing);
    this.#webhookEndpoints.set(state.id, copy(state));
    return copy(state);
  }
  async putWebhookEndpoint(state: WebhookEndpointState) {
    this.#webhookEndpoints.set(state.id, copy(state));
  }
  async listWebhookEndpoints() {
    return [...this.#webhookEndpoints.values()].map(copy);
  }
  async putWebhookDeadLetter(letter: WebhookDeadLetter) {
    this.#deadLetters.set(letter.id, copy(letter));
  }
  async getWebhookDeadLetter(id: string) {
    const letter = this.#deadLetters.get(id);
    return letter && copy(letter);
  }
  async listWebhookDeadLetters() {
    return [...this.#deadLetters.values()].map(copy).sort((a, b) => a.firstTriedAt.localeCompare(b.firstTriedAt));
  }
  async removeWebhookDeadLetter(id: string) {
    return this.#deadLetters.delete(id);
  }

  async openTechnicianAlert(alert: TechnicianAlert) {
    if (this.#alerts.has(alert.id)) return false;
    this.#alerts.set(alert.id, copy(alert));
    for (const id of [...this.#alerts.keys()].slice(0, Math.max(0, this.#alerts.size - TECHNICIAN_ALERTS_KEPT)))
      this.#alerts.delete(id);
    return true;
  }
  async updateTechnicianAlert(id: string, update: TechnicianAlertUpdate) {
    const alert = this.#alerts.get(id);
    if (!alert) return undefined;
    const next = applyAlertUpdate(alert, update);
    this.#alerts.set(id, next);
    return copy(next);
  }
  async getTechnicianAlert(id: string) {
    const alert = this.#alerts.get(id);
    return alert && copy(alert);
  }
  async listTechnicianAlerts(limit = 200) {
    return [...this.#alerts.values()].reverse().slice(0, limit).map(copy);
  }

  async putRecording(recording: Recording) {
    this.#recordings.set(recording.id, copy(recording));
  }
  async getRecording(id: string) {
    const r = this.#recordings.get(id);
    return r && copy(r);
  }
  async listRecordings() {
    return [...this.#recordings.values()].map(copy).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  async ping() {}
  async close() {
    this.#closed = true;
    this.#channels.removeAllListeners();
  }
  get closed() {
    return this.#closed;
  }
}
