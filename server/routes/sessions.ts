// Sessions and rehearsal reports, for the scheduler and the operator.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import type { Session } from '../../store/records.js';
import { buildReport, reportCsv, reportHtml } from '../rehearsal/report.js';
import { newSessionSchema, planSchema, sessionPatchSchema } from '../schedule/sessions.js';
import { formatInZone } from '../schedule/zone.js';
import { parseOr400 } from '../validation.js';

const idParams = z.object({ id: z.string().min(1).max(100) });
const siteParams = z.object({ id: z.string().min(1).max(100), siteId: z.string().min(1).max(100) });

export async function sessionRoutes(app: FastifyInstance) {
  const { config } = app.deps;
  const view = (s: Session) => ({
    ...s,
    startsAtLocal: formatInZone(s.startsAt, config.TIME_ZONE),
    endsAt: new Date(Date.parse(s.startsAt) + s.durationMinutes * 60_000).toISOString(),
    timeZone: config.TIME_ZONE,
  });
  const sessions = () => app.deps.sessions;

  app.get('/api/sessions', async () => ({ sessions: (await sessions().list()).map(view) }));

  app.post('/api/sessions', async (req, reply) => {
    const input = parseOr400(newSessionSchema, req.body ?? {}, 'body');
    return reply.status(201).send(view(await sessions().create(input)));
  });

  // One call sets up the day: the rehearsal at 16:30 the day before and the 08:00 live session.
  app.post('/api/sessions/plan', async (req, reply) => {
    const input = parseOr400(planSchema, req.body ?? {}, 'body');
    const [rehearsal, live] = await sessions().plan(input);
    return reply.status(201).send({ rehearsal: view(rehearsal), live: view(live) });
  });

  app.get('/api/sessions/:id', async (req) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    return view(await sessions().get(id));
  });

  app.patch('/api/sessions/:id', async (req) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    return view(await sessions().update(id, parseOr400(sessionPatchSchema, req.body ?? {}, 'body')));
  });

  app.post('/api/sessions/:id/cancel', async (req) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    return view(await sessions().cancel(id));
  });

  const report = async (id: string) => {
    const session = await sessions().get(id);
    if (session.kind !== 'rehearsal')
      throw new AppError('bad_request', 'reports are kept for rehearsals; this is a live session');
    return buildReport(session, await app.deps.store.getRehearsalResults(id), app.deps.roster);
  };

  app.get('/api/sessions/:id/report', async (req) => report(parseOr400(idParams, req.params, 'path').id));

  app.get('/api/sessions/:id/report.csv', async (req, reply) => {
    const r = await report(parseOr400(idParams, req.params, 'path').id);
    reply.header('content-disposition', `attachment; filename="bao-cao-kiem-tra-${r.startsAt.slice(0, 10)}.csv"`);
    return reply.type('text/csv; charset=utf-8').send(reportCsv(r));
  });

  app.get('/api/sessions/:id/report.html', async (req, reply) => {
    const r = await report(parseOr400(idParams, req.params, 'path').id);
    // A printable page with its own inline style and no script at all.
    return reply
      .header(
        'Content-Security-Policy',
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      )
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(reportHtml(r, config.TIME_ZONE));
  });

  app.post('/api/sessions/:id/sites/:siteId/retest', async (req) => {
    const { id, siteId } = parseOr400(siteParams, req.params, 'path');
    app.deps.rehearsals.retest(id, siteId);
    return { sessionId: id, siteId, retesting: true };
  });

  app.post('/api/sessions/:id/retest-failed', async (req) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const r = await report(id);
    const retesting: string[] = [];
    const notConnected: string[] = [];
    for (const s of r.sites.filter((x) => x.result !== 'pass')) {
      if (app.deps.briefing.isPresent(s.siteId)) {
        app.deps.rehearsals.retest(id, s.siteId);
        retesting.push(s.siteId);
      } else notConnected.push(s.siteId);
    }
    return { sessionId: id, retesting, notConnected };
  });
}
