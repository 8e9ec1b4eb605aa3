-- Anomaly flags per variant forecast (docs/decisions/0054-candidate-overlay-and-anomalies.md). Hand-written: another
-- schema change was in progress when this one was made, so the migration generator was not run.

-- AlterTable (a constant default: PostgreSQL adds the column without rewriting the table)
ALTER TABLE "VariantForecast" ADD COLUMN     "anomalies" JSONB NOT NULL DEFAULT '[]';

-- The overview's "variants with unusual sales": the rows of a run that have flags, a few in a hundred. Partial and
-- on an expression, which Prisma's schema cannot express (and `prisma migrate diff` ignores, so
-- `npm run db:new-migration -- --check` stays clean).
CREATE INDEX "VariantForecast_anomalies_idx" ON "VariantForecast" ("runId", (jsonb_array_length("anomalies")))
  WHERE "anomalies" <> '[]'::jsonb;
