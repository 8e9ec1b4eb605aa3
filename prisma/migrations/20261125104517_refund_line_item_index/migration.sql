-- CreateIndex
CREATE INDEX "RefundLine_shopId_lineItemId_idx" ON "RefundLine"("shopId", "lineItemId");
