-- CreateTable
CREATE TABLE "Location" (
    "shopId" UUID NOT NULL,
    "id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "shopifyUpdatedAt" TIMESTAMPTZ(3) NOT NULL,
    "syncedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Location_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "Product" (
    "shopId" UUID NOT NULL,
    "id" BIGINT NOT NULL,
    "title" TEXT NOT NULL,
    "handle" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "productType" TEXT NOT NULL DEFAULT '',
    "vendor" TEXT NOT NULL DEFAULT '',
    "shopifyCreatedAt" TIMESTAMPTZ(3) NOT NULL,
    "shopifyUpdatedAt" TIMESTAMPTZ(3) NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),
    "syncedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Product_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "ProductVariant" (
    "shopId" UUID NOT NULL,
    "id" BIGINT NOT NULL,
    "productId" BIGINT NOT NULL,
    "title" TEXT NOT NULL,
    "sku" TEXT,
    "price" DECIMAL(14,2) NOT NULL,
    "inventoryItemId" BIGINT,
    "shopifyUpdatedAt" TIMESTAMPTZ(3) NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),
    "syncedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProductVariant_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "InventoryLevel" (
    "shopId" UUID NOT NULL,
    "inventoryItemId" BIGINT NOT NULL,
    "locationId" BIGINT NOT NULL,
    "available" INTEGER NOT NULL,
    "onHand" INTEGER,
    "shopifyUpdatedAt" TIMESTAMPTZ(3) NOT NULL,
    "syncedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InventoryLevel_pkey" PRIMARY KEY ("shopId","inventoryItemId","locationId")
);

-- CreateTable
CREATE TABLE "InventoryDay" (
    "shopId" UUID NOT NULL,
    "inventoryItemId" BIGINT NOT NULL,
    "locationId" BIGINT NOT NULL,
    "day" DATE NOT NULL,
    "maxAvailable" INTEGER NOT NULL,
    "lastAvailable" INTEGER NOT NULL,
    "lastAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "InventoryDay_pkey" PRIMARY KEY ("shopId","inventoryItemId","locationId","day")
);

-- CreateTable
CREATE TABLE "Order" (
    "shopId" UUID NOT NULL,
    "id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "shopifyCreatedAt" TIMESTAMPTZ(3) NOT NULL,
    "processedAt" TIMESTAMPTZ(3) NOT NULL,
    "shopifyUpdatedAt" TIMESTAMPTZ(3) NOT NULL,
    "cancelledAt" TIMESTAMPTZ(3),
    "test" BOOLEAN NOT NULL DEFAULT false,
    "currencyCode" TEXT NOT NULL,
    "locationId" BIGINT NOT NULL DEFAULT 0,
    "day" DATE NOT NULL,
    "refundsPending" BOOLEAN NOT NULL DEFAULT false,
    "syncedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "OrderLine" (
    "shopId" UUID NOT NULL,
    "id" BIGINT NOT NULL,
    "orderId" BIGINT NOT NULL,
    "variantId" BIGINT,
    "productId" BIGINT,
    "sku" TEXT,
    "quantity" INTEGER NOT NULL,
    "discountedTotal" DECIMAL(14,2) NOT NULL,

    CONSTRAINT "OrderLine_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "RefundLine" (
    "shopId" UUID NOT NULL,
    "refundId" BIGINT NOT NULL,
    "lineItemId" BIGINT NOT NULL,
    "orderId" BIGINT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "restockType" TEXT NOT NULL,
    "locationId" BIGINT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RefundLine_pkey" PRIMARY KEY ("shopId","refundId","lineItemId")
);

-- CreateTable
CREATE TABLE "DailyDemand" (
    "shopId" UUID NOT NULL,
    "variantId" BIGINT NOT NULL,
    "locationId" BIGINT NOT NULL,
    "day" DATE NOT NULL,
    "units" INTEGER NOT NULL,
    "revenue" DECIMAL(14,2) NOT NULL,
    "inStock" BOOLEAN,

    CONSTRAINT "DailyDemand_pkey" PRIMARY KEY ("shopId","variantId","locationId","day")
);

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "phases" JSONB NOT NULL DEFAULT '{}',
    "allOrders" BOOLEAN NOT NULL DEFAULT true,
    "ordersFrom" TIMESTAMPTZ(3),
    "errors" JSONB NOT NULL DEFAULT '[]',
    "repairs" JSONB NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" BIGSERIAL NOT NULL,
    "shopId" UUID NOT NULL,
    "webhookId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "apiVersion" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'received',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMPTZ(3),

    CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiCircuit" (
    "shopId" UUID NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'closed',
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "openedAt" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiCircuit_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "StockChange" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "inventoryItemId" BIGINT NOT NULL,
    "locationId" BIGINT NOT NULL,
    "expected" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "actual" INTEGER,
    "detail" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StockChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Product_shopId_shopifyUpdatedAt_idx" ON "Product"("shopId", "shopifyUpdatedAt");

-- CreateIndex
CREATE INDEX "ProductVariant_shopId_productId_idx" ON "ProductVariant"("shopId", "productId");

-- CreateIndex
CREATE INDEX "ProductVariant_shopId_inventoryItemId_idx" ON "ProductVariant"("shopId", "inventoryItemId");

-- CreateIndex
CREATE INDEX "ProductVariant_shopId_sku_idx" ON "ProductVariant"("shopId", "sku");

-- CreateIndex
CREATE INDEX "Order_shopId_day_idx" ON "Order"("shopId", "day");

-- CreateIndex
CREATE INDEX "Order_shopId_shopifyUpdatedAt_idx" ON "Order"("shopId", "shopifyUpdatedAt");

-- CreateIndex
CREATE INDEX "OrderLine_shopId_orderId_idx" ON "OrderLine"("shopId", "orderId");

-- CreateIndex
CREATE INDEX "OrderLine_shopId_variantId_idx" ON "OrderLine"("shopId", "variantId");

-- CreateIndex
CREATE INDEX "RefundLine_shopId_orderId_idx" ON "RefundLine"("shopId", "orderId");

-- CreateIndex
CREATE INDEX "DailyDemand_shopId_day_idx" ON "DailyDemand"("shopId", "day");

-- CreateIndex
CREATE INDEX "SyncRun_shopId_kind_startedAt_idx" ON "SyncRun"("shopId", "kind", "startedAt");

-- CreateIndex
CREATE INDEX "WebhookEvent_shopId_receivedAt_idx" ON "WebhookEvent"("shopId", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookEvent_status_receivedAt_idx" ON "WebhookEvent"("status", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookEvent_shopId_webhookId_key" ON "WebhookEvent"("shopId", "webhookId");

-- CreateIndex
CREATE INDEX "StockChange_shopId_createdAt_idx" ON "StockChange"("shopId", "createdAt");
