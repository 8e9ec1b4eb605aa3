/**
 * Daily demand CSV (series_id,date,units[,in_stock]) → SeriesInput[], with errors that name the
 * line. Days missing between a series' first and last date are filled with 0 units (shops export
 * no row for a day without sales); an empty units field is "unknown"; duplicated days, bad dates, negative or non-numeric units and
 * in_stock values other than 1/0 are errors.
 */

import { fromDay, toDayCached, type SeriesInput } from "../forecasting";
import { CsvError, splitCsvLine } from "../csv/reader";

export { CsvError, splitCsvLine };

export interface ParsedDemand {
  series: SeriesInput[];
  rows: number;
  hasInStock: boolean;
}

/** A CSV with a header row (names trimmed and lower-cased; a UTF-8 BOM dropped), read line by line. */
export interface CsvTable {
  /** The column's index, or -1. */
  column(name: string): number;
  /** The data lines: number, fields (as many as the header has) and the trimmed, non-empty series_id. */
  records(): Generator<{ lineNo: number; fields: string[]; id: string }>;
}

/**
 * Reads the header and checks that it has the `required` columns (series_id among them). `expected` names the
 * header in the error for an empty file; `rule` says what the header must contain when a column is missing.
 */
export function readCsvTable(text: string, required: readonly string[], expected: string, rule: string): CsvTable {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new CsvError(`the file is empty (expected a header: ${expected})`, 1);
  const header = splitCsvLine(lines[0]!.replace(/^\uFEFF/, ""), 1).map((h) => h.trim().toLowerCase());
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new CsvError(`header must contain ${rule}; missing ${missing.join(", ")}`, 1);
  const iId = header.indexOf("series_id");
  return {
    column: (name) => header.indexOf(name),
    *records() {
      for (let k = 1; k < lines.length; k++) {
        const lineNo = k + 1;
        const raw = lines[k]!;
        if (raw.trim() === "") throw new CsvError("empty line", lineNo);
        const fields = splitCsvLine(raw, lineNo);
        if (fields.length !== header.length) throw new CsvError(`expected ${header.length} fields, found ${fields.length}`, lineNo);
        const id = fields[iId]!.trim();
        if (id === "") throw new CsvError("series_id is empty", lineNo);
        yield { lineNo, fields, id };
      }
    },
  };
}

export function parseDemandCsv(text: string): ParsedDemand {
  const table = readCsvTable(
    text,
    ["series_id", "date", "units"],
    "series_id,date,units[,in_stock]",
    "series_id,date,units (optional in_stock)",
  );
  const iDate = table.column("date");
  const iUnits = table.column("units");
  const iStock = table.column("in_stock");

  interface Acc {
    days: number[];
    units: number[];
    stock: number[];
    lines: number[];
  }
  const bySeries = new Map<string, Acc>();
  let rows = 0;
  for (const { lineNo, fields: f, id } of table.records()) {
    const date = f[iDate]!.trim();
    const day = toDayCached(date);
    if (day !== day) throw new CsvError(`invalid date "${date}" (expected YYYY-MM-DD)`, lineNo);
    const us = f[iUnits]!.trim();
    // An empty units field means "unknown" (treated like a censored day), not zero.
    const units = us === "" ? NaN : Number(us);
    if (us !== "" && (!Number.isFinite(units) || units < 0)) throw new CsvError(`units must be a number ≥ 0, got "${us}"`, lineNo);
    let stock = 1;
    if (iStock >= 0) {
      const s = f[iStock]!.trim().toLowerCase();
      if (s === "1" || s === "true" || s === "") stock = 1;
      else if (s === "0" || s === "false") stock = 0;
      else throw new CsvError(`in_stock must be 1 or 0, got "${s}"`, lineNo);
    }
    let acc = bySeries.get(id);
    if (!acc) {
      acc = { days: [], units: [], stock: [], lines: [] };
      bySeries.set(id, acc);
    }
    acc.days.push(day);
    acc.units.push(units);
    acc.stock.push(stock);
    acc.lines.push(lineNo);
    rows++;
  }
  if (rows === 0) throw new CsvError("no data rows after the header", 2);

  const series: SeriesInput[] = [];
  for (const [id, acc] of bySeries) {
    const order = acc.days.map((_, i) => i).sort((a, b) => acc.days[a]! - acc.days[b]!);
    const first = acc.days[order[0]!]!;
    const last = acc.days[order[order.length - 1]!]!;
    const len = last - first + 1;
    const values = new Array<number>(len).fill(0);
    const inStock = new Array<number>(len).fill(1);
    const seen = new Int32Array(len);
    for (const i of order) {
      const j = acc.days[i]! - first;
      if (seen[j] !== 0)
        throw new CsvError(`duplicate row for series ${id} on ${fromDay(acc.days[i]!)} (first seen on line ${seen[j]})`, acc.lines[i]!);
      seen[j] = acc.lines[i]!;
      values[j] = acc.units[i]!;
      inStock[j] = acc.stock[i]!;
    }
    series.push(iStock >= 0 ? { id, start: fromDay(first), values, inStock } : { id, start: fromDay(first), values });
  }
  return { series, rows, hasInStock: iStock >= 0 };
}

