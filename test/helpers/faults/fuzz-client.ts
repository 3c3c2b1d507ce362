// One fuzzing connection on /site or /operator (socket.io-client, as the pages use it): it
// sends what it is given, with or without an ack, keeps a bounded number of acks in flight,
// checks every answer against the contract, and connects again whenever the service closed it
// (a `leave`, a kick by the operator fuzzer, a message over the size limit, a flood).
import { io, type Socket } from 'socket.io-client';
import { ackCode, ackProblem, errorBodyProblem, protocolErrorProblem } from './ack-shape.js';
import { type Rng, randomJson, type SeenIds } from './fuzz-payloads.js';

/** What one surface (a namespace, valid or invalid credentials) saw. */
export class FuzzTally {
  sent = 0;
  withAck = 0;
  readonly acks = new Map<string, number>();
  /** Answers of the wrong shape (a contract violation): the first few, with what was sent. */
  readonly badAcks: string[] = [];
  badAckCount = 0;
  protocolErrors = 0;
  /** Acks that never came on a connection that stayed up. */
  unanswered = 0;
  /** Acks lost because the connection closed first. */
  dropped = 0;
  connections = 0;
  /** Connection refusals by code ('none' when the refusal carried no body). */
  readonly refused = new Map<string, number>();
  /** Why the service closed connections (session:closed reasons, or socket.io's). */
  readonly closed = new Map<string, number>();
  /** The slowest answer by event (ms), to see where a run spends its time. */
  readonly slowest = new Map<string, number>();

  count(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  bad(what: string): void {
    this.badAckCount++;
    if (this.badAcks.length < 10) this.badAcks.push(what.slice(0, 300));
  }
}

export interface FuzzClientOptions {
  readonly url: string;
  readonly namespace: '/site' | '/operator';
  readonly auth: () => Record<string, unknown>;
  readonly tally: FuzzTally;
  readonly rng: Rng;
  /** Bind to this local address (127.0.0.2 keeps the address throttle off the valid clients). */
  readonly localAddress?: string;
  /** Ids from acks, for templates that hit real objects (shared across the namespace's clients). */
  readonly ids?: SeenIds;
  readonly ackTimeoutMs?: number;
  readonly maxInFlight?: number;
}

type AnySocket = Socket;

export class FuzzClient {
  readonly #o: FuzzClientOptions;
  #socket: AnySocket | undefined;
  #inFlight = 0;
  readonly #waiters: (() => void)[] = [];
  #lastClose: string | undefined;

  constructor(o: FuzzClientOptions) {
    this.#o = o;
  }

  get connected(): boolean {
    return this.#socket?.connected ?? false;
  }

  /** Connect unless connected; resolves with the refusal's code, or 'ok'. */
  async connect(timeoutMs = 10_000): Promise<string> {
    if (this.#socket?.connected) return 'ok';
    this.#socket?.removeAllListeners();
    this.#socket?.disconnect();
    const { tally } = this.#o;
    const socket: AnySocket = io(`${this.#o.url}${this.#o.namespace}`, {
      auth: this.#o.auth(),
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
      ...(this.#o.localAddress ? { localAddress: this.#o.localAddress } : {}),
    });
    this.#socket = socket;
    this.#lastClose = undefined;
    socket.on('protocol:error', (p: unknown) => {
      tally.protocolErrors++;
      const problem = protocolErrorProblem(p);
      if (problem) tally.bad(`protocol:error ${problem}`);
    });
    socket.on('session:closed', (p: { reason?: unknown }) => {
      this.#lastClose = String(p?.reason);
    });
    socket.on('disconnect', (reason) => {
      tally.count(tally.closed, this.#lastClose ?? reason);
    });
    // The service offers consumers to a joined site: answer with anything, or not at all.
    socket.on('media:consume', (_offer: unknown, ack?: (reply: unknown) => void) => {
      // Rarely no answer at all: the service then waits its consume timeout (10 s).
      const r = this.#o.rng.next();
      if (typeof ack !== 'function' || r < 0.03) return;
      if (r < 0.5) ack({ ok: true, data: {} });
      else ack(randomJson(this.#o.rng, 3));
    });
    return new Promise<string>((resolve) => {
      socket.once('connect', () => {
        tally.connections++;
        resolve('ok');
      });
      socket.once('connect_error', (err: Error & { data?: unknown }) => {
        const code =
          typeof err.data === 'object' && err.data !== null && 'code' in err.data ? String(err.data.code) : 'none';
        tally.count(tally.refused, code);
        if (err.data !== undefined) {
          const problem = errorBodyProblem(err.data);
          if (problem) tally.bad(`refusal: ${problem}`);
        }
        socket.disconnect();
        resolve(code);
      });
    });
  }

  /**
   * Send one message; with an ack, waits for a slot among those in flight first. False when
   * the connection was closed (nothing sent).
   */
  async send(event: string, args: unknown[], withAck: boolean): Promise<boolean> {
    const { tally } = this.#o;
    if (!withAck) {
      if (!this.#socket?.connected) return false;
      tally.sent++;
      this.#socket.emit(event, ...args);
      return true;
    }
    while (this.#inFlight >= (this.#o.maxInFlight ?? 64)) await new Promise<void>((r) => this.#waiters.push(r));
    const socket = this.#socket;
    if (!socket?.connected) return false;
    tally.sent++;
    tally.withAck++;
    this.#inFlight++;
    const describe = () => `${event.slice(0, 40)}(${JSON.stringify(args)?.slice(0, 120)})`;
    const sentAt = performance.now();
    socket.timeout(this.#o.ackTimeoutMs ?? 20_000).emit(event, ...args, (err: Error | null, reply: unknown) => {
      this.#inFlight--;
      this.#waiters.shift()?.();
      if (err) {
        if (socket.connected) tally.unanswered++;
        else tally.dropped++;
        return;
      }
      const key = event.slice(0, 40);
      tally.slowest.set(key, Math.max(tally.slowest.get(key) ?? 0, Math.round(performance.now() - sentAt)));
      const problem = ackProblem(reply);
      if (problem) tally.bad(`${describe()} -> ${problem}`);
      tally.count(tally.acks, ackCode(reply));
      this.#learn(reply);
    });
    return true;
  }

  /** Ids in an ack's data (a transport's `id`, a `producerId`), for later templates. */
  #learn(reply: unknown): void {
    const ids = this.#o.ids;
    if (!ids || typeof reply !== 'object' || reply === null || !('data' in reply)) return;
    const data = (reply as { data: unknown }).data;
    if (typeof data !== 'object' || data === null) return;
    const { id, producerId } = data as { id?: unknown; producerId?: unknown };
    if (typeof id === 'string') ids.transports.push(id);
    if (typeof producerId === 'string') ids.producers.push(producerId);
    if (ids.transports.length > 50) ids.transports.splice(0, 25);
    if (ids.producers.length > 50) ids.producers.splice(0, 25);
  }

  /** Wait until no ack is in flight (or `timeoutMs`). */
  async settle(timeoutMs = 25_000): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (this.#inFlight > 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  close(): void {
    this.#socket?.removeAllListeners();
    this.#socket?.disconnect();
    this.#socket = undefined;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
