/** UTC day arithmetic on ISO `YYYY-MM-DD` strings. Day numbers count days since 1970-01-01. */

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export function isIsoDate(s: string): boolean {
  const m = ISO_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Day number of an ISO date; throws on an invalid date. */
export function toDay(iso: string): number {
  if (!isIsoDate(iso)) throw new Error(`invalid date "${iso}" (expected YYYY-MM-DD)`);
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / MS_PER_DAY);
}

const dayCache = new Map<string, number>();

/** toDay, memoised (CSV files repeat the same few hundred dates for every series); NaN when invalid. */
export function toDayCached(iso: string): number {
  let d = dayCache.get(iso);
  if (d === undefined) {
    d = isIsoDate(iso) ? toDay(iso) : NaN;
    if (dayCache.size < 100_000) dayCache.set(iso, d);
  }
  return d;
}

export function fromDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(iso: string, n: number): string {
  return fromDay(toDay(iso) + n);
}

/** Weekday of a day number: 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}
