/**
 * The backtest of `npm run backtest` on several long-history windows at once, with their mean.
 *
 *   npx tsx tests/bench/long-history/windows.ts [--dir .data/long-history] [--set dev|extra|all]
 *     [--files a.csv,b.csv] [--history-days N] [--shift F:D] [--country CC] [--no-augurs] [--per-series]
 *
 * For each file: the last 28 days of every series held out (same split, same metrics and the
 * same engine options as `npm run backtest -- --input FILE --horizon 28`, so each row equals that
 * command's output), Fluxor against seasonal naive 7 and the flat 28-day moving average;
 * acc_total / MASE / bias / 80 % coverage, then the unweighted mean over the windows.
 * `--set dev` is the nine development windows of README.md (the default), `extra` the twelve
 * more windows derived with the other `--end` dates listed there. `pharma-categories.csv`
 * is refused: it is the hidden check, measured once with `npm run backtest`.
 *
 * - `--history-days N` keeps only the last N days before the holdout (what the nightly run sees
 *   with HISTORY_DAYS = N);
 * - `--shift F:D` multiplies every series by F from D days before the holdout on (a level shift
 *   that the holdout continues);
 * - `--files derived:N:D` is N series of D days derived from the online-retail file like
 *   `npm run bench:forecast` (lumpy, with no calendar-year season; pass `--country GB`);
 * - `--no-augurs` skips MSTL + AutoETS (much faster; not the reported figures).
 */

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseDemandCsv } from "../../../app/cli/csv";
import { loadAugurs } from "../../../app/forecasting/augurs.server";
import { deriveSeries, loadRealSeries } from "../forecast-data";
import { evaluate, forecastMany, type EvalSeries, type Metrics, type SeriesInput } from "../../../app/forecasting/index";

const DEV = [
  "favorita-aggregates.csv",
  "favorita-aggregates.end-2016-12-23.csv",
  "favorita-aggregates.end-2017-04-15.csv",
  "favorita-stores.csv",
  "favorita-stores.end-2016-12-23.csv",
  "favorita-stores.end-2017-04-15.csv",
  "store-item.csv",
  "store-item.end-2017-03-31.csv",
  "store-item.end-2017-06-30.csv",
];
const EXTRA_ENDS: Record<string, string[]> = {
  "favorita-aggregates": ["2015-12-23", "2016-06-30", "2016-10-15", "2017-01-31"],
  "favorita-stores": ["2015-12-23", "2016-06-30", "2016-10-15", "2017-01-31"],
  "store-item": ["2015-12-31", "2016-08-31", "2016-10-31", "2017-01-31"],
};
const EXTRA = Object.entries(EXTRA_ENDS).flatMap(([set, ends]) => ends.map((e) => `${set}.end-${e}.csv`));
const H = 28;

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: ".data/long-history" },
    set: { type: "string", default: "dev" },
    files: { type: "string" },
    "history-days": { type: "string" },
    "no-augurs": { type: "boolean", default: false },
    "per-series": { type: "boolean", default: false },
    shift: { type: "string" },
    derived: { type: "string" },
    country: { type: "string" },
  },
});
const sets: Record<string, string[]> = { dev: DEV, extra: EXTRA, all: [...DEV, ...EXTRA] };
const files = values.files ? values.files.split(",") : sets[values.set ?? "dev"];
if (!files) throw new Error(`unknown --set ${values.set}`);
if (files.some((f) => f.startsWith("pharma"))) throw new Error("pharma-categories is the hidden check: run npm run backtest on it, once");
const historyDays = values["history-days"] ? Number(values["history-days"]) : undefined;
const augurs = values["no-augurs"] ? undefined : loadAugurs();
// --shift F:D — a level shift injected into every series: units × F from D days before the holdout on.
const [shiftFactor, shiftDays] = (values.shift ?? "1:0").split(":").map(Number) as [number, number];

interface Row {
  file: string;
  fluxor: Metrics;
  snaive: Metrics;
  ma: Metrics;
}

