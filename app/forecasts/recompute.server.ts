/**
 * On-demand recompute of one variant (POST /api/variants/:variantId/recompute): counted per shop and UTC
 * day (100 allowed), run as a job with a 30 s budget, tracked in ForecastRecompute. The variant is
 * re-forecast with its current data as of the published run's day and its rows in that run are replaced
 * in one transaction (its ABC class is kept: ABC is a whole-shop ranking, redone by the next run).
 *
 * A recompute the queue did not start within its budget expires and gives its place in the day's 100 back
 * (the shop did not get it); one that started counts, whatever its outcome. The worker claims a recompute
 * (queued → running) and expiry takes it (queued → expired) with one conditional UPDATE each on the same
 * row, so exactly one of them wins, and both compare its age on the database's clock.
 */
import { pool, shopTransaction } from "../db/pool.server";
import { forecastRecomputeJob } from "../jobs/contracts/forecasts";
import { addJob } from "../jobs/queue.server";
import { shopById } from "../shops/lookup.server";
import { computeVariants, measureShopContext } from "./compute.server";
import { writeVariantRows } from "./run.server";
import { countedLocations, currentRun, readLeadTimes, readSettings } from "./store.server";

export const RECOMPUTE_DAILY_LIMIT = 100;
export const RECOMPUTE_TIMEOUT_MS = 30_000;

/** What the API reports (decision 0033). */
export type RecomputeStatus = "queued" | "completed" | "failed" | "timed_out";

/**
 * What ForecastRecompute.status holds: the API's statuses, plus `running` (the worker started it; reported as
 * queued, i.e. not finished, with `started`) and `expired` (never started within its budget; reported as
 * timed_out without `started`, and not counted against the daily limit).
 */
type StoredStatus = RecomputeStatus | "running" | "expired";

const NOT_STARTED = "not started within its time budget";
const BUDGET_SECONDS = RECOMPUTE_TIMEOUT_MS / 1000;

export interface RecomputeView {
  id: string;
  variantId: string;
  status: RecomputeStatus;
  /** The worker started it. A timed-out recompute that never started did not count against the daily limit. */
  started: boolean;
  error: string | null;
  requestId: string;
  createdAt: string;
  finishedAt: string | null;
}

export type RecomputeRequestOutcome =
  { kind: "queued"; id: string; remaining: number } | { kind: "limited"; retryAfterSeconds: number } | { kind: "not_found" };

/** Seconds until the next UTC midnight (when the daily allowance resets). */
export function secondsToUtcMidnight(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

export async function requestRecompute(shopId: string, variantId: string, requestId: string): Promise<RecomputeRequestOutcome> {
  return shopTransaction(shopId, async (tx) => {
    const known = await tx.query(`SELECT 1 FROM "ProductVariant" WHERE "shopId" = $1 AND id = $2::bigint AND "deletedAt" IS NULL`, [
      shopId,
      variantId,
    ]);
    if (!known.rowCount) return { kind: "not_found" } as const;
    // One counter per shop: serialise the count-then-insert.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('forecast-recompute:' || $1, 0))`, [shopId]);
    // Queued past their budget, they can no longer be claimed by the worker: expire them before counting, so
    // their places are free even when nobody polled them and the worker has not reached them.
    await tx.query(
      `UPDATE "ForecastRecompute" SET status = 'expired', "finishedAt" = now(), error = $2
        WHERE "shopId" = $1 AND status = 'queued' AND "createdAt" <= now() - make_interval(secs => $3)`,
      [shopId, NOT_STARTED, BUDGET_SECONDS],
    );
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "ForecastRecompute"
        WHERE "shopId" = $1 AND "createdAt" >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AND status <> 'expired'`,
      [shopId],
    );
    const used = rows[0]?.n ?? 0;
    if (used >= RECOMPUTE_DAILY_LIMIT) return { kind: "limited", retryAfterSeconds: secondsToUtcMidnight() } as const;
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO "ForecastRecompute" (id, "shopId", "variantId", status, "requestId") VALUES (gen_random_uuid(), $1, $2, 'queued', $3) RETURNING id`,
      [shopId, variantId, requestId],
    );
    const id = inserted.rows[0]!.id;
    await addJob(tx, forecastRecomputeJob, { recomputeId: id, requestId });
    return { kind: "queued", id, remaining: RECOMPUTE_DAILY_LIMIT - used - 1 } as const;
  });
}

