/**
 * The lifecycle of a forecast run (docs/forecasting.md "Nightly runs", decision 0030):
 *
 *   plan     one ForecastRun row (running) + one batch job per 500 variants, in one transaction;
 *   batch    forecast + advice of its variants; deletes and re-inserts its own rows of the run and stores its
 *            own stats under accuracy.batches[k], in one transaction: a retried batch replaces, never adds;
 *   publish  after the last batch (whichever finishes last): ABC over the whole shop, run totals, run
 *            completed and ShopForecastState.currentRunId switched in one transaction; then prune.
 *
 * Readers only ever see the published run, so a failed or half-written run is invisible.
 */
import { inTransaction, pool, shopTransaction, type Queryable } from "../db/pool.server";
import { alertsEvaluateJob } from "../jobs/contracts/alerts";
import { forecastBatchJob, forecastPlanJob, type ForecastTrigger } from "../jobs/contracts/forecasts";
import { forecastPermit } from "../billing/limits.server";
import { addJob } from "../jobs/queue.server";
import { installedShops, shopById, shopByIdOrDomain } from "../shops/lookup.server";
import type { ShopContext, EvalSums } from "../forecasting";
import { mergeSums, summarize } from "./accuracy";
import { computeVariants, measureShopContext, SNAPSHOT_DAYS, type ComputeResult } from "./compute.server";
import { writeSignalUse } from "./promotions.server";
import { mergeSignalStatuses, type SignalStatuses } from "./regressors.server";
import { countedLocations, demandLocationFilter, readLeadTimes, readSettings } from "./store.server";
import { warmForecastOverview } from "./read.server";
import { applyCurrentSettings } from "./settings.server";

export function batchSize(): number {
  const n = Number(process.env.FORECAST_BATCH_SIZE);
  return Number.isInteger(n) && n > 0 ? n : 500;
}

/** Rows of changed daily demand after which a shop is re-forecast (FORECAST_CHANGE_THRESHOLD, default 1000). */
export function changeThreshold(): number {
  const n = Number(process.env.FORECAST_CHANGE_THRESHOLD);
  return Number.isInteger(n) && n > 0 ? n : 1000;
}

/** Runs still `running` after this long are marked failed by the nightly job (their batches gave up). */
const STALE_RUN_HOURS = 6;
const KEEP_DAYS = 90;

type Log = (line: string) => void;
const noLog: Log = () => {};

/**
 * Ask for a forecast run of a shop (by id or myshopify domain): enqueues the plan job (one queued per
 * shop). Call it when a shop's initial sync completes: `await requestForecastRun(shop.domain, "manual")`.
 * Pass `db` to enqueue inside your own transaction. Returns false when the shop is unknown.
 */
export async function requestForecastRun(
  shopDomainOrId: string,
  trigger: ForecastTrigger,
  options: { db?: Queryable; requestId?: string } = {},
): Promise<boolean> {
  const db = options.db ?? pool();
  const shop = await shopByIdOrDomain(db, shopDomainOrId);
  if (!shop) return false;
  await addJob(db, forecastPlanJob, { shopId: shop.id, trigger, requestId: options.requestId });
  return true;
}

/**
 * Record that `rows` DailyDemand rows of a shop changed (webhooks, reconciliation). Past the threshold
 * since the last run started, a `data_change` run is enqueued (the plan job's key keeps it to one queued).
 * Pass the sync's transaction as `db` so the count and the job commit with the demand rows.
 */
export async function noteDemandChanged(
  shopId: string,
  rows: number,
  db: Queryable = pool(),
): Promise<{ changedRows: number; triggered: boolean }> {
  if (!(rows > 0)) return { changedRows: 0, triggered: false };
  const { rows: out } = await db.query<{ changedRows: number; before: number }>(
    `INSERT INTO "ShopForecastState" ("shopId", "changedRows", "updatedAt") VALUES ($1, $2, now())
     ON CONFLICT ("shopId") DO UPDATE SET "changedRows" = "ShopForecastState"."changedRows" + excluded."changedRows"
     RETURNING "changedRows", "changedRows" - $2 AS before`,
    [shopId, Math.round(rows)],
  );
  const changedRows = out[0]?.changedRows ?? 0;
  const before = out[0]?.before ?? 0;
  const threshold = changeThreshold();
  const triggered = changedRows >= threshold && before < threshold;
  if (triggered) await addJob(db, forecastPlanJob, { shopId, trigger: "data_change" });
  return { changedRows, triggered };
}

