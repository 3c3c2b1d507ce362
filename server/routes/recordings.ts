// The briefing's recordings for the operator: start, stop, list, and download each segment.
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import type { Recordings } from '../recording/recordings.js';
import { parseOr400 } from '../validation.js';

const startBody = z.strictObject({
  sessionId: z.string().min(1).max(100).optional(),
});
const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected a recording id') });
const segmentParams = idParams.extend({
  n: z.coerce.number({ error: 'expected a segment number' }).int().min(1).max(100_000),
});

export async function recordingRoutes(app: FastifyInstance) {
  const recordings = (): Recordings => {
    const r = app.deps.recordings;
    if (!r) throw new AppError('media_unavailable', 'recordings are not available on this service');
    return r;
  };

  app.get('/api/recordings', async () => ({ recordings: await recordings().list() }));

  app.post('/api/recordings', async (req, reply) => {
    const { sessionId } = parseOr400(startBody, req.body ?? {}, 'body');
    if (sessionId) await app.deps.sessions.get(sessionId); // 404 for an unknown session
    return reply.status(201).send(await recordings().start('operator', sessionId));
  });

  app.get('/api/recordings/:id', async (req) => recordings().get(parseOr400(idParams, req.params, 'path').id));

  app.post('/api/recordings/:id/stop', async (req) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    return recordings().stop(id, 'operator');
  });

  app.get('/api/recordings/:id/segments/:n', async (req, reply) => {
    const { id, n } = parseOr400(segmentParams, req.params, 'path');
    const file = await recordings().segmentFile(id, n);
    return reply
      .header('content-disposition', `attachment; filename="${file.name}"`)
      .header('content-length', String(file.bytes))
      .header('cache-control', 'no-store')
      .type('video/webm')
      .send(createReadStream(file.path));
  });
}
