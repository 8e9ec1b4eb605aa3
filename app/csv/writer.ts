/**
 * The one CSV writer (RFC 4180: a cell is quoted when it holds a comma, quote or line break; CRLF line
 * ends), for every CSV export, the forecast download and the forecasting CLI. Safe to open in a
 * spreadsheet: a text cell that starts with = + - @ (or tab/CR) gets a leading ' so it is not run as a
 * formula. A cell that holds a semicolon or a tab is quoted too: Excel set to `;` as list separator
 * (French and Spanish settings) splits an unquoted `Acme;=cmd|' /C calc'!A0` into cells, the second a live
 * formula; quoted, the whole cell is one text cell. Numbers (typed as numbers, e.g. -12) are written
 * plainly; they keep at most 3 decimals, and a number that is not finite is an empty cell.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : "";
  const text = String(value);
  const safe = typeof value === "string" && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",;\t\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
