/** CSV of the variants list: RFC 4180 quoting, formula-injection safe. */
import type { VariantAdviceRow } from "./contract";

export const CSV_COLUMNS: (keyof VariantAdviceRow)[] = [
  "variantId",
  "productId",
  "productTitle",
  "variantTitle",
  "sku",
  "vendor",
  "productType",
  "locationId",
  "available",
  "dailyMean",
  "daysOfCover",
  "stockoutDate",
  "leadTimeDays",
  "safetyStock",
  "reorderPoint",
  "orderUpTo",
  "eoq",
  "reorderQty",
  "risk",
  "abcClass",
  "xyzClass",
  "lastSaleDay",
  "stockValue",
];

/** One CSV cell: RFC 4180 quoting; a text starting with = + - @ (or tab/CR) gets a leading ' so spreadsheets do not run it. */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = typeof value === "number" ? (Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000)) : value;
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly (string | number | null)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
