// Parsing what a request carries: a zod failure becomes a bad_request naming each bad field.
import type { z } from 'zod';
import { AppError } from '../kernel/errors.js';

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
    throw new AppError('bad_request', `invalid ${what}: ${detail}`);
  }
  return r.data;
}
