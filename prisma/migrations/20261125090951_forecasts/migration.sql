-- CreateTable
CREATE TABLE "ShopSettings" (
    "shopId" UUID NOT NULL,
    "serviceLevel" DOUBLE PRECISION NOT NULL DEFAULT 0.95,
    "leadTimeDays" DOUBLE PRECISION NOT NULL DEFAULT 14,
    "leadTimeSdDays" DOUBLE PRECISION NOT NULL DEFAULT 3,
    "reviewPeriodDays" INTEGER NOT NULL DEFAULT 7,
    "orderCost" DECIMAL(14,2) NOT NULL DEFAULT 25,
    "holdingCostRate" DOUBLE PRECISION NOT NULL DEFAULT 0.25,
    "locationIds" BIGINT[] DEFAULT ARRAY[]::BIGINT[],
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ShopSettings_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "VendorLeadTime" (
    "shopId" UUID NOT NULL,
    "vendor" TEXT NOT NULL,
    "leadTimeDays" DOUBLE PRECISION NOT NULL,
    "leadTimeSdDays" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VendorLeadTime_pkey" PRIMARY KEY ("shopId","vendor")
);

-- CreateTable
CREATE TABLE "ProductLeadTime" (
    "shopId" UUID NOT NULL,
    "productId" BIGINT NOT NULL,
    "leadTimeDays" DOUBLE PRECISION NOT NULL,
    "leadTimeSdDays" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProductLeadTime_pkey" PRIMARY KEY ("shopId","productId")
);

-- CreateTable
CREATE TABLE "ForecastRun" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "asOf" DATE NOT NULL,
    "horizon" INTEGER NOT NULL,
    "batchesTotal" INTEGER NOT NULL DEFAULT 0,
    "batchesDone" INTEGER NOT NULL DEFAULT 0,
    "seriesCount" INTEGER NOT NULL DEFAULT 0,
    "errorCount" INTEGER NOT NULL DEFAULT 0,
    "modelMix" JSONB NOT NULL DEFAULT '{}',
    "accuracy" JSONB NOT NULL DEFAULT '{}',
    "durationMs" INTEGER,
    "error" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ForecastRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopForecastState" (
    "shopId" UUID NOT NULL,
    "currentRunId" UUID,
    "changedRows" INTEGER NOT NULL DEFAULT 0,
    "publishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ShopForecastState_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "VariantForecast" (
    "runId" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "variantId" BIGINT NOT NULL,
    "start" DATE NOT NULL,
    "forecast" REAL[],
    "lo80" REAL[],
    "hi80" REAL[],
    "lo95" REAL[],
    "hi95" REAL[],
    "model" TEXT NOT NULL,
    "demandClass" TEXT NOT NULL,
    "coldStart" BOOLEAN NOT NULL DEFAULT false,
    "dailyMean" DOUBLE PRECISION NOT NULL,
    "dailySd" DOUBLE PRECISION NOT NULL,
    "backtestAccTotal" DOUBLE PRECISION,
    "backtestMae" DOUBLE PRECISION,
    "coverage80" DOUBLE PRECISION,
    "coverage95" DOUBLE PRECISION,
    "candidateScores" JSONB NOT NULL DEFAULT '{}',
    "outliers" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "VariantForecast_pkey" PRIMARY KEY ("runId","variantId")
);

-- CreateTable
CREATE TABLE "VariantAdvice" (
    "runId" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "variantId" BIGINT NOT NULL,
    "locationId" BIGINT NOT NULL,
    "productId" BIGINT NOT NULL,
    "productTitle" TEXT NOT NULL,
    "variantTitle" TEXT NOT NULL,
    "sku" TEXT,
    "vendor" TEXT NOT NULL DEFAULT '',
    "productType" TEXT NOT NULL DEFAULT '',
    "price" DECIMAL(14,2) NOT NULL,
    "available" INTEGER NOT NULL,
    "dailyMean" DOUBLE PRECISION NOT NULL,
    "leadTimeDays" DOUBLE PRECISION NOT NULL,
    "safetyStock" DOUBLE PRECISION NOT NULL,
    "reorderPoint" DOUBLE PRECISION NOT NULL,
    "orderUpTo" DOUBLE PRECISION NOT NULL,
    "eoq" DOUBLE PRECISION NOT NULL,
    "reorderQty" INTEGER NOT NULL,
    "daysOfCover" DOUBLE PRECISION,
    "stockoutDate" DATE,
    "risk" TEXT NOT NULL,
    "abcClass" TEXT NOT NULL,
    "xyzClass" TEXT NOT NULL,
    "lastSaleDay" DATE,
    "stockValue" DECIMAL(14,2) NOT NULL,

    CONSTRAINT "VariantAdvice_pkey" PRIMARY KEY ("runId","locationId","variantId")
);

-- CreateTable
CREATE TABLE "ForecastSnapshot" (
    "runId" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "variantId" BIGINT NOT NULL,
    "start" DATE NOT NULL,
    "forecast" REAL[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ForecastSnapshot_pkey" PRIMARY KEY ("runId","variantId")
);

-- CreateTable
CREATE TABLE "ForecastRecompute" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "variantId" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "error" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ForecastRecompute_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ForecastRun_shopId_startedAt_idx" ON "ForecastRun"("shopId", "startedAt");

-- CreateIndex
CREATE INDEX "ForecastRun_status_startedAt_idx" ON "ForecastRun"("status", "startedAt");

-- CreateIndex
CREATE INDEX "VariantForecast_shopId_variantId_idx" ON "VariantForecast"("shopId", "variantId");

-- CreateIndex
CREATE INDEX "VariantAdvice_runId_locationId_risk_idx" ON "VariantAdvice"("runId", "locationId", "risk");

-- CreateIndex
CREATE INDEX "VariantAdvice_runId_locationId_stockoutDate_idx" ON "VariantAdvice"("runId", "locationId", "stockoutDate");

-- CreateIndex
CREATE INDEX "VariantAdvice_runId_locationId_daysOfCover_idx" ON "VariantAdvice"("runId", "locationId", "daysOfCover");

-- CreateIndex
CREATE INDEX "VariantAdvice_shopId_variantId_idx" ON "VariantAdvice"("shopId", "variantId");

-- CreateIndex
CREATE INDEX "ForecastSnapshot_shopId_start_idx" ON "ForecastSnapshot"("shopId", "start");

-- CreateIndex
CREATE INDEX "ForecastRecompute_shopId_createdAt_idx" ON "ForecastRecompute"("shopId", "createdAt");
