// The page's socket to the /site namespace: typed requests with the contract's ack shape, and
// a reconnection policy. socket.io retries a lost transport by itself; a disconnect the
// server made ("io server disconnect") it does not, so this retries those too, unless the
// server said why just before and the reason means "do not come back on your own".
import { io, type Socket } from 'socket.io-client';
import {
  type Ack,
  type CloseReason,
  type ErrorBody,
  SITE_NAMESPACE,
  type SiteClientEvents,
  type SiteEvent,
  type SiteInput,
  type SiteOutputs,
  type SiteServerEvents,
  type Welcome,
} from '../../signaling/contract.js';

export type SiteSocket = Socket<SiteServerEvents, SiteClientEvents>;

/** Reasons after which the page stays down until the technician acts. */
const FINAL_REASONS: ReadonlySet<CloseReason> = new Set([
  'taken-over',
  'link-reissued',
  'disconnected-by-operator',
  'left',
]);

const REQUEST_TIMEOUT_MS = 10_000;

export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

export interface SignalingEvents {
  /** Every (re)connection the server accepted, with its welcome. */
  welcome(w: Welcome, reconnected: boolean): void;
  /** The connection dropped and the page is getting it back by itself. */
  lost(why: { reason: string; closed?: CloseReason }): void;
  /** A reconnection attempt failed (server unreachable); `attempt` counts from 1. */
  retrying(attempt: number): void;
  /** The server refused the link: do not retry. */
  refused(error: ErrorBody): void;
  /** The server closed the session for a reason that needs the technician. */
  ended(reason: CloseReason, message: string): void;
}

// socket.io types emitWithAck's result as `any` once timeout() decorates it and cannot resolve
// the argument list for a generic event name; this is the shape it really has.
interface AckEmitter {
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
}

function isAck(reply: unknown): reply is Ack<unknown> {
  if (typeof reply !== 'object' || reply === null || !('ok' in reply)) return false;
  return reply.ok === true ? 'data' in reply : reply.ok === false && 'error' in reply;
}

/** 1, 2, 4, 5, 5 … seconds, each randomised ±50 % so 63 rooms do not return in step. */
export function backoffMs(attempt: number): number {
  const base = Math.min(5000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + Math.random()));
}

export class Signaling {
  readonly socket: SiteSocket;
  readonly #on: SignalingEvents;
  #closedReason: CloseReason | undefined;
  #welcomed = false;
  #attempts = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(token: string, on: SignalingEvents) {
    this.#on = on;
    this.socket = io(SITE_NAMESPACE, {
      auth: { token },
      // WebSocket first; long polling if a proxy in the branch office blocks WebSocket.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5,
      timeout: 8000,
      autoConnect: false,
    });
    const socket = this.socket;
    socket.on('welcome', (w) => {
      const reconnected = this.#welcomed;
      this.#welcomed = true;
      this.#attempts = 0;
      this.#closedReason = undefined;
      this.#on.welcome(w, reconnected);
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

  /** One contract request: resolves with the ack's data, throws a RequestError with its code. */
  async request<E extends SiteEvent>(
    event: E,
    input: SiteInput<E>,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<SiteOutputs[E]> {
    // socket.io buffers emits made while disconnected and sends them on reconnect, where they
    // would reach a new server session that knows nothing of them.
    if (!this.socket.connected) throw new RequestError(`${event}: not connected`, 'disconnected');
    const emitter = this.socket.timeout(timeoutMs) as unknown as AckEmitter;
    let reply: unknown;
    try {
      reply = await emitter.emitWithAck(event, input);
    } catch {
      const dropped = !this.socket.connected;
      throw new RequestError(
        `${event}: ${dropped ? 'the connection dropped' : `no answer within ${timeoutMs / 1000} s`}`,
        dropped ? 'disconnected' : 'timeout',
      );
    }
    if (!isAck(reply)) throw new RequestError(`${event}: malformed answer`, 'bad_ack');
    if (!reply.ok) throw new RequestError(`${event}: ${reply.error.message}`, reply.error.code);
    return reply.data as SiteOutputs[E];
  }

  #onDisconnect(reason: string): void {
    if (reason === 'io client disconnect') return; // the page did it
    const closed = this.#closedReason;
    if (closed && FINAL_REASONS.has(closed)) {
      this.#on.ended(closed, reason);
      return;
    }
    this.#on.lost(closed ? { reason, closed } : { reason });
    // The server ended this connection (a restart, a heartbeat timeout, a kick without a
    // reason): socket.io leaves that to the application; come back after a short pause.
    if (!this.socket.active) this.#retryLater();
  }

  #onConnectError(err: Error & { data?: unknown }): void {
    const data = err.data as Partial<ErrorBody> | undefined;
    if (data?.code === 'unauthorized') {
      this.#stopped = true;
      this.#on.refused({ code: 'unauthorized', message: data.message ?? err.message });
      return;
    }
    this.#attempts++;
    this.#on.retrying(this.#attempts);
    // A refusal with another code (the store is down, …) is not retried by socket.io.
    if (!this.socket.active) this.#retryLater();
  }

  #retryLater(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(
      () => {
        if (!this.#stopped && !this.socket.connected) this.socket.connect();
      },
      backoffMs(this.#attempts + 1),
    );
  }
}
