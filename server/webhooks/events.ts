// Which events of the log become webhooks, under which names, with what data. The event log is
// already durable and totally ordered (seq), so the webhooks follow it rather than keeping a
// queue of their own; this table is the only place that knows the names receivers see.
import type { Roster } from '../../config/roster.js';
import type { EventRecord } from '../../store/records.js';

export const webhookEventTypes = [
  'site.online',
  'site.offline',
  'site.degraded',
  'floor.changed',
  'hand.raised',
  'session.opened',
  'session.ended',
  'rehearsal.site-checked',
  'rehearsal.completed',
  'recording.started',
  'recording.stopped',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** The body of one webhook, in the Standard Webhooks shape: type, timestamp, data. */
export interface WebhookMessage {
  readonly type: WebhookEventType;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

/** The log's own type → the webhook's, for the events that map one to one. */
const sameName: Partial<Record<string, WebhookEventType>> = {
  'hand.raised': 'hand.raised',
  'session.opened': 'session.opened',
  'session.ended': 'session.ended',
  'rehearsal.checked': 'rehearsal.site-checked',
  'rehearsal.completed': 'rehearsal.completed',
  'recording.started': 'recording.started',
  'recording.stopped': 'recording.stopped',
};

const stateEvents: Partial<Record<string, WebhookEventType>> = {
  online: 'site.online',
  offline: 'site.offline',
  degraded: 'site.degraded',
};

/** The webhook an event of the log becomes, or undefined for the events receivers are not sent. */
export function toWebhook(event: EventRecord, roster: Roster): WebhookMessage | undefined {
  let type: WebhookEventType | undefined;
  let extra: Record<string, unknown> = {};
  if (event.type === 'site.state') type = stateEvents[String(event.data?.to)];
  else if (event.type === 'floor.given' || event.type === 'floor.taken') {
    type = 'floor.changed';
    const given = event.type === 'floor.given';
    // Who holds the floor now: the site given it, or nobody once it is taken back.
    extra = { action: given ? 'given' : 'taken', floor: given ? (event.siteId ?? null) : null };
  } else type = sameName[event.type];
  if (!type) return undefined;
  const site = event.siteId ? roster.get(event.siteId) : undefined;
  return {
    type,
    timestamp: event.at,
    data: {
      seq: event.seq,
      ...(event.siteId ? { siteId: event.siteId } : {}),
      ...(site ? { siteName: site.name } : {}),
      ...(event.sessionId ? { sessionId: event.sessionId } : {}),
      ...event.data,
      ...extra,
    },
  };
}
