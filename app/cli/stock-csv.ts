/**
 * Current stock CSV for `npm run forecast -- --stock FILE`: `series_id,available` (other columns
 * are ignored), one row per series, `available` = units available now (after the series' last
 * day; ≤ 0 = out of stock, negative when oversold). Errors name the line, like the demand reader.
 */

import { CsvError, readCsvTable } from "./csv";

export interface ParsedStock {
  /** series_id → units available now. */
  available: Map<string, number>;
  rows: number;
}

const HEADER = "series_id,available";

export function parseStockCsv(text: string): ParsedStock {
  const table = readCsvTable(text, ["series_id", "available"], HEADER, HEADER);
  const iAvailable = table.column("available");
  const available = new Map<string, number>();
  const firstLine = new Map<string, number>();
  for (const { lineNo, fields: f, id } of table.records()) {
    const text = f[iAvailable]!.trim();
    const units = text === "" ? NaN : Number(text);
    if (!Number.isFinite(units)) throw new CsvError(`available must be a number of units (negative when oversold), got "${text}"`, lineNo);
    const seen = firstLine.get(id);
    if (seen !== undefined) throw new CsvError(`duplicate row for series ${id} (first seen on line ${seen})`, lineNo);
    firstLine.set(id, lineNo);
    available.set(id, units);
  }
  if (available.size === 0) throw new CsvError("no data rows after the header", 2);
  return { available, rows: available.size };
}