/** Nightly fan-out: one plan job per installed shop whose initial sync completed; stale runs marked failed. */
export async function planNightly(db: Queryable = pool()): Promise<number> {
  const stale = await db.query<{ id: string; shopId: string }>(
    `UPDATE "ForecastRun" SET status = 'failed', error = coalesce(error, 'stale: batches did not finish'), "finishedAt" = now()
      WHERE status = 'running' AND "startedAt" < now() - make_interval(hours => $1) RETURNING id, "shopId"`,
    [STALE_RUN_HOURS],
  );
  // A failed run is news for the shop's forecast_failed alert.
  for (const run of stale.rows) await addJob(db, alertsEvaluateJob, { shopId: run.shopId, runId: run.id });
  const shops = await installedShops(db, { synced: true });
  for (const { id } of shops) await addJob(db, forecastPlanJob, { shopId: id, trigger: "nightly" });
  return shops.length;
}

/** The `limit` variants with the most revenue in the 90 days to `asOf` (ties by id), in id order. */
async function bestSellers(db: Queryable, shopId: string, asOf: string, limit: number): Promise<{ id: string }[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM (
       SELECT v.id::text AS id, v.id AS n, coalesce(sum(d.revenue), 0) AS revenue
         FROM "ProductVariant" v JOIN "Product" p ON p."shopId" = v."shopId" AND p.id = v."productId"
         LEFT JOIN "DailyDemand" d ON d."shopId" = v."shopId" AND d."variantId" = v.id AND d.day > $2::date - 90 AND d.day <= $2::date
        WHERE v."shopId" = $1 AND v."deletedAt" IS NULL AND p."deletedAt" IS NULL
        GROUP BY v.id ORDER BY revenue DESC, v.id LIMIT $3) best
      ORDER BY n`,
    [shopId, asOf, limit],
  );
  return rows;
}

/** Creates the run and its batch jobs in one transaction. Returns the run id (null when there is nothing to run). */
export async function startRun(shopId: string, trigger: ForecastTrigger, log: Log = noLog, requestId?: string): Promise<string | null> {
  const db = pool();
  const shop = await shopById(db, shopId);
  if (!shop || !shop.installed) return null;
  // The plan's limits (app/billing/limits.server.ts): read-only mode pauses forecasts; over the variant limit the run
  // covers the best sellers (last 90 days' revenue) up to the allowance, and the rest keep their data and pages. Over
  // the location limit `countedLocations` keeps the plan's number of locations, the same in every step of the run.
  const permit = await forecastPermit(db, shopId);
  if (!permit.allowed) {
    log(`forecast run for shop ${shopId} (${trigger}) not started: billing access is ${permit.reason}`);
    return null;
  }
  const settings = await readSettings(db, shopId);
  const locations = await countedLocations(db, shopId, settings);
  const asOf = shop.yesterday;
  const { rows: all } = await db.query<{ id: string }>(
    `SELECT v.id::text AS id FROM "ProductVariant" v JOIN "Product" p ON p."shopId" = v."shopId" AND p.id = v."productId"
      WHERE v."shopId" = $1 AND v."deletedAt" IS NULL AND p."deletedAt" IS NULL ORDER BY v.id`,
    [shopId],
  );
  const variants =
    permit.maxVariants !== null && all.length > permit.maxVariants ? await bestSellers(db, shopId, asOf, permit.maxVariants) : all;
  const context = await measureShopContext(db, shopId, asOf, shop.country, locations);
  const size = batchSize();
  const batches: string[][] = [];
  for (let i = 0; i < variants.length; i += size) batches.push(variants.slice(i, i + size).map((v) => v.id));
  const runId = await shopTransaction(shopId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO "ForecastRun" (id, "shopId", trigger, status, "asOf", horizon, "batchesTotal", "seriesCount")
       VALUES (gen_random_uuid(), $1, $2, 'running', $3::date, 90, $4, $5) RETURNING id`,
      [shopId, trigger, asOf, batches.length, variants.length],
    );
    const id = rows[0]!.id;
    await tx.query(
      `INSERT INTO "ShopForecastState" ("shopId", "changedRows", "updatedAt") VALUES ($1, 0, now())
       ON CONFLICT ("shopId") DO UPDATE SET "changedRows" = 0`,
      [shopId],
    );
    for (let k = 0; k < batches.length; k++)
      await addJob(tx, forecastBatchJob, { runId: id, batch: k, variantIds: batches[k]!, context, requestId });
    return id;
  });
  log(`forecast run ${runId} for shop ${shopId} (${trigger}): ${variants.length} variants in ${batches.length} batches, as of ${asOf}`);
  if (batches.length === 0) await publishIfComplete(runId, shopId, log);
  return runId;
}

