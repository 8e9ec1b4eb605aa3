-- The variants list at 50 000 variants (docs/decisions/0032-forecast-read-model.md): hand-written because
-- Prisma's schema cannot express expression or trigram indexes (and `prisma migrate diff` ignores them, so
-- `npm run db:new-migration -- --check` stays clean).

-- Default sort (most urgent first): a page is an index walk instead of a sort of the whole run.
CREATE INDEX "VariantAdvice_list_risk_idx" ON "VariantAdvice" (
  "runId", "locationId",
  (CASE risk WHEN 'stockout' THEN 0 WHEN 'reorder' THEN 1 WHEN 'dead' THEN 2 WHEN 'ok' THEN 3 ELSE 4 END),
  "stockoutDate", "daysOfCover", "variantId"
);

-- Search (`q`): ILIKE '%…%' over product title, variant title and SKU.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "VariantAdvice_search_trgm_idx" ON "VariantAdvice"
  USING gin ((lower("productTitle" || ' ' || "variantTitle" || ' ' || coalesce(sku, ''))) gin_trgm_ops);
