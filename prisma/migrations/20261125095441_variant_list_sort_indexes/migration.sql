-- CreateIndex
CREATE INDEX "VariantAdvice_runId_locationId_productTitle_variantTitle_idx" ON "VariantAdvice"("runId", "locationId", "productTitle", "variantTitle");

-- CreateIndex
CREATE INDEX "VariantAdvice_runId_locationId_available_idx" ON "VariantAdvice"("runId", "locationId", "available");

-- CreateIndex
CREATE INDEX "VariantAdvice_runId_locationId_reorderQty_idx" ON "VariantAdvice"("runId", "locationId", "reorderQty");

-- CreateIndex
CREATE INDEX "VariantAdvice_runId_locationId_stockValue_idx" ON "VariantAdvice"("runId", "locationId", "stockValue");

-- CreateIndex
CREATE INDEX "VariantAdvice_runId_locationId_dailyMean_idx" ON "VariantAdvice"("runId", "locationId", "dailyMean");
