/** The variants export's columns (written with the one CSV writer, app/csv/writer.ts). */
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
