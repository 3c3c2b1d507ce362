// The mediasoup worker pool. One worker per core, each with one WebRtcServer on one UDP and
// one TCP port, so a provincial firewall needs only those ports opened.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import type { Logger } from '../server/logger.js';

export interface WorkerPoolOptions {
  readonly count: number;
  /** Worker i listens on port + i, for each protocol. */
  readonly port: number;
  readonly listenIp: string;
  readonly announcedAddress: string;
  readonly protocols: readonly ('udp' | 'tcp')[];
  readonly logger: Logger;
}

export interface MediaWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  readonly port: number | undefined;
  alive: boolean;
}

interface WorkerPoolEvents {
  workerDied: [MediaWorker, Error];
  closed: [];
}

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #workers: MediaWorker[];
  readonly #log: Logger;
  #closed = false;

  private constructor(workers: MediaWorker[], log: Logger) {
    super();
    this.#workers = workers;
    this.#log = log;
    for (const w of workers) {
      w.worker.on('died', (err) => {
        w.alive = false;
        // mediasoup closes the worker's routers and transports itself; owners hear of it through
        // their own 'closed' events. Recovery (a replacement worker) is a later capability.
        this.#log.error({ worker: w.index, pid: w.worker.pid, err: err.message }, 'mediasoup worker died');
        this.emit('workerDied', w, err);
      });
    }
  }

  static async create(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const log = opts.logger.child({ component: 'media' });
    const workers: MediaWorker[] = [];
    try {
      for (let index = 0; index < opts.count; index++) {
        const worker = await mediasoup.createWorker({ logLevel: 'warn' });
        const port = opts.port === 0 ? undefined : opts.port + index;
        const webRtcServer = await worker
          .createWebRtcServer({
            listenInfos: opts.protocols.map((protocol) => ({
              protocol,
              ip: opts.listenIp,
              announcedIp: opts.announcedAddress,
              port,
            })),
          })
          .catch((err: Error) => {
            worker.close();
            throw new Error(`MEDIA_PORT: cannot listen on ${opts.listenIp}:${port ?? 'any port'} (${err.message})`);
          });
        workers.push({ index, worker, webRtcServer, port, alive: true });
        log.info(
          { worker: index, pid: worker.pid, port, protocols: opts.protocols, announced: opts.announcedAddress },
          'mediasoup worker started',
        );
      }
    } catch (err) {
      for (const w of workers) w.worker.close();
      throw err;
    }
    return new WorkerPool(workers, log);
  }

  get workers(): readonly MediaWorker[] {
    return this.#workers;
  }

  get healthy(): boolean {
    return !this.#closed && this.#workers.length > 0 && this.#workers.every((w) => w.alive);
  }

  get pids(): number[] {
    return this.#workers.map((w) => w.worker.pid);
  }

  /** Living workers, least loaded first by the caller's measure. */
  alive(): MediaWorker[] {
    return this.#workers.filter((w) => w.alive);
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
    for (const w of this.#workers) {
      w.alive = false;
      w.worker.close();
    }
    this.emit('closed');
    this.removeAllListeners();
  }
}
