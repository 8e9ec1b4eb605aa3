/**
 * The one CSV writer (RFC 4180: a cell is quoted when it holds a comma, quote or line break; CRLF line
 * ends), for the variants export, the forecast download and the forecasting CLI. Safe to open in a
 * spreadsheet: a text cell that starts with = + - @ (or tab/CR) gets a leading ' so it is not run as a
 * formula. Numbers keep at most 3 decimals; a number that is not finite is an empty cell.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : "";
  const text = String(value);
  const safe = typeof value === "string" && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
