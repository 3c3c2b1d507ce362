// The operator's board as a fault scenario sees it: a socket on /operator that records every
// state change pushed to it (status:site), to compare with the event log afterwards.
import { io, type Socket } from 'socket.io-client';
import {
  type Ack,
  OPERATOR_NAMESPACE,
  type OperatorClientEvents,
  type OperatorServerEvents,
  type SiteStatusView,
} from '../../../contract/index.js';

export type OperatorSocket = Socket<OperatorServerEvents, OperatorClientEvents>;

/** A state change as the board saw it live. */
export interface SeenChange {
  readonly siteId: string;
  readonly from: SiteStatusView['state'] | undefined;
  readonly to: SiteStatusView['state'];
  /** The change's time as the service stamped it (`since`): the event log uses the same. */
  readonly since: string;
  /** performance.now() when the board received it. */
  readonly seenAt: number;
}

export interface Board {
  readonly socket: OperatorSocket;
  readonly changes: SeenChange[];
  readonly states: Map<string, SiteStatusView['state']>;
  close(): void;
}

/** Connect as the board; resolves once connected and the full status has arrived. */
export async function connectBoard(url: string, token: string): Promise<Board> {
  const socket: OperatorSocket = io(`${url}${OPERATOR_NAMESPACE}`, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 1000,
  });
  const changes: SeenChange[] = [];
  const states = new Map<string, SiteStatusView['state']>();
  socket.on('status:all', ({ sites }) => {
    for (const s of sites) states.set(s.siteId, s.state);
  });
  socket.on('status:site', (s) => {
    const from = states.get(s.siteId);
    states.set(s.siteId, s.state);
    if (from !== s.state)
      changes.push({ siteId: s.siteId, from, to: s.state, since: s.since, seenAt: performance.now() });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('status:all', () => resolve());
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
  return { socket, changes, states, close: () => socket.disconnect() };
}

interface AckEmitter {
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
}

/** One operator request; resolves with the raw ack. */
export function operatorRequest(socket: OperatorSocket, event: string, input: unknown): Promise<Ack<unknown>> {
  return (socket.timeout(5000) as unknown as AckEmitter).emitWithAck(event, input) as Promise<Ack<unknown>>;
}
