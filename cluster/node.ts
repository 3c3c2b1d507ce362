// This node's part in a briefing spread over several nodes on one Redis. It keeps the others
// informed and follows what they say:
// - its heartbeat record (id, public URL, media address, load), and who else is alive;
// - its sites' producers, and which of the others' producers its own sites need: those are
//   relayed here over mediasoup pipe transports (the cascade), link and relay set up by asking
//   the other node through the bus;
// - the floor, hands and operator mutes (one for the briefing, in Redis), and which node each
//   site is connected to;
// - its sites' statuses, so every node's board shows every site;
// - when a node dies, every node forgets its sites and links at once, and one node (the
//   holder of the cluster lease) records its sites offline, which the boards then show.
import { hostname } from 'node:os';
import type { Briefing } from '../briefing/briefing.js';
import type { Logger } from '../kernel/logger.js';
import type { Conference, LinkEndpoint, RelayOffer, RemoteSource } from '../media/index.js';
import type { NodeRecord, Placement, SiteStatus } from '../store/records.js';
import type { Store } from '../store/store.js';
import { type Broadcast, ClusterBus, type Request } from './bus.js';

export interface ClusterNodeOptions {
  readonly id: string;
  readonly url: string;
  readonly mediaAddress: string;
  readonly store: Store;
  readonly conference: Conference;
  readonly briefing: Briefing;
  readonly logger: Logger;
  /** Heartbeat period; a node silent for 3 of them is dead. Default 300 ms. */
  readonly heartbeatMs?: number;
}

/** What this node does when the cluster asks (signaling and status implement these). */
export interface ClusterHooks {
  /** Site statuses this node derives (told to every node). */
  onStatus(listener: (status: SiteStatus) => void): void;
  /**
   * A dead node's site is offline now (only the cleaning node calls it): stored and pushed to
   * every board like any change.
   */
  markGone(siteId: string, reason: string): void;
  /** Act on a site connected here. */
  act(siteId: string, action: Extract<Request, { op: 'site' }>['action']): Promise<void>;
  /** A newer connection of this site arrived on another node: close ours. */
  takenOver(siteId: string): void;
  /** Sites connected here now (the heartbeat's load). */
  localSites(): number;
  /** The nodes changed (one came or went): the pages learn where to go. */
  nodesChanged(urls: string[]): void;
}

const LEASE = 'cluster-janitor';

export const defaultNodeId = (port: number | string) => `${hostname()}:${port}`;

export class ClusterNode {
  readonly id: string;
  readonly #o: ClusterNodeOptions;
  readonly #log: Logger;
  readonly #bus: ClusterBus;
  readonly #heartbeatMs: number;
  readonly #startedAt = new Date().toISOString();
  #hooks: ClusterHooks | undefined;
  /** Live nodes (from the store), by id. */
  #nodes = new Map<string, NodeRecord>();
  /** Where each site is connected, as the nodes said (site id → placement). */
  readonly #placements = new Map<string, Placement>();
  /** What other nodes said of their sites' status. */
  readonly #statuses = new Map<string, SiteStatus>();
  readonly #linking = new Map<string, Promise<void>>();
  /** Sites sent to each node (moved) since the time given, not yet in its heartbeat. */
  readonly #sentTo = new Map<string, { count: number; since: string }>();
  #timers: NodeJS.Timeout[] = [];
  #sourcesTimer: NodeJS.Timeout | undefined;
  #draining = false;
  #closed = false;

  constructor(o: ClusterNodeOptions) {
    this.#o = o;
    this.id = o.id;
    this.#log = o.logger.child({ component: 'cluster', node: o.id });
    this.#bus = new ClusterBus({ store: o.store, node: o.id, logger: o.logger });
    this.#heartbeatMs = o.heartbeatMs ?? 300;
  }

