import { describe, expect, it } from "vitest";
import { addDays, forecastSeries, zeroRunPValue, type SeriesInput, type ShopContext } from "~/forecasting/index";
import { InputError } from "~/forecasting/prepare";
import { mean, poisson, rng, weeklySeries } from "./helpers";

/** Days of sales before the run: the last one, day 300, is a Sunday (2024-01-01 is a Monday). */
const SOLD = 301;
const RUN = 59;

/** ~20 units a day (closed Saturdays) for 301 days, then 59 days without a sale. */
function stoppedBestSeller(): SeriesInput {
  const base = weeklySeries(SOLD, 20, 31, "best");
  return { ...base, values: [...Array.from(base.values), ...Array<number>(RUN).fill(0)] };
}

/** A slow mover: one unit on ~10 % of days for 300 days, then a trailing run of `run` days without a sale. */
function slowMover(run: number): SeriesInput {
  const r = rng(41);
  const values = Array.from({ length: 300 }, () => (r() < 0.1 ? 1 : 0));
  values[299] = 1;
  return { id: "slow", start: "2024-01-01", values: [...values, ...Array<number>(run).fill(0)] };
}

const H = { horizon: 28 };

describe("censoring by inference: the same trailing zeros, read by the stock now", () => {
  it("stock 0 → the run is a stockout (censored): positive forecast, estimated start, lost demand per day", () => {
    const s = stoppedBestSeller();
    const r = forecastSeries({ ...s, available: 0 }, H);
    expect(r.stock).toMatchObject({
      available: 0,
      outOfStock: true,
      since: addDays(s.start, SOLD),
      sinceEstimated: true,
      daysOut: RUN,
      runCensoredBy: "inference",
      inferredDays: RUN,
    });
    expect(r.stock!.test!.censored).toBe(true);
    expect(r.stock!.test!.pValue).toBeLessThan(0.01);
    expect(r.censoredDays).toBe(RUN);
    // True level ≈ 20 × 6.1 / 7 ≈ 17.4 a day.
    expect(mean(r.forecast)).toBeGreaterThan(12);
    expect(r.stock!.demandPerDay).toBeGreaterThan(12);
    expect(r.stock!.demandPerDay).toBeCloseTo(mean(r.forecast), 6);
    expect(r.warnings.join(" ")).toMatch(/censored as a stockout/);
  });

  it("stock on hand → demand really fell (dead stock): zeros stay demand, exactly as without stock information", () => {
    const s = stoppedBestSeller();
    const onHand = forecastSeries({ ...s, available: 500 }, H);
    const unknown = forecastSeries(s, H);
    expect(onHand.stock).toMatchObject({
      available: 500,
      outOfStock: false,
      since: null,
      runCensoredBy: null,
      demandPerDay: 0,
      test: null,
    });
    expect(mean(onHand.forecast)).toBeLessThan(5);
    expect(onHand.forecast).toEqual(unknown.forecast);
    expect(onHand.hi80).toEqual(unknown.hi80);
    expect(onHand.censoredDays).toBe(unknown.censoredDays);
    expect(unknown.stock).toMatchObject({ available: null, outOfStock: false });
  });

  it("an intermittent slow mover at 0 stock with a normal-length zero run is not flagged", () => {
    const s = slowMover(20);
    const r = forecastSeries({ ...s, available: 0 }, H);
    const unknown = forecastSeries(s, H);
    expect(r.stock!.test).not.toBeNull();
    expect(r.stock!.test!.censored).toBe(false);
    expect(r.stock!.test!.pValue).toBeGreaterThan(0.01);
    expect(r.stock).toMatchObject({
      outOfStock: true,
      since: addDays(s.start, 300),
      sinceEstimated: true,
      runCensoredBy: null,
      inferredDays: 0,
    });
    expect(r.forecast).toEqual(unknown.forecast);
    expect(r.stock!.demandPerDay).toBeGreaterThan(0);
  });

  it("a lumpy wholesale item (a big order on ~5 % of days) at 0 stock after a month without orders is not flagged", () => {
    const r = rng(43);
    const values = Array.from({ length: 365 }, () => (r() < 0.05 ? 50 + Math.floor(r() * 500) : 0));
    values[334] = 120;
    for (let i = 335; i < 365; i++) values[i] = 0;
    const res = forecastSeries({ id: "lumpy", start: "2024-01-01", values, available: 0 }, H);
    expect(res.stock!.test!.censored).toBe(false);
    expect(res.stock!.runCensoredBy).toBeNull();
  });

  it("the same slow mover is flagged once its run is far beyond its usual gaps", () => {
    const r = forecastSeries({ ...slowMover(150), available: 0 }, H);
    expect(r.stock!.runCensoredBy).toBe("inference");
  });
});

