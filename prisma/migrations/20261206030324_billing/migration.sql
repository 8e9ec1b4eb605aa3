-- CreateTable
CREATE TABLE "BillingAccount" (
    "id" UUID NOT NULL,
    "shopId" UUID,
    "rail" TEXT NOT NULL DEFAULT 'shopify',
    "domainHash" TEXT NOT NULL,
    "trialStartedAt" TIMESTAMPTZ(3),
    "stripeCustomerId" TEXT,
    "country" TEXT,
    "state" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'trialing',
    "plan" TEXT,
    "lastSeq" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BillingAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BillingEvent" (
    "seq" BIGSERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "providerEventId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "recordedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" JSONB NOT NULL,

    CONSTRAINT "BillingEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "UsageDay" (
    "shopId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "variants" INTEGER NOT NULL,
    "locations" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "forecastRuns" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageDay_pkey" PRIMARY KEY ("shopId","day")
);

-- CreateTable
CREATE TABLE "UsageCharge" (
    "idempotencyKey" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "period" TEXT NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "providerId" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageCharge_pkey" PRIMARY KEY ("idempotencyKey")
);

-- CreateIndex
CREATE UNIQUE INDEX "BillingAccount_shopId_key" ON "BillingAccount"("shopId");

-- CreateIndex
CREATE UNIQUE INDEX "BillingAccount_stripeCustomerId_key" ON "BillingAccount"("stripeCustomerId");

-- CreateIndex
CREATE INDEX "BillingAccount_status_idx" ON "BillingAccount"("status");

-- CreateIndex
CREATE INDEX "BillingAccount_domainHash_idx" ON "BillingAccount"("domainHash");

-- CreateIndex
CREATE INDEX "BillingEvent_accountId_occurredAt_idx" ON "BillingEvent"("accountId", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "BillingEvent_provider_providerEventId_key" ON "BillingEvent"("provider", "providerEventId");

-- CreateIndex
CREATE INDEX "UsageCharge_accountId_period_idx" ON "UsageCharge"("accountId", "period");

-- The ledger is append-only: UPDATE and DELETE are refused (docs/decisions/0045-two-billing-rails.md).
CREATE FUNCTION "billing_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'BillingEvent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "BillingEvent_append_only"
  BEFORE UPDATE OR DELETE ON "BillingEvent"
  FOR EACH ROW EXECUTE FUNCTION "billing_event_append_only"();

CREATE TRIGGER "BillingEvent_no_truncate"
  BEFORE TRUNCATE ON "BillingEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "billing_event_append_only"();
