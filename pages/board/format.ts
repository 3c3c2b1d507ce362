// Numbers and times as the board shows them. Times are in the server's TIME_ZONE (GET
// /api/conference names it) whatever the PC's own zone: the briefing's schedule is written in
// it, and an operator in another zone must see the times the provinces see.
import { signal } from '@preact/signals';
import { lang, t } from './i18n.js';

/** The server's zone; the PC's own until the server has said (nothing is shown before that). */
export const timeZone = signal(Intl.DateTimeFormat().resolvedOptions().timeZone);

const DAY_MS = 86_400_000;

const locale = () => (lang.value === 'en' ? 'en-GB' : 'vi-VN');

/** Formatters are slow to make and a metrics push words 64 times: one per zone, language and shape. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(shape: string, options: Intl.DateTimeFormatOptions, loc = locale()): Intl.DateTimeFormat {
  const key = `${shape}|${loc}|${timeZone.value}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(loc, { ...options, timeZone: timeZone.value });
    formatters.set(key, f);
  }
  return f;
}

const valid = (iso: string | null | undefined): Date | null => {
  const d = iso ? new Date(iso) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};

export function clock(iso: string | null | undefined, seconds = false): string {
  const d = valid(iso);
  if (!d) return '';
  const options = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  return seconds ? formatter('hms', { ...options, second: '2-digit' }).format(d) : formatter('hm', options).format(d);
}

export function dateTime(iso: string | null | undefined): string {
  const d = valid(iso);
  return d ? formatter('dt', { dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' }).format(d) : '';
}

/** The zone's wall-clock date of an instant, as YYYY-MM-DD. */
function zoneDay(ms: number): string {
  // en-CA writes a date as YYYY-MM-DD.
  return formatter('day', { year: 'numeric', month: '2-digit', day: '2-digit' }, 'en-CA').format(ms);
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffset(ms: number): number {
  const parts = formatter(
    'offset',
    { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' },
    'en-US',
  ).formatToParts(ms);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
  return wall - Math.floor(ms / 60_000) * 60_000;
}

/** Midnight today in the zone, as an ISO time (for GET /api/events?since=). */
export function startOfToday(now = Date.now()): string {
  const midnight = Date.parse(`${zoneDay(now)}T00:00:00Z`);
  // Twice: the offset at midnight may differ from now's across a daylight-saving change.
  const first = midnight - zoneOffset(midnight);
  return new Date(midnight - zoneOffset(first)).toISOString();
}

/** A day in the zone as YYYY-MM-DD: today, or `plusDays` from it (tomorrow is 1). */
export function zoneDate(now = Date.now(), plusDays = 0): string {
  return new Date(Date.parse(`${zoneDay(now)}T00:00:00Z`) + plusDays * DAY_MS).toISOString().slice(0, 10);
}

/** "giờ Việt Nam" for the briefing's usual zone, "giờ Europe/Paris" for another. */
export function zoneName(): string {
  const zone = timeZone.value;
  return zone === 'Asia/Ho_Chi_Minh' || zone === 'Asia/Saigon' ? t('zone.vietnam') : t('zone.named', { zone });
}

/** "2012-06-21" for the day before "2012-06-22". */
export function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

/** "2012-06-22" → "22/06/2012", the way a day is written in Vietnam. */
export const dmy = (date: string): string => date.split('-').reverse().join('/');

/**
 * A session's start as the schedule's own wall clock, "16:30 21/06/2012", from the server's
 * "2012-06-21 16:30 (UTC+07:00)"; its offset is shown only when it is not the board's zone's.
 */
export function wallClock(local: string, fallbackIso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) \(UTC([+-])(\d{2}):(\d{2})\)$/.exec(local);
  if (!m) return dateTime(fallbackIso);
  const [, day = '', time, sign, hh, mm] = m;
  const offset = (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm)) * 60_000;
  const ours = offset === zoneOffset(Date.parse(fallbackIso));
  return `${time} ${dmy(day)}${ours ? '' : ` (UTC${sign}${hh}:${mm})`}`;
}

/** A metric or null as text: rounded to `digits`, with the locale's decimal mark. */
export function num(value: number | null | undefined, digits = 0): string | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return value.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