export async function getRecompute(shopId: string, id: string): Promise<RecomputeView | null> {
  const db = pool();
  // Not started within its budget (worker down, queue backlog): it never will be, so it expires. Started but
  // silent long past its budget (the worker died): timed out, and it counted.
  await db.query(
    `UPDATE "ForecastRecompute"
        SET status = CASE status WHEN 'queued' THEN 'expired' ELSE 'timed_out' END, "finishedAt" = now(),
            error = CASE status WHEN 'queued' THEN $4 ELSE 'did not finish within its time budget' END
      WHERE id = $1 AND "shopId" = $2
        AND ((status = 'queued' AND "createdAt" <= now() - make_interval(secs => $3::float8))
          OR (status = 'running' AND "createdAt" <= now() - make_interval(secs => $3::float8 * 2)))`,
    [id, shopId, BUDGET_SECONDS, NOT_STARTED],
  );
  const { rows } = await db.query<Omit<RecomputeView, "status" | "started"> & { status: StoredStatus }>(
    `SELECT id, "variantId"::text AS "variantId", status, error, "requestId", "createdAt"::text AS "createdAt", "finishedAt"::text AS "finishedAt"
       FROM "ForecastRecompute" WHERE id = $1 AND "shopId" = $2`,
    [id, shopId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    ...row,
    status: row.status === "running" ? "queued" : row.status === "expired" ? "timed_out" : row.status,
    started: row.status !== "queued" && row.status !== "expired",
    createdAt: new Date(row.createdAt).toISOString(),
    finishedAt: row.finishedAt ? new Date(row.finishedAt).toISOString() : null,
  };
}

/** Records how a started recompute ended (unless the status route already called it timed out). */
async function finish(id: string, status: RecomputeStatus, error: string | null): Promise<void> {
  await pool().query(`UPDATE "ForecastRecompute" SET status = $2, error = $3, "finishedAt" = now() WHERE id = $1 AND status = 'running'`, [
    id,
    status,
    error,
  ]);
}

class Timeout extends Error {}

/**
 * The job: re-forecasts the variant within RECOMPUTE_TIMEOUT_MS of the request, or records why not. null when
 * there is nothing to do (unknown, or already started, finished or expired: a second run changes nothing).
 */
export async function runRecompute(id: string, log: (line: string) => void = () => {}): Promise<StoredStatus | null> {
  const db = pool();
  const { rows } = await db.query<{ shopId: string; variantId: string; ageMs: number }>(
    `UPDATE "ForecastRecompute" SET status = 'running'
      WHERE id = $1 AND status = 'queued' AND "createdAt" > now() - make_interval(secs => $2)
      RETURNING "shopId", "variantId"::text AS "variantId", (extract(epoch FROM now() - "createdAt") * 1000)::float8 AS "ageMs"`,
    [id, BUDGET_SECONDS],
  );
  const job = rows[0];
  if (!job) {
    const expired = await db.query(
      `UPDATE "ForecastRecompute" SET status = 'expired', "finishedAt" = now(), error = $2
        WHERE id = $1 AND status = 'queued' AND "createdAt" <= now() - make_interval(secs => $3)`,
      [id, NOT_STARTED, BUDGET_SECONDS],
    );
    if (!expired.rowCount) return null;
    log(`recompute ${id}: not started within its time budget (not counted against the daily limit)`);
    return "expired";
  }
  const budget = RECOMPUTE_TIMEOUT_MS - job.ageMs;
  const deadline = Date.now() + budget;
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = (async () => {
      const run = await currentRun(job.shopId, db);
      if (!run) throw new Error("no published forecast run yet");
      const shop = await shopById(db, job.shopId);
      if (!shop) throw new Error("shop not found");
      const settings = await readSettings(db, job.shopId);
      const locations = await countedLocations(db, job.shopId, settings);
      const abc = await db.query<{ abc: string }>(
        `SELECT "abcClass" AS abc FROM "VariantAdvice" WHERE "runId" = $1 AND "variantId" = $2 AND "locationId" = 0`,
        [run.runId, job.variantId],
      );
      const context = await measureShopContext(db, job.shopId, run.asOf, shop.country, locations);
      const result = await computeVariants(db, {
        shopId: job.shopId,
        asOf: run.asOf,
        country: shop.country,
        variantIds: [job.variantId],
        context,
        settings,
        leadTimes: await readLeadTimes(db, job.shopId, settings),
        locations,
        abc: new Map(abc.rows[0] ? [[job.variantId, abc.rows[0].abc]] : []),
        log,
      });
      if (Date.now() > deadline) throw new Timeout("recompute exceeded its 30 s budget");
      await shopTransaction(job.shopId, async (tx) => {
        const state = await tx.query(`SELECT 1 FROM "ShopForecastState" WHERE "shopId" = $1 AND "currentRunId" = $2 FOR UPDATE`, [
          job.shopId,
          run.runId,
        ]);
        if (!state.rowCount) throw new Error("the published run changed during the recompute");
        await writeVariantRows(tx, run.runId, job.shopId, [job.variantId], result, false);
        await tx.query(`UPDATE "ShopForecastState" SET "updatedAt" = clock_timestamp() WHERE "shopId" = $1`, [job.shopId]);
        const done = await tx.query(
          `UPDATE "ForecastRecompute" SET status = 'completed', "finishedAt" = now() WHERE id = $1 AND status = 'running'`,
          [id],
        );
        // Timed out meanwhile: the answer was already given, so nothing is written.
        if (!done.rowCount) throw new Timeout("recompute exceeded its 30 s budget");
      });
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout("recompute exceeded its 30 s budget")), budget);
    });
    await Promise.race([work, timeout]);
    log(`recompute ${id} of variant ${job.variantId}: completed`);
    return "completed";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const status: RecomputeStatus = error instanceof Timeout ? "timed_out" : "failed";
    await finish(id, status, message.slice(0, 2000));
    log(`recompute ${id} of variant ${job.variantId}: ${status}: ${message}`);
    return status;
  } finally {
    clearTimeout(timer);
  }
}
