import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../validation.js';

const eventQuery = z.strictObject({
  since: z.iso
    .datetime({ offset: true, error: 'expected an ISO 8601 time such as 2012-06-21T16:30:00+07:00' })
    .optional(),
  afterSeq: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export async function eventRoutes(app: FastifyInstance) {
  app.get('/api/events', async (req) => {
    const query = parseOr400(eventQuery, req.query, 'query');
    return { events: await app.deps.store.listEvents(query) };
  });
}