  /** Live nodes, least loaded first (for placement and for the pages' failover list). */
  nodes(): NodeRecord[] {
    return [...this.#nodes.values()].sort((a, b) => a.sites - b.sites || a.id.localeCompare(b.id));
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Where a new connection of a site should go: null here, else the URL of a better node. */
  placeFor(localSites: number): string | null {
    // A node's load is its last heartbeat's plus the sites sent to it since: in a join storm
    // (or after a node's death) many sites arrive within one heartbeat, and without counting
    // them every one would be sent to the same "least loaded" node.
    const load = (n: NodeRecord) => {
      const sent = this.#sentTo.get(n.id);
      return n.sites + (sent && sent.since >= n.heartbeatAt ? sent.count : 0);
    };
    const others = this.nodes()
      .filter((n) => n.id !== this.id && !n.draining)
      .sort((a, b) => load(a) - load(b) || a.id.localeCompare(b.id));
    const least = others[0];
    // Move only for a clear imbalance, so a reconnecting site is not sent back and forth.
    const move = least && (this.#draining || load(least) + 2 < localSites);
    if (!least || !move) return null;
    const sent = this.#sentTo.get(least.id);
    if (sent && sent.since >= least.heartbeatAt) sent.count++;
    else this.#sentTo.set(least.id, { count: 1, since: new Date().toISOString() });
    return least.url;
  }

  /** Whether a site is connected to another live node now. */
  isRemote(siteId: string): boolean {
    const p = this.#placements.get(siteId);
    return p !== undefined && p.node !== this.id && this.#nodes.has(p.node);
  }

  statusOf(siteId: string): SiteStatus | undefined {
    return this.#statuses.get(siteId);
  }

  async start(hooks: ClusterHooks): Promise<void> {
    this.#hooks = hooks;
    const { store, conference, briefing } = this.#o;
    await this.#bus.start(
      (m) => this.#onBroadcast(m),
      (r, from) => this.#onRequest(r, from),
    );
    await this.#heartbeat();
    await this.#refreshNodes();
    for (const [siteId, p] of await store.listPlacements())
      if (this.#nodes.has(p.node)) this.#placements.set(siteId, p);
    for (const [siteId, p] of this.#placements)
      if (p.joined && p.node !== this.id) briefing.applyRemotePresence(siteId, p.node);
    await briefing.applyShared(await store.getBriefingState());
    await this.#readSources();

    conference.setRelayer((source) => this.#relay(source));
    conference.on('sources', () => this.#sourcesChanged());
    conference.on('relayPaused', (peer, producerId, paused) => {
      this.#bus.request(peer, { op: 'relay-paused', producerId, paused }).catch((err: Error) => {
        this.#log.warn({ err: err.message, peer }, 'could not tell a node of a pause');
      });
    });
    briefing.useBackplane({
      floorChanged: (siteId) => void this.#shared(() => store.setFloor(siteId)),
      handChanged: (siteId, raised) => void this.#shared(() => store.setHand(siteId, raised)),
      mutedChanged: (siteId, muted) => {
        void this.#shared(() => store.setMuted(siteId, muted));
        const p = this.#placements.get(siteId);
        if (p && p.node !== this.id) this.#ask(p.node, { op: 'site', siteId, action: muted ? 'mute' : 'unmute' });
      },
      actOnRemote: (siteId, action) => {
        const p = this.#placements.get(siteId);
        if (!p || p.node === this.id || !this.#nodes.has(p.node)) return false;
        this.#ask(p.node, { op: 'site', siteId, action });
        return true;
      },
    });
    briefing.on('connection', (siteId, connected) => this.#presence(siteId, connected, false));
    briefing.on('presence', (siteId, joined) => this.#presence(siteId, true, joined));
    hooks.onStatus((status) => {
      void this.#bus.broadcast({ type: 'status', node: this.id, status }).catch((err: Error) => {
        this.#log.warn({ err: err.message }, 'could not tell the cluster of a status');
      });
    });
    this.#timers.push(
      setInterval(() => void this.#heartbeat(), this.#heartbeatMs),
      setInterval(() => void this.#refreshNodes(), this.#heartbeatMs / 2),
    );
    this.#log.info({ url: this.#o.url, nodes: [...this.#nodes.keys()] }, 'joined the cluster');
  }

  // ---- heartbeat and liveness ----
  async #heartbeat(): Promise<void> {
    if (this.#closed) return;
    const record: NodeRecord = {
      id: this.id,
      url: this.#o.url,
      mediaAddress: this.#o.mediaAddress,
      sites: this.#hooks?.localSites() ?? 0,
      draining: this.#draining,
      startedAt: this.#startedAt,
      heartbeatAt: new Date().toISOString(),
    };
    try {
      await this.#o.store.putNode(record, this.#heartbeatMs * 3);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'heartbeat not written');
    }
  }

  async #refreshNodes(): Promise<void> {
    if (this.#closed) return;
    let nodes: NodeRecord[];
    try {
      nodes = await this.#o.store.listNodes();
    } catch (err) {
      // The store is away: keep what we know rather than declaring everyone dead.
      this.#log.debug({ err: (err as Error).message }, 'could not read the nodes');
      return;
    }
    const next = new Map(nodes.map((n) => [n.id, n]));
    const gone = [...this.#nodes.keys()].filter((id) => !next.has(id) && id !== this.id);
    const changed = gone.length > 0 || [...next.keys()].some((id) => !this.#nodes.has(id));
    this.#nodes = next;
    for (const node of gone) await this.#nodeGone(node);
    if (changed) this.#hooks?.nodesChanged(this.nodes().map((n) => n.url));
  }

  /** Every node forgets a dead one at once; the lease holder also records its sites offline. */
  async #nodeGone(node: string): Promise<void> {
    this.#log.warn({ gone: node }, 'a node is gone');
    const { conference, briefing, store } = this.#o;
    conference.closeLink(node);
    briefing.forgetNode(node);
    const sites = [...this.#placements].filter(([, p]) => p.node === node).map(([id]) => id);
    for (const id of sites) this.#placements.delete(id);
    await this.#readSources();
    let janitor = false;
    try {
      janitor = await store.acquireLease(LEASE, this.id, this.#heartbeatMs * 5);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not take the cleaning lease');
    }
    if (!janitor) return;
    for (const siteId of sites) this.#hooks?.markGone(siteId, `its node (${node}) stopped`);
    try {
      // One read of the placements for all of the dead node's sites (not one per site).
      const placements = await store.listPlacements();
      await Promise.all([
        store.removeNode(node),
        store.removeNodeSources(node),
        ...sites.map(async (siteId) => {
          const p = placements.get(siteId);
          if (p?.node === node) await store.releaseSite(siteId, p.conn);
        }),
      ]);
      await this.#bus.broadcast({ type: 'node-gone', node });
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, gone: node }, 'could not clear a dead node from the store');
    }
  }

  // ---- producers and the cascade ----
  #sourcesChanged(): void {
    // One write for a burst of changes (a site produces mic and camera together).
    if (this.#sourcesTimer) return;
    this.#sourcesTimer = setTimeout(() => {
      this.#sourcesTimer = undefined;
      void this.#publishSources();
    }, 30);
  }

  async #publishSources(): Promise<void> {
    try {
      await this.#o.store.putNodeSources(this.id, this.#o.conference.localSources());
      await this.#bus.broadcast({ type: 'sources', node: this.id });
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not publish this node’s producers');
    }
  }

  async #readSources(): Promise<void> {
    let all: Map<string, RemoteSource[]>;
    try {
      const stored = await this.#o.store.getAllSources();
      all = new Map([...stored].map(([node, list]) => [node, list.map((s) => ({ ...s, node }))]));
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not read the other nodes’ producers');
      return;
    }
    const remote: RemoteSource[] = [];
    for (const [node, list] of all) if (node !== this.id && this.#nodes.has(node)) remote.push(...list);
    this.#o.conference.setRemoteSources(remote);
  }

  /** The link with `peer`, set up once: our end to them, theirs to us. */
  #link(peer: string): Promise<void> {
    const { conference } = this.#o;
    if (conference.isLinked(peer)) return Promise.resolve();
    let linking = this.#linking.get(peer);
    if (!linking) {
      linking = (async () => {
        const mine = await conference.linkEndpoint(peer);
        const theirs = (await this.#bus.request(peer, { op: 'link', endpoint: mine })) as LinkEndpoint;
        await conference.connectLink(peer, theirs);
      })().finally(() => this.#linking.delete(peer));
      this.#linking.set(peer, linking);
    }
    return linking;
  }

  async #relay(source: RemoteSource): Promise<void> {
    await this.#link(source.node);
    const offer = (await this.#bus.request(source.node, { op: 'relay', producerId: source.producerId })) as RelayOffer;
    await this.#o.conference.relayIn(source.node, offer);
  }

  // ---- shared briefing state and presence ----
  async #shared(change: () => Promise<unknown>): Promise<void> {
    try {
      await change();
      const state = await this.#o.store.getBriefingState();
      await this.#bus.broadcast({ type: 'briefing', ...state });
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not share a change of the floor, hands or mutes');
    }
  }

  #presence(siteId: string, connected: boolean, joined: boolean): void {
    const conn = `${this.id}#${siteId}#${Date.now()}`;
    const { store } = this.#o;
    const current = this.#placements.get(siteId);
    const placement: Placement = {
      node: this.id,
      conn: connected ? (current?.node === this.id ? current.conn : conn) : (current?.conn ?? conn),
      joined,
      since: new Date().toISOString(),
    };
    void (async () => {
      try {
        if (connected) {
          this.#placements.set(siteId, placement);
          await store.placeSite(siteId, placement);
        } else if (current?.node === this.id) {
          this.#placements.delete(siteId);
          await store.releaseSite(siteId, current.conn);
        }
        await this.#bus.broadcast({ type: 'presence', siteId, node: this.id, conn: placement.conn, connected, joined });
      } catch (err) {
        this.#log.warn({ err: (err as Error).message, site: siteId }, 'could not share a site’s presence');
      }
    })();
  }

  #onBroadcast(m: Broadcast): void {
    const { briefing } = this.#o;
    switch (m.type) {
      case 'sources':
        if (m.node !== this.id) void this.#readSources();
        return;
      case 'briefing':
        briefing.applyShared(m).catch((err: Error) => this.#log.warn({ err: err.message }, 'could not apply a change'));
        return;
      case 'presence': {
        if (m.node === this.id) return;
        if (m.connected) {
          this.#placements.set(m.siteId, {
            node: m.node,
            conn: m.conn,
            joined: m.joined,
            since: new Date().toISOString(),
          });
          // The same site connected on another node: the newer connection wins.
          if (briefing.isLocal(m.siteId)) this.#hooks?.takenOver(m.siteId);
        } else if (this.#placements.get(m.siteId)?.node === m.node) {
          this.#placements.delete(m.siteId);
        }
        briefing.applyRemotePresence(m.siteId, m.connected && m.joined ? m.node : null);
        return;
      }
      case 'status':
        if (m.node !== this.id) this.#statuses.set(m.status.siteId, m.status);
        return;
      case 'node-gone':
        if (m.node !== this.id && this.#nodes.delete(m.node)) void this.#nodeGone(m.node);
        return;
    }
  }

  async #onRequest(r: Request, from: string): Promise<unknown> {
    const { conference } = this.#o;
    switch (r.op) {
      case 'link': {
        const mine = await conference.linkEndpoint(from);
        await conference.connectLink(from, r.endpoint);
        return mine;
      }
      case 'relay':
        return conference.relayOut(from, r.producerId);
      case 'relay-paused':
        await conference.setRelayedPaused(r.producerId, r.paused);
        return {};
      case 'site':
        await this.#hooks?.act(r.siteId, r.action);
        return {};
    }
  }

  #ask(node: string, request: Request): void {
    this.#bus.request(node, request).catch((err: Error) => {
      this.#log.warn({ err: err.message, to: node, op: request.op }, 'another node did not do what was asked');
    });
  }

  // ---- leaving ----
  /** Stop taking sites and say so (the heartbeat carries it); the caller moves the sites. */
  async drain(): Promise<void> {
    this.#draining = true;
    await this.#heartbeat();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#sourcesTimer);
    try {
      await this.#o.store.removeNodeSources(this.id);
      await this.#o.store.removeNode(this.id);
      await this.#bus.broadcast({ type: 'node-gone', node: this.id });
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not say goodbye to the cluster');
    }
    await this.#bus.close();
  }
}
