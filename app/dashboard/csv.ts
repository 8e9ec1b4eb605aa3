/** CSV downloads made in the browser: a variant's forecast (written with the one CSV writer, app/csv/writer.ts). */
import { csvLine } from "../csv/writer";
import type { VariantForecastDetail } from "../forecasts/contract";

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
        point.forecast,
        point.lo80,
        point.hi80,
        point.lo95,
        point.hi95,
        stock.has(point.day) ? (stock.get(point.day) ?? 0) : null,
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
