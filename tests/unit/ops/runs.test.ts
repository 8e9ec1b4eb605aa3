/** The forecast runs page's pure half (app/ops/runs.ts): its filters from the URL, its figures and its series by day. */
import { describe, expect, it } from "vitest";
import {
  MAX_RUN_DAYS,
  parseRunsParams,
  quantile,
  runFigures,
  runSeries,
  runsSearch,
  topModels,
  type RunDayStats,
  type RunsFilter,
} from "../../../app/ops/runs";

const TODAY = "2026-06-15";
const parse = (query: string) => parseRunsParams(new URLSearchParams(query), TODAY);
const params = (query: string) => {
  const parsed = parse(query);
  return parsed.ok ? [] : [...new Set(parsed.issues.map((issue) => issue.param))];
};

describe("the filters", () => {
  it("default to every shop, status and trigger over the last 30 days, page 1", () => {
    expect(parse("")).toEqual({
      ok: true,
      filter: { q: "", status: null, trigger: null, from: "2026-05-17", to: "2026-06-15", page: 1 },
    });
  });

  it("read each filter, an empty value as an absent one, the domain search trimmed and lower-cased", () => {
    expect(parse("q=%20Hollow-OAK%20&status=failed&trigger=data_change&from=2026-04-01&to=2026-04-30&page=3")).toEqual({
      ok: true,
      filter: { q: "hollow-oak", status: "failed", trigger: "data_change", from: "2026-04-01", to: "2026-04-30", page: 3 },
    });
    expect(parse("q=&status=&trigger=&from=&to=&page=")).toEqual(parse(""));
    // Only `from`: up to today; only `to`: the 30 days ending then.
    expect(parse("from=2026-06-01")).toMatchObject({ filter: { from: "2026-06-01", to: TODAY } });
    expect(parse("to=2026-03-31")).toMatchObject({ filter: { from: "2026-03-02", to: "2026-03-31" } });
  });

  it("refuse what they cannot use, naming the parameter, instead of dropping it", () => {
    expect(params("status=done")).toEqual(["status"]);
    expect(params("trigger=cron")).toEqual(["trigger"]);
    expect(params("q=a%00b")).toEqual(["q"]);
    expect(params(`q=${"x".repeat(256)}`)).toEqual(["q"]);
    expect(params("from=2026-02-30")).toEqual(["from"]);
    expect(params("to=1999-12-31")).toEqual(["to"]);
    expect(params("from=yesterday&page=0")).toEqual(["from", "page"]);
    for (const page of ["-1", "1.5", "01", "1e3", "1000000", "9223372036854775808"]) expect(params(`page=${page}`), page).toEqual(["page"]);
  });

  it("bound the period: its first day not after its last, at most 90 days counting both", () => {
    expect(params("from=2026-06-02&to=2026-06-01")).toEqual(["from"]);
    expect(parse("from=2026-06-01&to=2026-06-01")).toMatchObject({ ok: true, filter: { from: "2026-06-01", to: "2026-06-01" } });
    expect(parse("from=2026-01-01&to=2026-03-31")).toMatchObject({ ok: true });
    expect(MAX_RUN_DAYS).toBe(90);
    expect(params("from=2026-01-01&to=2026-04-01")).toEqual(["from"]);
    expect(params("from=2026-01-01")).toEqual(["from"]);
  });

  it("go back into the URL the way they were read, the first page without its number", () => {
    const filter: RunsFilter = { q: "oak", status: "completed", trigger: "nightly", from: "2026-06-01", to: "2026-06-15", page: 2 };
    expect(runsSearch(filter).toString()).toBe("q=oak&status=completed&trigger=nightly&from=2026-06-01&to=2026-06-15&page=2");
    expect(runsSearch(filter, 1).toString()).toBe("q=oak&status=completed&trigger=nightly&from=2026-06-01&to=2026-06-15");
    expect(parse(runsSearch(filter).toString())).toEqual({ ok: true, filter });
  });
});

