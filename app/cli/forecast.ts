/**
 * npm run forecast -- --input FILE.csv --horizon 28 --output OUT.csv [--country GB] [--region ENG] [--stock STOCK.csv]
 *
 * Writes series_id,date,forecast,lo80,hi80,lo95,hi95 (one row per series per future day, from the
 * day after each series' last date). Bad input: message naming the line on stderr, exit code 1,
 * and no output file (we write a temp file next to the output and rename it only on success).
 *
 * `--stock` (series_id,available; see stock-csv.ts) gives each listed series its units available
 * now: with ≤ 0, an improbable trailing run of zero-sale days is censored as out of stock instead of
 * read as zero demand; with stock on hand those zeros stay demand (decision 0013). Series without a
 * row, and runs without the flag, are forecast exactly as before.
 */

import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadAugurs } from "../forecasting/augurs.server";
import { forecastMany } from "../forecasting/index";
import { countryFlag, failer, horizonFlag, readFlags, type Fail } from "./args";
import { CsvError, csvField, num, parseDemandCsv } from "./csv";
import { parseStockCsv } from "./stock-csv";

const USAGE = "usage: npm run forecast -- --input FILE.csv --horizon 28 --output OUT.csv [--country GB] [--region ENG] [--stock STOCK.csv]";

const fail: Fail = failer("forecast");

function main(): void {
  const values = readFlags(["input", "horizon", "output", "country", "region", "stock"], USAGE, fail);
  const input = values.input;
  const output = values.output;
  if (!input || !output || values.horizon === undefined) fail(`--input, --horizon and --output are required\n${USAGE}`);
  const horizon = horizonFlag(values.horizon, 730, fail);
  const country = countryFlag(values.country, fail);
  if (!existsSync(input)) fail(`input file not found: ${input}`);

  let parsed;
  try {
    parsed = parseDemandCsv(readFileSync(input, "utf8"));
  } catch (e) {
    if (e instanceof CsvError) fail(`${input}: ${e.message}`);
    throw e;
  }
  let series = parsed.series;
  let unmatched = 0;
  if (values.stock !== undefined) {
    const stock = readStock(values.stock);
    const ids = new Set(series.map((s) => s.id));
    unmatched = [...stock.keys()].filter((id) => !ids.has(id)).length;
    series = series.map((s) => (stock.has(s.id) ? { ...s, available: stock.get(s.id)! } : s));
  }
  const results = forecastMany(series, { horizon, country, region: values.region, augurs: loadAugurs() });

  const tmp = path.join(path.dirname(path.resolve(output)), `.${path.basename(output)}.${process.pid}.tmp`);
  try {
    const out: string[] = ["series_id,date,forecast,lo80,hi80,lo95,hi95"];
    for (const r of results) {
      const id = csvField(r.id);
      for (let i = 0; i < r.dates.length; i++)
        out.push(`${id},${r.dates[i]},${num(r.forecast[i]!)},${num(r.lo80[i]!)},${num(r.hi80[i]!)},${num(r.lo95[i]!)},${num(r.hi95[i]!)}`);
    }
    writeFileSync(tmp, out.join("\n") + "\n");
    renameSync(tmp, output);
  } catch (e) {
    rmSync(tmp, { force: true });
    fail(`could not write ${output}: ${(e as Error).message}`);
  }
  const cold = results.filter((r) => r.coldStart).length;
  const out = results.filter((r) => r.stock?.outOfStock).length;
  const inferred = results.filter((r) => r.stock?.runCensoredBy === "inference").length;
  const notes = [
    ...(cold > 0 ? [`${cold} cold start`] : []),
    ...(values.stock !== undefined ? [`${out} out of stock, ${inferred} with the trailing zero run censored by inference`] : []),
    ...(unmatched > 0 ? [`${unmatched} stock row(s) for series not in the input ignored`] : []),
  ];
  process.stderr.write(
    `forecast: ${results.length} series × ${horizon} days → ${output}` + (notes.length > 0 ? ` (${notes.join("; ")})` : "") + "\n",
  );
}

/** series_id → available, from --stock; a missing file or a bad line fails like the demand file. */
function readStock(file: string): Map<string, number> {
  if (!existsSync(file)) fail(`stock file not found: ${file}`);
  try {
    return parseStockCsv(readFileSync(file, "utf8")).available;
  } catch (e) {
    if (e instanceof CsvError) fail(`${file}: ${e.message}`);
    throw e;
  }
}

main();
