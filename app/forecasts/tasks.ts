/** The forecast runs' Graphile Worker tasks and schedule (registered in app/jobs/tasks/index.ts). */
import type { CronItem, JobHelpers, TaskList } from "graphile-worker";
import { z } from "zod";
import { defineTask, toGraphileTask } from "../jobs/define-task";
import { failRun, planNightly, runBatch, startRun } from "./run.server";
import { runRecompute } from "./recompute.server";
import { applySettingsToAdvice } from "./settings.server";
import { ShopGoneError } from "./store.server";

export const FORECAST_TRIGGERS = ["nightly", "data_change", "settings", "manual"] as const;
export type ForecastTrigger = (typeof FORECAST_TRIGGERS)[number];

const Uuid = z.uuid();
const RequestId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/)
  .optional();

/** Log lines of a job carry the request's correlation id when a request started it. */
export function jobLog(helpers: JobHelpers, requestId: string | undefined): (line: string) => void {
  return (line) => helpers.logger.info(requestId ? `[request ${requestId}] ${line}` : line);
}

/**
 * Runs a job's work for one shop. A shop uninstalled or erased meanwhile ends the job quietly: its writes
 * were refused (ShopGoneError, app/sync/db.server.ts) and retrying cannot bring the shop back.
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

export const forecastNightlyTask = defineTask({
  name: "forecast.nightly",
  payload: z.object({}).passthrough(),
  maxAttempts: 3,
  run: async (_payload, helpers) => {
    const shops = await planNightly();
    helpers.logger.info(`forecast.nightly: ${shops} shops planned`);
  },
});

export const forecastPlanTask = defineTask({
  name: "forecast.plan",
  payload: z.object({ shopId: Uuid, trigger: z.enum(FORECAST_TRIGGERS), requestId: RequestId }),
  jobKey: ({ shopId }) => `forecast.plan:${shopId}`,
  maxAttempts: 5,
  run: async ({ shopId, trigger, requestId }, helpers) => {
    const log = jobLog(helpers, requestId);
    await whileInstalled(log, () => startRun(shopId, trigger, log, requestId));
  },
});

const ShopContextSchema = z.object({
  weekdayProfile: z.array(z.number()).length(7),
  closedDates: z.array(z.iso.date()).max(800),
  holidayFactor: z.number(),
});

export const forecastBatchTask = defineTask({
  name: "forecast.batch",
  payload: z.object({
    runId: Uuid,
    batch: z.number().int().min(0),
    variantIds: z.array(z.string().regex(/^\d{1,20}$/)).max(100_000),
    context: ShopContextSchema,
    requestId: RequestId,
  }),
  jobKey: ({ runId, batch }) => `forecast.batch:${runId}:${batch}`,
  maxAttempts: 4,
  run: async (payload, helpers) => {
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
  },
});

export const forecastRecomputeTask = defineTask({
  name: "forecast.recompute",
  payload: z.object({ recomputeId: Uuid, requestId: RequestId }),
  jobKey: ({ recomputeId }) => `forecast.recompute:${recomputeId}`,
  maxAttempts: 1,
  run: async ({ recomputeId, requestId }, helpers) => {
    await runRecompute(recomputeId, jobLog(helpers, requestId));
  },
});

export const forecastAdviceTask = defineTask({
  name: "forecast.advice",
  payload: z.object({ shopId: Uuid, requestId: RequestId }),
  jobKey: ({ shopId }) => `forecast.advice:${shopId}`,
  maxAttempts: 10,
  run: async ({ shopId, requestId }, helpers) => {
    const log = jobLog(helpers, requestId);
    await whileInstalled(log, async () => {
      const { recomputed, recomputeMs } = await applySettingsToAdvice(shopId);
      log(`forecast.advice: ${recomputed} advice rows changed in ${recomputeMs} ms`);
    });
  },
});

export const forecastTasks = [forecastNightlyTask, forecastPlanTask, forecastBatchTask, forecastRecomputeTask, forecastAdviceTask] as const;

export function forecastTaskList(): TaskList {
  return {
    [forecastNightlyTask.name]: toGraphileTask(forecastNightlyTask),
    [forecastPlanTask.name]: toGraphileTask(forecastPlanTask),
    [forecastBatchTask.name]: toGraphileTask(forecastBatchTask),
    [forecastRecomputeTask.name]: toGraphileTask(forecastRecomputeTask),
    [forecastAdviceTask.name]: toGraphileTask(forecastAdviceTask),
  };
}

/** The nightly run at FORECAST_CRON (UTC, default 02:00), never backfilled. */
export function forecastCron(): CronItem[] {
  return [
    { task: forecastNightlyTask.name, match: process.env.FORECAST_CRON ?? "0 2 * * *", options: { backfillPeriod: 0, maxAttempts: 3 } },
  ];
}
