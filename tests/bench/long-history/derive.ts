/**
 * Long-history daily retail data for the backtest, derived at run time from public raw files that
 * are never committed (see README.md beside this file for where they come from).
 *
 *   npx tsx tests/bench/long-history/derive.ts [--out .data/long-history] [--end YYYY-MM-DD] \
 *     [--favorita-transactions SRC] [--favorita-stores SRC] [--store-item SRC] [--pharma SRC]
 *
 * SRC is a file path, or `git:<git dir>@<commit>:<path>` to read one blob of a fetched snapshot
 * (`git --git-dir <dir> show <commit>:<path>`). Each given source writes its files as
 * `series_id,date,units` (the backtest CLI's input); with `--end` every series is cut after that
 * day (an earlier holdout) and the file names get `.end-<date>`.
 *
 * Subsets (deterministic, no randomness):
 * - favorita-aggregates.csv (8): receipts per day summed over the "complete" stores (first day
 *   2013-01-02, at most 12 days without a row up to 2017-08-15), by store type (A–E) and for the
 *   three states with the most complete stores. A day no complete store reported (25 Dec, 1 Jan)
 *   is written as unknown (empty units), not zero.
 * - favorita-stores.csv: receipts per day of every complete store; days without a row are unknown.
 * - store-item.csv (40): Kaggle store-item demand, items 1–4 × stores 1–10 (whatever of them the
 *   source holds in full, 2013-01-01 … 2017-12-31).
 * - pharma-categories.csv (8): the eight ATC categories of the pharmacy sales data.
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fromDay, toDay } from "../../../app/forecasting/dates";

type Fail = (msg: string) => never;
const fail: Fail = (msg) => {
  process.stderr.write(`derive: ${msg}\n`);
  process.exit(1);
};

const FLAGS = ["out", "end", "favorita-transactions", "favorita-stores", "store-item", "pharma"] as const;
type Flag = (typeof FLAGS)[number];

function readFlags(argv: readonly string[]): Partial<Record<Flag, string>> {
  const out: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.replace(/^--/, "") as Flag;
    if (!a.startsWith("--") || !FLAGS.includes(name)) fail(`unknown argument ${a}`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) fail(`${a} needs a value`);
    out[name] = v;
    i++;
  }
  return out;
}

/** File path, or git:<git dir>@<commit>:<path> (one blob of a fetched snapshot). */
export function readSource(src: string): string {
  const m = /^git:(.+?)@([0-9a-f]{7,40}):(.+)$/.exec(src);
  if (!m) return readFileSync(src, "utf8");
  return execFileSync("git", ["--git-dir", m[1]!, "show", `${m[2]}:${m[3]}`], { encoding: "utf8", maxBuffer: 1 << 28 });
}

/** YYYY-MM-DD or M/D/YYYY → day number; NaN when neither. */
export function parseDay(s: string): number {
  const t = s.trim().replace(/^"|"$/g, "");
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return toDay(t);
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (m) return toDay(`${m[3]}-${m[1]!.padStart(2, "0")}-${m[2]!.padStart(2, "0")}`);
  return NaN;
}