describe("known stock history wins over inference", () => {
  const s = stoppedBestSeller();
  const n = s.values.length;

  it("in stock throughout by the history: no inference, and the stockout starts after the last day (exact)", () => {
    const r = forecastSeries({ ...s, inStock: Array<number>(n).fill(1), available: 0 }, H);
    expect(r.stock).toMatchObject({
      outOfStock: true,
      since: addDays(s.start, n),
      sinceEstimated: false,
      daysOut: 0,
      runCensoredBy: null,
      test: null,
    });
    expect(r.forecast).toEqual(forecastSeries(s, H).forecast);
  });

  it("out of stock by the history: censored by it, start date exact, no test needed", () => {
    const inStock = Array.from({ length: n }, (_, i) => (i >= SOLD ? 0 : 1));
    const r = forecastSeries({ ...s, inStock, available: 0 }, H);
    expect(r.stock).toMatchObject({
      since: addDays(s.start, SOLD),
      sinceEstimated: false,
      runCensoredBy: "history",
      inferredDays: 0,
      test: null,
    });
    expect(mean(r.forecast)).toBeGreaterThan(12);
    // Without `available`, the last day's flag says out of stock now.
    expect(forecastSeries({ ...s, inStock }, H).stock).toMatchObject({ outOfStock: true, since: addDays(s.start, SOLD) });
  });

  it("history from install on (out of stock since) + unknown days before: the unknown part is inferred", () => {
    const inStock = Array.from({ length: n }, (_, i) => (i >= 330 ? 0 : 1));
    const r = forecastSeries({ ...s, inStock, stockKnownFrom: addDays(s.start, 330), available: 0 }, H);
    expect(r.stock).toMatchObject({
      since: addDays(s.start, SOLD),
      sinceEstimated: true,
      runCensoredBy: "inference",
      inferredDays: 330 - SOLD,
    });
    expect(r.censoredDays).toBe(RUN);
  });

  it("no stock history yet (stockKnownFrom null): the app's default in-stock flags are not knowledge, the run is inferred", () => {
    const r = forecastSeries({ ...s, inStock: new Uint8Array(n).fill(1), stockKnownFrom: null, available: 0 }, H);
    expect(r.stock).toMatchObject({ since: addDays(s.start, SOLD), sinceEstimated: true, runCensoredBy: "inference", inferredDays: RUN });
  });

  it("history from install on shows stock on hand: the zeros are demand even at 0 available now", () => {
    const r = forecastSeries({ ...s, inStock: Array<number>(n).fill(1), stockKnownFrom: addDays(s.start, 330), available: 0 }, H);
    expect(r.stock).toMatchObject({ since: addDays(s.start, n), sinceEstimated: false, runCensoredBy: null, inferredDays: 0, test: null });
    expect(mean(r.forecast)).toBeLessThan(5);
  });
});

