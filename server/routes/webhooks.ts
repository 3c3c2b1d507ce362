// The webhooks as the operator sees them: where each endpoint stands, the deliveries that kept
// failing (dead letters, with their payloads), this node's latest attempts, and a dead letter
// sent again by hand once its receiver is fixed.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { parseOr400 } from '../validation.js';

const deliveriesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50) });
const letterParams = z.object({ id: z.string().min(1).max(200) });

export async function webhookRoutes(app: FastifyInstance) {
  app.get('/api/webhooks/deliveries', async (req) => {
    const { limit } = parseOr400(deliveriesQuery, req.query, 'query');
    const { webhooks, store } = app.deps;
    if (webhooks) return { configured: true, ...(await webhooks.deliveries(limit)) };
    // Not configured (now): dead letters of an earlier configuration are still shown.
    const deadLetters = (await store.listWebhookDeadLetters()).map(({ payload, ...letter }) => ({
      ...letter,
      payload: JSON.parse(payload) as unknown,
    }));
    return { configured: false, leader: false, endpoints: [], deadLetters, recent: [] };
  });

  app.post('/api/webhooks/deliveries/:id/redeliver', async (req) => {
    const { id } = parseOr400(letterParams, req.params, 'path');
    const { webhooks } = app.deps;
    if (!webhooks) throw new AppError('conflict', 'webhooks are not configured: set WEBHOOK_URLS and WEBHOOK_SECRET');
    return webhooks.redeliver(id);
  });
}
