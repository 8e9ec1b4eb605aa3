-- AlterTable
ALTER TABLE "WebhookEvent" ADD COLUMN     "retryAt" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "WebhookEvent_shopId_status_id_idx" ON "WebhookEvent"("shopId", "status", "id");
