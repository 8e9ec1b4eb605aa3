/**
 * How long the auth tables keep their rows (issue 16 item 6, decision 0049), enforced by the daily `auth.prune` job.
 *
 * - `AuditLog`: 400 days. A year of history answers the questions an audit trail is for (who installed, who signed in
 *   from where, what was refused) across a yearly security review or a merchant's annual renewal, and the extra month
 *   covers the review's own lag. Longer is not justified: the rows hold client IPs, personal data that is kept only as
 *   long as it serves that purpose.
 * - `RateLimitBucket`: until its last hit is older than the longest window a rule may have (MAX_WINDOW_SECONDS):
 *   such a bucket holds nothing that still counts, and one per client IP would otherwise pile up forever.
 */
import type { CronItem } from "graphile-worker";
import type { Queryable } from "../db/pool.server";
import { pool } from "../db/pool.server";
import { authPruneJob } from "../jobs/contracts/auth";
import { handle, type JobHandler } from "../jobs/handler";
import { MAX_WINDOW_SECONDS } from "./rate-limit.server";

export const AUDIT_RETENTION_DAYS = 400;
/** Rows per DELETE: a year of flood falling out at once is deleted in short transactions, not one long one. */
const BATCH = 10_000;

export async function pruneAuthTables(db: Queryable, now: Date = new Date()): Promise<{ auditEntries: number; rateLimitBuckets: number }> {
  const auditCutoff = new Date(now.getTime() - AUDIT_RETENTION_DAYS * 86_400_000);
  let auditEntries = 0;
  for (;;) {
    const deleted = await db.query(
      `DELETE FROM "AuditLog" WHERE id IN (SELECT id FROM "AuditLog" WHERE "createdAt" < $1 ORDER BY "createdAt" LIMIT $2)`,
      [auditCutoff, BATCH],
    );
    auditEntries += deleted.rowCount ?? 0;
    if ((deleted.rowCount ?? 0) < BATCH) break;
  }
  const bucketCutoff = new Date(now.getTime() - MAX_WINDOW_SECONDS * 1000);
  const buckets = await db.query(`DELETE FROM "RateLimitBucket" WHERE "updatedAt" < $1`, [bucketCutoff]);
  return { auditEntries, rateLimitBuckets: buckets.rowCount ?? 0 };
}

export const authHandlers: readonly JobHandler[] = [
  handle(authPruneJob, async (_payload, helpers) => {
    const pruned = await pruneAuthTables(pool());
    helpers.logger.info(`auth.prune: ${pruned.auditEntries} audit entries, ${pruned.rateLimitBuckets} rate-limit buckets`);
  }),
];

export const AUTH_CRON: CronItem[] = [{ task: authPruneJob.name, match: "50 4 * * *", options: { backfillPeriod: 0, maxAttempts: 1 } }];
