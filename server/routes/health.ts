import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance) {
  // Alive: the process can still do its job or recover by itself. It fails only when it
  // cannot (a media worker could not be replaced), so a supervisor restarts it; a Redis
  // outage does not count: the conference runs through it.
  app.get('/healthz', async (_req, reply) => {
    const ok = app.deps.media.recoverable;
    return reply.status(ok ? 200 : 503).send(ok ? { ok } : { ok, error: 'a media worker could not be replaced' });
  });

  // Ready: media workers up and the store reachable.
  app.get('/readyz', async (_req, reply) => {
    const { media, store, outbox } = app.deps;
    let storeOk = true;
    let storeError: string | undefined;
    try {
      await store.ping();
    } catch (err) {
      storeOk = false;
      storeError = (err as Error).message;
    }
    const ready = media.healthy && storeOk;
    return reply.status(ready ? 200 : 503).send({
      ready,
      media: { healthy: media.healthy, workerPids: media.pids },
      store: {
        kind: store.kind,
        ok: storeOk,
        pendingWrites: outbox.pending,
        ...(storeError ? { error: storeError } : {}),
      },
    });
  });
}
