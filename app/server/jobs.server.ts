/** The one list of job handlers and recurring jobs. A domain's handlers are added here and nowhere else. */
import type { CronItem } from "graphile-worker";
import { forecastCron, forecastHandlers } from "../forecasts/tasks.server";
import type { JobHandler } from "../jobs/handler";
import { startWorker } from "../jobs/runner.server";
import { shopHandlers } from "../shops/tasks.server";
import { SYNC_CRON, syncHandlers } from "../sync/tasks.server";

export function jobHandlers(): readonly JobHandler[] {
  return [...shopHandlers, ...syncHandlers, ...forecastHandlers];
}

/** The schedule (UTC): the store sync's reconciliation and the nightly forecast fan-out. */
export function cronItems(): CronItem[] {
  return [...SYNC_CRON, ...forecastCron()];
}

export function startJobWorker(options: { connectionString: string; concurrency?: number }) {
  return startWorker({ ...options, handlers: jobHandlers(), cron: cronItems() });
}