describe("what the zero-run test counts", () => {
  it("closed weekdays and shop closures are not open days; a run of closures alone is not tested", () => {
    const s = stoppedBestSeller();
    const n = s.values.length;
    const shop: ShopContext = {
      weekdayProfile: [1.2, 1.1, 1.1, 1.2, 1.0, 0, 0.5].map((x) => (x * 7) / 6.1),
      closedDates: Array.from({ length: 10 }, (_, k) => addDays(s.start, 310 + k)),
      holidayFactor: 1,
    };
    const r = forecastSeries({ ...s, available: 0 }, { ...H, shop });
    let saturdays = 0;
    for (let i = SOLD; i < n; i++) if (i % 7 === 5 && (i < 310 || i >= 320)) saturdays++; // 2024-01-01 is a Monday
    expect(r.stock!.test!.openDays).toBe(RUN - 10 - saturdays);

    // A daily seller whose last days are a shop closure: nothing to test, nothing inferred.
    const closedOnly = { ...weeklySeries(200, 20, 5), available: 0 };
    const values = Array.from(closedOnly.values);
    values[198] = 0;
    values[199] = 0;
    const r2 = forecastSeries(
      { ...closedOnly, values },
      { ...H, shop: { ...shop, closedDates: [addDays(closedOnly.start, 198), addDays(closedOnly.start, 199)] } },
    );
    expect(r2.stock).toMatchObject({ outOfStock: true, test: null, runCensoredBy: null, inferredDays: 0 });
  });

  it("short history: under 14 open days before the run, no test", () => {
    const values = [...Array.from({ length: 10 }, () => 5), ...Array<number>(30).fill(0)];
    const r = forecastSeries({ id: "new", start: "2024-01-01", values, available: 0 }, H);
    expect(r.stock).toMatchObject({ outOfStock: true, test: null, runCensoredBy: null });
    expect(r.warnings.join(" ")).toMatch(/not tested/);
  });

  it("seasonal guard: a run in a season that was also quiet a year earlier is not improbable", () => {
    // Sells ~5 a day for 8 weeks a year (days 280–335 of each 364-day year), ~nothing otherwise.
    const r = rng(47);
    const values = Array.from({ length: 364 + 336 + 40 }, (_, i) => poisson(r, i % 364 >= 280 && i % 364 < 336 ? 5 : 0.01));
    for (let i = 364 + 336; i < values.length; i++) values[i] = 0;
    const full = forecastSeries({ id: "xmas", start: "2023-01-02", values, available: 0 }, H);
    expect(full.stock!.test!.yearAgo).not.toBeNull();
    expect(full.stock!.test!.yearAgo!.pValue).toBeGreaterThan(0.01);
    expect(full.stock!.runCensoredBy).toBeNull();
    // Without the year before, the same run looks like a stockout.
    const short = forecastSeries({ id: "xmas", start: addDays("2023-01-02", 500), values: values.slice(500), available: 0 }, H);
    expect(short.stock!.test!.yearAgo).toBeNull();
    expect(short.stock!.runCensoredBy).toBe("inference");
  });

  it("zeroRunPValue: Poisson limit, longer runs less likely, dispersion makes it more cautious", () => {
    expect(zeroRunPValue(10, 24, 12)).toBeCloseTo((1 + 10 / 24) ** -12.5, 12);
    expect(zeroRunPValue(20, 24, 12)).toBeLessThan(zeroRunPValue(10, 24, 12));
    expect(zeroRunPValue(20, 24, 12, 3, 24)).toBeGreaterThan(zeroRunPValue(20, 24, 12));
    expect(zeroRunPValue(0, 24, 12)).toBe(1);
    expect(zeroRunPValue(30, 24, 0)).toBeGreaterThan(0.1);
  });

  it("rejects a non-finite available and a bad stockKnownFrom", () => {
    const s = weeklySeries(60, 3, 3);
    expect(() => forecastSeries({ ...s, available: NaN }, H)).toThrow(InputError);
    expect(() => forecastSeries({ ...s, stockKnownFrom: "2024-02-30" }, H)).toThrow(InputError);
    expect(forecastSeries({ ...s, available: null }, H).stock).toMatchObject({ available: null, outOfStock: false });
  });
});