/** Simple delimited text (no quoted delimiters in these sources) → header + rows. */
function table(text: string, sep: string): { header: string[]; rows: string[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const unq = (x: string): string => x.trim().replace(/^"|"$/g, "");
  const header = lines[0]!
    .replace(/^\uFEFF/, "")
    .split(sep)
    .map(unq);
  return { header, rows: lines.slice(1).map((l) => l.split(sep).map(unq)) };
}

function col(header: readonly string[], name: string, what: string): number {
  const i = header.indexOf(name);
  if (i < 0) fail(`${what}: no column "${name}" in header ${header.join(",")}`);
  return i;
}

/** A dense daily series: values[i] is day first + i; NaN = unknown. */
interface Dense {
  id: string;
  first: number;
  values: number[];
}

function writeSeries(file: string, series: readonly Dense[], end: number): number {
  const out = ["series_id,date,units"];
  let n = 0;
  for (const s of series) {
    for (let i = 0; i < s.values.length && s.first + i <= end; i++) {
      const v = s.values[i]!;
      out.push(`${s.id},${fromDay(s.first + i)},${Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : ""}`);
      n++;
    }
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, out.join("\n") + "\n");
  renameSync(tmp, file);
  return n;
}

const FAVORITA_FIRST = toDay("2013-01-02");
const FAVORITA_LAST = toDay("2017-08-15");
/** A store counts as complete with at most this many days without a row (holidays, a few closures). */
const FAVORITA_MAX_GAPS = 12;

function favorita(transactionsSrc: string, storesSrc: string | undefined): { stores: Dense[]; aggregates: Dense[] } {
  const t = table(readSource(transactionsSrc), ",");
  const iDate = col(t.header, "date", "favorita transactions");
  const iStore = col(t.header, "store_nbr", "favorita transactions");
  const iTx = col(t.header, "transactions", "favorita transactions");
  const byStore = new Map<string, Map<number, number>>();
  for (const r of t.rows) {
    const day = parseDay(r[iDate]!);
    if (day !== day) fail(`favorita transactions: bad date "${r[iDate]}"`);
    const st = r[iStore]!;
    let m = byStore.get(st);
    if (!m) byStore.set(st, (m = new Map()));
    m.set(day, Number(r[iTx]));
  }
  const len = FAVORITA_LAST - FAVORITA_FIRST + 1;
  const complete: Dense[] = [];
  for (const [st, m] of [...byStore.entries()].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const first = Math.min(...m.keys());
    if (first > FAVORITA_FIRST) continue;
    const gaps = Array.from({ length: len }, (_, i) => m.has(FAVORITA_FIRST + i)).filter((x) => !x).length;
    if (gaps > FAVORITA_MAX_GAPS) continue;
    const values = Array.from({ length: len }, (_, i) => m.get(FAVORITA_FIRST + i) ?? 0);
    complete.push({ id: `fav-store-${st.padStart(2, "0")}`, first: FAVORITA_FIRST, values });
  }
  const aggregates: Dense[] = [];
  if (storesSrc) {
    const s = table(readSource(storesSrc), ",");
    const iNbr = col(s.header, "store_nbr", "favorita stores");
    const iType = col(s.header, "type", "favorita stores");
    const iState = col(s.header, "state", "favorita stores");
    const meta = new Map(s.rows.map((r) => [`fav-store-${r[iNbr]!.padStart(2, "0")}`, { type: r[iType]!, state: r[iState]! }]));
    const groups = new Map<string, Dense[]>();
    const add = (key: string, d: Dense): void => {
      const g = groups.get(key);
      if (g) g.push(d);
      else groups.set(key, [d]);
    };
    const stateCount = new Map<string, number>();
    for (const d of complete) {
      const m = meta.get(d.id);
      if (!m) fail(`favorita stores: no row for ${d.id}`);
      add(`fav-type-${m.type}`, d);
      stateCount.set(m.state, (stateCount.get(m.state) ?? 0) + 1);
    }
    const topStates = [...stateCount.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 3)
      .map(([k]) => k);
    for (const d of complete) {
      const st = meta.get(d.id)!.state;
      if (topStates.includes(st)) add(`fav-state-${st.toLowerCase().replace(/[^a-z]+/g, "-")}`, d);
    }
    for (const [key, members] of [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const values = Array.from({ length: len }, (_, i) => members.reduce((a, d) => a + d.values[i]!, 0));
      aggregates.push({ id: key, first: FAVORITA_FIRST, values });
    }
  }
  return { stores: complete, aggregates };
}

function storeItem(src: string): Dense[] {
  const t = table(readSource(src), ",");
  const iDate = col(t.header, "date", "store-item");
  const iStore = col(t.header, "store", "store-item");
  const iItem = col(t.header, "item", "store-item");
  const iSales = col(t.header, "sales", "store-item");
  const first = toDay("2013-01-01");
  const last = toDay("2017-12-31");
  const len = last - first + 1;
  const by = new Map<string, number[]>();
  for (const r of t.rows) {
    const item = Number(r[iItem]);
    const store = Number(r[iStore]);
    if (item < 1 || item > 4 || store < 1 || store > 10) continue;
    const id = `si-item${String(item).padStart(2, "0")}-store${String(store).padStart(2, "0")}`;
    let v = by.get(id);
    if (!v) by.set(id, (v = Array<number>(len).fill(NaN)));
    const day = parseDay(r[iDate]!);
    if (day >= first && day <= last) v[day - first] = Number(r[iSales]);
  }
  return [...by.entries()]
    .filter(([, v]) => v.every((x) => Number.isFinite(x)))
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([id, values]) => ({ id, first, values }));
}

const PHARMA_CATEGORIES = ["M01AB", "M01AE", "N02BA", "N02BE", "N05B", "N05C", "R03", "R06"] as const;

function pharma(src: string): Dense[] {
  const text = readSource(src);
  const sep = text.split(/\r?\n/, 1)[0]!.includes(";") ? ";" : ",";
  const t = table(text, sep);
  const iDate = col(t.header, "datum", "pharma");
  const days = t.rows.map((r) => parseDay(r[iDate]!));
  if (days.some((d) => d !== d)) fail("pharma: bad date");
  const first = Math.min(...days);
  const last = Math.max(...days);
  return PHARMA_CATEGORIES.map((c) => {
    const i = col(t.header, c, "pharma");
    const values = Array<number>(last - first + 1).fill(NaN);
    t.rows.forEach((r, k) => (values[days[k]! - first] = Number(r[i])));
    return { id: `pharma-${c.toLowerCase()}`, first, values };
  });
}

function main(): void {
  const f = readFlags(process.argv.slice(2));
  const outDir = f.out ?? ".data/long-history";
  const end = f.end ? parseDay(f.end) : Infinity;
  if (f.end && end !== end) fail(`--end must be YYYY-MM-DD, got ${f.end}`);
  if (!f["favorita-transactions"] && !f["store-item"] && !f.pharma)
    fail("give at least one of --favorita-transactions, --store-item, --pharma (see README.md)");
  mkdirSync(outDir, { recursive: true });
  const suffix = f.end ? `.end-${f.end}` : "";
  const write = (name: string, series: Dense[]): void => {
    if (series.length === 0) fail(`${name}: no series selected`);
    const file = path.join(outDir, `${name}${suffix}.csv`);
    const rows = writeSeries(file, series, end);
    const firstDay = Math.min(...series.map((s) => s.first));
    const lastDay = Math.max(...series.map((s) => Math.min(end, s.first + s.values.length - 1)));
    process.stdout.write(`${file}: ${series.length} series, ${rows} rows, ${fromDay(firstDay)} … ${fromDay(lastDay)}\n`);
  };
  if (f["favorita-transactions"]) {
    const fav = favorita(f["favorita-transactions"], f["favorita-stores"]);
    if (fav.aggregates.length > 0) write("favorita-aggregates", fav.aggregates);
    write("favorita-stores", fav.stores);
  }
  if (f["store-item"]) write("store-item", storeItem(f["store-item"]));
  if (f.pharma) write("pharma-categories", pharma(f.pharma));
}

main();
