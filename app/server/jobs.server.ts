/** The one list of job handlers and recurring jobs. A domain's handlers are added here and nowhere else. */
import type { CronItem } from "graphile-worker";
import { ALERTS_CRON, alertHandlers } from "../alerts/tasks.server";
import { AUTH_CRON, authHandlers } from "../auth/retention.server";
import { BILLING_CRON, billingHandlers } from "../billing/tasks.server";
import { EMAIL_CRON, emailHandlers } from "../email/tasks.server";
import { forecastCron, forecastHandlers } from "../forecasts/tasks.server";
import type { JobHandler } from "../jobs/handler";
import { startWorker } from "../jobs/runner.server";
import { unauthenticated } from "../shopify.server";
import { shopHandlers } from "../shops/tasks.server";
import { SIGNALS_CRON, signalsHandlers } from "../signals/retention.server";
import { SYNC_CRON, syncHandlers } from "../sync/tasks.server";

export function jobHandlers(): readonly JobHandler[] {
  const adminFor = async (shop: string) => (await unauthenticated.admin(shop)).admin;
  return [
    ...shopHandlers,
    ...syncHandlers,
    ...forecastHandlers,
    ...alertHandlers,
    ...emailHandlers,
    ...billingHandlers(adminFor),
    ...authHandlers,
    ...signalsHandlers,
  ];
}

/**
 * The schedule (UTC): the store sync's reconciliation, the nightly forecast fan-out, the digest tick, the email
 * log's pruning, the hourly billing tick, the audit log's and rate limiter's pruning, the signal cache's pruning.
 */
export function cronItems(): CronItem[] {
  return [...SYNC_CRON, ...forecastCron(), ...ALERTS_CRON, ...EMAIL_CRON, ...BILLING_CRON, ...AUTH_CRON, ...SIGNALS_CRON];
}

export function startJobWorker(options: { connectionString: string; concurrency?: number }) {
  return startWorker({ ...options, handlers: jobHandlers(), cron: cronItems() });
}
