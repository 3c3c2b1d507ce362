// The day's happenings for the timeline: the event log since midnight (GET /api/events) at
// sign-in, then what the pushes tell (state changes, floor, hands, mute, alerts). The same
// happening can arrive both ways (a push, then the log read after a reconnect), so entries
// are merged; the timeline renders from the `entries` signal.
import { signal } from '@preact/signals';
import type { ConferenceView } from '../../contract/index.js';
import type { EventEntry } from './api.js';
import type { SiteState } from './store.js';

export type TimedEvent = EventEntry & { readonly ms: number };

const PROBLEM_STATES: ReadonlySet<string> = new Set<SiteState>(['degraded', 'offline', 'connecting']);
/** Presence events repeat what the state changes say. */
const HIDDEN_TYPES: ReadonlySet<string> = new Set([
  'site.connected',
  'site.disconnected',
  // Each channel of a technician alert, and the webhooks' deliveries: the call list and GET
  // /api/webhooks/deliveries show them; the day's timeline would only repeat them.
  'technician.alert-sent',
  'webhook.failing',
  'webhook.recovered',
  'webhook.dead-lettered',
  'webhook.redelivered',
  'webhook.events-lost',
]);
/** A push and the logged event of the same happening are at most this far apart. */
const SAME_EVENT_MS = 5000;
const KEEP = 3000;
const FILTER_KEY = 'giaoBan.board.problemsOnly';

export const isProblem = (e: EventEntry) =>
  e.type === 'alert' || (e.type === 'site.state' && PROBLEM_STATES.has(String(e.data?.to)));

/** What identifies a happening, apart from its time. */
const identity = (e: EventEntry) => `${e.type}|${e.siteId ?? ''}|${String(e.data?.to ?? e.data?.kind ?? '')}`;

/** The operator's "problems only" choice, remembered in this browser. */
export const problemsOnly = signal(readFilter());

export function setProblemsOnly(on: boolean): void {
  problemsOnly.value = on;
  try {
    localStorage.setItem(FILTER_KEY, on ? '1' : '0');
  } catch {
    // storage disabled: the filter lasts for this page only
  }
}

function readFilter(): boolean {
  try {
    return localStorage.getItem(FILTER_KEY) === '1';
  } catch {
    return false;
  }
}

export class EventLog {
  /** Oldest first. */
  readonly entries = signal<readonly TimedEvent[]>([]);

  add(...events: EventEntry[]): void {
    const list = [...this.entries.peek()];
    let added = false;
    for (const e of events) {
      if (HIDDEN_TYPES.has(e.type)) continue;
      const ms = Date.parse(e.at);
      if (Number.isNaN(ms)) continue;
      const id = identity(e);
      if (list.some((x) => Math.abs(x.ms - ms) < SAME_EVENT_MS && identity(x) === id)) continue;
      let i = list.length;
      while (i > 0 && (list[i - 1]?.ms ?? 0) > ms) i--;
      list.splice(i, 0, { ...e, ms });
      added = true;
    }
    if (added) this.entries.value = list.slice(-KEEP);
  }
}

/** Timeline entries for what changed between two conference views (as the server logs them). */
export function conferenceNews(before: ConferenceView, after: ConferenceView): EventEntry[] {
  const at = new Date().toISOString();
  const news: EventEntry[] = [];
  if (before.floor !== after.floor) {
    if (after.floor) news.push({ type: 'floor.given', siteId: after.floor, at });
    else if (before.floor) news.push({ type: 'floor.taken', siteId: before.floor, at });
  }
  for (const id of after.hands) if (!before.hands.includes(id)) news.push({ type: 'hand.raised', siteId: id, at });
  for (const id of before.hands) {
    // A hand also goes down when the site gets the floor or leaves: the server logs neither.
    if (!after.hands.includes(id) && id !== after.floor && after.present.includes(id)) {
      news.push({ type: 'hand.lowered', siteId: id, at });
    }
  }
  for (const id of after.muted) if (!before.muted.includes(id)) news.push({ type: 'site.muted', siteId: id, at });
  for (const id of before.muted) if (!after.muted.includes(id)) news.push({ type: 'site.unmuted', siteId: id, at });
  return news;
}
