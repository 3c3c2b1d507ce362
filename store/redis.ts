// The Redis store: state survives restarts and is shared by instances. Multi-step updates are
// Lua scripts so they are atomic. An outage surfaces as `store_unavailable` errors while
// ioredis reconnects in the background; it never crashes the process.
import { Redis } from 'ioredis';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import {
  type BriefingState,
  eventSchema,
  type NewEvent,
  type NodeRecord,
  nodeRecordSchema,
  type Placement,
  placementSchema,
  type Recording,
  type RehearsalResult,
  recordingSchema,
  rehearsalResultSchema,
  type Session,
  type SiteProfile,
  type SiteStatus,
  type SourceRecord,
  sessionSchema,
  siteProfileSchema,
  siteStatusSchema,
  sourceRecordSchema,
  type TechnicianAlert,
  type TechnicianAlertUpdate,
  technicianAlertSchema,
  type WebhookDeadLetter,
  type WebhookEndpointState,
  webhookDeadLetterSchema,
  webhookEndpointSchema,
} from './records.js';
import { DEFAULT_EVENT_LOG_LIMIT, type EventQuery, filterEvents, type Store, TECHNICIAN_ALERTS_KEPT } from './store.js';

// The event log is a Redis stream whose entry IDs are 0-<seq>: XADD keeps it ordered and
// bounded (MAXLEN), XRANGE reads from a sequence number on, XREVRANGE reads the newest first.
// KEYS[1] seq counter, KEYS[2] stream; ARGV[1] event JSON without seq, ARGV[2] limit.
const APPEND_EVENT = `
local seq = redis.call('INCR', KEYS[1])
-- Splice seq in as text: a cjson round trip would turn empty arrays into objects.
local encoded = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], '0-' .. seq, 'e', encoded)
return encoded`;

// KEYS[1] results hash; ARGV[1] site id, ARGV[2] result JSON. Keeps the better result (see
// supersedes() in store.ts, which this mirrors) and returns the one in force.
const PUT_RESULT = `
local rank = { absent = 0, fail = 1, pass = 2 }
local nextv = cjson.decode(ARGV[2])
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local cur = cjson.decode(current)
  local a = tonumber(nextv['attempt'] or 0)
  local b = tonumber(cur['attempt'] or 0)
  if a < b or (a == b and rank[nextv['result']] < rank[cur['result']]) then return current end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]`;

// KEYS[1] hands list; ARGV[1] site id, ARGV[2] '1' to raise. Returns the hands in order.
const SET_HAND = `
local at = redis.call('LPOS', KEYS[1], ARGV[1])
if ARGV[2] == '1' then
  if not at then redis.call('RPUSH', KEYS[1], ARGV[1]) end
else
  redis.call('LREM', KEYS[1], 0, ARGV[1])
end
return redis.call('LRANGE', KEYS[1], 0, -1)`;

