/** Send times in the shop's time zone: daily and weekly sends, quiet hours, daylight-saving days, period keys. */
import { describe, expect, it } from "vitest";
import {
  dailyPeriodKey,
  immediateSendTime,
  inQuietHours,
  isValidTimeZone,
  lastDailySend,
  lastWeeklySend,
  localDateTime,
  nextDailySend,
  nextWeeklySend,
  weeklyPeriodKey,
  zonedTimeToInstant,
  type ShopSchedule,
} from "../../../app/alerts/schedule";
import { addDays } from "../../../app/forecasting";

const LONDON = "Europe/London";
const NEW_YORK = "America/New_York";
const at = (iso: string) => new Date(iso);
const utc = (date: Date) => date.toISOString();

function schedule(over: Partial<ShopSchedule> = {}): ShopSchedule {
  return { timeZone: LONDON, deliveryHour: 8, weeklyDay: "monday", quietHours: { start: 22, end: 7 }, ...over };
}

describe("time zones", () => {
  it("reads the local wall clock", () => {
    expect(localDateTime(at("2026-07-01T23:30:00Z"), LONDON)).toEqual({ date: "2026-07-02", hour: 0, minute: 30, second: 0 });
    expect(localDateTime(at("2026-01-01T04:59:59Z"), NEW_YORK)).toEqual({ date: "2025-12-31", hour: 23, minute: 59, second: 59 });
    expect(localDateTime(at("2026-01-01T00:00:00Z"), "Asia/Kolkata")).toEqual({ date: "2026-01-01", hour: 5, minute: 30, second: 0 });
  });

  it("turns an ordinary local time into an instant", () => {
    expect(utc(zonedTimeToInstant("2026-01-15", 8, 0, LONDON))).toBe("2026-01-15T08:00:00.000Z");
    expect(utc(zonedTimeToInstant("2026-07-15", 8, 0, LONDON))).toBe("2026-07-15T07:00:00.000Z");
    expect(utc(zonedTimeToInstant("2026-07-15", 8, 0, NEW_YORK))).toBe("2026-07-15T12:00:00.000Z");
    expect(utc(zonedTimeToInstant("2026-07-15", 0, 0, "Asia/Kathmandu"))).toBe("2026-07-14T18:15:00.000Z");
    expect(utc(zonedTimeToInstant("2026-07-15", 8, 0, "Australia/Sydney"))).toBe("2026-07-14T22:00:00.000Z");
  });

  it("spring forward: a local time in the gap moves forward by the gap (London 2026-03-29, 01:00 → 02:00)", () => {
    expect(utc(zonedTimeToInstant("2026-03-29", 0, 30, LONDON))).toBe("2026-03-29T00:30:00.000Z"); // 00:30 GMT
    expect(utc(zonedTimeToInstant("2026-03-29", 1, 0, LONDON))).toBe("2026-03-29T01:00:00.000Z"); // = 02:00 BST
    expect(utc(zonedTimeToInstant("2026-03-29", 1, 30, LONDON))).toBe("2026-03-29T01:30:00.000Z"); // = 02:30 BST
    expect(utc(zonedTimeToInstant("2026-03-29", 2, 30, LONDON))).toBe("2026-03-29T01:30:00.000Z"); // 02:30 BST
    expect(localDateTime(zonedTimeToInstant("2026-03-29", 1, 30, LONDON), LONDON)).toMatchObject({ hour: 2, minute: 30 });
  });

  it("spring forward: New York 2026-03-08, 02:00 → 03:00", () => {
    expect(utc(zonedTimeToInstant("2026-03-08", 1, 30, NEW_YORK))).toBe("2026-03-08T06:30:00.000Z"); // 01:30 EST
    expect(utc(zonedTimeToInstant("2026-03-08", 2, 30, NEW_YORK))).toBe("2026-03-08T07:30:00.000Z"); // = 03:30 EDT
    expect(utc(zonedTimeToInstant("2026-03-08", 3, 30, NEW_YORK))).toBe("2026-03-08T07:30:00.000Z"); // 03:30 EDT
  });

  it("fall back: a local time that happens twice means its first occurrence", () => {
    // London 2026-10-25: 01:00–02:00 BST, then 01:00–02:00 GMT.
    expect(utc(zonedTimeToInstant("2026-10-25", 1, 30, LONDON))).toBe("2026-10-25T00:30:00.000Z"); // 01:30 BST
    expect(utc(zonedTimeToInstant("2026-10-25", 2, 30, LONDON))).toBe("2026-10-25T02:30:00.000Z"); // 02:30 GMT
    // New York 2026-11-01: 01:00–02:00 EDT, then 01:00–02:00 EST.
    expect(utc(zonedTimeToInstant("2026-11-01", 1, 30, NEW_YORK))).toBe("2026-11-01T05:30:00.000Z"); // 01:30 EDT
    expect(utc(zonedTimeToInstant("2026-11-01", 2, 30, NEW_YORK))).toBe("2026-11-01T07:30:00.000Z"); // 02:30 EST
  });

  it("knows valid zones and refuses others clearly", () => {
    expect(isValidTimeZone(LONDON)).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(() => nextDailySend(schedule({ timeZone: "Mars/Olympus_Mons" }), at("2026-03-01T00:00:00Z"))).toThrow(/unknown time zone/);
    expect(() => zonedTimeToInstant("2026-03-01", 24, 0, LONDON)).toThrow(RangeError);
  });
});

