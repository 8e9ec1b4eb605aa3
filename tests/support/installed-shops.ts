/**
 * What an install leaves behind for tests that call routes on shops seeded in SQL (tests/support/forecast-seed.ts,
 * tenants.ts): the app's scopes on the Shop rows and an offline session each, and a published forecast run. Import
 * after createTestDatabase (the app's modules read DATABASE_URL when first used).
 */
import { Session } from "@shopify/shopify-api";
import { sql } from "./db";
import { drainForecastJobs } from "./forecast-seed";

/** Stores each shop's offline session (its access token: `shpat_<domain>`) and gives its row the app's scopes. */
export async function storeOfflineSessions(url: string, domains: string[]): Promise<void> {
  await sql(url, `UPDATE "Shop" SET scopes = $1 WHERE domain = ANY($2::text[])`, [process.env.SCOPES, domains]);
  const shopify = (await import("../../app/shopify.server")).default;
  for (const shop of domains)
    await shopify.sessionStorage.storeSession(
      new Session({ id: `offline_${shop}`, shop, state: "", isOnline: false, scope: process.env.SCOPES, accessToken: `shpat_${shop}` }),
    );
}

/** The nightly forecast of every installed shop, planned and run to publication in this process (no worker). */
export async function runNightlyForecasts(url: string): Promise<void> {
  const run = await import("../../app/forecasts/run.server");
  const tasks = await import("../../app/jobs/contracts/forecasts");
  await run.planNightly();
  await drainForecastJobs(url, {
    [tasks.forecastPlanJob.name]: async (payload) => {
      const job = tasks.forecastPlanJob.payload.parse(payload);
      await run.startRun(job.shopId, job.trigger);
    },
    [tasks.forecastBatchJob.name]: async (payload) => {
      await run.runBatch(tasks.forecastBatchJob.payload.parse(payload));
    },
  });
}
