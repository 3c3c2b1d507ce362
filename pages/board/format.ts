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

/** A metric or null as text: rounded to `digits`, with the locale's decimal mark. */
export function num(value: number | null | undefined, digits = 0): string | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return value.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
