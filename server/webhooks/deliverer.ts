// Delivers the briefing's events to each webhook endpoint in the order of the event log. The
// log is the queue: it is durable and totally ordered (seq), so each endpoint only keeps, in
// the store, how far it got (a cursor) and the event it is retrying; a restart picks up there.
// An endpoint's head blocks that endpoint only: it is retried with exponential backoff and
// full jitter until it succeeds or runs out of attempts, then kept as a dead letter (with its
// payload, to be sent again by hand) and the endpoint goes on. One node of a cluster delivers:
// the one holding the store's lease (a single node always holds it).
//
// Delivery is at least once: a crash between a receiver's 200 and the cursor's write sends
// that event again, with the same webhook-id (msg_<log id>_<seq>), which receivers dedupe on.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Roster } from '../../config/roster.js';
import { AppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Outbox } from '../../store/outbox.js';
import type { EventRecord, NewEvent, WebhookDeadLetter, WebhookEndpointState } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { toWebhook, type WebhookMessage } from './events.js';
import { retryDelay, WebhookSender } from './sender.js';

export interface WebhookOptions {
  readonly store: Store;
  readonly outbox: Outbox;
  readonly roster: Roster;
  readonly logger: Logger;
  readonly urls: readonly string[];
  readonly secret: string;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** This process, as the lease's holder. */
  readonly instanceId: string;
  /** How often an endpoint with nothing to send looks at the log again. Default 300 ms. */
  readonly pollMs?: number;
  readonly leaseMs?: number;
}

/** One attempt, for GET /api/webhooks/deliveries (this node's latest, newest first). */
export interface RecentDelivery {
  readonly at: string;
  readonly endpointId: string;
  readonly seq: number;
  readonly type: string;
  readonly messageId: string;
  readonly attempt: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
  readonly ms: number;
  readonly redelivery?: boolean;
}

export interface RedeliveryResult {
  readonly id: string;
  readonly delivered: boolean;
  readonly status?: number;
  readonly error?: string;
}

interface Endpoint {
  readonly id: string;
  readonly url: string;
  state: WebhookEndpointState;
  /** In a bout of failures: logged once when it starts and once when it ends. */
  failing: boolean;
  /** The cursor moved since it was last stored. */
  unsaved: boolean;
}

const LEASE = 'webhooks';
const BATCH = 100;
const RECENT_KEPT = 100;

/** A stable short id for an endpoint's URL (its key in the store). */
export const endpointId = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 12);

/** The URL without its query (which may hold a receiver's token), for logs and the event log. */
const shown = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

const isAbort = (err: unknown) => err instanceof Error && err.name === 'AbortError';

export class WebhookDeliverer {
  readonly #o: WebhookOptions;
  readonly #log: Logger;
  readonly #sender: WebhookSender;
  readonly #logId: string;
  readonly #endpoints: Endpoint[];
  readonly #abort = new AbortController();
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #recent: RecentDelivery[] = [];
  readonly #loops: Promise<void>[] = [];
  #leaseTimer: NodeJS.Timeout | undefined;
  #leader = false;
  #closed = false;
  /** Since start, for /metrics. */
  readonly counts = { delivered: 0, failed: 0, deadLettered: 0, redelivered: 0, lost: 0 };

  private constructor(o: WebhookOptions, logId: string, endpoints: Endpoint[]) {
    this.#o = o;
    this.#log = o.logger.child({ component: 'webhooks' });
    this.#sender = new WebhookSender(o.secret, o.timeoutMs);
    this.#logId = logId;
    this.#endpoints = endpoints;
    this.#pollMs = o.pollMs ?? 300;
    this.#leaseMs = o.leaseMs ?? 5000;
  }

  /**
   * Before anything of this run is logged: an endpoint seen for the first time starts at the
   * end of the log (it gets what happens from now on, not yesterday's events); a known one
   * resumes where it was.
   */
  static async create(o: WebhookOptions): Promise<WebhookDeliverer> {
    // Tells this log's seqs from another's (a memory store starts again at 1 on every start).
    const logId = await o.store.setSecretIfAbsent('webhook-log-id', randomBytes(6).toString('hex'));
    const last = (await o.store.listEvents({ limit: 1 }))[0]?.seq ?? 0;
    const at = new Date().toISOString();
    const endpoints = await Promise.all(
      o.urls.map(async (url): Promise<Endpoint> => {
        const id = endpointId(url);
        const state = await o.store.initWebhookEndpoint({ id, url, cursor: last, updatedAt: at });
        return { id, url, state, failing: state.head !== undefined, unsaved: false };
      }),
    );
    return new WebhookDeliverer(o, logId, endpoints);
  }

