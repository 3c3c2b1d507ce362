// Binds a typed handler map to a socket: every inbound event is counted against its class's
// token bucket, parsed with its zod schema, handled, and acked with the one ack shape. Nothing
// a client sends can escape: a malformed, unknown, throttled or failing message (a synchronous
// throw or a rejection alike) becomes a typed error ack, and the connection and the conference
// carry on. A connection that keeps sending past its limits is closed; no other is touched.
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Ack, ErrorBody } from '../contract/index.js';
import { publicError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { type Rate, TokenBucket } from '../kernel/rate.js';

type Schemas = Record<string, z.ZodType>;
export type HandlerMap<S extends Schemas, Out extends { [E in keyof S]: unknown }> = {
  [E in keyof S]: (input: z.infer<S[E]>) => Promise<Out[E]> | Out[E];
};

export interface Limits<C extends string> {
  /** The bucket each event class draws from; unknown and invalid events draw from 'other'. */
  readonly rates: Record<C | 'other', Rate>;
  readonly classOf: (event: string) => C | undefined;
  /** Refusals within `floodWindowMs` after which the connection is closed as flooding. */
  readonly floodRefusals: number;
  readonly floodWindowMs: number;
}

export interface BindHooks {
  /** A handler failed with an unexpected error (a bug): counted and logged by the caller. */
  fault(event: string, err: unknown): void;
  /** An event was refused by its bucket. */
  limited(eventClass: string): void;
  /** The connection kept flooding past its limits: close it. */
  flooding(): void;
}

const describe = (issues: z.core.$ZodIssue[]) =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.').slice(0, 100) : 'payload'}: ${i.message.slice(0, 200)}`)
    .join('; ');

/**
 * Every input of the contract is a small JSON object (a browser's rtpCapabilities, the
 * largest, has about a thousand values a few levels deep). Anything far bigger, or binary, is
 * refused before its schema sees it: a strict schema lists every unknown key in its error, and
 * a 256 KiB Buffer has 256 Ki of them, which cost the event loop half a second and made a
 * 3 MB answer.
 */
const MAX_VALUES = 5000;
const MAX_DEPTH = 32;
function tooLarge(payload: unknown): string | undefined {
  const stack: [unknown, number][] = [[payload, 0]];
  let values = 0;
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, depth] = next;
    if (typeof value !== 'object' || value === null) continue;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'binary data is not part of any message';
    if (depth >= MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
    const children = Array.isArray(value) ? value : Object.values(value);
    values += children.length;
    if (values > MAX_VALUES) return `more than ${MAX_VALUES} values`;
    for (const child of children) stack.push([child, depth + 1]);
  }
  return undefined;
}

const printable = (event: unknown) => (typeof event === 'string' ? event : typeof event).slice(0, 60);

export function bindHandlers<S extends Schemas, Out extends { [E in keyof S]: unknown }, C extends string>(
  socket: Socket,
  schemas: S,
  handlers: HandlerMap<S, Out>,
  limits: Limits<C>,
  hooks: BindHooks,
  log: Logger,
): void {
  const buckets = new Map<string, TokenBucket>();
  const bucket = (cls: string) => {
    let b = buckets.get(cls);
    if (!b) {
      b = new TokenBucket(limits.rates[cls as C | 'other']);
      buckets.set(cls, b);
    }
    return b;
  };
  let refusals: number[] = [];
  let flooded = false;

  const reply = (event: string, ack: ((a: Ack<unknown>) => void) | undefined, result: Ack<unknown>) => {
    if (ack) ack(result);
    else if (!result.ok) socket.emit('protocol:error', { ...result.error, event });
  };
  const refuse = (event: string, ack: ((a: Ack<unknown>) => void) | undefined, error: ErrorBody) =>
    reply(event, ack, { ok: false, error });

  const onEvent = (event: unknown, args: unknown[]) => {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (a: Ack<unknown>) => void) : undefined;
    const payload = ack ? (args.length > 1 ? args[0] : {}) : args[0];
    const name = printable(event);
    const known = typeof event === 'string' && Object.hasOwn(schemas, event);
    const cls = (known ? limits.classOf(event) : undefined) ?? 'other';
    if (!bucket(cls).take()) {
      hooks.limited(cls);
      const now = Date.now();
      refusals = [...refusals.filter((t) => now - t < limits.floodWindowMs), now];
      if (refusals.length >= limits.floodRefusals && !flooded) {
        flooded = true;
        log.warn({ event: name, refusals: refusals.length }, 'connection flooding; closing it');
        hooks.flooding();
      }
      refuse(name, ack, { code: 'rate_limited', message: `too many "${cls}" messages; slow down` });
      return;
    }
    if (!known) {
      refuse(name, ack, { code: 'bad_request', message: `unknown event "${name}"` });
      return;
    }
    const oversized = tooLarge(payload);
    if (oversized) {
      refuse(name, ack, { code: 'bad_request', message: `invalid ${name}: payload: ${oversized}` });
      return;
    }
    const parsed = (schemas[event] as z.ZodType).safeParse(payload ?? {});
    if (!parsed.success) {
      refuse(name, ack, { code: 'bad_request', message: `invalid ${name}: ${describe(parsed.error.issues)}` });
      return;
    }
    const handler = handlers[event as keyof S] as (input: unknown) => unknown;
    // A handler that throws synchronously is turned into a rejection like any other failure.
    new Promise<unknown>((resolve) => resolve(handler(parsed.data))).then(
      (data) => reply(name, ack, { ok: true, data: data ?? {} }),
      (err: unknown) => {
        const body: ErrorBody = publicError(err);
        if (body.code === 'internal') hooks.fault(name, err);
        else log.debug({ code: body.code, event: name, msg: body.message }, 'request refused');
        reply(name, ack, { ok: false, error: body });
      },
    );
  };

  socket.onAny((event: unknown, ...args: unknown[]) => {
    try {
      onEvent(event, args);
    } catch (err) {
      // Only a bug in this function itself gets here (the handlers' errors are caught above).
      hooks.fault(printable(event), err);
    }
  });
}
