// The mediasoup worker pool. One worker per core, each with one WebRtcServer on one UDP and
// one TCP port, so a provincial firewall needs only those ports opened. A worker that dies is
// replaced by a new one on the same ports (its routers are rebuilt by their owners on demand);
// while a slot stays empty past the recovery deadline the pool reports itself unrecoverable,
// so /healthz fails and a supervisor restarts the service.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import type { MediaProtocol } from '../contract/index.js';
import type { Logger } from '../kernel/logger.js';

export interface WorkerPoolOptions {
  readonly count: number;
  /** Worker i listens on port + i, for each protocol (0: any free port). */
  readonly port: number;
  readonly listenIp: string;
  readonly announcedAddress: string;
  readonly protocols: readonly MediaProtocol[];
  readonly logger: Logger;
  /** A slot empty for longer than this makes the pool unrecoverable. Default 30 s. */
  readonly recoveryDeadlineMs?: number;
}

export interface MediaWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  readonly port: number | undefined;
  readonly alive: boolean;
}

interface WorkerPoolEvents {
  workerDied: [index: number, err: Error];
  workerReplaced: [MediaWorker];
  closed: [];
}

class Slot implements MediaWorker {
  alive = true;
  constructor(
    readonly index: number,
    readonly worker: types.Worker,
    readonly webRtcServer: types.WebRtcServer,
    readonly port: number | undefined,
  ) {}
}

const RETRY_MS = [100, 250, 500, 1000, 2000, 5000];

async function startWorker(opts: WorkerPoolOptions, index: number): Promise<Slot> {
  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  const port = opts.port === 0 ? undefined : opts.port + index;
  try {
    const webRtcServer = await worker.createWebRtcServer({
      listenInfos: opts.protocols.map((protocol) => ({
        protocol,
        ip: opts.listenIp,
        announcedIp: opts.announcedAddress,
        port,
      })),
    });
    return new Slot(index, worker, webRtcServer, port);
  } catch (err) {
    worker.close();
    throw new Error(`MEDIA_PORT: cannot listen on ${opts.listenIp}:${port ?? 'any port'} (${(err as Error).message})`);
  }
}

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #opts: WorkerPoolOptions;
  readonly #slots: Slot[];
  readonly #log: Logger;
  /** When each empty slot lost its worker. */
  readonly #emptySince = new Map<number, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  deaths = 0;
  replacements = 0;
  #closed = false;

  private constructor(opts: WorkerPoolOptions, slots: Slot[], log: Logger) {
    super();
    this.#opts = opts;
    this.#slots = slots;
    this.#log = log;
    for (const slot of slots) this.#watch(slot);
  }

  static async create(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const log = opts.logger.child({ component: 'media' });
    const slots: Slot[] = [];
    try {
      for (let index = 0; index < opts.count; index++) {
        const slot = await startWorker(opts, index);
        slots.push(slot);
        log.info(
          { worker: index, pid: slot.worker.pid, port: slot.port, protocols: opts.protocols },
          'mediasoup worker started',
        );
      }
    } catch (err) {
      for (const s of slots) s.worker.close();
      throw err;
    }
    return new WorkerPool(opts, slots, log);
  }

  #watch(slot: Slot): void {
    slot.worker.on('died', (err) => {
      slot.alive = false;
      this.deaths++;
      this.#emptySince.set(slot.index, Date.now());
      // mediasoup closes the worker's routers and transports itself; their owners hear of it
      // through their own 'close' events and rebuild on the replacement.
      this.#log.error({ worker: slot.index, pid: slot.worker.pid, err: err.message }, 'mediasoup worker died');
      this.emit('workerDied', slot.index, err);
      this.#replace(slot.index, 0);
    });
  }

  #replace(index: number, attempt: number): void {
    if (this.#closed) return;
    const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] ?? 5000;
    // The first try waits a moment so the dead worker's ports are released.
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closed) return;
      startWorker(this.#opts, index).then(
        (slot) => {
          if (this.#closed) {
            slot.worker.close();
            return;
          }
          this.#slots[index] = slot;
          this.#emptySince.delete(index);
          this.replacements++;
          this.#watch(slot);
          this.#log.warn({ worker: index, pid: slot.worker.pid, port: slot.port }, 'mediasoup worker replaced');
          this.emit('workerReplaced', slot);
        },
        (err: Error) => {
          this.#log.error(
            { worker: index, attempt, err: err.message },
            'could not replace a mediasoup worker; retrying',
          );
          this.#replace(index, attempt + 1);
        },
      );
    }, delay);
    this.#timers.add(timer);
  }

  get workers(): readonly MediaWorker[] {
    return this.#slots;
  }

  /** Every worker alive. */
  get healthy(): boolean {
    return !this.#closed && this.#slots.length > 0 && this.#slots.every((w) => w.alive);
  }

  /** False once a worker could not be replaced within the recovery deadline. */
  get recoverable(): boolean {
    if (this.#closed) return false;
    const deadline = this.#opts.recoveryDeadlineMs ?? 30_000;
    const now = Date.now();
    return [...this.#emptySince.values()].every((since) => now - since < deadline);
  }

  get pids(): number[] {
    return this.#slots.map((w) => w.worker.pid);
  }

  /** Living workers. */
  alive(): MediaWorker[] {
    return this.#slots.filter((w) => w.alive);
  }

  async usage(): Promise<{ index: number; pid: number; cpuMs: number; rssKb: number }[]> {
    return Promise.all(
      this.alive().map(async (w) => {
        const u = await w.worker.getResourceUsage();
        return { index: w.index, pid: w.worker.pid, cpuMs: u.ru_utime + u.ru_stime, rssKb: u.ru_maxrss };
      }),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const w of this.#slots) {
      w.alive = false;
      w.worker.close();
    }
    this.emit('closed');
    this.removeAllListeners();
  }
}