function windowRow(file: string): Row {
  const parsed = file.startsWith("derived:")
    ? { series: deriveSeries(loadRealSeries(), Number(file.split(":")[1]), Number(file.split(":")[2])) }
    : parseDemandCsv(readFileSync(path.join(values.dir ?? "", file), "utf8"));
  const histories: SeriesInput[] = [];
  const actuals: number[][] = [];
  for (const s of parsed.series) {
    const n = s.values.length;
    if (n < H + 14) continue;
    const v = Array.from(s.values, (x, i) => (i >= n - H - shiftDays ? Math.round(x * shiftFactor) : x));
    const from = historyDays ? Math.max(0, n - H - historyDays) : 0;
    histories.push({ id: s.id, start: addIsoDays(s.start, from), values: v.slice(from, n - H) });
    actuals.push(v.slice(n - H));
  }
  const results = forecastMany(histories, { horizon: H, augurs, country: values.country });
  const fluxor: EvalSeries[] = [];
  const snaive: EvalSeries[] = [];
  const ma: EvalSeries[] = [];
  histories.forEach((s, k) => {
    const hist = Array.from(s.values);
    const n = hist.length;
    const r = results[k]!;
    const actual = actuals[k]!;
    fluxor.push({ actual, forecast: r.forecast, lo80: r.lo80, hi80: r.hi80, lo95: r.lo95, hi95: r.hi95, history: hist });
    snaive.push({ actual, forecast: Array.from({ length: H }, (_, i) => hist[n - 7 + (i % 7)] ?? 0), history: hist });
    const w = hist.slice(Math.max(0, n - 28));
    ma.push({ actual, forecast: Array<number>(H).fill(w.reduce((a, b) => a + b, 0) / Math.max(1, w.length)), history: hist });
    if (values["per-series"]) {
      const one = evaluate([fluxor[k]!]);
      const sF = r.forecast.reduce((a, b) => a + b, 0);
      const sA = actual.reduce((a, b) => a + b, 0);
      process.stdout.write(
        `  ${r.id.padEnd(26)} F/A ${(sF / sA).toFixed(3)} MASE ${one.mase.toFixed(3)} c80 ${pct(one.coverage80)}  ${r.components.join("+")}\n`,
      );
    }
  });
  return { file, fluxor: evaluate(fluxor), snaive: evaluate(snaive), ma: evaluate(ma) };
}

function addIsoDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}` : "—";
}

function cell(m: Metrics, band: boolean): string {
  const b = `${m.bias >= 0 ? "+" : ""}${(100 * m.bias).toFixed(1)}`;
  return `${pct(m.accTotal)} / ${m.mase.toFixed(3)} / ${b}${band ? ` / ${pct(m.coverage80)} %` : ""}`;
}

const rows: Row[] = [];
const t0 = performance.now();
for (const f of files) {
  if (!f.startsWith("derived:") && !existsSync(path.join(values.dir ?? "", f))) {
    process.stdout.write(`${f}: missing (derive it, see README.md)\n`);
    continue;
  }
  const row = windowRow(f);
  rows.push(row);
  process.stdout.write(
    `${f.padEnd(44)} ${cell(row.fluxor, true).padEnd(32)} | ${cell(row.snaive, false).padEnd(24)} | ${cell(row.ma, false)}\n`,
  );
}
function meanOf(of: readonly Row[], pick: (r: Row) => Metrics): Metrics {
  const avg = (g: (m: Metrics) => number): number => of.reduce((s, r) => s + g(pick(r)), 0) / of.length;
  return {
    accTotal: avg((m) => m.accTotal),
    accDaily: avg((m) => m.accDaily),
    bias: avg((m) => m.bias),
    mase: avg((m) => m.mase),
    coverage80: avg((m) => m.coverage80),
    coverage95: avg((m) => m.coverage95),
    series: avg((m) => m.series),
  };
}
const groups: [string, Row[]][] = [[`mean of ${rows.length}`, rows]];
const dev = rows.filter((r) => DEV.includes(r.file));
if (dev.length > 0 && dev.length < rows.length) groups.push([`mean of the ${dev.length} development windows`, dev]);
const extra = rows.filter((r) => EXTRA.includes(r.file));
if (extra.length > 0 && extra.length < rows.length) groups.push([`mean of the ${extra.length} extra windows`, extra]);
for (const [label, of] of groups)
  process.stdout.write(
    `${label.padEnd(44)} ${cell(
      meanOf(of, (r) => r.fluxor),
      true,
    ).padEnd(32)} | ${cell(
      meanOf(of, (r) => r.snaive),
      false,
    ).padEnd(24)} | ${cell(
      meanOf(of, (r) => r.ma),
      false,
    )}\n`,
  );
process.stdout.write(
  `fluxor: acc_total / MASE / bias / cover80; baselines: acc_total / MASE / bias. ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
