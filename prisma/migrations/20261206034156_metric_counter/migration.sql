-- CreateTable
CREATE TABLE "MetricCounter" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "value" BIGINT NOT NULL,

    CONSTRAINT "MetricCounter_pkey" PRIMARY KEY ("id")
);
