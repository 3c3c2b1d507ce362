// The media cascade between nodes: one mediasoup PipeTransport per peer node, connected over
// the network (each side tells the other its address, port and SRTP keys; the cluster layer
// carries those through Redis), and over it the producers one node relays to another. A
// relayed producer keeps its id on the receiving node, so the conference there consumes it like
// a local one; RTCP (key frame requests, receiver reports) flows back over the same pipe.
// `pipeToRouter` only works inside one process; this is its form across processes and hosts.
import type { types } from 'mediasoup';
import type { MediaKind } from '../contract/index.js';
import type { Logger } from '../kernel/logger.js';
import type { ConferenceRouter } from './routers.js';

/** One side of a link: where its pipe transport listens, and its SRTP keys. */
export interface LinkEndpoint {
  readonly ip: string;
  readonly port: number;
  readonly srtpParameters?: types.SrtpParameters;
}

/** What the receiving node needs to produce a relayed stream. */
export interface RelayOffer {
  readonly producerId: string;
  readonly kind: MediaKind;
  readonly rtpParameters: types.RtpParameters;
  readonly paused: boolean;
}

interface Link {
  readonly transport: types.PipeTransport;
  connected: boolean;
  /** Producers this node sends over the link (its pipe consumers), by producer id. */
  readonly out: Map<string, types.Consumer>;
  /** Producers relayed in over the link (this node's copies), by producer id. */
  readonly in: Map<string, types.Producer>;
}

export interface CascadeOptions {
  /** The router the links live on (relayed producers arrive there). */
  readonly router: () => Promise<ConferenceRouter>;
  /** The router a local producer lives on. */
  readonly routerOf: (producerId: string) => ConferenceRouter | undefined;
  readonly listenIp: string;
  readonly announcedAddress: string;
  readonly logger: Logger;
  /** A producer relayed to `peer` was paused or resumed at its source: the peer's copy follows. */
  readonly relayPaused: (peer: string, producerId: string, paused: boolean) => void;
}

export class Cascade {
  readonly #o: CascadeOptions;
  readonly #links = new Map<string, Link>();
  readonly #opening = new Map<string, Promise<Link>>();
  #closed = false;

  constructor(o: CascadeOptions) {
    this.#o = o;
  }

