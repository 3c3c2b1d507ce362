// Numbers and times as the board shows them. Times are Vietnam time whatever the PC's zone:
// the briefing's schedule is written in it.
import { getLang } from './i18n.js';

const ZONE = 'Asia/Ho_Chi_Minh';
/** Vietnam has kept UTC+7 without daylight saving since 1975. */
const VIETNAM_OFFSET_MS = 7 * 3600_000;
const DAY_MS = 86_400_000;

const locale = () => (getLang() === 'en' ? 'en-GB' : 'vi-VN');

export function clock(iso: string | null | undefined, seconds = false): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString(locale(), {
    timeZone: ZONE,
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hour12: false,
  });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(locale(), { timeZone: ZONE, dateStyle: 'short', timeStyle: 'medium', hour12: false });
}

/** Midnight today in Vietnam, as an ISO time (for GET /api/events?since=). */
export function startOfTodayInVietnam(now = Date.now()): string {
  return new Date(Math.floor((now + VIETNAM_OFFSET_MS) / DAY_MS) * DAY_MS - VIETNAM_OFFSET_MS).toISOString();
}

/** A day in Vietnam as YYYY-MM-DD: today, or `plusDays` from it (tomorrow is 1). */
export function vietnamDate(now = Date.now(), plusDays = 0): string {
  return new Date(now + VIETNAM_OFFSET_MS + plusDays * DAY_MS).toISOString().slice(0, 10);
}

/** "2012-06-21" for the day before "2012-06-22". */
export function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

/** "2012-06-22" → "22/06/2012", the way a day is written in Vietnam. */
export const dmy = (date: string): string => date.split('-').reverse().join('/');

/**
 * A session's start as the schedule's own wall clock, "16:30 21/06/2012", from the server's
 * "2012-06-21 16:30 (UTC+07:00)"; the offset is shown only when it is not Vietnam's.
 */
export function wallClock(local: string, fallbackIso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}) \((UTC[+-]\d{2}:\d{2})\)$/.exec(local);
  if (!m) return dateTime(fallbackIso);
  const [, y, mo, d, time, zone] = m;
  return `${time} ${dmy(`${y}-${mo}-${d}`)}${zone === 'UTC+07:00' ? '' : ` (${zone})`}`;
}

/** A metric or null as text: rounded to `digits`, with the locale's decimal mark. */
export function num(value: number | null | undefined, digits = 0): string | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return value.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
