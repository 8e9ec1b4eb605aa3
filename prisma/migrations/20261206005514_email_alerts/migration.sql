-- Email alerts (issue 14): alert settings, episodes and notifications (app/alerts/), the email log, its
-- events and the suppression list (app/email/); the shop owner's email and the merchant's language on Shop.

-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "adminLocale" TEXT,
ADD COLUMN     "email" TEXT;

-- CreateTable
CREATE TABLE "AlertSettings" (
    "shopId" UUID NOT NULL,
    "config" JSONB NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertSettings_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "AlertEpisode" (
    "shopId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "family" TEXT NOT NULL,
    "variantId" BIGINT,
    "locationId" BIGINT,
    "state" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "severity" INTEGER NOT NULL,
    "notifiedSeverity" INTEGER NOT NULL,
    "openedOn" DATE NOT NULL,
    "resolvedOn" DATE,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertEpisode_pkey" PRIMARY KEY ("shopId","key")
);

-- CreateTable
CREATE TABLE "AlertNotification" (
    "shopId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "episodeKey" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "severity" INTEGER NOT NULL,
    "frequency" TEXT NOT NULL,
    "variantId" BIGINT,
    "locationId" BIGINT,
    "day" DATE NOT NULL,
    "runId" UUID NOT NULL,
    "facts" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "emailedAt" TIMESTAMPTZ(3),
    "emailGroup" TEXT,

    CONSTRAINT "AlertNotification_pkey" PRIMARY KEY ("shopId","key")
);

-- CreateTable
CREATE TABLE "EmailMessage" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "alertType" TEXT,
    "templateVersion" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "subject" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "providerId" TEXT,
    "batchKey" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMPTZ(3),
    "openedAt" TIMESTAMPTZ(3),
    "clickedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailEvent" (
    "eventId" TEXT NOT NULL,
    "shopId" UUID NOT NULL,
    "messageId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "EmailEvent_pkey" PRIMARY KEY ("eventId")
);

-- CreateTable
CREATE TABLE "EmailSuppression" (
    "shopId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailSuppression_pkey" PRIMARY KEY ("shopId","email")
);

-- CreateIndex
CREATE INDEX "AlertEpisode_shopId_state_idx" ON "AlertEpisode"("shopId", "state");

-- CreateIndex
CREATE INDEX "AlertNotification_shopId_emailedAt_frequency_idx" ON "AlertNotification"("shopId", "emailedAt", "frequency");

-- CreateIndex
CREATE INDEX "AlertNotification_shopId_createdAt_idx" ON "AlertNotification"("shopId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "EmailMessage_idempotencyKey_key" ON "EmailMessage"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "EmailMessage_providerId_key" ON "EmailMessage"("providerId");

-- CreateIndex
CREATE INDEX "EmailMessage_shopId_createdAt_idx" ON "EmailMessage"("shopId", "createdAt");

-- CreateIndex
CREATE INDEX "EmailMessage_createdAt_idx" ON "EmailMessage"("createdAt");

-- CreateIndex
CREATE INDEX "EmailMessage_batchKey_idx" ON "EmailMessage"("batchKey");

-- CreateIndex
CREATE INDEX "EmailEvent_messageId_occurredAt_idx" ON "EmailEvent"("messageId", "occurredAt");

-- CreateIndex
CREATE INDEX "EmailEvent_shopId_occurredAt_idx" ON "EmailEvent"("shopId", "occurredAt");