  /** Peer nodes with a link, for status output. */
  links(): { peer: string; connected: boolean; out: number; in: number }[] {
    return [...this.#links].map(([peer, l]) => ({ peer, connected: l.connected, out: l.out.size, in: l.in.size }));
  }

  /** The router holding a relayed-in producer, if it is here. */
  async routerOfRelayed(producerId: string): Promise<ConferenceRouter | undefined> {
    for (const link of this.#links.values()) if (link.in.has(producerId)) return this.#o.router();
    return undefined;
  }

  hasRelayed(producerId: string): boolean {
    for (const link of this.#links.values()) if (link.in.get(producerId)?.closed === false) return true;
    return false;
  }

  #link(peer: string): Promise<Link> {
    const existing = this.#links.get(peer);
    if (existing && !existing.transport.closed) return Promise.resolve(existing);
    let opening = this.#opening.get(peer);
    if (!opening) {
      opening = (async () => {
        const router = await this.#o.router();
        const transport = await router.router.createPipeTransport({
          listenIp: { ip: this.#o.listenIp, announcedIp: this.#o.announcedAddress },
          enableSrtp: true,
          // Across hosts a packet can be lost: let the receiving side ask for it again.
          enableRtx: true,
          appData: { peer },
        });
        const link: Link = { transport, connected: false, out: new Map(), in: new Map() };
        transport.observer.once('close', () => {
          if (this.#links.get(peer) === link) this.#links.delete(peer);
        });
        this.#links.set(peer, link);
        return link;
      })().finally(() => this.#opening.delete(peer));
      this.#opening.set(peer, opening);
    }
    return opening;
  }

  /** This side of the link with `peer` (created if needed): to send to the peer. */
  async endpoint(peer: string): Promise<LinkEndpoint> {
    if (this.#closed) throw new Error('the cascade is closed');
    const { transport } = await this.#link(peer);
    const { tuple } = transport;
    return {
      ip: tuple.localIp === '0.0.0.0' ? this.#o.announcedAddress : tuple.localIp,
      port: tuple.localPort,
      ...(transport.srtpParameters ? { srtpParameters: transport.srtpParameters } : {}),
    };
  }

  /** Connect our side of the link to the peer's endpoint (once). */
  async connect(peer: string, remote: LinkEndpoint): Promise<void> {
    const link = await this.#link(peer);
    if (link.connected) return;
    await link.transport.connect({
      ip: remote.ip,
      port: remote.port,
      ...(remote.srtpParameters ? { srtpParameters: remote.srtpParameters } : {}),
    });
    link.connected = true;
    this.#o.logger.info({ peer, remote: `${remote.ip}:${remote.port}` }, 'cascade link connected');
  }

  isConnected(peer: string): boolean {
    return this.#links.get(peer)?.connected === true;
  }

  /** Send a local producer to `peer` over the link; returns what the peer needs to produce it. */
  async relayOut(peer: string, producerId: string): Promise<RelayOffer> {
    const link = await this.#link(peer);
    if (!link.connected) throw new Error(`the link to ${peer} is not connected`);
    const existing = link.out.get(producerId);
    if (existing && !existing.closed) return offerOf(existing);
    const source = this.#o.routerOf(producerId);
    if (!source) throw new Error(`no local producer ${producerId}`);
    const router = await this.#o.router();
    await router.ensureProducer(producerId, source);
    const consumer = await link.transport.consume({ producerId });
    link.out.set(producerId, consumer);
    consumer.on('producerpause', () => this.#o.relayPaused(peer, producerId, true));
    consumer.on('producerresume', () => this.#o.relayPaused(peer, producerId, false));
    consumer.observer.once('close', () => {
      if (link.out.get(producerId) === consumer) link.out.delete(producerId);
    });
    return offerOf(consumer);
  }

  /** Produce here a stream the peer relays to us (same producer id as on the peer). */
  async relayIn(peer: string, offer: RelayOffer): Promise<void> {
    const link = await this.#link(peer);
    const existing = link.in.get(offer.producerId);
    if (existing && !existing.closed) return;
    const producer = await link.transport.produce({
      id: offer.producerId,
      kind: offer.kind,
      rtpParameters: offer.rtpParameters,
      paused: offer.paused,
      // Many viewers joining together ask for one key frame, not one each.
      keyFrameRequestDelay: 100,
      appData: { relayedFrom: peer },
    });
    link.in.set(offer.producerId, producer);
    producer.observer.once('close', () => {
      if (link.in.get(offer.producerId) === producer) link.in.delete(offer.producerId);
    });
  }

  /** The peer stopped sending a producer (it closed there): close our copy. */
  dropRelayed(producerId: string): void {
    for (const link of this.#links.values()) link.in.get(producerId)?.close();
  }

  /** Pause or resume our copy as the original is paused or resumed on its node. */
  async setRelayedPaused(producerId: string, paused: boolean): Promise<void> {
    for (const link of this.#links.values()) {
      const p = link.in.get(producerId);
      if (!p || p.closed) continue;
      if (paused) await p.pause();
      else await p.resume();
    }
  }

  /** The peer is gone: its relayed producers close (and with them their consumers here). */
  closeLink(peer: string): void {
    const link = this.#links.get(peer);
    if (!link) return;
    this.#links.delete(peer);
    link.transport.close();
    this.#o.logger.warn({ peer }, 'cascade link closed');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#links.keys()]) this.closeLink(peer);
  }
}

function offerOf(consumer: types.Consumer): RelayOffer {
  return {
    producerId: consumer.producerId,
    kind: consumer.kind,
    rtpParameters: consumer.rtpParameters,
    paused: consumer.producerPaused,
  };
}
