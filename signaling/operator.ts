// The /operator namespace: the central operator's console (the board). Operator token in the
// handshake; floor, mute, reconnect and disconnect actions go through the briefing.
import type { Namespace, Socket } from 'socket.io';
import type { Briefing } from '../server/briefing.js';
import type { Logger } from '../server/logger.js';
import type { OperatorAuth } from '../server/operator.js';
import type { StatusService } from '../server/status/service.js';
import { bindHandlers, type HandlerMap } from './bind.js';
import {
  type OperatorClientEvents,
  type OperatorOutputs,
  type OperatorServerEvents,
  operatorInputs,
} from './contract.js';

export type OperatorNamespace = Namespace<OperatorClientEvents, OperatorServerEvents>;
type OperatorSocket = Socket<OperatorClientEvents, OperatorServerEvents>;

export function attachOperatorNamespace(
  nsp: OperatorNamespace,
  deps: { operator: OperatorAuth; briefing: Briefing; status: StatusService; logger: Logger },
): void {
  const log = deps.logger.child({ component: 'signaling', namespace: 'operator' });
  nsp.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (deps.operator.isValid(token)) return next();
    const refusal = new Error('operator token is not valid') as Error & { data?: unknown };
    refusal.data = { code: 'unauthorized', message: 'operator token is not valid' };
    next(refusal);
  });

  nsp.on('connection', (socket: OperatorSocket) => {
    const { briefing } = deps;
    const handlers: HandlerMap<typeof operatorInputs, OperatorOutputs> = {
      'floor:give': async ({ siteId }) => briefing.giveFloor(siteId),
      'floor:take': async () => briefing.takeFloor(),
      'site:mute': ({ siteId, muted }) => briefing.mute(siteId, muted),
      'site:restart-ice': async ({ siteId }) => {
        briefing.requestIceRestart(siteId);
        return {};
      },
      'site:disconnect': async ({ siteId }) => {
        briefing.disconnect(siteId, 'disconnected-by-operator');
        return {};
      },
      'conference:get': async () => briefing.view(),
    };
    bindHandlers(socket, operatorInputs, handlers, log.child({ socket: socket.id }));
    // The full picture on every (re)connect, so a board that was away re-syncs.
    socket.emit('status:all', { sites: deps.status.all() });
    socket.emit('conference:changed', briefing.view());
  });
}
