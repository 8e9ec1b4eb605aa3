import { describe, expect, it } from "vitest";
import { toDay } from "~/forecasting/dates";
import { buildShopContext, capSpikes, forecastMany, forecastSeries, holidaysBetween } from "~/forecasting/index";
import { mean, weeklySeries } from "./helpers";

describe("holidays (date-holidays)", () => {
  it("lists the public holidays of a country", () => {
    const names = holidaysBetween("GB", toDay("2011-01-01"), toDay("2011-12-31")).map((h) => h.name);
    expect(names).toEqual(expect.arrayContaining(["Good Friday", "Easter Monday", "Christmas Day", "Boxing Day"]));
    const eng = holidaysBetween("GB", toDay("2011-08-01"), toDay("2011-08-31"), "ENG");
    expect(eng.map((h) => h.name)).toContain("Summer bank holiday");
  });

  it("a shop that closes on holidays gets ~zero on future holidays; normal days unaffected", () => {
    // Two years of daily demand ending 2024-12-20; zero on every GB public holiday.
    const series = Array.from({ length: 8 }, (_, k) => {
      const s = weeklySeries(720, 20 + k, 30 + k, `v${k}`);
      const start = toDay("2023-01-01");
      const hol = new Set(holidaysBetween("GB", start, start + 720).map((h) => h.day - start));
      return { ...s, start: "2023-01-01", values: Array.from(s.values, (v, i) => (hol.has(i) ? 0 : v)) };
    });
    const shop = buildShopContext(series, { country: "GB" });
    expect(shop.holidayFactor).toBe(0); // closed on every past holiday → closed on holidays
    const [r] = forecastMany(series.slice(0, 1), { horizon: 14, country: "GB", shop });
    const xmas = r!.dates.indexOf("2024-12-25");
    expect(xmas).toBeGreaterThan(0);
    expect(r!.holidays.map((h) => h.date)).toContain("2024-12-25");
    expect(r!.forecast[xmas]!).toBeLessThan(0.3 * mean(r!.forecast.filter((v) => v > 0)));
    expect(r!.hi95[xmas]!).toBeLessThan(r!.hi95[xmas - 1]!); // Christmas Eve is a normal Tuesday
  });

  it("the shop context finds closed weekdays and whole-shop closures", () => {
    const series = Array.from({ length: 6 }, (_, k) => {
      const s = weeklySeries(140, 30, 40 + k, `v${k}`);
      return { ...s, values: Array.from(s.values, (v, i) => (i >= 60 && i < 64 ? 0 : v)) };
    });
    const shop = buildShopContext(series, {});
    expect(shop.weekdayProfile[5]).toBe(0); // Saturday
    expect(shop.closedDates).toEqual(expect.arrayContaining(["2024-03-01", "2024-03-04"]));
    expect(shop.closedDates).not.toContain("2024-03-02"); // a Saturday is a closed weekday, not a closure
  });
});

describe("outliers", () => {
  it("flags a one-off bulk order and caps it for fitting", () => {
    const s = weeklySeries(200, 10, 50);
    const values = Array.from(s.values);
    values[190] = 5000;
    const spikes = capSpikes(values);
    expect(spikes.indexes).toEqual([190]);
    expect(spikes.cleaned[190]!).toBeLessThan(200);
    const r = forecastSeries({ ...s, values }, { horizon: 28 });
    const clean = forecastSeries(s, { horizon: 28 });
    expect(r.outliers).toEqual([{ date: "2024-07-09", value: 5000, cappedTo: spikes.cleaned[190] }]);
    // The bulk order must not drive next month's forecast.
    expect(mean(r.forecast)).toBeLessThan(1.5 * mean(clean.forecast));
  });

  it("does not flag anything on regular data or with too few sales", () => {
    expect(capSpikes(Array.from(weeklySeries(200, 10, 51).values)).indexes).toEqual([]);
    expect(capSpikes([0, 0, 1, 0, 900]).indexes).toEqual([]);
  });
});
