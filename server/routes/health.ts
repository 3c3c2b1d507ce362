import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance) {
  // Alive: the process answers. Nothing else is checked, so an orchestrator does not kill a
  // server that only waits for Redis.
  app.get('/healthz', async () => ({ ok: true }));

  // Ready: media workers up and the store reachable.
  app.get('/readyz', async (_req, reply) => {
    const { media, store } = app.deps;
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
      store: { kind: store.kind, ok: storeOk, ...(storeError ? { error: storeError } : {}) },
    });
  });
}
