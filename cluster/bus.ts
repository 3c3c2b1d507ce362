// The nodes' messages to one another, over the store's pub/sub (Redis): broadcasts on one
// channel that every node hears, and requests to one node with a reply (on the asker's own
// channel, matched by id, with a timeout). Everything that arrives is parsed before use: a
// message from another process is data, not trusted code.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../kernel/logger.js';
import type { Store } from '../store/store.js';

const endpoint = z.object({
  ip: z.string(),
  port: z.number().int(),
  srtpParameters: z
    .object({
      cryptoSuite: z.enum([
        'AEAD_AES_256_GCM',
        'AEAD_AES_128_GCM',
        'AES_CM_128_HMAC_SHA1_80',
        'AES_CM_128_HMAC_SHA1_32',
      ]),
      keyBase64: z.string(),
    })
    .optional(),
});

const statusView = z.object({
  siteId: z.string(),
  state: z.enum(['offline', 'connecting', 'online', 'degraded']),
  since: z.string(),
  updatedAt: z.string(),
  reason: z.string().optional(),
  transport: z.enum(['udp', 'tcp']).nullable().optional(),
  flags: z.record(z.string(), z.boolean()),
  metrics: z.record(z.string(), z.number().nullable()),
});

/** What every node hears. */
export const broadcastSchema = z.discriminatedUnion('type', [
  /** A node's producers changed: read its list from the store. */
  z.object({ type: z.literal('sources'), node: z.string() }),
  /** The floor, the hands or the operator's mutes changed. */
  z.object({
    type: z.literal('briefing'),
    floor: z.string().nullable(),
    hands: z.array(z.string()),
    muted: z.array(z.string()),
  }),
  /** A site connected, joined, left or went, on `node`. */
  z.object({
    type: z.literal('presence'),
    siteId: z.string(),
    node: z.string(),
    conn: z.string(),
    connected: z.boolean(),
    joined: z.boolean(),
  }),
  /** A site's status as its node derived it. */
  z.object({ type: z.literal('status'), node: z.string(), status: statusView }),
  /** A node is gone (died or stopped): forget its sites and links. */
  z.object({ type: z.literal('node-gone'), node: z.string() }),
]);
export type Broadcast = z.infer<typeof broadcastSchema>;

/** What one node asks another. */
export const requestSchema = z.discriminatedUnion('op', [
  /** Open the cascade link between us: here is my end; answer with yours. */
  z.object({ op: z.literal('link'), endpoint }),
  /** Send me this producer of yours over our link. */
  z.object({ op: z.literal('relay'), producerId: z.string() }),
  /** A producer you receive from me was paused or resumed here. */
  z.object({ op: z.literal('relay-paused'), producerId: z.string(), paused: z.boolean() }),
  /** Act on a site connected to you (the operator acted on another node). */
  z.object({
    op: z.literal('site'),
    siteId: z.string(),
    action: z.enum(['disconnect', 'ice-restart', 'mute', 'unmute']),
  }),
]);
export type Request = z.infer<typeof requestSchema>;

const envelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), id: z.string(), from: z.string(), body: z.unknown() }),
  z.object({
    kind: z.literal('reply'),
    id: z.string(),
    ok: z.boolean(),
    result: z.unknown().optional(),
    error: z.string().optional(),
  }),
]);

const BROADCAST = 'cluster';
const nodeChannel = (node: string) => `cluster:node:${node}`;

export type RequestHandler = (request: Request, from: string) => Promise<unknown>;

export class ClusterBus {
  readonly #store: Store;
  readonly #node: string;
  readonly #log: Logger;
  readonly #pending = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  readonly #unsubscribe: (() => Promise<void>)[] = [];
  #onBroadcast: (message: Broadcast) => void = () => undefined;
  #onRequest: RequestHandler = async () => {
    throw new Error('this node takes no requests yet');
  };

  constructor(opts: { store: Store; node: string; logger: Logger }) {
    this.#store = opts.store;
    this.#node = opts.node;
    this.#log = opts.logger.child({ component: 'cluster-bus' });
  }

  async start(onBroadcast: (message: Broadcast) => void, onRequest: RequestHandler): Promise<void> {
    this.#onBroadcast = onBroadcast;
    this.#onRequest = onRequest;
    this.#unsubscribe.push(
      await this.#store.subscribe(BROADCAST, (raw) => this.#broadcast(raw)),
      await this.#store.subscribe(nodeChannel(this.#node), (raw) => this.#direct(raw)),
    );
  }

  #parse<T>(schema: z.ZodType<T>, raw: string, what: string): T | undefined {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.#log.warn({ what }, 'ignored a cluster message that is not JSON');
      return undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      this.#log.warn({ what, issue: parsed.error.issues[0]?.message }, 'ignored a malformed cluster message');
      return undefined;
    }
    return parsed.data;
  }

  #broadcast(raw: string): void {
    const message = this.#parse(broadcastSchema, raw, 'broadcast');
    if (message) this.#onBroadcast(message);
  }

  #direct(raw: string): void {
    const envelope = this.#parse(envelopeSchema, raw, 'direct');
    if (!envelope) return;
    if (envelope.kind === 'reply') {
      const pending = this.#pending.get(envelope.id);
      if (!pending) return; // timed out already
      this.#pending.delete(envelope.id);
      clearTimeout(pending.timer);
      if (envelope.ok) pending.resolve(envelope.result);
      else pending.reject(new Error(envelope.error ?? 'the other node refused'));
      return;
    }
    const request = requestSchema.safeParse(envelope.body);
    const reply = (body: Record<string, unknown>) =>
      this.#store
        .publish(nodeChannel(envelope.from), JSON.stringify({ kind: 'reply', id: envelope.id, ...body }))
        .catch((err: Error) => this.#log.warn({ err: err.message }, 'could not reply to another node'));
    if (!request.success) {
      void reply({ ok: false, error: 'malformed request' });
      return;
    }
    this.#onRequest(request.data, envelope.from).then(
      (result) => reply({ ok: true, result }),
      (err: unknown) => reply({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  }

  /** Tell every node (this one too). */
  async broadcast(message: Broadcast): Promise<void> {
    await this.#store.publish(BROADCAST, JSON.stringify(message));
  }

  /** Ask one node; resolves with its answer. */
  request(node: string, body: Request, timeoutMs = 5000): Promise<unknown> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`node ${node} did not answer ${body.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#store
        .publish(nodeChannel(node), JSON.stringify({ kind: 'request', id, from: this.#node, body }))
        .catch((err: Error) => {
          clearTimeout(timer);
          this.#pending.delete(id);
          reject(err);
        });
    });
  }

  async close(): Promise<void> {
    for (const { reject, timer } of this.#pending.values()) {
      clearTimeout(timer);
      reject(new Error('this node is stopping'));
    }
    this.#pending.clear();
    await Promise.all(this.#unsubscribe.splice(0).map((off) => off()));
  }
}
