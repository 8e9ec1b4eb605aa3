-- DropIndex
DROP INDEX "Order_shopId_day_idx";

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "channel" VARCHAR(16),
ADD COLUMN     "fulfillmentStatus" VARCHAR(64),
ADD COLUMN     "sourceName" VARCHAR(255);

-- CreateIndex
CREATE INDEX "Order_shopId_day_channel_idx" ON "Order"("shopId", "day", "channel");
