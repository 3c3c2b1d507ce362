import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../validation.js';

const siteParams = z.object({ id: z.string().min(1).max(100) });
const muteBody = z.strictObject({ muted: z.boolean({ error: 'expected { "muted": true | false }' }) });

export async function siteRoutes(app: FastifyInstance) {
  app.get('/api/sites', async () => {
    const { roster, status, store } = app.deps;
    // Each site's result in the latest rehearsal that has begun, for the board's flag.
    const now = Date.now();
    const last = (await store.listSessions())
      // Only a rehearsal that really opened counts (not one cancelled or missed before it began).
      .filter((x) => x.kind === 'rehearsal' && x.openedAt !== undefined && Date.parse(x.startsAt) <= now)
      .at(-1);
    const results = last
      ? new Map((await store.getRehearsalResults(last.id)).map((r) => [r.siteId, r.result]))
      : new Map();
    return {
      counts: status.counts(),
      lastRehearsal: last
        ? { sessionId: last.id, title: last.title, startsAt: last.startsAt, status: last.status }
        : null,
      sites: roster.sites.map((site) => {
        const s = status.get(site.id);
        return {
          ...site,
          state: s?.state ?? 'offline',
          since: s?.since ?? null,
          reason: s?.reason ?? null,
          transport: s?.transport ?? null,
          flags: s?.flags ?? {},
          metrics: s?.metrics ?? {},
          lastRehearsal:
            last?.siteIds.includes(site.id) === true
              ? (results.get(site.id) ?? (last.status === 'open' ? null : 'absent'))
              : null,
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
    // The old link stops working at once; connections made with it close on every instance.
    const url = await app.deps.credentials.reissue(id);
    app.deps.outbox.event({ type: 'site.link-reissued', siteId: id }).catch((err: Error) => {
      req.log.error({ err: err.message, site: id }, 'could not record a re-issue');
    });
    req.log.info({ site: id }, 'join link re-issued');
    return { siteId: id, url };
  });
}

export async function siteActionRoutes(app: FastifyInstance) {
  app.post('/api/sites/:id/mute', async (req) => {
    const { id } = parseOr400(siteParams, req.params, 'path');
    const { muted } = parseOr400(muteBody, req.body ?? {}, 'body');
    return app.deps.briefing.mute(id, muted);
  });

  app.post('/api/sites/:id/restart-ice', async (req) => {
    const { id } = parseOr400(siteParams, req.params, 'path');
    app.deps.briefing.requestIceRestart(id);
    return { siteId: id, requested: true };
  });

  app.post('/api/sites/:id/disconnect', async (req) => {
    const { id } = parseOr400(siteParams, req.params, 'path');
    return { siteId: id, disconnected: app.deps.briefing.disconnect(id, 'disconnected-by-operator') };
  });
}
