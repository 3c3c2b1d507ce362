// The pre-join network check's media: throw-away send transports, each offering one protocol,
// whose producers reach nobody. One set per connection, usable before the site joins. At most
// two transports (one per protocol) and two producers on each; a creation in flight counts,
// so parallel requests cannot get past the cap.
import type { types } from 'mediasoup';
import type { DtlsParameters, MediaKind, MediaProtocol, RtpParameters, TransportOptions } from '../contract/index.js';
import { AppError } from '../kernel/errors.js';
import type { ConferenceRouter } from './routers.js';
import { transportOptions } from './wire.js';

const MAX_PROBES = 2;
const MAX_PRODUCERS_PER_PROBE = 2;

interface Probe {
  readonly transport: types.WebRtcTransport;
  producers: number;
}

export class NetworkProbes {
  readonly #routerFor: () => Promise<ConferenceRouter>;
  readonly #protocols: readonly MediaProtocol[];
  readonly #siteId: string;
  readonly #probes = new Map<string, Probe>();
  #pending = 0;
  #closed = false;

  constructor(opts: {
    routerFor: () => Promise<ConferenceRouter>;
    protocols: readonly MediaProtocol[];
    siteId: string;
  }) {
    this.#routerFor = opts.routerFor;
    this.#protocols = opts.protocols;
    this.#siteId = opts.siteId;
  }

  has(transportId: string): boolean {
    return this.#probes.has(transportId);
  }

  async create(protocol: MediaProtocol): Promise<TransportOptions> {
    if (this.#closed) throw new AppError('conflict', 'this connection is closing');
    if (!this.#protocols.includes(protocol)) {
      throw new AppError('conflict', `this server does not offer media over ${protocol.toUpperCase()}`);
    }
    if (this.#probes.size + this.#pending >= MAX_PROBES) {
      throw new AppError('conflict', 'close the previous network check first');
    }
    this.#pending++;
    let transport: types.WebRtcTransport;
    try {
      const router = await this.#routerFor();
      transport = await router.router.createWebRtcTransport({
        webRtcServer: router.media.webRtcServer,
        enableUdp: protocol === 'udp',
        enableTcp: protocol === 'tcp',
        appData: { siteId: this.#siteId, probe: protocol },
      });
    } finally {
      this.#pending--;
    }
    if (this.#closed) {
      transport.close();
      throw new AppError('conflict', 'this connection is closing');
    }
    this.#probes.set(transport.id, { transport, producers: 0 });
    transport.observer.once('close', () => this.#probes.delete(transport.id));
    return transportOptions(transport);
  }

  #get(transportId: string): Probe {
    const probe = this.#probes.get(transportId);
    if (!probe) throw new AppError('out_of_order', `no network check transport ${transportId}`);
    return probe;
  }

  async connect(transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    try {
      await this.#get(transportId).transport.connect({ dtlsParameters });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('bad_request', `cannot connect transport: ${(err as Error).message}`);
    }
  }

  /** A producer on a probe: measured, never forwarded; it dies with its transport. */
  async produce(transportId: string, kind: MediaKind, rtpParameters: RtpParameters): Promise<string> {
    const probe = this.#get(transportId);
    if (probe.producers >= MAX_PRODUCERS_PER_PROBE) {
      throw new AppError('conflict', 'a network check sends at most audio and video');
    }
    probe.producers++;
    try {
      const producer = await probe.transport.produce({ kind, rtpParameters, appData: { probe: true } });
      return producer.id;
    } catch (err) {
      probe.producers--;
      throw new AppError('bad_request', `cannot produce on the network check: ${(err as Error).message}`);
    }
  }

  close(transportId: string): void {
    this.#get(transportId).transport.close();
  }

  closeAll(): void {
    this.#closed = true;
    for (const { transport } of this.#probes.values()) transport.close();
    this.#probes.clear();
  }
}
