// The operator's REST API for the conference: the same reads and actions as the /operator
// socket namespace, for scripts and for a board that cannot hold a socket. The read also names
// the zone the briefing's clock runs in (TIME_ZONE): the board shows every time in it, and
// needs it before any session exists.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../validation.js';

const floorBody = z.strictObject({ siteId: z.string({ error: 'expected { "siteId": "<site id>" }' }).min(1).max(100) });

export async function conferenceRoutes(app: FastifyInstance) {
  app.get('/api/conference', async () => ({
    ...app.deps.briefing.view(),
    timeZone: app.deps.config.TIME_ZONE,
    media: app.deps.media.describe(),
  }));

  app.post('/api/floor', async (req) => {
    const { siteId } = parseOr400(floorBody, req.body ?? {}, 'body');
    return app.deps.briefing.giveFloor(siteId);
  });

  app.delete('/api/floor', async () => app.deps.briefing.takeFloor());
}
