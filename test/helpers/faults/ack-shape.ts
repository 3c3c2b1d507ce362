// The contract's one ack shape, checked strictly on everything a fuzzed service answers:
// `{ ok: true, data }` or `{ ok: false, error: { code, message } }` with a known code, and no
// stack trace in a message. A `protocol:error` push carries the same body plus the event.
import { errorCodes } from '../../../contract/index.js';

const codes = new Set<string>(errorCodes);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const keysAre = (v: Record<string, unknown>, keys: string[]) =>
  Object.keys(v).length === keys.length && keys.every((k) => Object.hasOwn(v, k));

/** What is wrong with an error body, or undefined. */
export function errorBodyProblem(body: unknown, extraKeys: string[] = []): string | undefined {
  if (!isRecord(body)) return `error is not an object: ${JSON.stringify(body)?.slice(0, 120)}`;
  if (!keysAre(body, ['code', 'message', ...extraKeys])) return `error has keys ${Object.keys(body).join(',')}`;
  if (typeof body.code !== 'string' || !codes.has(body.code)) return `unknown error code ${String(body.code)}`;
  if (typeof body.message !== 'string' || body.message.length === 0) return 'error message is not a string';
  if (/\n\s+at /.test(body.message)) return 'error message carries a stack trace';
  return undefined;
}

/** What is wrong with an ack, or undefined when it has the contract's shape. */
export function ackProblem(reply: unknown): string | undefined {
  if (!isRecord(reply)) return `ack is not an object: ${JSON.stringify(reply)?.slice(0, 120)}`;
  if (reply.ok === true) return keysAre(reply, ['ok', 'data']) ? undefined : `ok ack has keys ${Object.keys(reply)}`;
  if (reply.ok !== false) return `ack.ok is ${JSON.stringify(reply.ok)}`;
  if (!keysAre(reply, ['ok', 'error'])) return `error ack has keys ${Object.keys(reply)}`;
  return errorBodyProblem(reply.error);
}

export function protocolErrorProblem(push: unknown): string | undefined {
  return errorBodyProblem(push, ['event']);
}

/** The error code of an ack of the right shape, or 'ok'. */
export function ackCode(reply: unknown): string {
  if (!isRecord(reply)) return 'malformed';
  if (reply.ok === true) return 'ok';
  return isRecord(reply.error) && typeof reply.error.code === 'string' ? reply.error.code : 'malformed';
}