interface RunRow {
  id: string;
  shopId: string;
  status: string;
  asOf: string;
  batchesTotal: number;
}

async function loadRun(db: Queryable, runId: string): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>(
    `SELECT id, "shopId", status, to_char("asOf", 'YYYY-MM-DD') AS "asOf", "batchesTotal" FROM "ForecastRun" WHERE id = $1`,
    [runId],
  );
  return rows[0] ?? null;
}

export interface BatchStats {
  sums: EvalSums;
  modelMix: Record<string, number>;
  series: number;
  errors: number;
  ms: number;
}

/** Runs one batch of a run (idempotent). Returns false when the run is no longer running. */
export async function runBatch(
  payload: { runId: string; batch: number; variantIds: string[]; context: ShopContext },
  log: Log = noLog,
): Promise<boolean> {
  const db = pool();
  const run = await loadRun(db, payload.runId);
  if (!run || run.status !== "running") return false;
  const t0 = performance.now();
  const shop = await shopById(db, run.shopId);
  if (!shop) return false;
  const settings = await readSettings(db, run.shopId);
  const result = await computeVariants(db, {
    shopId: run.shopId,
    asOf: run.asOf,
    country: shop.country,
    variantIds: payload.variantIds,
    context: payload.context,
    settings,
    leadTimes: await readLeadTimes(db, run.shopId, settings),
    locations: await countedLocations(db, run.shopId, settings),
    log,
  });
  const stats: BatchStats = {
    sums: result.sums,
    modelMix: result.modelMix,
    series: result.forecasts.length,
    errors: result.errors,
    ms: Math.round(performance.now() - t0),
  };
  await shopTransaction(run.shopId, async (tx) => {
    // Batch writes of one run take turns on the run row (each updates it; a shared lock would deadlock on the upgrade).
    const live = await tx.query<{ signals: SignalStatuses }>(
      `SELECT signals FROM "ForecastRun" WHERE id = $1 AND status = 'running' FOR NO KEY UPDATE`,
      [run.id],
    );
    if (!live.rowCount) return;
    await writeVariantRows(tx, run.id, run.shopId, payload.variantIds, result, true);
    await tx.query(
      `UPDATE "ForecastRun" SET
         accuracy = jsonb_set(accuracy, '{batches}', coalesce(accuracy->'batches', '{}'::jsonb) || jsonb_build_object($2::text, $3::jsonb)),
         "batchesDone" = (SELECT count(*) FROM jsonb_object_keys(coalesce(accuracy->'batches', '{}'::jsonb) || jsonb_build_object($2::text, $3::jsonb))),
         signals = $4::jsonb
       WHERE id = $1`,
      [run.id, String(payload.batch), JSON.stringify(stats), JSON.stringify(mergeSignalStatuses(live.rows[0]!.signals, result.sources))],
    );
  });
  log(`forecast run ${run.id} batch ${payload.batch}: ${stats.series} series in ${stats.ms} ms, ${stats.errors} errors`);
  await publishIfComplete(run.id, run.shopId, log);
  return true;
}

