-- CreateTable
CREATE TABLE "ShopCache" (
    "shopId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ShopCache_pkey" PRIMARY KEY ("shopId","name")
);
