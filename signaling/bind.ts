// Binds a typed handler map to a socket: every inbound event is parsed with its zod schema,
// handled, and acked with the one ack shape. A malformed, unknown or failing message gets a
// typed error; the connection and the conference carry on.
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { publicError } from '../server/errors.js';
import type { Logger } from '../server/logger.js';
import type { Ack, ErrorBody } from './contract.js';

type Schemas = Record<string, z.ZodType>;
export type HandlerMap<S extends Schemas, Out extends { [E in keyof S]: unknown }> = {
  [E in keyof S]: (input: z.infer<S[E]>) => Promise<Out[E]>;
};

const describe = (issues: z.core.$ZodIssue[]) =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'payload'}: ${i.message}`)
    .join('; ');

export function bindHandlers<S extends Schemas, Out extends { [E in keyof S]: unknown }>(
  socket: Socket,
  schemas: S,
  handlers: HandlerMap<S, Out>,
  log: Logger,
): void {
  const reply = (event: string, ack: ((a: Ack<unknown>) => void) | undefined, result: Ack<unknown>) => {
    if (ack) ack(result);
    else if (!result.ok) socket.emit('protocol:error', { ...result.error, event });
  };

  socket.onAny((event: unknown, ...args: unknown[]) => {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (a: Ack<unknown>) => void) : undefined;
    const payload = ack ? (args.length > 1 ? args[0] : {}) : args[0];
    const name = typeof event === 'string' ? event : String(event);
    if (!Object.hasOwn(schemas, name)) {
      reply(name, ack, { ok: false, error: { code: 'bad_request', message: `unknown event "${name.slice(0, 60)}"` } });
      return;
    }
    const parsed = (schemas[name] as z.ZodType).safeParse(payload ?? {});
    if (!parsed.success) {
      reply(name, ack, {
        ok: false,
        error: { code: 'bad_request', message: `invalid ${name}: ${describe(parsed.error.issues)}` },
      });
      return;
    }
    const handler = handlers[name as keyof S] as (input: unknown) => Promise<unknown>;
    handler(parsed.data).then(
      (data) => reply(name, ack, { ok: true, data: data ?? {} }),
      (err: unknown) => {
        const body: ErrorBody = publicError(err);
        if (body.code === 'internal') log.error({ err, event: name }, 'handler failed');
        else log.debug({ code: body.code, event: name, msg: body.message }, 'request refused');
        reply(name, ack, { ok: false, error: body });
      },
    );
  });
}
