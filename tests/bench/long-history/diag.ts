/**
 * Per-series view of the backtest on one file: what Fluxor chose and why its 28-day total missed.
 *
 *   npx tsx tests/bench/long-history/diag.ts --input .data/long-history/store-item.csv [--horizon 28] [--country EC]
 *
 * For each series (same split as `npm run backtest`: the last `horizon` days held out): demand
 * class, the ensemble's members, the candidates' selection scores (lower is better), and the
 * holdout total of the forecast, of the actuals, of the last 28 days before the holdout, of the
 * same 28 days one year earlier (364 days back, weekdays aligned) and of the yearly index the
 * `ses-weekly-yearly` candidate would apply (mean over the horizon; "—" when it is not a candidate).
 */

import { readFileSync } from "node:fs";
import { parseDemandCsv } from "../../../app/cli/csv";
import { loadAugurs } from "../../../app/forecasting/augurs.server";
import { forecastMany, type SeriesInput } from "../../../app/forecasting/index";
import { yearlyIndex } from "../../../app/forecasting/yearly";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const input = flag("input");
if (!input) {
  process.stderr.write("usage: diag.ts --input FILE [--horizon 28] [--country CC]\n");
  process.exit(1);
}
const h = Number(flag("horizon") ?? 28);
const country = flag("country");
const parsed = parseDemandCsv(readFileSync(input, "utf8"));
const hist: SeriesInput[] = [];
const act: number[][] = [];
for (const s of parsed.series) {
  const v = Array.from(s.values);
  if (v.length < h + 14) continue;
  hist.push({ id: s.id, start: s.start, values: v.slice(0, v.length - h) });
  act.push(v.slice(v.length - h));
}
const res = forecastMany(hist, { horizon: h, country, augurs: loadAugurs() });

const sum = (a: readonly number[]): number => a.reduce((x, y) => x + (Number.isFinite(y) ? y : 0), 0);
const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : "—");
const ratio = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "—");

process.stdout.write(
  `${pad("series", 28)} ${pad("class", 8)} ${"ΣF".padStart(8)} ${"ΣA".padStart(8)} ${"F/A".padStart(5)} ${"last28".padStart(8)} ${"yr-ago".padStart(8)} ${"A/last".padStart(6)} ${"yIdx".padStart(5)}  members | scores\n`,
);
let totF = 0;
let totA = 0;
res.forEach((r, k) => {
  const y = Array.from(hist[k]!.values);
  const n = y.length;
  const F = sum(r.forecast);
  const A = sum(act[k]!);
  totF += F;
  totA += A;
  const last28 = sum(y.slice(n - 28));
  // The holdout window one year earlier: days n − 364 … n − 364 + h − 1 of the history.
  const yearAgo = n >= 364 ? sum(y.slice(n - 364, n - 364 + h)) : NaN;
  const hasYearly = r.backtest.scores["ses-weekly-yearly"] !== undefined;
  const yi = hasYearly
    ? yearlyIndex(
        Float64Array.from(y, (v) => (Number.isFinite(v) ? v : 0)),
        h,
      )
    : undefined;
  const yiMean = yi ? yi.reduce((a, b) => a + b, 0) / yi.length : NaN;
  const scores = Object.entries(r.backtest.scores)
    .filter(([m]) => m !== "ensemble")
    .sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0))
    .map(([m, s]) => `${m} ${num(s ?? NaN)}`)
    .join(", ");
  process.stdout.write(
    `${pad(r.id, 28)} ${pad(r.demandClass, 8)} ${num(F).padStart(8)} ${num(A).padStart(8)} ${ratio(F / A).padStart(5)} ${num(last28).padStart(8)} ${num(yearAgo).padStart(8)} ${ratio(A / last28).padStart(6)} ${ratio(yiMean).padStart(5)}  ${r.components.join("+")} | ${scores}\n`,
  );
});
process.stdout.write(`\nall: ΣF/ΣA = ${(totF / totA).toFixed(3)}\n`);
