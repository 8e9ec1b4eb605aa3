-- Out of stock as its own state (docs/decisions/0039-out-of-stock-state.md): risk 'out_of_stock', since when, and
-- the sales lost per day and to date, in units and in the shop's currency.

-- AlterTable
ALTER TABLE "VariantAdvice" ADD COLUMN     "lostRevenuePerDay" DECIMAL(14,2) NOT NULL DEFAULT 0,
ADD COLUMN     "lostRevenueToDate" DECIMAL(14,2) NOT NULL DEFAULT 0,
ADD COLUMN     "lostUnitsPerDay" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "lostUnitsToDate" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "outOfStockSince" DATE,
ADD COLUMN     "sinceEstimated" BOOLEAN NOT NULL DEFAULT false;

-- The list's default order (hand-written, like 20261125095442: Prisma cannot express it and its diff ignores it):
-- out of stock first, ranked by the revenue they lose a day, then the other risks in the order they had. A page
-- stays an index walk, forwards or backwards, at 50 000 variants.
DROP INDEX "VariantAdvice_list_risk_idx";
CREATE INDEX "VariantAdvice_list_risk_idx" ON "VariantAdvice" (
  "runId", "locationId",
  (CASE risk WHEN 'out_of_stock' THEN 0 WHEN 'stockout' THEN 1 WHEN 'reorder' THEN 2 WHEN 'dead' THEN 3 WHEN 'ok' THEN 4 ELSE 5 END),
  (- "lostRevenuePerDay"), "stockoutDate", "daysOfCover", "variantId"
);