describe("daily digest", () => {
  it("goes at the local delivery hour today if still to come, else tomorrow", () => {
    expect(nextDailySend(schedule(), at("2026-01-15T06:00:00Z"))).toEqual({
      at: at("2026-01-15T08:00:00Z"),
      localDate: "2026-01-15",
      periodKey: "daily:2026-01-15",
    });
    expect(nextDailySend(schedule(), at("2026-01-15T08:00:00Z")).at).toEqual(at("2026-01-15T08:00:00Z"));
    expect(nextDailySend(schedule(), at("2026-01-15T08:00:01Z")).periodKey).toBe("daily:2026-01-16");
    // The local date, not the UTC one: 20:00 in New York is already tomorrow in UTC.
    expect(nextDailySend(schedule({ timeZone: NEW_YORK, deliveryHour: 21 }), at("2026-01-16T01:00:00Z"))).toEqual({
      at: at("2026-01-16T02:00:00Z"),
      localDate: "2026-01-15",
      periodKey: "daily:2026-01-15",
    });
  });

  it("keeps the local hour across the spring-forward and fall-back days (London)", () => {
    const s = schedule({ deliveryHour: 8 });
    expect(nextDailySend(s, at("2026-03-28T12:00:00Z")).at).toEqual(at("2026-03-29T07:00:00Z")); // 08:00 BST
    expect(nextDailySend(s, at("2026-03-27T12:00:00Z")).at).toEqual(at("2026-03-28T08:00:00Z")); // 08:00 GMT
    expect(nextDailySend(s, at("2026-10-24T12:00:00Z")).at).toEqual(at("2026-10-25T08:00:00Z")); // 08:00 GMT
  });

  it("a delivery hour inside the spring-forward gap sends once, when the clocks jump", () => {
    const london = schedule({ deliveryHour: 1 });
    expect(nextDailySend(london, at("2026-03-28T23:00:00Z"))).toEqual({
      at: at("2026-03-29T01:00:00Z"),
      localDate: "2026-03-29",
      periodKey: "daily:2026-03-29",
    });
    expect(nextDailySend(london, at("2026-03-29T01:00:01Z")).at).toEqual(at("2026-03-30T00:00:00Z")); // 01:00 BST next day
    const newYork = schedule({ timeZone: NEW_YORK, deliveryHour: 2 });
    expect(nextDailySend(newYork, at("2026-03-08T05:00:00Z")).at).toEqual(at("2026-03-08T07:00:00Z")); // 03:00 EDT
  });

  it("a delivery hour that happens twice sends at the first one only (New York 2026-11-01, 01:00)", () => {
    const s = schedule({ timeZone: NEW_YORK, deliveryHour: 1 });
    expect(nextDailySend(s, at("2026-11-01T04:00:00Z"))).toEqual({
      at: at("2026-11-01T05:00:00Z"),
      localDate: "2026-11-01",
      periodKey: "daily:2026-11-01",
    });
    // During the repeated hour (01:30 EST) the next digest is tomorrow's, not a second one today.
    expect(nextDailySend(s, at("2026-11-01T06:30:00Z"))).toEqual({
      at: at("2026-11-02T06:00:00Z"),
      localDate: "2026-11-02",
      periodKey: "daily:2026-11-02",
    });
  });

  it("gives one send per local day through both changes, each at the local hour", () => {
    for (const [timeZone, from, days] of [
      [LONDON, "2026-03-25T00:00:00Z", 40],
      [LONDON, "2026-10-20T00:00:00Z", 10],
      [NEW_YORK, "2026-03-05T00:00:00Z", 10],
      [NEW_YORK, "2026-10-28T00:00:00Z", 10],
    ] as const) {
      for (const deliveryHour of [0, 1, 2, 3, 8, 23]) {
        const s = schedule({ timeZone, deliveryHour });
        let now = at(from);
        const keys: string[] = [];
        let previous: string | null = null;
        for (let i = 0; i < days; i++) {
          const next = nextDailySend(s, now);
          keys.push(next.periodKey);
          // No local day skipped or repeated.
          if (previous !== null) expect(next.localDate).toBe(addDays(previous, 1));
          previous = next.localDate;
          const local = localDateTime(next.at, timeZone);
          expect(local.date).toBe(next.localDate);
          // The hour itself, or the first hour after a gap it fell into.
          expect([deliveryHour, deliveryHour + 1]).toContain(local.hour);
          now = new Date(next.at.getTime() + 1);
        }
        expect(new Set(keys).size).toBe(days);
      }
    }
  });
});

