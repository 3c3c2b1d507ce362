// Operator authentication as one Fastify plugin: `app.operatorOnly` is the onRequest hook of
// every operator route (the /api scope uses it once for all of them). A bearer token is
// checked before anything else; a client address that keeps presenting wrong tokens is
// refused for a while without its token being looked at.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../kernel/errors.js';
import type { FailureThrottle } from '../../kernel/rate.js';
import type { OperatorAuth } from '../operator.js';

declare module 'fastify' {
  interface FastifyInstance {
    operatorOnly(req: FastifyRequest): Promise<void>;
  }
}

export interface OperatorAuthOptions {
  readonly operator: OperatorAuth;
  readonly throttle: FailureThrottle;
  readonly refused: (reason: 'invalid' | 'throttled') => void;
}

async function operatorAuth(app: FastifyInstance, opts: OperatorAuthOptions) {
  app.decorate('operatorOnly', async (req: FastifyRequest) => {
    if (opts.throttle.blocked(req.ip)) {
      opts.refused('throttled');
      throw new AppError('rate_limited', 'too many failed attempts from this address; wait a minute');
    }
    try {
      opts.operator.check(req.headers.authorization);
    } catch (err) {
      opts.throttle.failed(req.ip);
      opts.refused('invalid');
      throw err;
    }
  });
}

export default fp(operatorAuth, { name: 'operator-auth' });
