/**
 * The alerts' job handlers (listed in app/server/jobs.server.ts): evaluate a run, the digest tick, and one
 * shop's digest or weekly summary of one period.
 */
import type { CronItem } from "graphile-worker";
import { alertsDigestJob, alertsDigestTickJob, alertsEvaluateJob } from "../jobs/contracts/alerts";
import { handle, type JobHandler } from "../jobs/handler";
import { queueDueDigests, sendDigest } from "./digest.server";
import { evaluateRun } from "./run.server";
import { sendWeeklySummary } from "./summary.server";

export const alertHandlers: readonly JobHandler[] = [
  handle(alertsEvaluateJob, async ({ shopId, runId }, helpers) => {
    const summary = await evaluateRun(shopId, runId);
    helpers.logger.info(`alerts.evaluate ${shopId} run ${runId}: ${JSON.stringify(summary)}`);
  }),
  handle(alertsDigestTickJob, async ({ now }, helpers) => {
    const queued = await queueDueDigests(now ? new Date(now) : new Date());
    if (queued > 0) helpers.logger.info(`alerts.digest-tick: ${queued} digests due`);
  }),
  handle(alertsDigestJob, async ({ shopId, kind, periodKey, dueAt }, helpers) => {
    if (kind === "summary") {
      const summaries = await sendWeeklySummary(shopId, periodKey, new Date(dueAt));
      helpers.logger.info(`alerts.digest ${shopId} summary ${periodKey}: ${summaries} emails`);
      return;
    }
    const emails = await sendDigest(shopId, kind, periodKey, new Date(dueAt));
    helpers.logger.info(`alerts.digest ${shopId} ${periodKey}: ${emails} emails`);
  }),
];

export const ALERTS_CRON: CronItem[] = [
  { task: alertsDigestTickJob.name, match: "*/15 * * * *", options: { backfillPeriod: 0, maxAttempts: 1 } },
];
