// The board's socket to the /operator namespace: typed requests with the contract's ack shape
// and a reconnection policy. socket.io retries a lost transport by itself; a disconnect the
// server made ("io server disconnect") or a refusal by the namespace's middleware it does not,
// so this retries those too, unless the server refused the token.
import { io, type Socket } from 'socket.io-client';
import {
  OPERATOR_NAMESPACE,
  type OperatorClientEvents,
  type OperatorEvent,
  type OperatorInput,
  type OperatorOutputs,
  type OperatorServerEvents,
} from '../../contract/index.js';

export type OperatorSocket = Socket<OperatorServerEvents, OperatorClientEvents>;

/** An action's failure as the board shows it: the server's error code, or 'offline'/'timeout'. */
export interface ActionError {
  readonly code: string;
  readonly message: string;
}
export type Result<T> = { ok: true; data: T } | { ok: false; error: ActionError };

export interface LinkEvents {
  /** The namespace accepted the token; it now sends the full state. `first` on the first time. */
  connected(first: boolean): void;
  /** The connection dropped; the link is getting it back by itself. */
  lost(): void;
  /** The server could not be reached (before or after the first connection). */
  unreachable(detail: string): void;
  /** The server refused the token: no retry. */
  refused(): void;
}

const REQUEST_TIMEOUT_MS = 10_000;

// socket.io types emitWithAck's result as `any` once timeout() decorates it and cannot resolve
// the argument list for a generic event name; this is the shape it really has.
interface AckEmitter {
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
}

function isResult(reply: unknown): reply is Result<unknown> {
  if (typeof reply !== 'object' || reply === null || !('ok' in reply)) return false;
  return reply.ok === true ? 'data' in reply : reply.ok === false && 'error' in reply;
}

/** 1, 2, 4, 5, 5 … seconds, randomised ±50 % so several boards do not return in step. */
const backoff = (attempt: number) => Math.min(5000, 1000 * 2 ** Math.min(attempt, 3)) * (0.5 + Math.random());

export class OperatorLink {
  readonly socket: OperatorSocket;
  #closed = false;
  #everConnected = false;
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(token: string, events: LinkEvents) {
    this.socket = io(OPERATOR_NAMESPACE, {
      auth: { token },
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
    });
    this.socket.on('connect', () => {
      this.#attempt = 0;
      const first = !this.#everConnected;
      this.#everConnected = true;
      events.connected(first);
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      if (this.#closed) return;
      if (err.data?.code === 'unauthorized') {
        this.close();
        events.refused();
        return;
      }
      events.unreachable(err.message);
      if (!this.socket.active) this.#later();
    });
    this.socket.on('disconnect', () => {
      if (this.#closed) return;
      events.lost();
      if (!this.socket.active) this.#later();
    });
  }

  #later(): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(
      () => {
        if (!this.#closed && !this.socket.connected) this.socket.connect();
      },
      backoff(this.#attempt++),
    );
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  async request<E extends OperatorEvent>(event: E, input: OperatorInput<E>): Promise<Result<OperatorOutputs[E]>> {
    if (!this.socket.connected) return { ok: false, error: { code: 'offline', message: 'not connected' } };
    try {
      const reply = await (this.socket.timeout(REQUEST_TIMEOUT_MS) as unknown as AckEmitter).emitWithAck(event, input);
      if (isResult(reply)) return reply as Result<OperatorOutputs[E]>;
      return { ok: false, error: { code: 'other', message: 'unexpected reply from the server' } };
    } catch {
      return { ok: false, error: { code: 'timeout', message: `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` } };
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.socket.disconnect();
  }
}
