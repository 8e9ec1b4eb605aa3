/**
 * The signals' quality checks (app/signals/quality.ts): implausible values, gaps beyond the limit and stale series
 * make a signal unusable with a reason; short gaps are filled; monthly series become daily.
 */
import { describe, expect, it } from "vitest";
import { addDays } from "../../../app/forecasting";
import { checkDaily, checkMonthly, QUALITY_RULES, type Point } from "../../../app/signals/quality";

function days(from: string, values: (number | null)[]): Point[] {
  return values.map((value, i) => ({ day: addDays(from, i), value }));
}

describe("checkDaily", () => {
  const range = { from: "2026-03-01", to: "2026-03-10" };

  it("passes a complete, plausible series as it is", () => {
    const outcome = checkDaily(days("2026-03-01", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), range, QUALITY_RULES.temperature_mean);
    expect(outcome).toEqual({ usable: true, daily: days("2026-03-01", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) });
  });

  it("fills a short inner gap linearly and carries the ends", () => {
    const outcome = checkDaily(days("2026-03-01", [null, 2, null, null, 8, 8, 8, 8, 9, null]), range, QUALITY_RULES.temperature_mean);
    expect(outcome.usable && outcome.daily.map((d) => d.value)).toEqual([2, 2, 4, 6, 8, 8, 8, 8, 9, 9]);
  });

  it("refuses a gap longer than the limit", () => {
    const outcome = checkDaily(days("2026-03-01", [1, null, null, null, null, 6, 7, 8, 9, 10]), range, QUALITY_RULES.temperature_mean);
    expect(outcome).toEqual({ usable: false, reason: "gaps: 4 days missing from 2026-03-02 (at most 3)" });
  });

  it("counts absent days like null ones", () => {
    const points = days("2026-03-01", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).filter((p) => p.day < "2026-03-03" || p.day > "2026-03-07");
    expect(checkDaily(points, range, QUALITY_RULES.temperature_mean)).toMatchObject({
      usable: false,
      reason: expect.stringMatching(/^gaps: 5 days/),
    });
  });

  it("refuses physically implausible values", () => {
    expect(checkDaily(days("2026-03-01", [1, 2, 61, 4, 5, 6, 7, 8, 9, 10]), range, QUALITY_RULES.temperature_max)).toEqual({
      usable: false,
      reason: "implausible: 61 on 2026-03-03 (allowed -60 to 60)",
    });
    expect(checkDaily(days("2026-03-01", [0, 0, -0.5, 0, 0, 0, 0, 0, 0, 0]), range, QUALITY_RULES.precipitation_sum)).toMatchObject({
      usable: false,
      reason: expect.stringMatching(/^implausible: -0.5/),
    });
    expect(checkDaily(days("2026-03-01", [1, 2, Number.NaN, 4, 5, 6, 7, 8, 9, 10]), range, QUALITY_RULES.temperature_min).usable).toBe(
      false,
    );
  });

  it("refuses a series whose last value is too old, and one with no value at all", () => {
    expect(checkDaily(days("2026-03-01", [1, 2, 3, 4, 5, 6, null, null, null, null]), range, QUALITY_RULES.temperature_mean)).toEqual({
      usable: false,
      reason: "stale: last value on 2026-03-06, 4 days before 2026-03-10 (at most 3)",
    });
    expect(checkDaily([], range, QUALITY_RULES.temperature_mean)).toEqual({ usable: false, reason: "stale: no value at all" });
  });

  it("ignores days outside the range", () => {
    const outcome = checkDaily(
      days(
        "2026-02-20",
        Array.from({ length: 30 }, (_, i) => (i === 0 ? 99 : 5)),
      ),
      range,
      QUALITY_RULES.temperature_mean,
    );
    expect(outcome.usable && outcome.daily.length).toBe(10);
  });
});

describe("checkMonthly", () => {
  const months = (values: [string, number | null][]): Point[] => values.map(([day, value]) => ({ day, value }));

  it("expands months to days and carries the last published month forward", () => {
    const outcome = checkMonthly(
      months([
        ["2026-01-01", 100],
        ["2026-02-01", 101],
        ["2026-03-01", 102],
      ]),
      { from: "2026-01-30", to: "2026-04-20", through: "2026-04-20" },
      QUALITY_RULES.cpi,
    );
    expect(outcome.usable).toBe(true);
    if (!outcome.usable) return;
    expect(outcome.daily).toHaveLength(81);
    expect(outcome.daily[0]).toEqual({ day: "2026-01-30", value: 100 });
    expect(outcome.daily.find((d) => d.day === "2026-02-01")?.value).toBe(101);
    expect(outcome.daily.at(-1)).toEqual({ day: "2026-04-20", value: 102 });
  });

  it("refuses more missing months than allowed", () => {
    const outcome = checkMonthly(
      months([
        ["2025-01-01", 100],
        ["2025-02-01", null],
        ["2025-03-01", null],
        ["2025-04-01", null],
        ["2025-05-01", 104],
      ]),
      { from: "2025-01-01", to: "2025-06-30", through: "2025-06-30" },
      QUALITY_RULES.cpi,
    );
    expect(outcome).toEqual({ usable: false, reason: "gaps: 3 months missing from 2025-02-01 (at most 2)" });
  });

  it("refuses a stale series and implausible index values", () => {
    expect(
      checkMonthly(months([["2025-06-01", 100]]), { from: "2025-06-01", to: "2026-01-31", through: "2026-01-31" }, QUALITY_RULES.cpi),
    ).toMatchObject({ usable: false, reason: expect.stringMatching(/^stale: last value on 2025-06-01/) });
    expect(
      checkMonthly(
        months([
          ["2026-01-01", 100],
          ["2026-02-01", -5],
        ]),
        { from: "2026-01-01", to: "2026-02-28", through: "2026-02-28" },
        QUALITY_RULES.consumer_confidence,
      ),
    ).toMatchObject({ usable: false, reason: expect.stringMatching(/^implausible: -5 on 2026-02-01/) });
  });

  it("ignores months published after the day judged (no look-ahead into the future)", () => {
    const outcome = checkMonthly(
      months([
        ["2026-01-01", 100],
        ["2026-02-01", 101],
      ]),
      { from: "2026-01-01", to: "2026-01-31", through: "2026-01-31" },
      QUALITY_RULES.cpi,
    );
    expect(outcome.usable && outcome.daily.every((d) => d.value === 100)).toBe(true);
  });
});
