-- CreateTable
CREATE TABLE "SignalSourceSetting" (
    "shopId" UUID NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "config" JSONB NOT NULL DEFAULT '{}',
    "apiKeyCiphertext" TEXT,
    "apiKeyHint" VARCHAR(8),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SignalSourceSetting_pkey" PRIMARY KEY ("shopId","source")
);

-- CreateTable
CREATE TABLE "SignalCache" (
    "endpoint" VARCHAR(32) NOT NULL,
    "scope" VARCHAR(128) NOT NULL,
    "fromDay" DATE NOT NULL,
    "toDay" DATE NOT NULL,
    "value" JSONB NOT NULL,
    "fetchedAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3),

    CONSTRAINT "SignalCache_pkey" PRIMARY KEY ("endpoint","scope","fromDay","toDay")
);

-- CreateTable
CREATE TABLE "SignalCircuit" (
    "endpoint" VARCHAR(32) NOT NULL,
    "state" VARCHAR(16) NOT NULL DEFAULT 'closed',
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "openedAt" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SignalCircuit_pkey" PRIMARY KEY ("endpoint")
);

-- CreateIndex
CREATE INDEX "SignalCache_expiresAt_idx" ON "SignalCache"("expiresAt");
