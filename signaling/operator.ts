// The /operator namespace: the central operator's console (the board). Operator token in the
// handshake (throttled per address like the sites'); floor, mute, reconnect and disconnect
// actions go through the briefing.
import type { Namespace, Socket } from 'socket.io';
import type { Briefing } from '../briefing/briefing.js';
import {
  type OperatorClientEvents,
  type OperatorEvent,
  type OperatorOutputs,
  type OperatorServerEvents,
  operatorEventClass,
} from '../contract/index.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { FailureThrottle } from '../kernel/rate.js';
import { bindHandlers, type HandlerMap, type Limits } from './bind.js';
import type { OperatorAuthenticator, SignalingCounters, SiteNotices, StatusFeed } from './ports.js';
import { operatorInputs } from './schemas.js';
import { refusal } from './site.js';

export type OperatorNamespace = Namespace<OperatorClientEvents, OperatorServerEvents>;
type OperatorSocket = Socket<OperatorClientEvents, OperatorServerEvents>;

export interface OperatorNamespaceDeps {
  readonly operator: OperatorAuthenticator;
  readonly briefing: Briefing;
  readonly status: StatusFeed;
  readonly limits: Omit<Limits<(typeof operatorEventClass)[OperatorEvent]>, 'classOf'>;
  readonly authThrottle: FailureThrottle;
  readonly counters: SignalingCounters;
  /** Alerts to the technicians; the operator's messages to the pages go through it. */
  readonly notices?: SiteNotices;
  readonly logger: Logger;
}

export function attachOperatorNamespace(nsp: OperatorNamespace, deps: OperatorNamespaceDeps): void {
  const log = deps.logger.child({ component: 'signaling', namespace: 'operator' });
  nsp.use((socket, next) => {
    const address = socket.handshake.address;
    if (deps.authThrottle.blocked(address)) {
      deps.counters.authRefused('operator', 'throttled');
      next(refusal({ code: 'rate_limited', message: 'too many failed attempts from this address; wait a minute' }));
      return;
    }
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (deps.operator.isValid(token)) return next();
    deps.authThrottle.failed(address);
    deps.counters.authRefused('operator', 'invalid');
    next(refusal({ code: 'unauthorized', message: 'operator token is not valid' }));
  });

  const limits = { ...deps.limits, classOf: (event: string) => operatorEventClass[event as OperatorEvent] };
  nsp.on('connection', (socket: OperatorSocket) => {
    const { briefing } = deps;
    const socketLog = log.child({ socket: socket.id });
    const handlers: HandlerMap<typeof operatorInputs, OperatorOutputs> = {
      'floor:give': ({ siteId }) => briefing.giveFloor(siteId),
      'floor:take': () => briefing.takeFloor(),
      'site:mute': ({ siteId, muted }) => briefing.mute(siteId, muted),
      'site:restart-ice': ({ siteId }) => {
        briefing.requestIceRestart(siteId);
        return {};
      },
      'site:disconnect': ({ siteId }) => {
        briefing.disconnect(siteId, 'disconnected-by-operator');
        return {};
      },
      'conference:get': () => briefing.view(),
      'site:message': ({ siteId, text }) => {
        if (!deps.notices) throw new AppError('conflict', 'messages to the pages are not available on this server');
        return deps.notices.message(siteId, text);
      },
    };
    bindHandlers(
      socket,
      operatorInputs,
      handlers,
      limits,
      {
        fault: (event, err) => {
          deps.counters.fault('operator', event);
          socketLog.error({ err, event }, 'handler failed');
        },
        limited: (cls) => deps.counters.limited('operator', cls),
        flooding: () => socket.disconnect(true),
      },
      socketLog,
    );
    // The full picture on every (re)connect, so a board that was away re-syncs.
    socket.emit('status:all', { sites: deps.status.all() });
    socket.emit('conference:changed', briefing.view());
  });
}
