// The Redis store: state survives restarts and is shared by instances. Multi-step updates are
// Lua scripts so they are atomic. An outage surfaces as `store_unavailable` errors while
// ioredis reconnects in the background; it never crashes the process.
import { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  eventSchema,
  type NewEvent,
  type RehearsalResult,
  rehearsalResultSchema,
  type Session,
  type SiteProfile,
  type SiteStatus,
  sessionSchema,
  siteProfileSchema,
  siteStatusSchema,
} from './records.js';
import { DEFAULT_EVENT_LOG_LIMIT, type EventQuery, filterEvents, type Store } from './store.js';

// KEYS[1] seq counter, KEYS[2] list; ARGV[1] event JSON without seq, ARGV[2] limit.
const APPEND_EVENT = `
local seq = redis.call('INCR', KEYS[1])
-- Splice seq in as text: a cjson round trip would turn empty arrays into objects.
local encoded = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('RPUSH', KEYS[2], encoded)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
return encoded`;

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

export interface RedisStoreOptions {
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
  #closed = false;

  private constructor(opts: RedisStoreOptions) {
    this.#p = opts.prefix ?? 'giaoban:';
    this.#eventLimit = opts.eventLimit ?? DEFAULT_EVENT_LOG_LIMIT;
    this.#log = opts.logger.child({ component: 'store', kind: 'redis' });
    this.#redis = new Redis(opts.url, {
      lazyConnect: true,
      connectTimeout: 2000,
      commandTimeout: 2000,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
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
      const where = new URL(opts.url).host;
      throw new AppError(
        'store_unavailable',
        `REDIS_URL: cannot connect to Redis at ${where} (${(err as Error).message})`,
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
      await r.hset(this.#key(`rehearsal:${result.sessionId}`), result.siteId, JSON.stringify(result));
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
  listEvents(query?: EventQuery) {
    return this.#run('listEvents', async (r) => {
      const all = await r.lrange(this.#key('events'), 0, -1);
      return filterEvents(
        all.map((j) => eventSchema.parse(JSON.parse(j))),
        query,
      );
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

  ping() {
    return this.#run('ping', async (r) => {
      await r.ping();
    });
  }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#redis.quit();
    } catch (err) {
      // Quitting a connection that is down fails; dropping it is all that is left to do.
      this.#log.debug({ err: (err as Error).message }, 'redis quit failed; disconnecting');
      this.#redis.disconnect();
    }
  }

  /** For tests that remove their own keys. */
  async deleteAll(): Promise<void> {
    await this.#run('deleteAll', async (r) => {
      const keys = await r.keys(`${this.#p}*`);
      if (keys.length) await r.del(...keys);
    });
  }
}
