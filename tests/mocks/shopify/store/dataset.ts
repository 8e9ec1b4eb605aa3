/**
 * The real retail data (../shared/data/online-retail, never copied into the repo): read at run
 * time, parsed once per folder and cached for the process.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..", "..", "..");

/** `../shared/data/online-retail` beside the repository root; FLUXOR_DATA_DIR overrides. */
export function defaultDataDir(): string {
  return process.env.FLUXOR_DATA_DIR ?? path.resolve(REPO_ROOT, "..", "shared", "data", "online-retail");
}

export interface RealSeries {
  code: string;
  title: string;
  unitPrice: number;
  /** Day index (from the data set's first day) of the first sale. */
  firstDay: number;
  /** Units per day from the data set's first day (zeros before `firstDay`). */
  units: Uint32Array;
}

export interface RealDataset {
  /** First and last calendar day of the data (epoch ms, UTC midnight). */
  startMs: number;
  endMs: number;
  days: number;
  series: RealSeries[];
}

export const DAY_MS = 86_400_000;

export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  out.push(field);
  return out;
}

const cache = new Map<string, RealDataset>();

export function loadDataset(dataDir = defaultDataDir()): RealDataset {
  const cached = cache.get(dataDir);
  if (cached) return cached;
  const productsFile = path.join(dataDir, "products.csv");
  const dailyFile = path.join(dataDir, "daily_units.csv");
  if (!existsSync(productsFile) || !existsSync(dailyFile)) {
    throw new Error(`demo store: the retail data is missing in ${dataDir} (set FLUXOR_DATA_DIR or pass dataDir)`);
  }
  const products = new Map<string, { title: string; unitPrice: number }>();
  for (const line of readFileSync(productsFile, "utf8").split("\n").slice(1)) {
    if (!line) continue;
    const [code, title, price] = parseCsvLine(line);
    if (code && title) products.set(code, { title, unitPrice: Number(price) });
  }
  // First pass: the date range. Second: the units. daily_units.csv is sorted by series, then date.
  const lines = readFileSync(dailyFile, "utf8").split("\n");
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = 0;
  const rows: { code: string; ms: number; units: number }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const first = line.indexOf(",");
    const second = line.indexOf(",", first + 1);
    const code = line.slice(0, first);
    const ms = Date.parse(`${line.slice(first + 1, second)}T00:00:00Z`);
    const units = Number(line.slice(second + 1));
    if (ms < startMs) startMs = ms;
    if (ms > endMs) endMs = ms;
    rows.push({ code, ms, units });
  }
  const days = Math.round((endMs - startMs) / DAY_MS) + 1;
  const byCode = new Map<string, RealSeries>();
  for (const row of rows) {
    let series = byCode.get(row.code);
    const day = Math.round((row.ms - startMs) / DAY_MS);
    if (!series) {
      const product = products.get(row.code);
      if (!product) continue;
      series = { code: row.code, title: product.title, unitPrice: product.unitPrice, firstDay: day, units: new Uint32Array(days) };
      byCode.set(row.code, series);
    }
    series.units[day] = row.units;
  }
  const dataset: RealDataset = {
    startMs,
    endMs,
    days,
    series: [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
  };
  cache.set(dataDir, dataset);
  return dataset;
}
