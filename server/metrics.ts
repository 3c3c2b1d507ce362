// The service's metrics, on prom-client: counters that the parts increment as things happen,
// and gauges read from the parts when Prometheus scrapes. One registry per service.
import { Counter, collectDefaultMetrics, Summary } from 'prom-client';
import type { Briefing } from '../briefing/briefing.js';
import { technicianAlertKinds } from '../contract/alerts.js';
import { countedBy, counter, createRegistry, gauge, type MetricsRegistry } from '../kernel/metrics.js';
import type { MediaPlane } from '../media/index.js';
import type { SignalingCounters } from '../signaling/index.js';
import type { Outbox } from '../store/outbox.js';
import { alertChannels, siteStates } from '../store/records.js';
import type { TechnicianAlerts } from './alerts/service.js';
import type { Recordings } from './recording/recordings.js';
import type { StatusService } from './status/service.js';
import type { WebhookDeliverer } from './webhooks/deliverer.js';

export interface MetricSources {
  readonly status: StatusService;
  readonly briefing: Briefing;
  readonly media: MediaPlane;
  readonly outbox: Outbox;
  readonly sockets: () => { site: number; operator: number };
}

export class ServiceMetrics {
  readonly registry: MetricsRegistry = createRegistry();
  readonly #faults = counter(
    this.registry,
    'giaoban_handler_errors_total',
    'Unexpected handler failures (bugs), by namespace and event.',
    ['namespace', 'event'],
  );
  readonly #limited = counter(
    this.registry,
    'giaoban_rate_limited_total',
    "Messages refused by a connection's rate limit, by namespace and event class.",
    ['namespace', 'class'],
  );
  readonly #authRefused = counter(
    this.registry,
    'giaoban_auth_refused_total',
    'Authentications refused, by surface and reason (invalid, throttled).',
    ['surface', 'reason'],
  );
  readonly unhandled = counter(
    this.registry,
    'giaoban_unhandled_rejections_total',
    'Promise rejections no code handled (logged; the process goes on).',
  );
  #loopTimer: NodeJS.Timeout | undefined;

  /** What signaling counts, as its port wants it. */
  readonly signaling: SignalingCounters = {
    fault: (namespace, event) => this.#faults.inc({ namespace, event: event.slice(0, 40) }),
    limited: (namespace, cls) => this.#limited.inc({ namespace, class: cls }),
    authRefused: (surface, reason) => this.#authRefused.inc({ surface, reason }),
  };

  httpAuthRefused(reason: 'invalid' | 'throttled'): void {
    this.#authRefused.inc({ surface: 'http', reason });
  }

  /** Gauges that read the parts at scrape time; called once the parts exist. */
  attach(s: MetricSources): void {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    gauge(r, 'giaoban_sites', 'Sites by state.', {
      labelNames: ['state'],
      collect() {
        const counts = s.status.counts();
        for (const state of siteStates) this.set({ state }, counts[state]);
      },
    });
    countedBy(
      r,
      'giaoban_site_state_changes_total',
      'Site state changes detected, by the state entered.',
      () => siteStates.map((to) => [{ to }, s.status.transitions[to]]),
      ['to'],
    );
    countedBy(r, 'giaoban_alerts_total', 'Alerts raised to the board during a rehearsal or the live session.', () => [
      [{}, s.status.alerts],
    ]);
    countedBy(r, 'giaoban_floor_changes_total', 'Times the floor was given or taken.', () => [
      [{}, s.briefing.floorChanges],
    ]);
    gauge(r, 'giaoban_sockets', 'Connected sockets by namespace.', {
      labelNames: ['namespace'],
      collect() {
        const n = s.sockets();
        this.set({ namespace: 'site' }, n.site);
        this.set({ namespace: 'operator' }, n.operator);
      },
    });
    // A worker's CPU time restarts with its replacement (a new pid label), as a counter should.
    const cpuSeen = new Map<string, number>();
    new Counter({
      name: 'giaoban_worker_cpu_seconds_total',
      help: 'CPU time of each mediasoup worker.',
      labelNames: ['worker', 'pid'],
      registers: [r],
      async collect() {
        for (const u of await s.media.usage()) {
          const key = `${u.index}/${u.pid}`;
          const seconds = u.cpuMs / 1000;
          this.inc({ worker: String(u.index), pid: String(u.pid) }, Math.max(0, seconds - (cpuSeen.get(key) ?? 0)));
          cpuSeen.set(key, seconds);
        }
      },
    });
    gauge(r, 'giaoban_worker_max_rss_bytes', 'Peak resident memory of each mediasoup worker.', {
      labelNames: ['worker', 'pid'],
      async collect() {
        this.reset();
        for (const u of await s.media.usage())
          this.set({ worker: String(u.index), pid: String(u.pid) }, u.rssKb * 1024);
      },
    });
    countedBy(r, 'giaoban_worker_deaths_total', 'mediasoup workers that died.', () => [[{}, s.media.workerDeaths]]);
    countedBy(r, 'giaoban_worker_replacements_total', 'mediasoup workers started to replace a dead one.', () => [
      [{}, s.media.workerReplacements],
    ]);
    gauge(r, 'giaoban_store_writes_pending', 'Writes waiting for the store to come back.', {
      collect() {
        this.set(s.outbox.pending);
      },
    });
    countedBy(
      r,
      'giaoban_store_writes_deferred_total',
      'Writes that waited for the store and were applied later.',
      () => [[{}, s.outbox.deferred]],
    );
    countedBy(r, 'giaoban_store_writes_dropped_total', 'Writes lost (queue full, or refused by the store).', () => [
      [{}, s.outbox.dropped],
    ]);
    // The event loop's delay, sampled every 50 ms: a stalled loop delays pongs and pushes alike.
    const loop = new Summary({
      name: 'giaoban_event_loop_delay_seconds',
      help: 'Event loop delay of the server process (last minute).',
      percentiles: [0.5, 0.99, 1],
      maxAgeSeconds: 60,
      ageBuckets: 6,
      registers: [r],
    });
    let expected = performance.now() + 50;
    this.#loopTimer = setInterval(() => {
      const now = performance.now();
      loop.observe(Math.max(0, now - expected) / 1000);
      expected = now + 50;
    }, 50);
    this.#loopTimer.unref();
  }

  /** Webhook deliveries and the technicians' alerts, read at scrape time. */
  attachNotifications(s: { webhooks?: WebhookDeliverer | undefined; alerts: TechnicianAlerts }): void {
    const r = this.registry;
    const { webhooks, alerts } = s;
    if (webhooks) {
      const c = webhooks.counts;
      countedBy(
        r,
        'giaoban_webhook_deliveries_total',
        'Webhook POSTs by result: delivered (2xx) or failed (an attempt that will be retried or dead-lettered).',
        () => [
          [{ result: 'delivered' }, c.delivered],
          [{ result: 'failed' }, c.failed],
        ],
        ['result'],
      );
      countedBy(r, 'giaoban_webhook_dead_letters_total', 'Webhook deliveries moved to the dead letters.', () => [
        [{}, c.deadLettered],
      ]);
      countedBy(r, 'giaoban_webhook_redeliveries_total', 'Dead letters delivered again by hand.', () => [
        [{}, c.redelivered],
      ]);
      countedBy(r, 'giaoban_webhook_events_lost_total', 'Events that left the bounded log before delivery.', () => [
        [{}, c.lost],
      ]);
    }
    const a = alerts.counts;
    countedBy(
      r,
      'giaoban_technician_alerts_total',
      'Alerts raised to the sites’ technicians (one per bout of trouble or failed check), by kind.',
      () => technicianAlertKinds.map((kind) => [{ kind }, a.raised[kind]]),
      ['kind'],
    );
    countedBy(
      r,
      'giaoban_technician_alert_deliveries_total',
      'Technician alerts sent, by channel (page, email, sms) and result (sent, failed).',
      () =>
        alertChannels.flatMap((channel) => [
          [{ channel, result: 'sent' }, a.sent[channel]] as [{ channel: string; result: string }, number],
          [{ channel, result: 'failed' }, a.failed[channel]] as [{ channel: string; result: string }, number],
        ]),
      ['channel', 'result'],
    );
    countedBy(r, 'giaoban_technician_alert_acks_total', 'Alerts the technician acknowledged on the page.', () => [
      [{}, a.acks],
    ]);
    countedBy(r, 'giaoban_operator_messages_total', 'Messages the operator sent to the pages.', () => [
      [{}, a.messages],
    ]);
  }

  /** The recordings, read at scrape time. */
  attachRecordings(recordings: Recordings): void {
    const r = this.registry;
    const c = recordings.counts;
    gauge(r, 'giaoban_recordings_active', 'Recordings running now.', {
      collect() {
        this.set(recordings.active);
      },
    });
    gauge(r, 'giaoban_recording_seconds', 'Seconds written so far by the running recordings.', {
      collect() {
        this.set(recordings.activeSeconds);
      },
    });
    countedBy(
      r,
      'giaoban_recordings_started_total',
      'Recordings started (by the live session or the operator).',
      () => [[{}, c.started]],
    );
    countedBy(r, 'giaoban_recordings_stopped_total', 'Recordings stopped.', () => [[{}, c.stopped]]);
    countedBy(r, 'giaoban_recording_segments_total', 'Recording segments (files) finished.', () => [[{}, c.segments]]);
    countedBy(
      r,
      'giaoban_recorder_restarts_total',
      'Recorder processes (ffmpeg) that ended by themselves and were started again.',
      () => [[{}, c.restarts]],
    );
    countedBy(
      r,
      'giaoban_recordings_refused_total',
      'Recordings refused, by reason (disk nearly full, one already running, no recorder installed).',
      () => Object.entries(c.refused).map(([reason, n]) => [{ reason }, n]),
      ['reason'],
    );
  }

  close(): void {
    clearInterval(this.#loopTimer);
    this.registry.clear();
  }
}