/** One day's runs, as the daily aggregate gives them. */
const day = (fields: Partial<RunDayStats>): RunDayStats => ({
  day: "2026-06-10",
  running: 0,
  completed: 0,
  failed: 0,
  durationsMs: [],
  accuracies: [],
  ...fields,
});

describe("the figures", () => {
  it("interpolate quantiles between neighbours, as percentile_cont does", () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([7], 0.95)).toBe(7);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    // p95 of 1…20: position 18.05 → 19 + 0.05.
    expect(
      quantile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBeCloseTo(19.05, 10);
  });

  it("count runs by status; the failure rate is of finished runs; durations and accuracy are of completed runs", () => {
    const figures = runFigures([
      day({ day: "2026-06-10", completed: 2, failed: 1, durationsMs: [3000, 1000], accuracies: [0.8] }),
      day({ day: "2026-06-11", completed: 2, running: 1, durationsMs: [2000], accuracies: [0.6, 0.7] }),
    ]);
    expect(figures).toEqual({
      runs: 6,
      completed: 4,
      failed: 1,
      running: 1,
      failureRate: 1 / 5,
      durationMedianMs: 2000,
      durationP95Ms: 2900,
      accuracyMedian: 0.7,
    });
  });

  it("are unknown (null), not zero, when nothing was measured", () => {
    expect(runFigures([])).toEqual({
      runs: 0,
      completed: 0,
      failed: 0,
      running: 0,
      failureRate: null,
      durationMedianMs: null,
      durationP95Ms: null,
      accuracyMedian: null,
    });
    expect(runFigures([day({ running: 1 })])).toMatchObject({ runs: 1, running: 1, failureRate: null });
    expect(runFigures([day({ failed: 1 })])).toMatchObject({ failureRate: 1, durationMedianMs: null, accuracyMedian: null });
  });
});

describe("the series by day", () => {
  it("has every day of the period, with its runs, its failures and the median accuracy of its completed runs", () => {
    const series = runSeries(
      [
        day({ day: "2026-06-04", completed: 1, accuracies: [-0.2] }),
        day({ day: "2026-06-01", completed: 2, failed: 1, accuracies: [0.9, 0.5] }),
        day({ day: "2026-06-03", failed: 1, running: 1 }),
        // Outside the period: left out.
        day({ day: "2026-06-05", completed: 1, accuracies: [1] }),
      ],
      "2026-05-31",
      "2026-06-04",
    );
    expect(series).toEqual([
      { day: "2026-05-31", runs: 0, failed: 0, accuracyMedian: null },
      { day: "2026-06-01", runs: 3, failed: 1, accuracyMedian: 0.7 },
      { day: "2026-06-02", runs: 0, failed: 0, accuracyMedian: null },
      { day: "2026-06-03", runs: 2, failed: 1, accuracyMedian: null },
      { day: "2026-06-04", runs: 1, failed: 0, accuracyMedian: -0.2 },
    ]);
  });

  it("crosses month and year ends", () => {
    expect(runSeries([], "2026-12-30", "2027-01-02").map((d) => d.day)).toEqual(["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]);
    expect(runSeries([], "2026-06-01", "2026-06-01")).toHaveLength(1);
  });
});

describe("a run's top models", () => {
  it("are the most used first (ties by name), with what the others add up to", () => {
    expect(topModels({ ets: 50, croston: 20, naive: 20, mstl: 5, zero: 5 })).toEqual({
      top: [
        { model: "ets", series: 50 },
        { model: "croston", series: 20 },
        { model: "naive", series: 20 },
      ],
      otherModels: 2,
      otherSeries: 10,
      series: 100,
    });
  });

  it("leave out counts that are not series", () => {
    expect(topModels({ ets: 3, broken: Number.NaN, none: 0, negative: -2 })).toEqual({
      top: [{ model: "ets", series: 3 }],
      otherModels: 0,
      otherSeries: 0,
      series: 3,
    });
    expect(topModels({})).toEqual({ top: [], otherModels: 0, otherSeries: 0, series: 0 });
  });
});