describe("weekly send", () => {
  it("goes on the weekly day at the delivery hour", () => {
    const s = schedule({ weeklyDay: "monday", deliveryHour: 8 });
    // Sunday of the spring-forward change → Monday 08:00 BST.
    expect(nextWeeklySend(s, at("2026-03-29T12:00:00Z"))).toEqual({
      at: at("2026-03-30T07:00:00Z"),
      localDate: "2026-03-30",
      periodKey: "weekly:2026-W14",
    });
    expect(nextWeeklySend(s, at("2026-03-30T06:59:00Z")).at).toEqual(at("2026-03-30T07:00:00Z"));
    expect(nextWeeklySend(s, at("2026-03-30T07:30:00Z")).at).toEqual(at("2026-04-06T07:00:00Z"));
  });

  it("on the day of a change: Sunday 2026-11-01 in New York at 01:00 sends at the first 01:00", () => {
    const s = schedule({ timeZone: NEW_YORK, weeklyDay: "sunday", deliveryHour: 1 });
    expect(nextWeeklySend(s, at("2026-10-30T12:00:00Z")).at).toEqual(at("2026-11-01T05:00:00Z"));
    expect(nextWeeklySend(s, at("2026-11-01T06:30:00Z")).at).toEqual(at("2026-11-08T06:00:00Z"));
  });

  it("uses the shop's weekday, not UTC's", () => {
    // Monday 00:30 in Tokyo is Sunday 15:30 UTC.
    const s = schedule({ timeZone: "Asia/Tokyo", weeklyDay: "monday", deliveryHour: 9 });
    expect(nextWeeklySend(s, at("2026-03-29T15:30:00Z"))).toMatchObject({ at: at("2026-03-30T00:00:00Z"), localDate: "2026-03-30" });
  });

  it("keys the period by ISO week, so changing the weekly day cannot send twice in a week", () => {
    expect(weeklyPeriodKey("2026-03-30")).toBe("weekly:2026-W14");
    expect(weeklyPeriodKey("2026-04-05")).toBe("weekly:2026-W14");
    expect(weeklyPeriodKey("2026-01-01")).toBe("weekly:2026-W01");
    expect(weeklyPeriodKey("2027-01-01")).toBe("weekly:2026-W53");
    expect(weeklyPeriodKey("2024-12-30")).toBe("weekly:2025-W01");
    expect(dailyPeriodKey("2026-03-29")).toBe("daily:2026-03-29");
  });
});

