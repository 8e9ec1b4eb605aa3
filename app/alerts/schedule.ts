/**
 * When alert emails go out, in the shop's IANA time zone, with `Intl.DateTimeFormat` only: the next daily digest,
 * the next weekly send (weekly digest and weekly summary), and whether an immediate alert may go now or is held by
 * quiet hours. Pure: `now` is an argument.
 *
 * Daylight saving (decision 0041):
 * - a local time that does not exist (spring forward: 01:30 in Europe/London on 2026-03-29, 02:30 in
 *   America/New_York on 2026-03-08) is moved forward by the gap: 01:30 → 02:30 BST, 02:30 → 03:30 EDT; a delivery
 *   hour inside the gap sends when the clocks jump (hour 1 in London → 02:00 BST);
 * - a local time that exists twice (fall back: 01:30 on 2026-10-25 in London, on 2026-11-01 in New York) means
 *   its first occurrence; the repeated hour sends nothing more, the period key being the same local date.
 * This is the "compatible" disambiguation of Temporal and of RFC 5545.
 */
import { addDays, fromDay, toDay, weekday } from "../forecasting";
import type { Day } from "../forecasts/contract";
import { WEEKDAYS, type QuietHours, type Weekday } from "./rules";

export interface ShopSchedule {
  /** The shop's IANA time zone (e.g. "Europe/London"). */
  timeZone: string;
  /** Local hour of the daily digest and of the weekly send, 0–23. */
  deliveryHour: number;
  weeklyDay: Weekday;
  quietHours: QuietHours | null;
}

export interface ScheduledSend {
  at: Date;
  /** The local date the send belongs to. */
  localDate: Day;
  /** Idempotency key of the period ("daily:2026-03-29", "weekly:2026-W13"): one send per shop, email kind and period. */
  periodKey: string;
}

export interface LocalDateTime {
  date: Day;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      throw new RangeError(`unknown time zone "${timeZone}" (expected an IANA name such as "Europe/London")`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and time of `instant` in `timeZone`. */
export function localDateTime(instant: Date, timeZone: string): LocalDateTime {
  const p = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
  }
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return { date: `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`, hour: p.hour, minute: p.minute, second: p.second };
}

/** The wall clock at `ms` as if it were UTC, minus `ms`: the zone's offset then, to the second. */
function offsetAt(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const l = localDateTime(new Date(whole), timeZone);
  const [y, m, d] = l.date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d, l.hour, l.minute, l.second) - whole;
}

/**
 * The instant at which the wall clock in `timeZone` reads `date hour:minute`: the first one when it reads it
 * twice, the same time shifted forward by the gap when it never does (see the module comment).
 */
export function zonedTimeToInstant(date: Day, hour: number, minute: number, timeZone: string): Date {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isInteger(minute) || minute < 0 || minute > 59) {
    throw new RangeError(`zonedTimeToInstant: invalid time ${hour}:${minute}`);
  }
  const wall = toDay(date) * 86_400_000 + (hour * 60 + minute) * 60_000;
  // Offsets a day either side: the two a transition near this date can give (zones change at most once a day).
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  const valid = [wall - before, wall - after].filter((t) => offsetAt(t, timeZone) === wall - t);
  return new Date(valid.length > 0 ? Math.min(...valid) : wall - before);
}

export function dailyPeriodKey(date: Day): string {
  return `daily:${date}`;
}

/** The ISO 8601 week of the local date ("weekly:2026-W13"), so a changed weekly day cannot send twice in one week. */
export function weeklyPeriodKey(date: Day): string {
  const n = toDay(date);
  const thursday = n - weekday(n) + 3;
  const year = fromDay(thursday).slice(0, 4);
  const week = Math.floor((thursday - toDay(`${year}-01-01`)) / 7) + 1;
  return `weekly:${year}-W${String(week).padStart(2, "0")}`;
}

function send(date: Day, schedule: ShopSchedule, key: (date: Day) => string): ScheduledSend {
  return { at: zonedTimeToInstant(date, schedule.deliveryHour, 0, schedule.timeZone), localDate: date, periodKey: key(date) };
}

/** The first daily digest at or after `now`: the delivery hour of today (local) if still to come, else tomorrow's. */
export function nextDailySend(schedule: ShopSchedule, now: Date): ScheduledSend {
  const today = localDateTime(now, schedule.timeZone).date;
  const s = send(today, schedule, dailyPeriodKey);
  return s.at >= now ? s : send(addDays(today, 1), schedule, dailyPeriodKey);
}

/** The first weekly send (digest or summary) at or after `now`: the weekly day's delivery hour. */
export function nextWeeklySend(schedule: ShopSchedule, now: Date): ScheduledSend {
  const today = localDateTime(now, schedule.timeZone).date;
  const ahead = (WEEKDAYS.indexOf(schedule.weeklyDay) - weekday(toDay(today)) + 7) % 7;
  const s = send(addDays(today, ahead), schedule, weeklyPeriodKey);
  return s.at >= now ? s : send(addDays(today, ahead + 7), schedule, weeklyPeriodKey);
}

/** The last daily digest due at or before `now` (today's delivery hour if passed, else yesterday's): what a tick owes. */
export function lastDailySend(schedule: ShopSchedule, now: Date): ScheduledSend {
  const today = localDateTime(now, schedule.timeZone).date;
  const s = send(today, schedule, dailyPeriodKey);
  return s.at <= now ? s : send(addDays(today, -1), schedule, dailyPeriodKey);
}

/** The last weekly send due at or before `now`. */
export function lastWeeklySend(schedule: ShopSchedule, now: Date): ScheduledSend {
  const today = localDateTime(now, schedule.timeZone).date;
  const back = (weekday(toDay(today)) - WEEKDAYS.indexOf(schedule.weeklyDay) + 7) % 7;
  const s = send(addDays(today, -back), schedule, weeklyPeriodKey);
  return s.at <= now ? s : send(addDays(today, -back - 7), schedule, weeklyPeriodKey);
}

/** Whether a local hour falls in quiet hours (`start` inclusive, `end` exclusive, wrapping midnight when start > end). */
export function inQuietHours(hour: number, quiet: QuietHours): boolean {
  return quiet.start < quiet.end ? hour >= quiet.start && hour < quiet.end : hour >= quiet.start || hour < quiet.end;
}

/** When an immediate alert may go: `now`, or — inside quiet hours — the next time the local clock reaches their end. */
export function immediateSendTime(schedule: ShopSchedule, now: Date): { at: Date; held: boolean } {
  const quiet = schedule.quietHours;
  const local = localDateTime(now, schedule.timeZone);
  if (quiet === null || !inQuietHours(local.hour, quiet)) return { at: now, held: false };
  const end = zonedTimeToInstant(local.date, quiet.end, 0, schedule.timeZone);
  return { at: end > now ? end : zonedTimeToInstant(addDays(local.date, 1), quiet.end, 0, schedule.timeZone), held: true };
}
