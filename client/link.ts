// A site's link to the server: its socket to the /site namespace, typed requests with the
// contract's ack shape, and the reconnection policy. socket.io retries a lost transport by
// itself; a disconnect the server made ("io server disconnect") it does not, so this retries
// those too, unless the server said why just before and the reason means "do not come back
// on your own". The same code runs in the page, the Node test peers and the load bots.
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
  const base = Math.min(5000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + Math.random()));
}

const FINAL: ReadonlySet<CloseReason> = new Set(finalCloseReasons);

export class SiteLink extends Emitter<LinkEvents> {
  readonly socket: SiteSocket;
  readonly #reconnect: boolean;
  #closedReason: CloseReason | undefined;
  #welcomed = false;
  #attempts = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(opts: LinkOptions) {
    super();
    this.#reconnect = opts.reconnect ?? true;
    const transports = opts.transports ?? ['websocket', 'polling'];
    this.socket = io(`${opts.url}${SITE_NAMESPACE}`, {
      auth: { token: opts.token },
      transports,
      tryAllTransports: transports.length > 1,
      reconnection: this.#reconnect,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5,
      timeout: 8000,
      autoConnect: false,
      forceNew: true,
    });
    const socket = this.socket;
    socket.on('welcome', (w) => {
      const reconnected = this.#welcomed;
      this.#welcomed = true;
      this.#attempts = 0;
      this.#closedReason = undefined;
      this.emit('welcome', w, reconnected);
    });
    socket.on('session:closed', ({ reason }) => {
      this.#closedReason = reason;
    });
    socket.on('disconnect', (reason) => this.#onDisconnect(reason));
    socket.on('connect_error', (err: Error & { data?: unknown }) => this.#onConnectError(err));
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Connect (again). Also the technician's "reconnect here" after a take-over. */
  connect(): void {
    this.#stopped = false;
    clearTimeout(this.#retryTimer);
    this.#closedReason = undefined;
    if (!this.socket.connected) this.socket.connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.socket.disconnect();
  }

  /** Never reconnect again, without closing anything (a load bot that goes silent). */
  stopReconnecting(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.socket.io.reconnection(false);
  }

  /** One contract request: resolves with the ack's data, throws a RequestError with its code. */
  request<E extends SiteEvent>(event: E, input: SiteInput<E>, timeoutMs?: number): Promise<SiteOutputs[E]> {
    // socket.io buffers emits made while disconnected and sends them on reconnect, where they
    // would reach a new server session that knows nothing of them.
    if (!this.socket.connected) return Promise.reject(new RequestError(`${event}: not connected`, 'disconnected'));
    return request(this.socket, event, input, timeoutMs);
  }

  #onDisconnect(reason: string): void {
    if (reason === 'io client disconnect') return; // this side did it
    const closed = this.#closedReason;
    if (closed && FINAL.has(closed)) {
      this.emit('ended', closed, reason);
      return;
    }
    this.emit('lost', closed ? { reason, closed } : { reason });
    // The server ended this connection (a restart, a heartbeat timeout, a kick without a
    // reason): socket.io leaves that to the application; come back after a short pause.
    if (!this.socket.active) this.#retryLater();
  }

  #onConnectError(err: Error & { data?: unknown }): void {
    const data = err.data as Partial<ErrorBody> | undefined;
    if (data?.code === 'unauthorized') {
      this.#stopped = true;
      this.emit('refused', { code: 'unauthorized', message: data.message ?? err.message });
      return;
    }
    this.#attempts++;
    this.emit('retrying', this.#attempts);
    // A refusal with another code (the store is down, throttled, …) is not retried by socket.io.
    if (!this.socket.active) this.#retryLater();
  }

  #retryLater(): void {
    if (this.#stopped || !this.#reconnect) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(
      () => {
        if (!this.#stopped && !this.socket.connected) this.socket.connect();
      },
      backoffMs(this.#attempts + 1),
    );
  }
}
