-- CreateTable
CREATE TABLE "SignalUse" (
    "runId" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "variantId" BIGINT NOT NULL,
    "signal" VARCHAR(32) NOT NULL,
    "used" BOOLEAN NOT NULL,
    "reason" VARCHAR(32) NOT NULL,
    "effect" DOUBLE PRECISION,
    "maeWith" DOUBLE PRECISION,
    "maeWithout" DOUBLE PRECISION,
    "windows" INTEGER NOT NULL,
    "pastDays" INTEGER NOT NULL,
    "futureDays" INTEGER NOT NULL,
    "priorSource" VARCHAR(16),

    CONSTRAINT "SignalUse_pkey" PRIMARY KEY ("runId","signal","variantId")
);

-- CreateIndex
CREATE INDEX "SignalUse_shopId_variantId_idx" ON "SignalUse"("shopId", "variantId");
