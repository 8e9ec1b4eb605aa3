/**
 * npm run backtest -- --input FILE.csv --horizon 28 [--country GB] [--region ENG] [--details OUT.csv]
 *
 * Holds out the last `horizon` days of every series (never seen by selection or calibration),
 * forecasts them with Fluxor and with two baselines (seasonal naive period 7; flat 28-day moving
 * average), and prints acc_total, daily 1 − WAPE, bias, MASE and band coverage.
 *
 * With `--signals SIGNALS.csv` (series_id,date,signal,value; app/cli/csv.ts parseSignalsCsv) it compares Fluxor
 * with and without each signal instead, over `--origins K` rolling holdouts (default 6: the last K × horizon
 * days, one horizon at a time), on all series and on the series the signal touches in the holdout.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { loadAugurs } from "../forecasting/augurs.server";
import { evaluate, forecastMany, toDay, type EvalSeries, type ForecastResult, type Metrics, type SeriesInput } from "../forecasting/index";
import { countryFlag, failer, horizonFlag, readFlags, type Fail } from "./args";
import { CsvError, num, parseDemandCsv, parseSignalsCsv, type ParsedDemand, type ParsedSignals } from "./csv";

const USAGE = "usage: npm run backtest -- --input FILE.csv --horizon 28 [--country GB] [--signals SIGNALS.csv [--origins 6]]";

const fail: Fail = failer("backtest");

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "—";
}

export function table(rows: [string, Metrics][]): string {
  const head = ["method", "acc_total", "1-WAPE", "bias", "MASE", "cover80", "cover95"];
  const body = rows.map(([name, m]) => [
    name,
    pct(m.accTotal),
    pct(m.accDaily),
    `${m.bias >= 0 ? "+" : ""}${pct(m.bias)}`,
    Number.isFinite(m.mase) ? m.mase.toFixed(3) : "—",
    pct(m.coverage80),
    pct(m.coverage95),
  ]);
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

function main(): void {
  const values = readFlags(["input", "horizon", "country", "region", "details", "signals", "origins"], USAGE, fail);
  if (!values.input || values.horizon === undefined) fail(`--input and --horizon are required\n${USAGE}`);
  const h = horizonFlag(values.horizon, 365, fail);
  const country = countryFlag(values.country, fail);
  let parsed;
  try {
    parsed = parseDemandCsv(readFileSync(values.input, "utf8"));
  } catch (e) {
    if (e instanceof CsvError) fail(`${values.input}: ${e.message}`);
    fail((e as Error).message);
  }
  if (values.signals) {
    let signals: ParsedSignals;
    try {
      signals = parseSignalsCsv(readFileSync(values.signals, "utf8"));
    } catch (e) {
      if (e instanceof CsvError) fail(`${values.signals}: ${e.message}`);
      fail((e as Error).message);
    }
    const origins = values.origins === undefined ? 6 : Number(values.origins);
    if (!Number.isInteger(origins) || origins < 1 || origins > 52)
      fail(`--origins must be an integer between 1 and 52, got "${values.origins}"`);
    signalBacktest(parsed, signals, { horizon: h, origins, country, region: values.region, input: values.input, file: values.signals });
    return;
  }
  if (values.origins !== undefined) fail("--origins needs --signals");

  // Split: history = all but the last h days; holdout actuals (censored days → NaN, not scored).
  const histories: SeriesInput[] = [];
  const actuals: number[][] = [];
  let skipped = 0;
  for (const s of parsed.series) {
    const n = s.values.length;
    if (n < h + 14) {
      skipped++;
      continue;
    }
    const v = Array.from(s.values);
    const st = s.inStock ? Array.from(s.inStock, Number) : undefined;
    histories.push({ id: s.id, start: s.start, values: v.slice(0, n - h), ...(st ? { inStock: st.slice(0, n - h) } : {}) });
    actuals.push(v.slice(n - h).map((a, i) => (st && st[n - h + i] === 0 && !(a > 0) ? NaN : a)));
  }
  const t0 = performance.now();
  const results = forecastMany(histories, { horizon: h, country, region: values.region, augurs: loadAugurs() });
  const secs = (performance.now() - t0) / 1000;

  const fluxor: EvalSeries[] = [];
  const snaive: EvalSeries[] = [];
  const ma: EvalSeries[] = [];
  histories.forEach((s, k) => {
    const hist = Array.from(s.values);
    const r = results[k]!;
    const actual = actuals[k]!;
    fluxor.push({ actual, forecast: r.forecast, lo80: r.lo80, hi80: r.hi80, lo95: r.lo95, hi95: r.hi95, history: hist });
    const n = hist.length;
    snaive.push({ actual, forecast: Array.from({ length: h }, (_, i) => hist[n - 7 + (i % 7)] ?? 0), history: hist });
    const w = hist.slice(Math.max(0, n - 28));
    const m = w.reduce((a, b) => a + b, 0) / Math.max(1, w.length);
    ma.push({ actual, forecast: Array<number>(h).fill(m), history: hist });
  });

  // How often each model is part of the chosen forecast, and the in-history (leave-one-origin-out)
  // coverage every result reports about itself.
  const models = new Map<string, number>();
  let loo80 = 0;
  let loo95 = 0;
  let looN = 0;
  for (const r of results) {
    for (const c of r.model === "ensemble" ? r.components : [r.model]) models.set(c, (models.get(c) ?? 0) + 1);
    if (Number.isFinite(r.backtest.coverage80)) {
      loo80 += r.backtest.coverage80;
      loo95 += r.backtest.coverage95;
      looN++;
    }
  }
  process.stdout.write(
    `backtest: ${values.input}, ${histories.length} series (${skipped} too short), holdout = last ${h} days, country ${country ?? "none"}\n\n`,
  );
  process.stdout.write(
    table([
      ["fluxor", evaluate(fluxor)],
      ["seasonal-naive-7", evaluate(snaive)],
      ["moving-average-28", evaluate(ma)],
    ]) + "\n\n",
  );
  process.stdout.write(
    `fluxor in-history coverage (mean of per-series leave-one-origin-out): 80 % band ${pct(loo80 / looN)}, 95 % band ${pct(loo95 / looN)}\n`,
  );
  process.stdout.write(
    `models in the chosen forecasts: ${[...models.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}\n`,
  );
  process.stdout.write(`fluxor forecast time: ${secs.toFixed(2)} s (${(histories.length / secs).toFixed(0)} series/s, one core)\n`);

  if (values.details) {
    const out = ["series_id,date_index,actual,forecast,lo80,hi80,lo95,hi95,model"];
    results.forEach((r, k) => {
      for (let i = 0; i < h; i++)
        out.push(
          [
            r.id,
            i,
            num(actuals[k]![i]!),
            num(r.forecast[i]!),
            num(r.lo80[i]!),
            num(r.hi80[i]!),
            num(r.lo95[i]!),
            num(r.hi95[i]!),
            r.model,
          ].join(","),
        );
    });
    writeFileSync(values.details, out.join("\n") + "\n");
  }
}

interface SignalRun {
  horizon: number;
  origins: number;
  country: string | undefined;
  region: string | undefined;
  input: string;
  file: string;
}

/** Fluxor with and without each signal over rolling holdouts; prints one table per signal. */
function signalBacktest(parsed: ParsedDemand, signals: ParsedSignals, run: SignalRun): void {
  const h = run.horizon;
  const augurs = loadAugurs();
  for (const [signal, bySeries] of signals.bySignal) {
    const everywhere = bySeries.get("*");
    const plainAll: EvalSeries[] = [];
    const withAll: EvalSeries[] = [];
    const plainTouched: EvalSeries[] = [];
    const withTouched: EvalSeries[] = [];
    const decisions = new Map<string, number>();
    let scored = 0;
    const t0 = performance.now();
    for (let k = run.origins; k >= 1; k--) {
      const histories: SeriesInput[] = [];
      const actuals: number[][] = [];
      const withSignal: SeriesInput[] = [];
      const touched: boolean[] = [];
      for (const s of parsed.series) {
        const n = s.values.length;
        const cut = n - k * h;
        if (cut < 14) continue;
        const v = Array.from(s.values);
        const st = s.inStock ? Array.from(s.inStock, Number) : undefined;
        const history: SeriesInput = { id: s.id, start: s.start, values: v.slice(0, cut), ...(st ? { inStock: st.slice(0, cut) } : {}) };
        const own = bySeries.get(s.id);
        const first = toDay(s.start);
        const missing = signal === "promotion" ? 0 : NaN;
        const days = Array.from({ length: cut + h }, (_, i) => own?.get(first + i) ?? everywhere?.get(first + i) ?? missing);
        histories.push(history);
        if (signal === "promotion") {
          withSignal.push(days.some((d) => d > 0) ? { ...history, promotions: { days } } : history);
          touched.push(days.slice(cut).some((d) => d > 0));
        } else {
          const known = days.some((d) => Number.isFinite(d));
          // The file holds what was measured; at each origin the core sees it only as a forecast would have (knownAt).
          const availability =
            signal === "temperature" ? { knownAhead: 16, beyond: "unknown" as const } : { knownAhead: 0, beyond: "carry" as const };
          withSignal.push(known ? { ...history, regressors: [{ name: signal, values: days, ...availability }] } : history);
          touched.push(known);
        }
        actuals.push(v.slice(cut, cut + h).map((a, i) => (st && st[cut + i] === 0 && !(a > 0) ? NaN : a)));
      }
      const options = { horizon: h, country: run.country, region: run.region, augurs };
      const plain = forecastMany(histories, options);
      const lifted = forecastMany(withSignal, options);
      const push = (target: EvalSeries[], r: ForecastResult, k2: number): void => {
        target.push({
          actual: actuals[k2]!,
          forecast: r.forecast,
          lo80: r.lo80,
          hi80: r.hi80,
          lo95: r.lo95,
          hi95: r.hi95,
          history: Array.from(histories[k2]!.values),
        });
      };
      plain.forEach((r, i) => {
        push(plainAll, r, i);
        push(withAll, lifted[i]!, i);
        if (touched[i]) {
          push(plainTouched, r, i);
          push(withTouched, lifted[i]!, i);
        }
        for (const d of lifted[i]!.signals ?? []) {
          const key = d.used ? `used (${d.reason})` : `not used (${d.reason})`;
          decisions.set(key, (decisions.get(key) ?? 0) + 1);
        }
      });
      scored += histories.length;
    }
    const secs = (performance.now() - t0) / 1000;
    process.stdout.write(
      `backtest with and without the ${signal} signal: ${run.input} + ${run.file}, ${run.origins} rolling holdouts of ${h} days (${scored} series-holdouts), country ${run.country ?? "none"}\n\n`,
    );
    process.stdout.write(
      table([
        [`all series, without ${signal}`, evaluate(plainAll)],
        [`all series, with ${signal}`, evaluate(withAll)],
        [`${signal} ${signal === "promotion" ? "in holdout" : "given"} (${plainTouched.length}), without`, evaluate(plainTouched)],
        [`${signal} ${signal === "promotion" ? "in holdout" : "given"} (${withTouched.length}), with`, evaluate(withTouched)],
      ]) + "\n\n",
    );
    process.stdout.write(
      `decisions per series-holdout: ${
        [...decisions.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([key, count]) => `${key} ${count}`)
          .join(", ") || "none"
      }\n`,
    );
    process.stdout.write(`time: ${secs.toFixed(1)} s\n\n`);
  }
}

main();
