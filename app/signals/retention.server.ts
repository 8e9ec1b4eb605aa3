/**
 * How long the signal cache keeps its answers (decision 0058), enforced by the daily `signals.prune` job.
 *
 * The cache is shared by every shop and keyed by place or series (./gateway.server.ts). Writing an answer drops the
 * expired answers of the same place, but a place nobody asks about any more (a shop moved its weather location, or
 * uninstalled) is never written again, so its rows would stay for ever. The job deletes:
 * - every expired answer (forecasts, the current year's archive, the indicators' years), whatever its place;
 * - answers that never expire (a past year of weather) once fetched more than CACHE_REFRESH_DAYS ago. A place still
 *   in use fetches that year again on the next run: one call per place and year, once a year, which also picks up the
 *   archive's late corrections.
 */
import type { CronItem } from "graphile-worker";
import type { Queryable } from "../db/pool.server";
import { pool } from "../db/pool.server";
import { signalsPruneJob } from "../jobs/contracts/signals";
import { handle, type JobHandler } from "../jobs/handler";

export const CACHE_REFRESH_DAYS = 400;

export async function pruneSignalCache(db: Queryable, now: Date = new Date()): Promise<{ expired: number; refreshed: number }> {
  const expired = await db.query(`DELETE FROM "SignalCache" WHERE "expiresAt" <= $1`, [now]);
  const refreshed = await db.query(`DELETE FROM "SignalCache" WHERE "expiresAt" IS NULL AND "fetchedAt" < $1`, [
    new Date(now.getTime() - CACHE_REFRESH_DAYS * 86_400_000),
  ]);
  return { expired: expired.rowCount ?? 0, refreshed: refreshed.rowCount ?? 0 };
}

export const signalsHandlers: readonly JobHandler[] = [
  handle(signalsPruneJob, async (_payload, helpers) => {
    const pruned = await pruneSignalCache(pool());
    helpers.logger.info(`signals.prune: ${pruned.expired} expired answers, ${pruned.refreshed} year-old answers`);
  }),
];

export const SIGNALS_CRON: CronItem[] = [
  { task: signalsPruneJob.name, match: "55 4 * * *", options: { backfillPeriod: 0, maxAttempts: 1 } },
];
