// The conference's routers. It starts on one router; when a router's consumers reach the
// budget, new sites are placed on a router on another worker, and producers are piped
// between routers on demand, so the design holds well beyond 64 sites.
import type { types } from 'mediasoup';
import type { Logger } from '../kernel/logger.js';
import type { MediaWorker, WorkerPool } from './workers.js';

export const mediaCodecs: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 300 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];

/** Consumers a newly placed site is expected to add (a bridge: hub and floor, audio and video). */
const RESERVATION_PER_SITE = 4;

export class ConferenceRouter {
  #consumers = 0;
  /** Sites placed here that have not created their consumers yet. */
  #pendingSites = 0;
  readonly #piped = new Map<string, Promise<void>>();

  constructor(
    readonly index: number,
    readonly media: MediaWorker,
    readonly router: types.Router,
    readonly levels: types.AudioLevelObserver,
  ) {}

  get id(): string {
    return this.router.id;
  }

  get consumers(): number {
    return this.#consumers;
  }

  get load(): number {
    return this.#consumers + this.#pendingSites * RESERVATION_PER_SITE;
  }

  consumerOpened(): void {
    this.#consumers++;
  }

  consumerClosed(): void {
    this.#consumers--;
  }

  /** A site placed here: count its expected consumers until settle() (its first reconcile). */
  reserve(): () => void {
    this.#pendingSites++;
    let pending = true;
    return () => {
      if (pending) this.#pendingSites--;
      pending = false;
    };
  }

  /** Make a producer that lives on `from` consumable here. Idempotent and concurrent-safe. */
  ensureProducer(producerId: string, from: ConferenceRouter): Promise<void> {
    if (from === this) return Promise.resolve();
    let p = this.#piped.get(producerId);
    if (!p) {
      p = from.router.pipeToRouter({ producerId, router: this.router }).then((r) => {
        // The piped producer closes when the original does; forget it then, so a later producer
        // with a new id is piped afresh and this map does not grow.
        r.pipeProducer?.observer.once('close', () => this.#piped.delete(producerId));
      });
      p.catch(() => this.#piped.delete(producerId));
      this.#piped.set(producerId, p);
    }
    return p;
  }
}

export class RouterSet {
  readonly #routers: ConferenceRouter[] = [];
  readonly #pool: WorkerPool;
  readonly #budget: number;
  readonly #log: Logger;
  readonly #onVolumes: (router: ConferenceRouter, volumes: { producerId: string; volume: number }[]) => void;
  #creating: Promise<ConferenceRouter> | undefined;

  constructor(opts: {
    pool: WorkerPool;
    budget: number;
    logger: Logger;
    onVolumes: (router: ConferenceRouter, volumes: { producerId: string; volume: number }[]) => void;
  }) {
    this.#pool = opts.pool;
    this.#budget = opts.budget;
    this.#log = opts.logger;
    this.#onVolumes = opts.onVolumes;
  }

  get routers(): readonly ConferenceRouter[] {
    return this.#routers;
  }

  /** The first router; its capabilities are every router's (same codecs). */
  async first(): Promise<ConferenceRouter> {
    return this.#routers[0] ?? this.#createOne();
  }

  /**
   * Where to place a new site: the least loaded router under budget, else a new one on a
   * worker that has none. mediasoup 3.12 cannot pipe between two routers of one worker (the
   * piped producer keeps its id, which that worker already holds), so a worker holds at most
   * one router of the conference; with none spare, the least loaded router takes the site.
   */
  async place(): Promise<ConferenceRouter> {
    // Serialise creation so a join storm does not create one router per joining site.
    if (this.#creating) await this.#creating.catch(() => undefined);
    const live = this.#routers.filter((r) => !r.router.closed);
    const least = (rs: ConferenceRouter[]) => rs.reduce((a, b) => (b.load < a.load ? b : a));
    const open = live.filter((r) => r.load < this.#budget);
    if (open.length > 0) return least(open);
    if (this.#spareWorker()) return this.#createOne();
    if (live.length > 0) return least(live);
    throw new Error('no living mediasoup worker');
  }

  /** A living worker without a router of the conference. */
  #spareWorker(): MediaWorker | undefined {
    return this.#pool.alive().find((w) => !this.#routers.some((r) => !r.router.closed && r.media.index === w.index));
  }

  /** One creation at a time; callers meanwhile share it. */
  #createOne(): Promise<ConferenceRouter> {
    this.#creating ??= this.#create().finally(() => {
      this.#creating = undefined;
    });
    return this.#creating;
  }

  async #create(): Promise<ConferenceRouter> {
    // The second router goes to the second worker, and so on.
    const media = this.#spareWorker();
    if (!media) throw new Error('no living mediasoup worker without a router of the conference');
    const router = await media.worker.createRouter({ mediaCodecs });
    const levels = await router.createAudioLevelObserver({ maxEntries: 5, threshold: -70, interval: 800 });
    const cr = new ConferenceRouter(this.#routers.length, media, router, levels);
    levels.on('volumes', (v) =>
      this.#onVolumes(
        cr,
        v.map((e) => ({ producerId: e.producer.id, volume: e.volume })),
      ),
    );
    levels.on('silence', () => this.#onVolumes(cr, []));
    router.observer.once('close', () => {
      const i = this.#routers.indexOf(cr);
      if (i >= 0) this.#routers.splice(i, 1);
      this.#log.warn({ router: cr.index, worker: media.index }, 'router closed');
    });
    this.#routers.push(cr);
    this.#log.info(
      { router: cr.index, worker: media.index, pid: media.worker.pid, routers: this.#routers.length },
      'conference router created',
    );
    return cr;
  }

  close(): void {
    for (const r of [...this.#routers]) r.router.close();
    this.#routers.length = 0;
  }
}
