// One request over the contract: emit with an ack and a timeout, check the ack's shape, and
// turn a refusal into a RequestError carrying the server's error code.
import type { Socket } from 'socket.io-client';
import type { Ack } from '../contract/index.js';

export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

// socket.io types emitWithAck's result as `any` once timeout() decorates it and cannot resolve
// the argument list for a generic event name; this is the shape it really has.
interface AckEmitter {
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
}

export function isAck(reply: unknown): reply is Ack<unknown> {
  if (typeof reply !== 'object' || reply === null || !('ok' in reply)) return false;
  return reply.ok === true ? 'data' in reply : reply.ok === false && 'error' in reply;
}

export const REQUEST_TIMEOUT_MS = 10_000;

/** Resolves with the ack's data; throws a RequestError with its code. */
export async function request<Out>(
  socket: Socket,
  event: string,
  input: unknown,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Out> {
  const emitter = socket.timeout(timeoutMs) as unknown as AckEmitter;
  let reply: unknown;
  try {
    reply = await emitter.emitWithAck(event, input);
  } catch {
    // socket.io rejects pending acks at once when the socket drops, and after timeoutMs otherwise.
    const dropped = !socket.connected;
    throw new RequestError(
      `${event}: ${dropped ? 'the connection dropped' : `no answer within ${timeoutMs / 1000} s`}`,
      dropped ? 'disconnected' : 'timeout',
    );
  }
  if (!isAck(reply)) throw new RequestError(`${event}: the answer is not { ok, data | error }`, 'bad_ack', reply);
  if (!reply.ok)
    throw new RequestError(`${event}: ${reply.error.code}: ${reply.error.message}`, reply.error.code, reply.error);
  return reply.data as Out;
}
