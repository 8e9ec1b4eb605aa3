-- AlterTable
ALTER TABLE "ForecastRun" ADD COLUMN     "signals" JSONB NOT NULL DEFAULT '{}';
