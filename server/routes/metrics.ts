// GET /metrics in Prometheus' text format. Operator token required: site states are not public.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { siteStates } from '../store/records.js';

export async function metricsRoutes(app: FastifyInstance) {
  // A stalled event loop delays pongs and pushes alike: worth watching on the day.
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  app.addHook('onClose', async () => loop.disable());
  app.get('/metrics', async (req, reply) => {
    app.requireOperator(req);
    const { status, briefing, media } = app.deps;
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    const counts = status.counts();
    metric(
      'giaoban_sites',
      'gauge',
      'Sites by state.',
      siteStates.map((s) => [`{state="${s}"}`, counts[s]]),
    );
    metric(
      'giaoban_site_state_changes_total',
      'counter',
      'Site state changes detected, by the state entered.',
      siteStates.map((s) => [`{to="${s}"}`, status.transitions[s]]),
    );
    metric('giaoban_alerts_total', 'counter', 'Alerts raised during live sessions.', [['', status.alerts]]);
    metric('giaoban_floor_changes_total', 'counter', 'Times the floor was given or taken.', [
      ['', briefing.floorChanges],
    ]);
    const usage = await media.usage().catch(() => []);
    metric(
      'giaoban_worker_cpu_seconds_total',
      'counter',
      'CPU time of each mediasoup worker.',
      usage.map((u) => [`{worker="${u.index}",pid="${u.pid}"}`, u.cpuMs / 1000]),
    );
    metric(
      'giaoban_worker_max_rss_bytes',
      'gauge',
      'Peak resident memory of each mediasoup worker.',
      usage.map((u) => [`{worker="${u.index}",pid="${u.pid}"}`, u.rssKb * 1024]),
    );
    const sockets = app.deps.sockets();
    metric('giaoban_sockets', 'gauge', 'Connected sockets by namespace.', [
      ['{namespace="site"}', sockets.site],
      ['{namespace="operator"}', sockets.operator],
    ]);
    metric('giaoban_event_loop_delay_seconds', 'gauge', 'Event loop delay of the server process since start.', [
      ['{quantile="0.5"}', loop.percentile(50) / 1e9],
      ['{quantile="0.99"}', loop.percentile(99) / 1e9],
      ['{quantile="1"}', loop.max / 1e9],
    ]);
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the server process.', [['', mem.rss]]);
    metric('process_cpu_seconds_total', 'counter', 'CPU time of the server process.', [
      ['', (cpu.user + cpu.system) / 1e6],
    ]);
    reply.type('text/plain; version=0.0.4');
    return `${lines.join('\n')}\n`;
  });
}