// KEYS[1] placements hash; ARGV[1] site id, ARGV[2] connection id.
const RELEASE_SITE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
if cjson.decode(current)['conn'] ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1`;

// KEYS[1] sessions hash; ARGV[1] id, ARGV[2] expected status, ARGV[3] next JSON.
const CAS_SESSION = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
if cjson.decode(current)['status'] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

// KEYS[1] lease key; ARGV[1] owner, ARGV[2] ttl ms.
const ACQUIRE_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// A technician alert is a hash of its own: the alert as opened ('core') and one field per later
// change, so a delivery result, an acknowledgement and a repeat never overwrite one another.
// KEYS[1] the alert's hash, KEYS[2] the index (by time opened); ARGV[1] core JSON, ARGV[2]
// score, ARGV[3] id, ARGV[4] how many to keep, ARGV[5] the alert hashes' key prefix.
const OPEN_ALERT = `
if redis.call('HSETNX', KEYS[1], 'core', ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
local n = redis.call('ZCARD', KEYS[2])
local keep = tonumber(ARGV[4])
if n > keep then
  local old = redis.call('ZRANGE', KEYS[2], 0, n - keep - 1)
  for _, id in ipairs(old) do redis.call('DEL', ARGV[5] .. id) end
  redis.call('ZREM', KEYS[2], unpack(old))
end
return 1`;

export interface RedisStoreOptions {
  /** redis:// URL, or the path of a Unix socket (the embedded server). */
  readonly url: string;
  /** Key prefix, so tests and deployments can share one server. */
  readonly prefix?: string;
  readonly eventLimit?: number;
  readonly logger: Logger;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #p: string;
  readonly #eventLimit: number;
  readonly #log: Logger;
  /** A second connection for pub/sub (a subscribed connection can do nothing else). */
  #subscriber: Redis | undefined;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();
  #closed = false;

  private constructor(opts: RedisStoreOptions) {
    this.#p = opts.prefix ?? 'giaoban:';
    this.#eventLimit = opts.eventLimit ?? DEFAULT_EVENT_LOG_LIMIT;
    this.#log = opts.logger.child({ component: 'store', kind: 'redis' });
    const options = {
      lazyConnect: true,
      connectTimeout: 2000,
      commandTimeout: 2000,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
    };
    this.#redis = opts.url.startsWith('/') ? new Redis({ ...options, path: opts.url }) : new Redis(opts.url, options);
    let down = false;
    // Without an 'error' listener an outage would throw from the emitter and end the process.
    this.#redis.on('error', (err: Error) => {
      if (!down) this.#log.error({ err: err.message }, 'redis unreachable; retrying in the background');
      down = true;
    });
    this.#redis.on('ready', () => {
      if (down) this.#log.info('redis reachable again');
      down = false;
    });
  }

  /** Connects before returning, so a wrong REDIS_URL fails start-up with a clear message. */
  static async create(opts: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(opts);
    try {
      await store.#redis.connect();
    } catch (err) {
      store.#redis.disconnect();
      const where = opts.url.startsWith('/') ? opts.url : new URL(opts.url).host;
      const setting = opts.url.startsWith('/') ? 'STORE' : 'REDIS_URL';
      throw new AppError(
        'store_unavailable',
        `${setting}: cannot connect to Redis at ${where} (${(err as Error).message})`,
      );
    }
    return store;
  }

  async #run<T>(op: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new AppError('store_unavailable', `store is closed (${op})`);
    try {
      return await fn(this.#redis);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('store_unavailable', `Redis is unavailable (${op}): ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  #key(name: string) {
    return this.#p + name;
  }

  getSecret(name: string) {
    return this.#run('getSecret', async (r) => (await r.hget(this.#key('secrets'), name)) ?? undefined);
  }
  setSecretIfAbsent(name: string, value: string) {
    return this.#run('setSecretIfAbsent', async (r) => {
      await r.hsetnx(this.#key('secrets'), name, value);
      const v = await r.hget(this.#key('secrets'), name);
      if (v === null) throw new AppError('store_unavailable', `secret ${name} vanished after it was set`);
      return v;
    });
  }
  setSecret(name: string, value: string) {
    return this.#run('setSecret', async (r) => {
      await r.hset(this.#key('secrets'), name, value);
    });
  }

  getCredentialVersion(siteId: string) {
    return this.#run('getCredentialVersion', async (r) => {
      const v = await r.hget(this.#key('credential-versions'), siteId);
      return v === null ? 1 : Number(v);
    });
  }
  getCredentialVersions() {
    return this.#run('getCredentialVersions', async (r) => {
      const all = await r.hgetall(this.#key('credential-versions'));
      return new Map(Object.entries(all).map(([id, v]) => [id, Number(v)]));
    });
  }
  bumpCredentialVersion(siteId: string) {
    // Versions start at 1 without a stored value, so seed the field with 1 before incrementing.
    return this.#run('bumpCredentialVersion', async (r) => {
      const key = this.#key('credential-versions');
      await r.hsetnx(key, siteId, 1);
      return r.hincrby(key, siteId, 1);
    });
  }

  putSiteStatus(status: SiteStatus) {
    return this.#run('putSiteStatus', async (r) => {
      await r.hset(this.#key('site-status'), status.siteId, JSON.stringify(status));
    });
  }
  getSiteStatuses() {
    return this.#run('getSiteStatuses', async (r) => {
      const all = await r.hgetall(this.#key('site-status'));
      return new Map(Object.entries(all).map(([id, json]) => [id, siteStatusSchema.parse(JSON.parse(json))]));
    });
  }

  putSession(session: Session) {
    return this.#run('putSession', async (r) => {
      await r.hset(this.#key('sessions'), session.id, JSON.stringify(session));
    });
  }
  putSessions(sessions: readonly Session[]) {
    return this.#run('putSessions', async (r) => {
      const fields = sessions.flatMap((x) => [x.id, JSON.stringify(x)]);
      if (fields.length) await r.hset(this.#key('sessions'), ...fields);
    });
  }
  compareAndSetSession(expected: Session['status'], next: Session) {
    return this.#run('compareAndSetSession', async (r) => {
      const done = await r.eval(CAS_SESSION, 1, this.#key('sessions'), next.id, expected, JSON.stringify(next));
      return done === 1;
    });
  }
  getSession(id: string) {
    return this.#run('getSession', async (r) => {
      const json = await r.hget(this.#key('sessions'), id);
      return json === null ? undefined : sessionSchema.parse(JSON.parse(json));
    });
  }
  listSessions() {
    return this.#run('listSessions', async (r) => {
      const all = await r.hvals(this.#key('sessions'));
      return all.map((j) => sessionSchema.parse(JSON.parse(j))).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
    });
  }

  putRehearsalResult(result: RehearsalResult) {
    return this.#run('putRehearsalResult', async (r) => {
      const key = this.#key(`rehearsal:${result.sessionId}`);
      const json = (await r.eval(PUT_RESULT, 1, key, result.siteId, JSON.stringify(result))) as string;
      return rehearsalResultSchema.parse(JSON.parse(json));
    });
  }
  getRehearsalResults(sessionId: string) {
    return this.#run('getRehearsalResults', async (r) => {
      const all = await r.hvals(this.#key(`rehearsal:${sessionId}`));
      return all.map((j) => rehearsalResultSchema.parse(JSON.parse(j)));
    });
  }

  putSiteProfile(profile: SiteProfile) {
    return this.#run('putSiteProfile', async (r) => {
      await r.hset(this.#key('site-profiles'), profile.siteId, JSON.stringify(profile));
    });
  }
  getSiteProfiles() {
    return this.#run('getSiteProfiles', async (r) => {
      const all = await r.hgetall(this.#key('site-profiles'));
      return new Map(Object.entries(all).map(([id, json]) => [id, siteProfileSchema.parse(JSON.parse(json))]));
    });
  }

  appendEvent(event: NewEvent) {
    return this.#run('appendEvent', async (r) => {
      const body = { ...event, at: event.at ?? new Date().toISOString() };
      const json = (await r.eval(
        APPEND_EVENT,
        2,
        this.#key('events:seq'),
        this.#key('events'),
        JSON.stringify(body),
        this.#eventLimit,
      )) as string;
      return eventSchema.parse(JSON.parse(json));
    });
  }
  listEvents(query: EventQuery = {}) {
    return this.#run('listEvents', async (r) => {
      const key = this.#key('events');
      const parse = (entries: [string, string[]][]) =>
        entries.map(([, fields]) => eventSchema.parse(JSON.parse(fields[1] ?? '')));
      if (query.since === undefined) {
        // From a sequence number on (or the whole log), the newest `limit` of them.
        const from = query.afterSeq !== undefined ? `(0-${query.afterSeq}` : '-';
        const all = parse(await r.xrange(key, from, '+'));
        return filterEvents(all, query);
      }
      // Since a time: newest first, page by page, until the events are older than that.
      const sinceMs = Date.parse(query.since);
      const found = [];
      let end = '+';
      for (;;) {
        const page = parse(await r.xrevrange(key, end, '-', 'COUNT', 500));
        for (const e of page) if (Date.parse(e.at) >= sinceMs) found.push(e);
        const oldest = page.at(-1);
        if (page.length < 500 || !oldest || Date.parse(oldest.at) < sinceMs) break;
        end = `(0-${oldest.seq}`;
      }
      return filterEvents(found.reverse(), query);
    });
  }

  acquireLease(name: string, owner: string, ttlMs: number) {
    return this.#run('acquireLease', async (r) => {
      return (await r.eval(ACQUIRE_LEASE, 1, this.#key(`lease:${name}`), owner, Math.ceil(ttlMs))) === 1;
    });
  }
  releaseLease(name: string, owner: string) {
    return this.#run('releaseLease', async (r) => {
      await r.eval(RELEASE_LEASE, 1, this.#key(`lease:${name}`), owner);
    });
  }

  putNode(node: NodeRecord, ttlMs: number) {
    return this.#run('putNode', async (r) => {
      await r
        .multi()
        .set(this.#key(`node:${node.id}`), JSON.stringify(node), 'PX', Math.ceil(ttlMs))
        .sadd(this.#key('nodes'), node.id)
        .exec();
    });
  }
  listNodes() {
    return this.#run('listNodes', async (r) => {
      const ids = await r.smembers(this.#key('nodes'));
      if (ids.length === 0) return [];
      const values = await r.mget(...ids.map((id) => this.#key(`node:${id}`)));
      const gone = ids.filter((_, i) => values[i] === null);
      // A record that expired is a node that died or stopped: forget it.
      if (gone.length) await r.srem(this.#key('nodes'), ...gone);
      return values.flatMap((v) => (v === null ? [] : [nodeRecordSchema.parse(JSON.parse(v))]));
    });
  }
  removeNode(id: string) {
    return this.#run('removeNode', async (r) => {
      await r
        .multi()
        .del(this.#key(`node:${id}`))
        .srem(this.#key('nodes'), id)
        .exec();
    });
  }
  putNodeSources(nodeId: string, sources: readonly SourceRecord[]) {
    return this.#run('putNodeSources', async (r) => {
      await r.hset(this.#key('sources'), nodeId, JSON.stringify(sources));
    });
  }
  getAllSources() {
    return this.#run('getAllSources', async (r) => {
      const all = await r.hgetall(this.#key('sources'));
      return new Map(
        Object.entries(all).map(([node, json]) => [node, sourceRecordSchema.array().parse(JSON.parse(json))]),
      );
    });
  }
  removeNodeSources(nodeId: string) {
    return this.#run('removeNodeSources', async (r) => {
      await r.hdel(this.#key('sources'), nodeId);
    });
  }
  getBriefingState() {
    return this.#run('getBriefingState', async (r): Promise<BriefingState> => {
      const [floor, hands, muted] = await Promise.all([
        r.get(this.#key('floor')),
        r.lrange(this.#key('hands'), 0, -1),
        r.smembers(this.#key('muted')),
      ]);
      return { floor: floor || null, hands, muted };
    });
  }
  setFloor(siteId: string | null) {
    return this.#run('setFloor', async (r) => {
      if (siteId) await r.set(this.#key('floor'), siteId);
      else await r.del(this.#key('floor'));
    });
  }
  setHand(siteId: string, raised: boolean) {
    return this.#run('setHand', async (r) => {
      return (await r.eval(SET_HAND, 1, this.#key('hands'), siteId, raised ? '1' : '0')) as string[];
    });
  }
  setMuted(siteId: string, muted: boolean) {
    return this.#run('setMuted', async (r) => {
      if (muted) await r.sadd(this.#key('muted'), siteId);
      else await r.srem(this.#key('muted'), siteId);
      return r.smembers(this.#key('muted'));
    });
  }
  placeSite(siteId: string, placement: Placement) {
    return this.#run('placeSite', async (r) => {
      await r.hset(this.#key('placements'), siteId, JSON.stringify(placement));
    });
  }
  releaseSite(siteId: string, conn: string) {
    return this.#run('releaseSite', async (r) => {
      return (await r.eval(RELEASE_SITE, 1, this.#key('placements'), siteId, conn)) === 1;
    });
  }
  listPlacements() {
    return this.#run('listPlacements', async (r) => {
      const all = await r.hgetall(this.#key('placements'));
      return new Map(Object.entries(all).map(([id, json]) => [id, placementSchema.parse(JSON.parse(json))]));
    });
  }

  publish(channel: string, message: string) {
    return this.#run('publish', async (r) => {
      await r.publish(this.#key(`channel:${channel}`), message);
    });
  }

  async subscribe(channel: string, onMessage: (message: string) => void) {
    const name = this.#key(`channel:${channel}`);
    if (!this.#subscriber) {
      const sub = this.#redis.duplicate({ lazyConnect: false });
      sub.on('error', (err: Error) => this.#log.debug({ err: err.message }, 'redis subscriber error'));
      sub.on('message', (ch: string, message: string) => {
        for (const handler of this.#handlers.get(ch) ?? []) {
          try {
            handler(message);
          } catch (err) {
            this.#log.error({ err, channel: ch }, 'a message handler failed');
          }
        }
      });
      this.#subscriber = sub;
    }
    const sub = this.#subscriber;
    let set = this.#handlers.get(name);
    if (!set) {
      set = new Set();
      this.#handlers.set(name, set);
      await this.#run('subscribe', async () => {
        await sub.subscribe(name);
      });
    }
    set.add(onMessage);
    return async () => {
      set.delete(onMessage);
      if (set.size === 0 && this.#handlers.get(name) === set) {
        this.#handlers.delete(name);
        await sub.unsubscribe(name).catch((err: Error) => {
          this.#log.debug({ err: err.message, channel: name }, 'could not unsubscribe');
        });
      }
    };
  }

  readEvents(afterSeq: number, count: number) {
    return this.#run('readEvents', async (r) => {
      const entries = await r.xrange(this.#key('events'), `(0-${afterSeq}`, '+', 'COUNT', count);
      return entries.map(([, fields]) => eventSchema.parse(JSON.parse(fields[1] ?? '')));
    });
  }
  initWebhookEndpoint(state: WebhookEndpointState) {
    return this.#run('initWebhookEndpoint', async (r) => {
      const key = this.#key('webhook-endpoints');
      await r.hsetnx(key, state.id, JSON.stringify(state));
      const json = await r.hget(key, state.id);
      if (json === null)
        throw new AppError('store_unavailable', `webhook endpoint ${state.id} vanished after it was set`);
      return webhookEndpointSchema.parse(JSON.parse(json));
    });
  }
  putWebhookEndpoint(state: WebhookEndpointState) {
    return this.#run('putWebhookEndpoint', async (r) => {
      await r.hset(this.#key('webhook-endpoints'), state.id, JSON.stringify(state));
    });
  }
  listWebhookEndpoints() {
    return this.#run('listWebhookEndpoints', async (r) => {
      const all = await r.hvals(this.#key('webhook-endpoints'));
      return all.map((j) => webhookEndpointSchema.parse(JSON.parse(j)));
    });
  }
  putWebhookDeadLetter(letter: WebhookDeadLetter) {
    return this.#run('putWebhookDeadLetter', async (r) => {
      await r.hset(this.#key('webhook-dead-letters'), letter.id, JSON.stringify(letter));
    });
  }
  getWebhookDeadLetter(id: string) {
    return this.#run('getWebhookDeadLetter', async (r) => {
      const json = await r.hget(this.#key('webhook-dead-letters'), id);
      return json === null ? undefined : webhookDeadLetterSchema.parse(JSON.parse(json));
    });
  }
  listWebhookDeadLetters() {
    return this.#run('listWebhookDeadLetters', async (r) => {
      const all = await r.hvals(this.#key('webhook-dead-letters'));
      return all
        .map((j) => webhookDeadLetterSchema.parse(JSON.parse(j)))
        .sort((a, b) => a.firstTriedAt.localeCompare(b.firstTriedAt));
    });
  }
  removeWebhookDeadLetter(id: string) {
    return this.#run(
      'removeWebhookDeadLetter',
      async (r) => (await r.hdel(this.#key('webhook-dead-letters'), id)) === 1,
    );
  }

  #alertKey(id: string) {
    return this.#key(`tech-alert:${id}`);
  }
  /** The alert as opened, with every later change laid over it. */
  #assembleAlert(fields: Record<string, string>): TechnicianAlert | undefined {
    if (fields.core === undefined) return undefined;
    const alert = technicianAlertSchema.parse(JSON.parse(fields.core));
    const deliveries = { ...alert.deliveries };
    for (const [name, value] of Object.entries(fields)) {
      if (name.startsWith('delivery:')) Object.assign(deliveries, { [name.slice(9)]: JSON.parse(value) });
    }
    return technicianAlertSchema.parse({
      ...alert,
      repeats: alert.repeats + Number(fields.repeats ?? 0),
      lastAt: fields.lastAt ?? alert.lastAt,
      deliveries,
      ...(fields.ackedAt ? { ackedAt: fields.ackedAt } : {}),
      ...(fields.closedAt ? { closedAt: fields.closedAt } : {}),
    });
  }
  openTechnicianAlert(alert: TechnicianAlert) {
    return this.#run('openTechnicianAlert', async (r) => {
      const created = await r.eval(
        OPEN_ALERT,
        2,
        this.#alertKey(alert.id),
        this.#key('tech-alerts'),
        JSON.stringify(alert),
        Date.parse(alert.openedAt),
        alert.id,
        TECHNICIAN_ALERTS_KEPT,
        this.#key('tech-alert:'),
      );
      return created === 1;
    });
  }
  updateTechnicianAlert(id: string, update: TechnicianAlertUpdate) {
    return this.#run('updateTechnicianAlert', async (r) => {
      const key = this.#alertKey(id);
      if (!(await r.hexists(key, 'core'))) return undefined;
      if ('repeatAt' in update) await r.multi().hincrby(key, 'repeats', 1).hset(key, 'lastAt', update.repeatAt).exec();
      else if ('channel' in update) await r.hset(key, `delivery:${update.channel}`, JSON.stringify(update.delivery));
      else if ('ackedAt' in update) await r.hsetnx(key, 'ackedAt', update.ackedAt);
      else await r.hsetnx(key, 'closedAt', update.closedAt);
      return this.#assembleAlert(await r.hgetall(key));
    });
  }
  getTechnicianAlert(id: string) {
    return this.#run('getTechnicianAlert', async (r) => this.#assembleAlert(await r.hgetall(this.#alertKey(id))));
  }
  listTechnicianAlerts(limit = 200) {
    return this.#run('listTechnicianAlerts', async (r) => {
      const ids = await r.zrevrange(this.#key('tech-alerts'), 0, limit - 1);
      if (ids.length === 0) return [];
      const pipeline = r.pipeline();
      for (const id of ids) pipeline.hgetall(this.#alertKey(id));
      const replies = (await pipeline.exec()) ?? [];
      return replies.flatMap(([err, fields]) => {
        if (err) throw err;
        const alert = this.#assembleAlert(fields as Record<string, string>);
        return alert ? [alert] : [];
      });
    });
  }

  putRecording(recording: Recording) {
    return this.#run('putRecording', async (r) => {
      await r.hset(this.#key('recordings'), recording.id, JSON.stringify(recording));
    });
  }
  getRecording(id: string) {
    return this.#run('getRecording', async (r) => {
      const json = await r.hget(this.#key('recordings'), id);
      return json === null ? undefined : recordingSchema.parse(JSON.parse(json));
    });
  }
  listRecordings() {
    return this.#run('listRecordings', async (r) => {
      const all = await r.hvals(this.#key('recordings'));
      return all
        .map((j) => recordingSchema.parse(JSON.parse(j)))
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    });
  }

  ping() {
    return this.#run('ping', async (r) => {
      await r.ping();
    });
  }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    this.#subscriber?.disconnect();
    try {
      await this.#redis.quit();
    } catch (err) {
      // Quitting a connection that is down fails; dropping it is all that is left to do.
      this.#log.debug({ err: (err as Error).message }, 'redis quit failed; disconnecting');
      this.#redis.disconnect();
    }
  }

  /** A connection of its own for socket.io's Redis adapter (it blocks reading the stream). */
  adapterClient(): Redis {
    return this.#redis.duplicate();
  }

  /** For tests that remove their own keys. */
  async deleteAll(): Promise<void> {
    await this.#run('deleteAll', async (r) => {
      const keys = await r.keys(`${this.#p}*`);
      if (keys.length) await r.del(...keys);
    });
  }
}
