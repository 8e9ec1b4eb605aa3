/**
 * The email jobs' handlers (listed in app/server/jobs.server.ts): send one logged message, and prune the
 * log past its 90 days (and fold the metric counters' ledger). A send that the provider may accept later
 * throws, so Graphile Worker retries it with exponential back-off; the message's idempotency key keeps the
 * retry from delivering twice.
 */
import type { CronItem } from "graphile-worker";
import { pool } from "../db/pool.server";
import { emailPruneJob, emailSendJob } from "../jobs/contracts/email";
import { handle, type JobHandler } from "../jobs/handler";
import { compactCounters } from "../metrics/counters.server";
import { pruneLog } from "./log.server";
import { sendMessage } from "./send.server";

export const emailHandlers: readonly JobHandler[] = [
  handle(emailSendJob, async ({ messageId }, helpers) => {
    const outcome = await sendMessage(messageId);
    if (outcome !== "sent") helpers.logger.info(`email.send ${messageId}: ${outcome}`);
  }),
  handle(emailPruneJob, async (_payload, helpers) => {
    const pruned = await pruneLog(pool());
    // The counters' ledger (app/metrics/counters.server.ts) folded daily too: the totals stay, the rows do not pile up.
    const folded = await compactCounters(pool());
    helpers.logger.info(`email.prune: ${pruned.messages} messages, ${pruned.events} events; ${folded} counter rows folded`);
  }),
];

export const EMAIL_CRON: CronItem[] = [{ task: emailPruneJob.name, match: "40 4 * * *", options: { backfillPeriod: 0, maxAttempts: 1 } }];