/** Signals the backtest can evaluate (`--signals FILE`). */
export const BACKTEST_SIGNALS = ["promotion", "temperature", "cpi", "consumer_confidence", "competitor_price"] as const;
export type BacktestSignal = (typeof BACKTEST_SIGNALS)[number];

export interface ParsedSignals {
  /** signal → series id (`*` = every series) → day number → value. */
  bySignal: Map<BacktestSignal, Map<string, Map<number, number>>>;
  rows: number;
}

/**
 * A signals file: `series_id,date,signal,value`, one row per series, day and signal. `series_id` `*` applies the row
 * to every series. `promotion`: value 0–1 (the depth, or 1 when unknown; 0 = none); `temperature` (°C), `cpi` and
 * `consumer_confidence`: the day's value (a monthly index repeated on each day of its month); `competitor_price`: the
 * day's mean competitor price relative to the series' own price (1 = the same price).
 */
export function parseSignalsCsv(text: string): ParsedSignals {
  const table = readCsvTable(text, ["series_id", "date", "signal", "value"], "series_id,date,signal,value", "series_id,date,signal,value");
  const iDate = table.column("date");
  const iSignal = table.column("signal");
  const iValue = table.column("value");
  const bySignal = new Map<BacktestSignal, Map<string, Map<number, number>>>();
  let rows = 0;
  for (const { lineNo, fields: f, id } of table.records()) {
    const date = f[iDate]!.trim();
    const day = toDayCached(date);
    if (day !== day) throw new CsvError(`invalid date "${date}" (expected YYYY-MM-DD)`, lineNo);
    const name = f[iSignal]!.trim().toLowerCase();
    const signal = BACKTEST_SIGNALS.find((known) => known === name);
    if (!signal) throw new CsvError(`unknown signal "${name}" (known: ${BACKTEST_SIGNALS.join(", ")})`, lineNo);
    const raw = f[iValue]!.trim();
    const value = Number(raw);
    if (signal === "promotion" && (raw === "" || !Number.isFinite(value) || value < 0 || value > 1))
      throw new CsvError(`value of a promotion must be a number from 0 to 1 (its depth, 1 when unknown), got "${raw}"`, lineNo);
    if (raw === "" || !Number.isFinite(value)) throw new CsvError(`value of ${signal} must be a number, got "${raw}"`, lineNo);
    let series = bySignal.get(signal);
    if (!series) bySignal.set(signal, (series = new Map()));
    let days = series.get(id);
    if (!days) series.set(id, (days = new Map()));
    if (days.has(day)) throw new CsvError(`duplicate ${signal} row for series ${id} on ${date}`, lineNo);
    days.set(day, value);
    rows++;
  }
  if (rows === 0) throw new CsvError("no data rows after the header", 2);
  return { bySignal, rows };
}

/** Quote a CSV field only when needed. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Format a forecast number: at most 3 decimals, no trailing zeros. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return "";
  const r = Math.round(x * 1000) / 1000;
  return String(r === 0 ? 0 : r);
}