/** Replaces the rows of `variantIds` in a run: forecasts, advice and (optionally) the 28-day snapshot. */
export async function writeVariantRows(
  tx: Queryable,
  runId: string,
  shopId: string,
  variantIds: readonly string[],
  result: ComputeResult,
  snapshot: boolean,
): Promise<void> {
  await tx.query(`DELETE FROM "VariantForecast" WHERE "runId" = $1 AND "variantId" = ANY($2::bigint[])`, [runId, variantIds]);
  await tx.query(`DELETE FROM "VariantAdvice" WHERE "runId" = $1 AND "variantId" = ANY($2::bigint[])`, [runId, variantIds]);
  if (result.forecasts.length > 0) {
    await tx.query(
      `INSERT INTO "VariantForecast" ("runId", "shopId", "variantId", start, forecast, lo80, hi80, lo95, hi95, model, "demandClass", "coldStart",
                                      "dailyMean", "dailySd", "backtestAccTotal", "backtestMae", coverage80, coverage95, "candidateScores", outliers,
                                      anomalies)
       SELECT $1, $2, x."variantId", x.start, x.forecast, x.lo80, x.hi80, x.lo95, x.hi95, x.model, x."demandClass", x."coldStart",
              x."dailyMean", x."dailySd", x."backtestAccTotal", x."backtestMae", x.coverage80, x.coverage95, x."candidateScores", x.outliers,
              x.anomalies
         FROM jsonb_to_recordset($3::jsonb) AS x("variantId" bigint, start date, forecast real[], lo80 real[], hi80 real[], lo95 real[], hi95 real[],
              model text, "demandClass" text, "coldStart" boolean, "dailyMean" float8, "dailySd" float8, "backtestAccTotal" float8,
              "backtestMae" float8, coverage80 float8, coverage95 float8, "candidateScores" jsonb, outliers jsonb,
              anomalies jsonb)`,
      [runId, shopId, JSON.stringify(result.forecasts)],
    );
  }
  if (result.advice.length > 0) await insertAdvice(tx, runId, shopId, result.advice);
  await writeSignalUse(tx, runId, shopId, variantIds, result.signals);
  if (snapshot) {
    await tx.query(`DELETE FROM "ForecastSnapshot" WHERE "runId" = $1 AND "variantId" = ANY($2::bigint[])`, [runId, variantIds]);
    await tx.query(
      `INSERT INTO "ForecastSnapshot" ("runId", "shopId", "variantId", start, forecast)
       SELECT $1, $2, x."variantId", x.start, x.forecast FROM jsonb_to_recordset($3::jsonb) AS x("variantId" bigint, start date, forecast real[])`,
      [
        runId,
        shopId,
        JSON.stringify(
          result.forecasts.map((f) => ({ variantId: f.variantId, start: f.start, forecast: f.forecast.slice(0, SNAPSHOT_DAYS) })),
        ),
      ],
    );
  }
}

export async function insertAdvice(tx: Queryable, runId: string, shopId: string, advice: readonly object[]): Promise<void> {
  await tx.query(
    `INSERT INTO "VariantAdvice" ("runId", "shopId", "variantId", "locationId", "productId", "productTitle", "variantTitle", sku, vendor,
                                  "productType", price, available, "dailyMean", "leadTimeDays", "safetyStock", "reorderPoint", "orderUpTo", eoq,
                                  "reorderQty", "daysOfCover", "stockoutDate", risk, "abcClass", "xyzClass", "lastSaleDay", "stockValue",
                                  "outOfStockSince", "sinceEstimated", "lostUnitsPerDay", "lostUnitsToDate", "lostRevenuePerDay", "lostRevenueToDate")
     SELECT $1, $2, x."variantId", x."locationId", x."productId", x."productTitle", x."variantTitle", x.sku, x.vendor, x."productType",
            x.price, x.available, x."dailyMean", x."leadTimeDays", x."safetyStock", x."reorderPoint", x."orderUpTo", x.eoq, x."reorderQty",
            x."daysOfCover", x."stockoutDate", x.risk, x."abcClass", x."xyzClass", x."lastSaleDay", x."stockValue",
            x."outOfStockSince", x."sinceEstimated", x."lostUnitsPerDay", x."lostUnitsToDate", x."lostRevenuePerDay", x."lostRevenueToDate"
       FROM jsonb_to_recordset($3::jsonb) AS x("variantId" bigint, "locationId" bigint, "productId" bigint, "productTitle" text, "variantTitle" text,
            sku text, vendor text, "productType" text, price numeric, available int, "dailyMean" float8, "leadTimeDays" float8,
            "safetyStock" float8, "reorderPoint" float8, "orderUpTo" float8, eoq float8, "reorderQty" int, "daysOfCover" float8,
            "stockoutDate" date, risk text, "abcClass" text, "xyzClass" text, "lastSaleDay" date, "stockValue" numeric,
            "outOfStockSince" date, "sinceEstimated" boolean, "lostUnitsPerDay" float8, "lostUnitsToDate" float8,
            "lostRevenuePerDay" numeric, "lostRevenueToDate" numeric)`,
    [runId, shopId, JSON.stringify(advice)],
  );
}

