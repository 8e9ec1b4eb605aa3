-- CreateTable
CREATE TABLE "CompetitorPrice" (
    "shopId" UUID NOT NULL,
    "sku" VARCHAR(255) NOT NULL,
    "day" DATE NOT NULL,
    "competitor" VARCHAR(100) NOT NULL DEFAULT '',
    "price" DECIMAL(14,2) NOT NULL,
    "uploadedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CompetitorPrice_pkey" PRIMARY KEY ("shopId","sku","competitor","day")
);
