/**
 * After a committed change to what the forecast reads from this domain (a campaign, the competitor prices, the data
 * sources): queues a forecast run of the shop (one queued per shop, as a settings change does), so the change shows in
 * the forecasts within minutes rather than at night. Failing to queue does not fail the change: the nightly run reads
 * it anyway.
 */
import { pool } from "../db/pool.server";
import { forecastPlanJob } from "../jobs/contracts/forecasts";
import { addJob } from "../jobs/queue.server";

export async function queueForecastRun(shopId: string, change: "campaigns" | "competitor prices" | "data sources"): Promise<void> {
  try {
    await addJob(pool(), forecastPlanJob, { shopId, trigger: "settings" });
  } catch (error) {
    console.error(`${change}: no forecast run queued for shop ${shopId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