  start(): void {
    if (this.#closed || this.#leaseTimer) return;
    void this.#renewLease();
    this.#leaseTimer = setInterval(() => void this.#renewLease(), Math.max(100, this.#leaseMs / 3));
    for (const ep of this.#endpoints) this.#loops.push(this.#follow(ep));
    this.#log.info({ endpoints: this.#endpoints.map((e) => shown(e.url)) }, 'webhooks follow the event log');
  }

  get leader(): boolean {
    return this.#leader;
  }

  async #renewLease(): Promise<void> {
    let held = false;
    try {
      held = await this.#o.store.acquireLease(LEASE, this.#o.instanceId, this.#leaseMs);
    } catch (err) {
      this.#log.debug({ err: (err as Error).message }, 'could not renew the webhook lease');
    }
    if (this.#closed) return;
    if (held !== this.#leader)
      this.#log.info({ leader: held }, held ? 'delivering webhooks' : 'another node delivers webhooks');
    this.#leader = held;
  }

  async #pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#abort.signal });
    } catch (err) {
      if (!isAbort(err)) throw err;
    }
  }

  #messageId(seq: number): string {
    return `msg_${this.#logId}_${seq}`;
  }

  #record(event: NewEvent): void {
    this.#o.outbox
      .event(event)
      .catch((err: Error) => this.#log.error({ err: err.message, type: event.type }, 'could not record'));
  }

