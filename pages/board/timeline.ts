// The day's timeline: the event log since midnight (GET /api/events) at sign-in, then what the
// pushes tell (state changes, floor, hands, mute, alerts), newest first. The same happening
// can arrive both ways (a push, then the log read after a reconnect), so entries are merged.
import type { EventEntry } from './api.js';
import { el } from './dom.js';
import { clock } from './format.js';
import { type StringKey, t } from './i18n.js';
import { type BoardModel, type SiteState, siteName } from './model.js';
import { reasonText } from './reasons.js';

const PROBLEM_STATES: ReadonlySet<string> = new Set<SiteState>(['degraded', 'offline', 'connecting']);
/** Presence events repeat what the state changes say. */
const HIDDEN_TYPES: ReadonlySet<string> = new Set(['site.connected', 'site.disconnected']);
/** A push and the logged event of the same happening are at most this far apart. */
const SAME_EVENT_MS = 5000;
const KEEP = 3000;
const SHOWN = 400;
const FILTER_KEY = 'giaoBan.board.problemsOnly';

const problem = (e: EventEntry) =>
  e.type === 'alert' || (e.type === 'site.state' && PROBLEM_STATES.has(String(e.data?.to)));

/** What identifies a happening, apart from its time. */
const identity = (e: EventEntry) => `${e.type}|${e.siteId ?? ''}|${String(e.data?.to ?? e.data?.kind ?? '')}`;

const eventKeys: Record<string, StringKey> = {
  'floor.given': 'ev.floorGiven',
  'floor.taken': 'ev.floorTaken',
  'hand.raised': 'ev.handRaised',
  'hand.lowered': 'ev.handLowered',
  'site.muted': 'ev.muted',
  'site.unmuted': 'ev.unmuted',
  'site.ice-restart-requested': 'ev.iceRestart',
  'site.link-reissued': 'ev.reissued',
};

const stateLabel = (s: unknown): string =>
  typeof s === 'string' && ['online', 'degraded', 'connecting', 'offline'].includes(s)
    ? t(`state.${s as SiteState}`)
    : String(s ?? '?');

export class Timeline {
  #events: (EventEntry & { ms: number })[] = [];
  #problemsOnly: boolean;
  #pending = false;

  constructor(
    readonly list: HTMLOListElement,
    readonly filter: HTMLInputElement,
    readonly model: BoardModel,
    signal: AbortSignal,
  ) {
    this.#problemsOnly = readFilter();
    filter.checked = this.#problemsOnly;
    filter.addEventListener(
      'change',
      () => {
        this.#problemsOnly = filter.checked;
        try {
          localStorage.setItem(FILTER_KEY, filter.checked ? '1' : '0');
        } catch {
          // storage disabled: the filter lasts for this page only
        }
        this.render();
      },
      { signal },
    );
  }

  add(...events: EventEntry[]): void {
    for (const e of events) {
      if (HIDDEN_TYPES.has(e.type)) continue;
      const ms = Date.parse(e.at);
      if (Number.isNaN(ms)) continue;
      const id = identity(e);
      if (this.#events.some((x) => Math.abs(x.ms - ms) < SAME_EVENT_MS && identity(x) === id)) continue;
      let i = this.#events.length;
      while (i > 0 && (this.#events[i - 1]?.ms ?? 0) > ms) i--;
      this.#events.splice(i, 0, { ...e, ms });
    }
    if (this.#events.length > KEEP) this.#events = this.#events.slice(-KEEP);
    this.#schedule();
  }

  /** Time of the newest entry (for reading what was missed after a reconnect). */
  get latest(): string | undefined {
    return this.#events.at(-1)?.at;
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.render();
    });
  }

  render(): void {
    const shown = this.#events
      .filter((e) => !this.#problemsOnly || problem(e))
      .slice(-SHOWN)
      .reverse();
    if (!shown.length) {
      this.list.replaceChildren(el('li', { class: 'timeline-empty' }, t('timeline.empty')));
      return;
    }
    this.list.replaceChildren(...shown.map((e) => this.#item(e)));
  }

  #item(e: EventEntry): HTMLLIElement {
    const name = siteName(this.model.site(e.siteId ?? ''), e.siteId ?? '');
    let text: string;
    let detail = '';
    if (e.type === 'site.state') {
      text = t('ev.state', { name, from: stateLabel(e.data?.from), to: stateLabel(e.data?.to) });
      if (problem(e) && typeof e.data?.reason === 'string') detail = reasonText(e.data.reason);
    } else if (e.type === 'alert') {
      text = t(e.data?.kind === 'degraded' ? 'ev.alert.degraded' : 'ev.alert.dropped', { name });
      if (typeof e.data?.reason === 'string') detail = reasonText(e.data.reason);
    } else {
      const key = eventKeys[e.type];
      text = key ? t(key, { name }) : t('ev.other', { type: e.type, name });
    }
    const to = e.type === 'site.state' ? String(e.data?.to ?? '') : '';
    return el(
      'li',
      {
        class: `timeline-item${problem(e) ? ' problem' : ''}`,
        'data-type': e.type,
        'data-to': to || undefined,
        'data-event-site': e.siteId,
      },
      el('time', { datetime: e.at }, clock(e.at, true)),
      el('span', { class: 'timeline-text' }, text),
      detail ? el('span', { class: 'timeline-detail' }, detail) : null,
    );
  }
}

function readFilter(): boolean {
  try {
    return localStorage.getItem(FILTER_KEY) === '1';
  } catch {
    return false;
  }
}
