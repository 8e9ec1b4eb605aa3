/** CSV text for downloads made in the browser (RFC 4180: quoted when needed, CRLF line ends). */
import type { VariantForecastDetail } from "../forecasts/contract";

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : String(value);
  // A leading =, +, - or @ would be run as a formula by spreadsheet programs.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value !== "number" ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The forecast of one variant as a CSV: history, then forecast days with their bands and projected stock. */
export function forecastCsv(detail: VariantForecastDetail): string {
  const stock = new Map(detail.projectedStock.map((point) => [point.day, point.units]));
  const lines = [csvLine(["day", "kind", "units_sold", "forecast", "lo80", "hi80", "lo95", "hi95", "projected_stock", "model"])];
  for (const point of detail.history) {
    lines.push(csvLine([point.day, "history", point.units, null, null, null, null, null, null, null]));
  }
  for (const point of detail.forecast) {
    lines.push(
      csvLine([
        point.day,
        "forecast",
        null,
        round(point.forecast),
        round(point.lo80),
        round(point.hi80),
        round(point.lo95),
        round(point.hi95),
        stock.has(point.day) ? round(stock.get(point.day) ?? 0) : null,
        detail.model,
      ]),
    );
  }
  return lines.join("");
}

/** `Content-Disposition` value for a download (ASCII fallback plus the RFC 5987 UTF-8 name). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