/** ABC by the last 90 days' revenue over the shop's counted locations, for every variant of the run. */
async function classifyAbc(tx: Queryable, runId: string, shopId: string, asOf: string, demandLoc: string[]): Promise<void> {
  await tx.query(
    `WITH rev AS (
       SELECT "variantId", sum(revenue)::float8 AS r FROM "DailyDemand"
        WHERE "shopId" = $2 AND day BETWEEN $3::date - 89 AND $3::date AND ${demandLocationFilter("$4")} GROUP BY 1),
     v AS (SELECT DISTINCT a."variantId", greatest(coalesce(rev.r, 0), 0) AS r FROM "VariantAdvice" a LEFT JOIN rev USING ("variantId") WHERE a."runId" = $1),
     ranked AS (SELECT "variantId", sum(r) OVER (ORDER BY r DESC, "variantId" ROWS UNBOUNDED PRECEDING) - r AS before, sum(r) OVER () AS total FROM v)
     UPDATE "VariantAdvice" a
        SET "abcClass" = CASE WHEN ranked.total <= 0 THEN 'C' WHEN ranked.before / ranked.total < 0.8 THEN 'A'
                              WHEN ranked.before / ranked.total < 0.95 THEN 'B' ELSE 'C' END
       FROM ranked WHERE a."runId" = $1 AND a."variantId" = ranked."variantId"`,
    [runId, shopId, asOf, demandLoc],
  );
}

/**
 * Publishes the run when all its batches are in: totals, ABC, status completed and the shop's current
 * run switched, in one transaction (the run row is locked, so two last batches cannot both publish).
 */
export async function publishIfComplete(runId: string, shopId: string, log: Log = noLog): Promise<boolean> {
  const published = await shopTransaction(shopId, async (tx) => {
    const { rows } = await tx.query<RunRow & { batches: Record<string, BatchStats> | null; startedAt: Date }>(
      `SELECT id, "shopId", status, to_char("asOf", 'YYYY-MM-DD') AS "asOf", "batchesTotal", accuracy->'batches' AS batches, "startedAt"
         FROM "ForecastRun" WHERE id = $1 AND "shopId" = $2 FOR UPDATE`,
      [runId, shopId],
    );
    const run = rows[0];
    if (!run || run.status !== "running") return false;
    const stats = Object.values(run.batches ?? {});
    if (stats.length < run.batchesTotal) return false;
    const settings = await readSettings(tx, run.shopId);
    const locations = await countedLocations(tx, run.shopId, settings);
    await classifyAbc(tx, run.id, run.shopId, run.asOf, locations.demand);
    const mix: Record<string, number> = {};
    for (const s of stats) for (const [m, n] of Object.entries(s.modelMix)) mix[m] = (mix[m] ?? 0) + n;
    const accuracy = summarize(mergeSums(stats.map((s) => s.sums)));
    const series = stats.reduce((a, s) => a + s.series, 0);
    const errors = stats.reduce((a, s) => a + s.errors, 0);
    await tx.query(
      `UPDATE "ForecastRun" SET status = 'completed', "finishedAt" = now(), "durationMs" = (extract(epoch FROM now() - "startedAt") * 1000)::int,
              "modelMix" = $2::jsonb, accuracy = $3::jsonb, "seriesCount" = $4, "errorCount" = $5, "batchesDone" = "batchesTotal"
        WHERE id = $1`,
      [run.id, JSON.stringify(mix), JSON.stringify({ ...accuracy, batchMs: stats.reduce((a, s) => a + s.ms, 0) }), series, errors],
    );
    // A run never replaces a newer published one (two runs of a shop can overlap).
    await tx.query(
      `INSERT INTO "ShopForecastState" ("shopId", "currentRunId", "publishedAt", "updatedAt") VALUES ($1, $2, now(), now())
       ON CONFLICT ("shopId") DO UPDATE SET "currentRunId" = excluded."currentRunId", "publishedAt" = now(), "updatedAt" = now()
        WHERE "ShopForecastState"."currentRunId" IS NULL
           OR (SELECT "startedAt" FROM "ForecastRun" WHERE id = "ShopForecastState"."currentRunId") <= $3`,
      [run.shopId, run.id, run.startedAt],
    );
    // The batches read the settings when they ran; saves since then apply to the advice being published.
    const { recomputed } = await applyCurrentSettings(tx, run.shopId);
    // The alerts look at the published run (queued in the same transaction: published ⇒ evaluated).
    await addJob(tx, alertsEvaluateJob, { shopId: run.shopId, runId: run.id });
    if (recomputed > 0) log(`forecast run ${run.id}: ${recomputed} advice rows re-derived under settings saved during the run`);
    log(`forecast run ${run.id} published: ${series} series, ${errors} errors, accuracy ${JSON.stringify(accuracy)}`);
    return run.shopId;
  });
  if (published === false) return false;
  await pruneShop(published);
  await warmForecastOverview(published, log);
  return true;
}

