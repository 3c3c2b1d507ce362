// GET /metrics in Prometheus' text format, for a scraper holding METRICS_TOKEN (read-only: it
// opens nothing else) or the operator. Site states are not public.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export async function metricsRoutes(app: FastifyInstance) {
  const { config, metrics } = app.deps;
  const scrapeToken = config.METRICS_TOKEN ? Buffer.from(`Bearer ${config.METRICS_TOKEN}`) : undefined;
  const isScraper = (header: string | undefined) => {
    if (!scrapeToken || !header) return false;
    const given = Buffer.from(header);
    return given.length === scrapeToken.length && timingSafeEqual(given, scrapeToken);
  };
  app.get('/metrics', async (req, reply) => {
    if (!isScraper(req.headers.authorization)) await app.operatorOnly(req);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
