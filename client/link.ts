// A site's link to the server: its socket to the /site namespace, typed requests with the
// contract's ack shape, and the reconnection policy. socket.io retries a lost transport by
// itself; a disconnect the server made ("io server disconnect") it does not, so this retries
// those too, unless the server said why just before and the reason means "do not come back
// on your own". With several nodes, the welcome lists them: a node that sends the site
// elsewhere ('moved') or cannot be reached is left for the next one, so a site whose node dies
// comes back through another. The same code runs in the page, the Node test peers and the
// load bots.
import { io, type Socket } from 'socket.io-client';
import {
  type CloseReason,
  type ErrorBody,
  finalCloseReasons,
  SITE_NAMESPACE,
  type SiteClientEvents,
  type SiteEvent,
  type SiteInput,
  type SiteOutputs,
  type SiteServerEvents,
  type Welcome,
} from '../contract/index.js';
import { Emitter } from './emitter.js';
import { RequestError, request } from './request.js';

export { RequestError } from './request.js';

export type SiteSocket = Socket<SiteServerEvents, SiteClientEvents>;

export interface LinkEvents {
  /** Every (re)connection the server accepted, with its welcome. */
  welcome: [w: Welcome, reconnected: boolean];
  /** The connection dropped and the link is getting it back by itself (if it reconnects). */
  lost: [why: { reason: string; closed?: CloseReason }];
  /** A reconnection attempt failed (server unreachable); `attempt` counts from 1. */
  retrying: [attempt: number];
  /** The server refused the link: do not retry. */
  refused: [error: ErrorBody];
  /** The server closed the session for a reason that needs a person. */
  ended: [reason: CloseReason, message: string];
  /** The link now goes to another node (moved there, or the previous one is unreachable). */
  node: [url: string];
}

export interface LinkOptions {
  /** The server's origin ('' in the page: its own). */
  readonly url: string;
  readonly token: string;
  /** Come back by itself after a drop. Default true. */
  readonly reconnect?: boolean;
  /** socket.io transports. Default WebSocket, then long polling (a proxy may block WebSocket). */
  readonly transports?: ('websocket' | 'polling')[];
}

/** 1, 2, 4, 5, 5 … seconds, each randomised ±50 % so 63 rooms do not return in step. */
export function backoffMs(attempt: number): number {
  const base = Math.min(3000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + Math.random()));
}

const FINAL: ReadonlySet<CloseReason> = new Set(finalCloseReasons);
/**
 * Failed attempts on one node before the link tries another it knows: one, since a node that
 * just dropped the link and refuses the next attempt is gone (kill -9, a dead machine), and the
 * briefing must not wait a backoff for it.
 */
const ATTEMPTS_PER_NODE = 1;

type ServerEvent = keyof SiteServerEvents;
type Listener = { event: ServerEvent; handler: (...args: never[]) => void };