/**
 * Keeps VariantForecast/VariantAdvice of the current and the previous completed run (and of runs still
 * running); ForecastRun, ForecastSnapshot and ForecastRecompute rows for 90 days (never the current run).
 */
export async function pruneShop(shopId: string, db: Queryable = pool()): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    `(SELECT "currentRunId" AS id FROM "ShopForecastState" WHERE "shopId" = $1 AND "currentRunId" IS NOT NULL)
     UNION (SELECT id FROM "ForecastRun" WHERE "shopId" = $1 AND status = 'completed'
              AND id IS DISTINCT FROM (SELECT "currentRunId" FROM "ShopForecastState" WHERE "shopId" = $1)
            ORDER BY "finishedAt" DESC LIMIT 1)
     UNION (SELECT id FROM "ForecastRun" WHERE "shopId" = $1 AND status = 'running')`,
    [shopId],
  );
  const keep = rows.map((r) => r.id);
  await db.query(`DELETE FROM "VariantForecast" WHERE "shopId" = $1 AND NOT ("runId" = ANY($2::uuid[]))`, [shopId, keep]);
  await db.query(`DELETE FROM "VariantAdvice" WHERE "shopId" = $1 AND NOT ("runId" = ANY($2::uuid[]))`, [shopId, keep]);
  await db.query(`DELETE FROM "SignalUse" WHERE "shopId" = $1 AND NOT ("runId" = ANY($2::uuid[]))`, [shopId, keep]);
  await db.query(`DELETE FROM "ForecastSnapshot" WHERE "shopId" = $1 AND "createdAt" < now() - make_interval(days => $2)`, [
    shopId,
    KEEP_DAYS,
  ]);
  await db.query(
    `DELETE FROM "ForecastRun" WHERE "shopId" = $1 AND "startedAt" < now() - make_interval(days => $2) AND NOT (id = ANY($3::uuid[]))`,
    [shopId, KEEP_DAYS, keep],
  );
  await db.query(`DELETE FROM "ForecastRecompute" WHERE "shopId" = $1 AND "createdAt" < now() - make_interval(days => $2)`, [
    shopId,
    KEEP_DAYS,
  ]);
}

/** Marks a run failed (its batch used all its attempts). Its rows stay invisible and are pruned later. */
export async function failRun(runId: string, error: string): Promise<void> {
  await inTransaction(async (tx) => {
    const { rows } = await tx.query<{ shopId: string }>(
      `UPDATE "ForecastRun" SET status = 'failed', error = $2, "finishedAt" = now(), "durationMs" = (extract(epoch FROM now() - "startedAt") * 1000)::int
        WHERE id = $1 AND status = 'running' RETURNING "shopId"`,
      [runId, error.slice(0, 2000)],
    );
    // A failed run is news for the shop's forecast_failed alert (AI-003), queued with the failure.
    if (rows[0]) await addJob(tx, alertsEvaluateJob, { shopId: rows[0].shopId, runId });
  });
}
