// The message that used to kill the process: `media:create-transport` asking for a *receive*
// network-check transport ({"direction":"recv","probe":{"protocol":"udp"}}) threw synchronously
// inside the handler. Now it must get a bad_request ack (or a protocol:error push without an
// ack) from a joined site and from one still in the lobby, while the conference goes on.
import { io } from 'socket.io-client';
import { ackCode, ackProblem } from './ack-shape.js';
import { joinSites, mediaBaseline, waitBackWithMedia } from './media.js';
import { withScope } from './scope.js';
import { bugCounters, startWatched } from './service.js';
import { siteIds, tokensFor } from './sites.js';

export const CRASH_MESSAGE = { direction: 'recv', probe: { protocol: 'udp' } } as const;

export interface CrashMessageResult {
  /** Ack codes, from the joined bridge and from a lobby connection. */
  readonly joinedAck: string;
  readonly lobbyAck: string;
  readonly ackProblems: string[];
  /** The code of the protocol:error pushed for the message sent without an ack. */
  readonly pushedCode: string | undefined;
  readonly repeats: number;
  readonly stillConnected: boolean;
  /** A request after the crash message still answered. */
  readonly answersAfter: boolean;
  /** Every site still had media afterwards (ms to confirm it, null if not). */
  readonly mediaAfterMs: number | null;
  readonly missing: string[];
  readonly crashes: number;
  readonly handlerErrors: number;
  readonly problems: string[];
}

interface AckEmitter {
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
}

export async function runCrashMessage(): Promise<CrashMessageResult> {
  return withScope(async (scope) => {
    const service = await startWatched(scope, { env: { MEDIA_WORKERS: '1', STORE: 'memory' } });
    const { server } = service;
    const ids = await siteIds(server, 3);
    const tokens = await tokensFor(server, ids);
    const peers = await joinSites(scope, server.url, new Map([...tokens].slice(0, 3)));
    const bridge = peers[1];
    if (!bridge) throw new Error('no bridge');
    const before = await mediaBaseline(peers);
    const t0 = performance.now();
    const ackProblems: string[] = [];
    const send = async (emitter: AckEmitter) => {
      const reply = await emitter.emitWithAck('media:create-transport', CRASH_MESSAGE);
      const problem = ackProblem(reply);
      if (problem) ackProblems.push(problem);
      return ackCode(reply);
    };
    const joinedAck = await send(bridge.socket.timeout(5000) as unknown as AckEmitter);
    // Without an ack: the answer is a protocol:error push.
    const pushed = new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5000);
      bridge.socket.once('protocol:error', (p) => {
        clearTimeout(timer);
        resolve(p.code);
      });
    });
    (bridge.socket as unknown as { emit(event: string, payload: unknown): void }).emit(
      'media:create-transport',
      CRASH_MESSAGE,
    );
    const pushedCode = await pushed;
    const repeats = 50;
    for (let i = 0; i < repeats; i++) await send(bridge.socket.timeout(5000) as unknown as AckEmitter);

    // A site in the lobby (connected, not joined) sends it too.
    const lobbyToken = [...tokens.values()][3] as string;
    const lobby = scope.add(
      io(`${server.url}/site`, {
        auth: { token: lobbyToken },
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      }),
      'close the lobby socket',
      (s) => s.disconnect(),
    );
    await new Promise<void>((resolve, reject) => {
      lobby.once('welcome', () => resolve());
      lobby.once('connect_error', reject);
    });
    const lobbyAck = await send(lobby.timeout(5000) as unknown as AckEmitter);

    const stillConnected = bridge.socket.connected && lobby.connected;
    let answersAfter = false;
    try {
      await bridge.request('ping', { sent: Date.now() });
      answersAfter = true;
    } catch {
      answersAfter = false; // reported through the result
    }
    const back = await waitBackWithMedia(peers, before, t0, 20_000);
    const counters = server.alive ? await bugCounters(server) : { handlerErrors: Number.NaN, unhandled: 0 };
    await service.stop();
    const result = {
      joinedAck,
      lobbyAck,
      ackProblems,
      pushedCode,
      repeats,
      stillConnected,
      answersAfter,
      mediaAfterMs: back.ms,
      missing: back.missing,
      crashes: service.crashes.length,
      handlerErrors: counters.handlerErrors,
    };
    const problems: string[] = [];
    if (joinedAck !== 'bad_request' || lobbyAck !== 'bad_request' || pushedCode !== 'bad_request')
      problems.push(`answers: joined ${joinedAck}, lobby ${lobbyAck}, pushed ${pushedCode} (bad_request expected)`);
    if (ackProblems.length > 0) problems.push(`acks off the contract: ${ackProblems.slice(0, 3).join('; ')}`);
    if (!stillConnected || !answersAfter) problems.push('the connection did not carry on');
    if (back.ms === null) problems.push(`media missing afterwards: ${back.missing.join(', ')}`);
    if (result.crashes > 0) problems.push(`the service exited ${result.crashes} time(s)`);
    if (result.handlerErrors !== 0) problems.push(`giaoban_handler_errors_total = ${result.handlerErrors}`);
    return { ...result, problems };
  });
}