export class SiteLink extends Emitter<LinkEvents> {
  #socket: SiteSocket;
  readonly #opts: LinkOptions;
  readonly #reconnect: boolean;
  /** Handlers of server events, kept so a socket to another node gets them too. */
  readonly #listeners: Listener[] = [];
  /** The nodes this site may use (from the welcome), the current one first. */
  #nodes: string[];
  #url: string;
  #closedReason: CloseReason | undefined;
  #welcomed = false;
  #attempts = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(opts: LinkOptions) {
    super();
    this.#opts = opts;
    this.#reconnect = opts.reconnect ?? true;
    this.#url = opts.url;
    this.#nodes = [opts.url];
    this.#socket = this.#open(opts.url);
    // A browser knows when its network comes back (a cable, a Wi-Fi, the office's router):
    // try at once instead of waiting out the backoff or a connect attempt sent into the void.
    if (this.#reconnect && typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('online', this.#onOnline);
    }
  }

  readonly #onOnline = (): void => {
    if (this.#stopped || this.#socket.connected) return;
    clearTimeout(this.#retryTimer);
    this.#moveTo(this.#url);
  };

  /** The current socket (it changes when the link moves to another node). */
  get socket(): SiteSocket {
    return this.#socket;
  }

  /** The node the link goes to now. */
  get url(): string {
    return this.#url;
  }

  #open(url: string): SiteSocket {
    const transports = this.#opts.transports ?? ['websocket', 'polling'];
    const socket: SiteSocket = io(`${url}${SITE_NAMESPACE}`, {
      auth: { token: this.#opts.token },
      transports,
      tryAllTransports: transports.length > 1,
      reconnection: this.#reconnect,
      reconnectionDelay: 1000,
      // 63 sites coming back after a restart spread over 1-3 s (±50 %); a lost link is
      // retried at least every 4.5 s.
      reconnectionDelayMax: 3000,
      randomizationFactor: 0.5,
      timeout: 8000,
      autoConnect: false,
      forceNew: true,
    });
    socket.on('welcome', (w) => {
      const reconnected = this.#welcomed;
      this.#welcomed = true;
      this.#attempts = 0;
      this.#closedReason = undefined;
      if (w.nodes?.length) this.#nodes = [this.#url, ...w.nodes.filter((n) => n !== this.#url)];
      this.emit('welcome', w, reconnected);
    });
    socket.on('session:closed', ({ reason }) => {
      this.#closedReason = reason;
    });
    socket.on('nodes', ({ nodes }) => {
      if (nodes.length) this.#nodes = [this.#url, ...nodes.filter((n) => n !== this.#url)];
    });
    socket.on('disconnect', (reason) => this.#onDisconnect(reason));
    socket.on('connect_error', (err: Error & { data?: unknown }) => this.#onConnectError(err));
    for (const { event, handler } of this.#listeners) socket.on(event, handler as never);
    return socket;
  }

  /** Listen to a server event, on whichever node the link goes to. */
  listen<E extends ServerEvent>(event: E, handler: SiteServerEvents[E]): void {
    this.#listeners.push({ event, handler: handler as Listener['handler'] });
    this.#socket.on(event, handler as never);
  }

  /** Go to another node: a fresh socket there, with every listener. */
  #moveTo(url: string): void {
    if (this.#stopped) return;
    const old = this.#socket;
    old.removeAllListeners();
    old.disconnect();
    this.#url = url;
    this.#attempts = 0;
    this.#socket = this.#open(url);
    this.emit('node', url);
    this.#socket.connect();
  }

  /**
   * Another node the welcome named, at random: when a node dies, its sites spread over the
   * others instead of all landing on the same "next" one (which would then send half away).
   */
  #nextNode(): string | undefined {
    const others = this.#nodes.filter((n) => n !== this.#url);
    return others[Math.floor(Math.random() * others.length)];
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Connect (again). Also the technician's "reconnect here" after a take-over. */
  connect(): void {
    this.#stopped = false;
    clearTimeout(this.#retryTimer);
    this.#closedReason = undefined;
    if (!this.#socket.connected) this.#socket.connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    globalThis.removeEventListener?.('online', this.#onOnline);
    this.#socket.disconnect();
  }

  /** Never reconnect again, without closing anything (a load bot that goes silent). */
  stopReconnecting(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#socket.io.reconnection(false);
  }

  /** One contract request: resolves with the ack's data, throws a RequestError with its code. */
  request<E extends SiteEvent>(event: E, input: SiteInput<E>, timeoutMs?: number): Promise<SiteOutputs[E]> {
    // socket.io buffers emits made while disconnected and sends them on reconnect, where they
    // would reach a new server session that knows nothing of them.
    if (!this.#socket.connected) return Promise.reject(new RequestError(`${event}: not connected`, 'disconnected'));
    return request(this.#socket, event, input, timeoutMs);
  }

  #onDisconnect(reason: string): void {
    if (reason === 'io client disconnect') return; // this side did it
    const closed = this.#closedReason;
    if (closed && FINAL.has(closed)) {
      this.emit('ended', closed, reason);
      return;
    }
    this.emit('lost', closed ? { reason, closed } : { reason });
    // This node is stopping and sent the site away: go to the next node at once.
    const next = closed === 'moved' ? this.#nextNode() : undefined;
    if (next && this.#reconnect) {
      this.#moveTo(next);
      return;
    }
    // The server ended this connection (a restart, a heartbeat timeout, a kick without a
    // reason): socket.io leaves that to the application; come back after a short pause.
    if (!this.#socket.active) this.#retryLater();
  }

  #onConnectError(err: Error & { data?: unknown }): void {
    const data = err.data as (Partial<ErrorBody> & { url?: unknown }) | undefined;
    if (data?.code === 'unauthorized') {
      this.#stopped = true;
      this.emit('refused', { code: 'unauthorized', message: data.message ?? err.message });
      return;
    }
    // This node sends the site to a less busy (or not stopping) one.
    if (data?.code === 'moved' && typeof data.url === 'string' && this.#reconnect) {
      if (!this.#nodes.includes(data.url)) this.#nodes.push(data.url);
      this.#moveTo(data.url);
      return;
    }
    this.#attempts++;
    this.emit('retrying', this.#attempts);
    // A node that keeps failing (it died): try the next one the welcome named.
    const next = this.#attempts >= ATTEMPTS_PER_NODE ? this.#nextNode() : undefined;
    if (next && this.#reconnect && !this.#stopped) {
      this.#moveTo(next);
      return;
    }
    // A refusal with another code (the store is down, throttled, …) is not retried by socket.io.
    if (!this.#socket.active) this.#retryLater();
  }

  #retryLater(): void {
    if (this.#stopped || !this.#reconnect) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(
      () => {
        if (!this.#stopped && !this.#socket.connected) this.#socket.connect();
      },
      backoffMs(this.#attempts + 1),
    );
  }
}
