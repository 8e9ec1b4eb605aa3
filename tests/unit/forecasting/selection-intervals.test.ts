import { describe, expect, it } from "vitest";
import { classify } from "~/forecasting/classify";
import { forecastSeries } from "~/forecasting/index";
import { band, calibrate, looCoverage, type Residual } from "~/forecasting/intervals";
import { prepareSeries } from "~/forecasting/prepare";
import { candidateModels, ensembleMembers, selectModel } from "~/forecasting/select";
import { mean, poisson, rng, weeklySeries, WEEK } from "./helpers";

describe("classification and candidate sets", () => {
  it("classifies smooth vs lumpy demand (ADI / CV²)", () => {
    const smooth = Array.from({ length: 100 }, () => 10);
    expect(classify(smooth, () => true).demandClass).toBe("smooth");
    const lumpy = Array.from({ length: 100 }, (_, i) => (i % 5 === 0 ? (i % 10 === 0 ? 100 : 3) : 0));
    const c = classify(lumpy, () => true);
    expect(c.demandClass).toBe("lumpy");
    expect(c.adi).toBeCloseTo(5, 6);
  });

  it("routes intermittent series to Croston/SBA/TSB and keeps them away from smooth ones", () => {
    const opts = { horizon: 28 };
    const smooth = prepareSeries(weeklySeries(200, 50), opts);
    const lumpy = prepareSeries(
      { id: "l", start: "2024-01-01", values: Array.from({ length: 200 }, (_, i) => (i % 9 === 0 ? 40 : 0)) },
      opts,
    );
    const cs = candidateModels(
      smooth,
      classify(smooth.raw, () => true),
      opts,
    );
    const cl = candidateModels(
      lumpy,
      classify(lumpy.raw, () => true),
      opts,
    );
    expect(cs).not.toContain("croston");
    expect(cl).toEqual(expect.arrayContaining(["croston", "sba", "tsb"]));
    expect(cs).not.toContain("mstl-ets"); // no augurs engine given
  });
});

describe("rolling-origin selection", () => {
  it("scores every candidate on the series' own history and ensembles the best three", () => {
    const s = weeklySeries(300, 20, 3);
    const p = prepareSeries(s, { horizon: 28 });
    const sel = selectModel(
      p,
      classify(p.raw, () => true),
      { horizon: 28 },
    );
    expect(sel.origins).toBe(4);
    expect(sel.model).toBe("ensemble");
    expect(sel.components).toHaveLength(3);
    // The weekday-aware models beat the flat seasonal naive on Poisson noise.
    expect(sel.scores["seasonal-naive"]!).toBeGreaterThan(sel.scores["ses-weekly"]!);
    expect(sel.components).not.toContain("seasonal-naive");
    // What the variant page explains: the ensemble's members, read back from the stored scores.
    expect(ensembleMembers(sel.scores)).toEqual(sel.components);
  });

  it("keeps the chosen method's forecast from the most recent origin: the anomaly flags' reference", () => {
    const p = prepareSeries(weeklySeries(300, 20, 3), { horizon: 28 });
    const sel = selectModel(
      p,
      classify(p.raw, () => true),
      { horizon: 28 },
    );
    expect(sel.recent?.origin).toBe(300 - 28);
    expect(sel.recent?.forecast).toHaveLength(28);
    // The forecast that origin's residuals were scored with (the ensemble's, here).
    const latest = sel.residuals.filter((r) => r.origin === 0);
    expect(latest.length).toBeGreaterThan(20);
    for (const r of latest) expect(r.forecast).toBe(sel.recent!.forecast[r.h]);
  });

  it("never uses the days after the last input (selection sees history only)", () => {
    const s = weeklySeries(200, 20, 4);
    const a = forecastSeries(s, { horizon: 28 });
    expect(a.start).toBe("2024-07-19");
    expect(a.backtest.origins).toBe(4);
    expect(a.backtest.horizon).toBe(28);
  });
});

describe("prediction intervals", () => {
  it("are never negative and contain the forecast", () => {
    const r = rng(9);
    const values = Array.from({ length: 200 }, (_, i) => (r() < 0.3 ? poisson(r, 5) * (i % 7 === 5 ? 0 : 1) : 0));
    const f = forecastSeries({ id: "x", start: "2024-01-01", values }, { horizon: 28 });
    for (let i = 0; i < 28; i++) {
      expect(f.lo95[i]!).toBeGreaterThanOrEqual(0);
      expect(f.lo95[i]!).toBeLessThanOrEqual(f.lo80[i]!);
      expect(f.lo80[i]!).toBeLessThanOrEqual(f.forecast[i]!);
      expect(f.forecast[i]!).toBeLessThanOrEqual(f.hi80[i]!);
      expect(f.hi80[i]!).toBeLessThanOrEqual(f.hi95[i]!);
    }
  });

  it("are calibrated on synthetic data: ~80 % / ~95 % of future days fall inside", () => {
    let n = 0;
    let c80 = 0;
    let c95 = 0;
    const loo80: number[] = [];
    for (let k = 0; k < 40; k++) {
      const level = 2 + (k % 8) * 3;
      const full = weeklySeries(400, level, 100 + k, `s${k}`);
      const hist = { ...full, values: Array.from(full.values).slice(0, 372) };
      const res = forecastSeries(hist, { horizon: 28 });
      loo80.push(res.backtest.coverage80);
      for (let i = 0; i < 28; i++) {
        const a = full.values[372 + i]!;
        n++;
        if (a >= res.lo80[i]! && a <= res.hi80[i]!) c80++;
        if (a >= res.lo95[i]! && a <= res.hi95[i]!) c95++;
      }
    }
    expect(c80 / n).toBeGreaterThan(0.74);
    expect(c80 / n).toBeLessThan(0.9);
    expect(c95 / n).toBeGreaterThan(0.91);
    // The measured (leave-one-origin-out) coverage is reported with every result.
    expect(mean(loo80)).toBeGreaterThan(0.7);
    expect(mean(loo80)).toBeLessThan(0.92);
  });

  it("calibrate / band: conformal quantiles of scaled residuals, horizon factor non-decreasing", () => {
    const res: Residual[] = [];
    for (let o = 0; o < 4; o++)
      for (let h = 0; h < 28; h++) res.push({ forecast: 10, actual: 10 + ((h * 7 + o * 3) % 11) - 5 + (h >= 21 ? 3 : 0), h, origin: o });
    const cal = calibrate(res)!;
    for (let b = 1; b < cal.horizonFactor.length; b++) expect(cal.horizonFactor[b]!).toBeGreaterThanOrEqual(cal.horizonFactor[b - 1]!);
    const b0 = band(cal, 10, 0);
    expect(b0.lo95).toBeLessThanOrEqual(b0.lo80);
    expect(b0.hi95).toBeGreaterThanOrEqual(b0.hi80);
    expect(band(cal, 0.1, 0).lo95).toBeGreaterThanOrEqual(0);
    const cov = looCoverage(res, 4);
    expect(cov.coverage80).toBeGreaterThan(0.6);
    expect(calibrate(res.slice(0, 5))).toBeUndefined();
  });
});

describe("weekly shape", () => {
  it("forecasts zero on a weekday the series never trades", () => {
    const f = forecastSeries(weeklySeries(300, 20, 5), { horizon: 14 });
    f.dates.forEach((d, i) => {
      const dow = (new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7;
      if (WEEK[dow] === 0) expect([f.forecast[i], f.lo95[i], f.hi80[i], f.hi95[i]]).toEqual([0, 0, 0, 0]);
      else expect(f.forecast[i]!).toBeGreaterThan(5);
    });
  });
});
