// Writes that must not be lost when the store is briefly unreachable (a Redis restart, a
// network blip): the event log, site statuses, rehearsal results. A write is tried at once;
// while the store is unavailable it waits here, in order behind any earlier one, and is
// retried until it is applied. Each write's promise settles when it is really stored, so a
// caller that must not report something before it is stored can wait for it.
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { NewEvent } from './records.js';
import type { Store } from './store.js';

interface Pending {
  readonly label: string;
  readonly apply: (store: Store) => Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export interface OutboxOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** How long between retries while the store is down. Default 500 ms. */
  readonly retryMs?: number;
  /** At most this many writes wait; past it the oldest are dropped (and logged). */
  readonly maxPending?: number;
}

const unavailable = (err: unknown) => err instanceof AppError && err.code === 'store_unavailable';

export class Outbox {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #retryMs: number;
  readonly #max: number;
  readonly #queue: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing = false;
  /** Set while the store is unreachable and writes wait. */
  #holding = false;
  #closed = false;
  /** Writes that waited for the store and were applied later, since start. */
  deferred = 0;
  /** Writes dropped because the queue was full, or refused by the store for good. */
  dropped = 0;

  constructor(opts: OutboxOptions) {
    this.#store = opts.store;
    this.#log = opts.logger.child({ component: 'outbox' });
    this.#retryMs = opts.retryMs ?? 500;
    this.#max = opts.maxPending ?? 100_000;
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Apply a write now, or as soon as the store is back; in order with every earlier write. */
  write(label: string, apply: (store: Store) => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new AppError('store_unavailable', `shutting down; ${label} not stored`));
    const done = new Promise<void>((resolve, reject) => {
      this.#queue.push({ label, apply, resolve, reject });
    });
    if (this.#queue.length > this.#max) {
      const lost = this.#queue.shift();
      this.dropped++;
      this.#log.error({ write: lost?.label, max: this.#max }, 'outbox full; dropped the oldest write');
      lost?.reject(new AppError('store_unavailable', `the store has been unavailable too long; ${lost.label} lost`));
    }
    void this.#flush();
    return done;
  }

  /** An event for the log, stamped now (not when the store comes back). */
  event(event: NewEvent): Promise<void> {
    const stamped = { ...event, at: event.at ?? new Date().toISOString() };
    return this.write(`event ${event.type}`, async (s) => {
      await s.appendEvent(stamped);
    });
  }

  async #flush(): Promise<void> {
    if (this.#flushing || this.#timer) return;
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const head = this.#queue[0] as Pending;
        try {
          await head.apply(this.#store);
        } catch (err) {
          if (unavailable(err) && !this.#closed) {
            if (!this.#holding) {
              this.#holding = true;
              this.#log.warn({ write: head.label, pending: this.#queue.length }, 'store unavailable; holding writes');
            }
            this.#timer = setTimeout(() => {
              this.#timer = undefined;
              void this.#flush();
            }, this.#retryMs);
            return;
          }
          // Refused for good (a bug or bad data): retrying cannot help.
          this.#queue.shift();
          this.dropped++;
          this.#log.error({ err, write: head.label }, 'the store refused a write');
          head.reject(err instanceof Error ? err : new Error(String(err)));
          continue;
        }
        this.#queue.shift();
        if (this.#holding) this.deferred++;
        head.resolve();
      }
      if (this.#holding) {
        this.#holding = false;
        this.#log.info({ deferred: this.deferred }, 'store reachable again; held writes applied');
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Wait until every queued write is applied (or `ms` passes). */
  async drain(ms = 5000): Promise<boolean> {
    const end = Date.now() + ms;
    while (this.#queue.length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return this.#queue.length === 0;
  }

  /** Stop retrying; writes still waiting are reported lost. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queue.length) this.#log.error({ pending: this.#queue.length }, 'writes not stored at shutdown');
    for (const p of this.#queue.splice(0)) p.reject(new AppError('store_unavailable', `${p.label} not stored`));
  }
}