describe("quiet hours", () => {
  it("start inclusive, end exclusive, wrapping midnight", () => {
    const night = { start: 22, end: 7 };
    expect([21, 22, 23, 0, 6, 7, 12].map((h) => inQuietHours(h, night))).toEqual([false, true, true, true, true, false, false]);
    const day = { start: 13, end: 15 };
    expect([12, 13, 14, 15].map((h) => inQuietHours(h, day))).toEqual([false, true, true, false]);
  });

  it("lets an immediate alert go now outside quiet hours or without them", () => {
    const now = at("2026-06-10T12:00:00Z");
    expect(immediateSendTime(schedule(), now)).toEqual({ at: now, held: false });
    expect(immediateSendTime(schedule({ quietHours: null }), at("2026-06-10T23:00:00Z"))).toEqual({
      at: at("2026-06-10T23:00:00Z"),
      held: false,
    });
  });

  it("holds an immediate alert inside quiet hours until they end, across midnight", () => {
    // 22:30 BST → 07:00 BST the next morning.
    expect(immediateSendTime(schedule(), at("2026-06-10T21:30:00Z"))).toEqual({ at: at("2026-06-11T06:00:00Z"), held: true });
    // 04:00 BST → 07:00 BST the same morning.
    expect(immediateSendTime(schedule(), at("2026-06-11T03:00:00Z"))).toEqual({ at: at("2026-06-11T06:00:00Z"), held: true });
    // 06:59 → still quiet; 07:00 → goes.
    expect(immediateSendTime(schedule(), at("2026-06-11T05:59:00Z")).held).toBe(true);
    expect(immediateSendTime(schedule(), at("2026-06-11T06:00:00Z")).held).toBe(false);
  });

  it("quiet hours ending inside the spring-forward gap end when the clocks jump (New York, 22 → 2)", () => {
    const s = schedule({ timeZone: NEW_YORK, quietHours: { start: 22, end: 2 } });
    expect(immediateSendTime(s, at("2026-03-08T06:30:00Z"))).toEqual({ at: at("2026-03-08T07:00:00Z"), held: true }); // 01:30 EST → 03:00 EDT
    expect(immediateSendTime(s, at("2026-03-08T07:00:00Z")).held).toBe(false);
  });

  it("quiet hours ending at the repeated hour end at its first occurrence (London 2026-10-25, 22 → 1)", () => {
    const s = schedule({ quietHours: { start: 22, end: 1 } });
    expect(immediateSendTime(s, at("2026-10-24T23:30:00Z"))).toEqual({ at: at("2026-10-25T00:00:00Z"), held: true }); // 00:30 BST → 01:00 BST
    expect(immediateSendTime(s, at("2026-10-25T01:30:00Z")).held).toBe(false); // 01:30 GMT, the repeat
  });

  it("quiet hours over the repeated hour hold through both passes (New York 2026-11-01, 1 → 2)", () => {
    const s = schedule({ timeZone: NEW_YORK, quietHours: { start: 1, end: 2 } });
    expect(immediateSendTime(s, at("2026-11-01T05:30:00Z"))).toEqual({ at: at("2026-11-01T07:00:00Z"), held: true }); // 01:30 EDT → 02:00 EST
    expect(immediateSendTime(s, at("2026-11-01T06:30:00Z"))).toEqual({ at: at("2026-11-01T07:00:00Z"), held: true }); // 01:30 EST
  });
});

describe("the last send due (what a digest tick owes)", () => {
  const london = { timeZone: "Europe/London", deliveryHour: 8, weeklyDay: "monday" as const, quietHours: null };
  it("is today's delivery hour once it has passed, else yesterday's", () => {
    expect(lastDailySend(london, new Date("2026-12-07T08:05:00Z"))).toMatchObject({ periodKey: "daily:2026-12-07" });
    expect(lastDailySend(london, new Date("2026-12-07T07:55:00Z"))).toMatchObject({ periodKey: "daily:2026-12-06" });
    // Summer time: 08:00 in London is 07:00 UTC.
    expect(lastDailySend(london, new Date("2026-07-01T07:00:00Z")).at.toISOString()).toBe("2026-07-01T07:00:00.000Z");
  });
  it("is this week's weekly day when it has passed, else last week's", () => {
    // Monday 7 December 2026.
    expect(lastWeeklySend(london, new Date("2026-12-07T09:00:00Z"))).toMatchObject({
      localDate: "2026-12-07",
      periodKey: "weekly:2026-W50",
    });
    expect(lastWeeklySend(london, new Date("2026-12-07T07:00:00Z"))).toMatchObject({
      localDate: "2026-11-30",
      periodKey: "weekly:2026-W49",
    });
    expect(lastWeeklySend(london, new Date("2026-12-10T12:00:00Z"))).toMatchObject({ localDate: "2026-12-07" });
  });
});
