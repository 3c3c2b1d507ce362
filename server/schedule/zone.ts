// Wall-clock times in a named time zone, without a library: the briefing is planned in
// Vietnam time (08:00 on 22 June 2012 is 01:00 UTC) and stored in UTC.

/** The zone's offset from UTC in minutes at the instant `utcMs`. */
export function zoneOffsetMinutes(timeZone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** The UTC instant of a wall-clock date and time ("2012-06-22", "08:00") in a zone. */
export function zonedToUtc(date: string, time: string, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes settle the offset even across a DST change (Vietnam has none; others may).
  let utc = guess - zoneOffsetMinutes(timeZone, guess) * 60_000;
  utc = guess - zoneOffsetMinutes(timeZone, utc) * 60_000;
  return new Date(utc);
}

/** "2012-06-21" for the day before a date. */
export function dayBefore(date: string): string {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, mo - 1, d - 1)).toISOString().slice(0, 10);
}

/** An instant shown in a zone, e.g. "2012-06-22 08:00 (UTC+07:00)". */
export function formatInZone(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  const off = zoneOffsetMinutes(timeZone, ms);
  const local = new Date(ms + off * 60_000).toISOString();
  const sign = off >= 0 ? '+' : '-';
  const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
  const mm = String(Math.abs(off) % 60).padStart(2, '0');
  return `${local.slice(0, 10)} ${local.slice(11, 16)} (UTC${sign}${hh}:${mm})`;
}