  async #save(ep: Endpoint): Promise<void> {
    try {
      await this.#o.store.putWebhookEndpoint({ ...ep.state, updatedAt: new Date().toISOString() });
      ep.unsaved = false;
    } catch (err) {
      // The cursor held here is the one in force; it is stored with the next change.
      ep.unsaved = true;
      this.#log.warn({ err: (err as Error).message, endpoint: ep.id }, 'could not store where the webhooks are');
    }
  }

  /** One endpoint, for as long as the service runs: read the log after its cursor, send, move on. */
  async #follow(ep: Endpoint): Promise<void> {
    while (!this.#closed) {
      if (!this.#leader) {
        await this.#pause(this.#pollMs);
        continue;
      }
      let batch: EventRecord[];
      try {
        batch = await this.#o.store.readEvents(ep.state.cursor, BATCH);
      } catch (err) {
        this.#log.debug({ err: (err as Error).message, endpoint: ep.id }, 'could not read the event log');
        await this.#pause(this.#pollMs * 3);
        continue;
      }
      if (batch.length === 0) {
        if (ep.unsaved) await this.#save(ep);
        await this.#pause(this.#pollMs);
        continue;
      }
      const first = batch[0]?.seq ?? 0;
      if (first > ep.state.cursor + 1) {
        // The log is bounded: events older than its limit went before this endpoint got them.
        const lost = first - ep.state.cursor - 1;
        this.counts.lost += lost;
        this.#log.error({ endpoint: ep.id, lost, from: ep.state.cursor + 1 }, 'events left the log before delivery');
        this.#record({
          type: 'webhook.events-lost',
          data: { endpoint: ep.id, url: shown(ep.url), fromSeq: ep.state.cursor + 1, toSeq: first - 1 },
        });
      }
      for (const event of batch) {
        if (this.#closed || !this.#leader) break;
        const message = toWebhook(event, this.#o.roster);
        if (message) {
          // Stopped before the event was done (closing, or another node took over): it stays at the head.
          if (!(await this.#deliverHead(ep, event.seq, message))) break;
          ep.state = { ...ep.state, cursor: event.seq, head: undefined };
          await this.#save(ep);
        } else {
          ep.state = { ...ep.state, cursor: event.seq };
          ep.unsaved = true;
        }
      }
    }
    if (ep.unsaved) await this.#save(ep);
  }

  /** Send the head until it is delivered or dead-lettered (true), or this node stops (false). */
  async #deliverHead(ep: Endpoint, seq: number, message: WebhookMessage): Promise<boolean> {
    const o = this.#o;
    const body = JSON.stringify(message);
    const messageId = this.#messageId(seq);
    const resumed = ep.state.head?.seq === seq ? ep.state.head : undefined;
    let attempts = resumed?.attempts ?? 0;
    const firstTriedAt = resumed?.firstTriedAt ?? new Date().toISOString();
    if (resumed) {
      // Retrying before a restart: wait what is left of its delay.
      await this.#pause(Math.min(o.retryMaxMs, Math.max(0, Date.parse(resumed.nextAttemptAt) - Date.now())));
    }
    for (;;) {
      if (this.#closed || !this.#leader) return false;
      const outcome = await this.#sender.send(ep.url, messageId, body, this.#abort.signal);
      if (this.#closed && !outcome.ok) return false; // cut short by the shutdown: not an attempt
      attempts++;
      this.#note({
        at: new Date().toISOString(),
        endpointId: ep.id,
        seq,
        type: message.type,
        messageId,
        attempt: attempts,
        ok: outcome.ok,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(outcome.ok ? {} : { error: outcome.error }),
        ms: outcome.ms,
      });
      if (outcome.ok) {
        this.counts.delivered++;
        if (ep.failing) {
          ep.failing = false;
          this.#log.info({ endpoint: ep.id, seq }, 'webhook endpoint answers again');
          this.#record({ type: 'webhook.recovered', data: { endpoint: ep.id, url: shown(ep.url), seq } });
        }
        return true;
      }
      this.counts.failed++;
      if (!ep.failing) {
        ep.failing = true;
        this.#log.warn({ endpoint: ep.id, seq, type: message.type, err: outcome.error }, 'webhook delivery failing');
        this.#record({
          type: 'webhook.failing',
          data: { endpoint: ep.id, url: shown(ep.url), seq, event: message.type, error: outcome.error },
        });
      }
      const now = new Date().toISOString();
      if (attempts >= o.maxAttempts) {
        const letter: WebhookDeadLetter = {
          id: `${ep.id}-${seq}`,
          endpointId: ep.id,
          url: ep.url,
          seq,
          messageId,
          type: message.type,
          payload: body,
          attempts,
          firstTriedAt,
          lastTriedAt: now,
          lastError: outcome.error,
        };
        if (!(await this.#keepDeadLetter(letter))) return false;
        this.counts.deadLettered++;
        this.#log.warn({ endpoint: ep.id, seq, type: message.type, attempts }, 'webhook moved to the dead letters');
        this.#record({
          type: 'webhook.dead-lettered',
          data: { id: letter.id, endpoint: ep.id, url: shown(ep.url), seq, event: message.type, attempts },
        });
        return true;
      }
      const delay = Math.min(
        o.retryMaxMs,
        Math.max(retryDelay(attempts, o.retryBaseMs, o.retryMaxMs), outcome.retryAfterMs ?? 0),
      );
      ep.state = {
        ...ep.state,
        head: {
          seq,
          attempts,
          firstTriedAt,
          lastError: outcome.error,
          nextAttemptAt: new Date(Date.now() + delay).toISOString(),
        },
      };
      await this.#save(ep);
      await this.#pause(delay);
    }
  }

  /** A dead letter must be stored before the endpoint moves past it: retry while the store is down. */
  async #keepDeadLetter(letter: WebhookDeadLetter): Promise<boolean> {
    for (;;) {
      if (this.#closed) return false;
      try {
        await this.#o.store.putWebhookDeadLetter(letter);
        return true;
      } catch (err) {
        this.#log.warn({ err: (err as Error).message, id: letter.id }, 'could not store a dead letter; retrying');
        await this.#pause(1000);
      }
    }
  }

  #note(d: RecentDelivery): void {
    this.#recent.unshift(d);
    this.#recent.length = Math.min(this.#recent.length, RECENT_KEPT);
  }

  /** Where each endpoint stands, the dead letters, and this node's latest attempts. */
  async deliveries(limit = 50) {
    const [stored, deadLetters] = await Promise.all([
      this.#o.store.listWebhookEndpoints(),
      this.#o.store.listWebhookDeadLetters(),
    ]);
    const byId = new Map(stored.map((s) => [s.id, s]));
    return {
      leader: this.#leader,
      endpoints: this.#endpoints.map((ep) => {
        // The delivering node knows better than the store (it writes after each change).
        const state = this.#leader ? ep.state : (byId.get(ep.id) ?? ep.state);
        return { id: ep.id, url: ep.url, cursor: state.cursor, failing: state.head ?? null };
      }),
      deadLetters: deadLetters.map(({ payload, ...letter }) => ({
        ...letter,
        payload: JSON.parse(payload) as unknown,
      })),
      recent: this.#recent.slice(0, limit),
    };
  }

  /**
   * Send a dead letter again (the operator fixed the receiver): the same webhook-id and body,
   * signed now. Delivered, it leaves the dead letters; refused again, it stays with one more attempt.
   */
  async redeliver(id: string): Promise<RedeliveryResult> {
    const letter = await this.#o.store.getWebhookDeadLetter(id);
    if (!letter) throw new AppError('not_found', `no dead letter "${id}" (already redelivered?)`);
    const outcome = await this.#sender.send(letter.url, letter.messageId, letter.payload, this.#abort.signal);
    const attempt = letter.attempts + 1;
    this.#note({
      at: new Date().toISOString(),
      endpointId: letter.endpointId,
      seq: letter.seq,
      type: letter.type,
      messageId: letter.messageId,
      attempt,
      ok: outcome.ok,
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      ...(outcome.ok ? {} : { error: outcome.error }),
      ms: outcome.ms,
      redelivery: true,
    });
    if (!outcome.ok) {
      this.counts.failed++;
      await this.#o.store.putWebhookDeadLetter({
        ...letter,
        attempts: attempt,
        lastTriedAt: new Date().toISOString(),
        lastError: outcome.error,
      });
      return {
        id,
        delivered: false,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        error: outcome.error,
      };
    }
    this.counts.delivered++;
    if (await this.#o.store.removeWebhookDeadLetter(id)) {
      this.counts.redelivered++;
      this.#log.info({ id, seq: letter.seq, type: letter.type }, 'dead letter redelivered');
      this.#record({
        type: 'webhook.redelivered',
        data: { id, endpoint: letter.endpointId, url: shown(letter.url), seq: letter.seq, event: letter.type },
      });
    }
    return { id, delivered: true, status: outcome.status };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#leaseTimer);
    this.#abort.abort();
    await Promise.all(this.#loops);
    await this.#o.store.releaseLease(LEASE, this.#o.instanceId).catch((err: Error) => {
      this.#log.debug({ err: err.message }, 'could not release the webhook lease');
    });
  }
}
