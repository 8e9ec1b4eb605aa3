-- CreateTable
CREATE TABLE "Promotion" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "externalId" VARCHAR(255),
    "title" VARCHAR(255) NOT NULL,
    "kind" VARCHAR(32),
    "startDay" DATE NOT NULL,
    "endDay" DATE,
    "percentOff" DOUBLE PRECISION,
    "amountOff" DECIMAL(14,2),
    "appliesToAll" BOOLEAN NOT NULL DEFAULT false,
    "productIds" BIGINT[] DEFAULT ARRAY[]::BIGINT[],
    "variantIds" BIGINT[] DEFAULT ARRAY[]::BIGINT[],
    "collectionIds" BIGINT[] DEFAULT ARRAY[]::BIGINT[],
    "productTypes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "expectedUpliftPct" DOUBLE PRECISION,
    "sourceUpdatedAt" TIMESTAMPTZ(3) NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Promotion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Promotion_shopId_startDay_idx" ON "Promotion"("shopId", "startDay");

-- CreateIndex
CREATE UNIQUE INDEX "Promotion_shopId_source_externalId_key" ON "Promotion"("shopId", "source", "externalId");
