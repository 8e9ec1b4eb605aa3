import { describe, expect, it } from "vitest";
import { addDays, fromDay, isIsoDate, toDay, weekday } from "~/forecasting/dates";
import { normInv, quantile } from "~/forecasting/stats";

describe("dates (UTC days)", () => {
  it("round-trips ISO dates and knows weekdays", () => {
    expect(toDay("1970-01-01")).toBe(0);
    expect(fromDay(toDay("2024-02-29"))).toBe("2024-02-29");
    expect(addDays("2011-12-31", 1)).toBe("2012-01-01");
    expect(weekday(toDay("2024-01-01"))).toBe(0); // Monday
    expect(weekday(toDay("2011-12-10"))).toBe(5); // Saturday
  });
  it("rejects impossible dates", () => {
    expect(isIsoDate("2011-02-29")).toBe(false);
    expect(isIsoDate("2011-2-3")).toBe(false);
    expect(() => toDay("2011-13-01")).toThrow(/invalid date/);
  });
});

describe("stats", () => {
  it("normInv matches the normal table", () => {
    expect(normInv(0.95)).toBeCloseTo(1.644854, 5);
    expect(normInv(0.975)).toBeCloseTo(1.959964, 5);
    expect(normInv(0.5)).toBeCloseTo(0, 6);
    expect(normInv(0.01)).toBeCloseTo(-2.326348, 5);
  });
  it("quantile interpolates like R type 7", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 10);
  });
});
