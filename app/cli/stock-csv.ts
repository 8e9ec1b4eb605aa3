/**
 * Current stock CSV for `npm run forecast -- --stock FILE`: `series_id,available` (other columns
 * are ignored), one row per series, `available` = units available now (after the series' last
 * day; ≤ 0 = out of stock, negative when oversold). Errors name the line, like the demand reader.
 */

import { CsvError, splitCsvLine } from "./csv";

export interface ParsedStock {
  /** series_id → units available now. */
  available: Map<string, number>;
  rows: number;
}

const HEADER = "series_id,available";

export function parseStockCsv(text: string): ParsedStock {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new CsvError(`the file is empty (expected a header: ${HEADER})`, 1);
  const header = splitCsvLine(lines[0]!.replace(/^\uFEFF/, ""), 1).map((h) => h.trim().toLowerCase());
  const iId = header.indexOf("series_id");
  const iAvailable = header.indexOf("available");
  const missing = ["series_id", "available"].filter((c) => !header.includes(c));
  if (missing.length > 0) throw new CsvError(`header must contain ${HEADER}; missing ${missing.join(", ")}`, 1);

  const available = new Map<string, number>();
  const firstLine = new Map<string, number>();
  for (let k = 1; k < lines.length; k++) {
    const lineNo = k + 1;
    const raw = lines[k]!;
    if (raw.trim() === "") throw new CsvError("empty line", lineNo);
    const f = splitCsvLine(raw, lineNo);
    if (f.length !== header.length) throw new CsvError(`expected ${header.length} fields, found ${f.length}`, lineNo);
    const id = f[iId]!.trim();
    if (id === "") throw new CsvError("series_id is empty", lineNo);
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
