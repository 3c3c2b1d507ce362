import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';

const siteParams = z.object({ id: z.string().min(1).max(100) });

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
    throw new AppError('bad_request', `invalid ${what}: ${detail}`);
  }
  return r.data;
}

export async function siteRoutes(app: FastifyInstance) {
  app.addHook('onRequest', async (req) => app.requireOperator(req));

  app.get('/api/sites', async () => {
    const { roster, store } = app.deps;
    const statuses = await store.getSiteStatuses();
    return {
      sites: roster.sites.map((site) => {
        const status = statuses.get(site.id);
        return {
          ...site,
          state: status?.state ?? 'offline',
          since: status?.since ?? null,
          flags: status?.flags ?? {},
          metrics: status?.metrics ?? {},
        };
      }),
    };
  });

  app.get('/api/sites/:id/join-link', async (req) => {
    const { id } = parseOr400(siteParams, req.params, 'path');
    return { siteId: id, url: await app.deps.credentials.joinLink(id) };
  });

  app.post('/api/sites/:id/reissue', async (req) => {
    const { id } = parseOr400(siteParams, req.params, 'path');
    const url = await app.deps.credentials.reissue(id);
    await app.deps.store.appendEvent({ type: 'site.link-reissued', siteId: id });
    // The old link must stop working at once, including a connection already made with it.
    app.deps.briefing.disconnect(id, 'link-reissued');
    req.log.info({ site: id }, 'join link re-issued');
    return { siteId: id, url };
  });
}
