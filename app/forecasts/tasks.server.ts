/** The forecast runs' job handlers and schedule (listed in app/server/jobs.server.ts; contracts in app/jobs/contracts/forecasts.ts). */
import type { CronItem, JobHelpers } from "graphile-worker";
import { ShopGoneError } from "../db/pool.server";
import {
  forecastAdviceJob,
  forecastBatchJob,
  forecastNightlyJob,
  forecastPlanJob,
  forecastRecomputeJob,
} from "../jobs/contracts/forecasts";
import { handle, type JobHandler } from "../jobs/handler";
import { failRun, planNightly, runBatch, startRun } from "./run.server";
import { runRecompute } from "./recompute.server";
import { applySettingsToAdvice } from "./settings.server";

/** Log lines of a job carry the request's correlation id when a request started it. */
function jobLog(helpers: JobHelpers, requestId: string | undefined): (line: string) => void {
  return (line) => helpers.logger.info(requestId ? `[request ${requestId}] ${line}` : line);
}

/**
 * Runs a job's work for one shop. A shop uninstalled or erased meanwhile ends the job quietly: its writes
 * were refused (ShopGoneError, app/db/pool.server.ts) and retrying cannot bring the shop back.
 */
async function whileInstalled(log: (line: string) => void, work: () => Promise<unknown>): Promise<"done" | "shop_gone"> {
  try {
    await work();
    return "done";
  } catch (error) {
    if (!(error instanceof ShopGoneError)) throw error;
    log(`${error.message}: job ended without writing`);
    return "shop_gone";
  }
}

export const forecastHandlers: readonly JobHandler[] = [
  handle(forecastNightlyJob, async (_payload, helpers) => {
    const shops = await planNightly();
    helpers.logger.info(`forecast.nightly: ${shops} shops planned`);
  }),

  handle(forecastPlanJob, async ({ shopId, trigger, requestId }, helpers) => {
    const log = jobLog(helpers, requestId);
    await whileInstalled(log, () => startRun(shopId, trigger, log, requestId));
  }),

  handle(forecastBatchJob, async (payload, helpers) => {
    const log = jobLog(helpers, payload.requestId);
    try {
      if ((await whileInstalled(log, () => runBatch(payload, log))) === "shop_gone")
        await failRun(payload.runId, "the shop was uninstalled");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(
        `forecast run ${payload.runId} batch ${payload.batch} failed (attempt ${helpers.job.attempts}/${helpers.job.max_attempts}): ${message}`,
      );
      if (helpers.job.attempts >= helpers.job.max_attempts) await failRun(payload.runId, `batch ${payload.batch}: ${message}`);
      throw error;
    }
  }),

  handle(forecastRecomputeJob, async ({ recomputeId, requestId }, helpers) => {
    await runRecompute(recomputeId, jobLog(helpers, requestId));
  }),

  handle(forecastAdviceJob, async ({ shopId, requestId }, helpers) => {
    const log = jobLog(helpers, requestId);
    await whileInstalled(log, async () => {
      const { recomputed, recomputeMs } = await applySettingsToAdvice(shopId);
      log(`forecast.advice: ${recomputed} advice rows changed in ${recomputeMs} ms`);
    });
  }),
];

/** The nightly run at FORECAST_CRON (UTC, default 02:00), never backfilled. */
export function forecastCron(): CronItem[] {
  return [
    { task: forecastNightlyJob.name, match: process.env.FORECAST_CRON ?? "0 2 * * *", options: { backfillPeriod: 0, maxAttempts: 3 } },
  ];
}
