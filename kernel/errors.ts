// Errors the service raises on purpose. Anything else is a bug: it is logged in full and the
// client only ever sees `internal` with a generic message.
import { type ErrorBody, type ErrorCode, errorStatus } from './error-codes.js';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): number {
    return errorStatus[this.code];
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** The body a client may see for any thrown value. */
export function publicError(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  return { code: 'internal', message: 'Internal error; the operator can find details in the server log.' };
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;
