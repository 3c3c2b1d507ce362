// The technicians' alerts for the board's call list, and the operator's short message to one
// site's page or to every page (the board sends it over its socket; this is the same for
// scripts and for a quick test by hand).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { parseOr400 } from '../validation.js';

const alertsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(200) });
const messageBody = z.strictObject({
  siteId: z.string().min(1).max(100).nullable().default(null),
  text: z.string().trim().min(1, 'expected the message').max(500, 'expected at most 500 characters'),
});

export async function alertRoutes(app: FastifyInstance) {
  app.get('/api/alerts', async (req) => {
    const { limit } = parseOr400(alertsQuery, req.query, 'query');
    const { alerts } = app.deps;
    return { alerts: alerts ? await alerts.list(limit) : [] };
  });

  app.post('/api/messages', async (req) => {
    const { siteId, text } = parseOr400(messageBody, req.body ?? {}, 'body');
    const { alerts } = app.deps;
    if (!alerts) throw new AppError('conflict', 'messages to the pages are not available on this server');
    return alerts.message(siteId, text);
  });
}
