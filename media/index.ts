// The media plane: the only door into mediasoup for the rest of the service. It speaks the
// project's terms (conference, site, feed) and hands out plain data, never mediasoup objects.
import { EventEmitter } from 'node:events';
import type { Config } from '../config/schema.js';
import type { Logger } from '../kernel/logger.js';
import { Conference } from './conference.js';
import { WorkerPool } from './workers.js';

export type { LinkEndpoint, RelayOffer } from './cascade.js';
export type { Conference, RemoteSource, SiteMediaSnapshot, SourceInfo, Speaking } from './conference.js';
export type { NetworkProbes } from './probes.js';
export type { RecorderPorts, RecorderStream, RecordingFeed, RecordingTap } from './recorder.js';
export type { ConsumerSink, SiteMedia, TransportState } from './site-media.js';
export type { SiteMediaStats } from './stats.js';

interface MediaPlaneEvents {
  workerDied: [index: number];
  workerReplaced: [index: number];
}

export class MediaPlane extends EventEmitter<MediaPlaneEvents> {
  private constructor(
    readonly pool: WorkerPool,
    readonly conference: Conference,
  ) {
    super();
    pool.on('workerDied', (index) => this.emit('workerDied', index));
    pool.on('workerReplaced', (w) => this.emit('workerReplaced', w.index));
  }

  static async create(config: Readonly<Config>, logger: Logger): Promise<MediaPlane> {
    const pool = await WorkerPool.create({
      count: config.MEDIA_WORKERS,
      port: config.MEDIA_PORT,
      listenIp: config.MEDIA_LISTEN_IP,
      announcedAddress: config.MEDIA_ANNOUNCED_ADDRESS,
      protocols: config.MEDIA_PROTOCOLS,
      logger,
    });
    try {
      const conference = await Conference.create({
        pool,
        listenIp: config.MEDIA_LISTEN_IP,
        announcedAddress: config.CLUSTER_MEDIA_ADDRESS ?? config.MEDIA_ANNOUNCED_ADDRESS,
        routerConsumerBudget: config.MEDIA_ROUTER_CONSUMER_BUDGET,
        hubHears: config.HUB_HEARS,
        protocols: config.MEDIA_PROTOCOLS,
        statsIntervalMs: config.STATS_INTERVAL_MS,
        logger,
      });
      return new MediaPlane(pool, conference);
    } catch (err) {
      pool.close();
      throw err;
    }
  }

  /** Every worker alive. */
  get healthy(): boolean {
    return this.pool.healthy;
  }

  /** False once a dead worker could not be replaced in time: the process should be restarted. */
  get recoverable(): boolean {
    return this.pool.recoverable;
  }

  get pids(): number[] {
    return this.pool.pids;
  }

  get workerDeaths(): number {
    return this.pool.deaths;
  }

  get workerReplacements(): number {
    return this.pool.replacements;
  }

  usage() {
    return this.pool.usage();
  }

  /** Where the conference runs, for the operator's API. */
  describe() {
    return {
      workers: this.pool.workers.map((w) => ({
        index: w.index,
        pid: w.worker.pid,
        alive: w.alive,
        port: w.port ?? null,
      })),
      ...this.conference.serialize(),
    };
  }

  close(): void {
    this.conference.close();
    this.pool.close();
    this.removeAllListeners();
  }
}
