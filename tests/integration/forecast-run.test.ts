/**
 * Nightly forecast runs against real PostgreSQL: plan → batches → publish, never half visible, batches
 * idempotent under retry, a failed run never replaces the published one, pruning, the data-change trigger,
 * settings recompute without re-forecast, and the read model scoped to one shop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Run from "../../app/forecasts/run.server";
import type * as Tasks from "../../app/jobs/contracts/forecasts";
import type * as Read from "../../app/forecasts/read.server";
import type * as Settings from "../../app/forecasts/settings.server";
import type * as Pool from "../../app/db/pool.server";
import { VariantListQuery } from "../../app/forecasts/contract";
import { createTestDatabase, sql } from "../support/db";
import { drainForecastJobs, JOBS_OF, seedShop, type SeededShop } from "../support/forecast-seed";

process.env.FORECAST_BATCH_SIZE = "50";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let run: typeof Run;
let tasks: typeof Tasks;
let read: typeof Read;
let settings: typeof Settings;
let pool: typeof Pool;
let A: SeededShop;
let B: SeededShop;

const handlers = () => ({
  [tasks.forecastPlanJob.name]: async (p: unknown) => {
    const x = tasks.forecastPlanJob.payload.parse(p);
    await run.startRun(x.shopId, x.trigger);
  },
  [tasks.forecastBatchJob.name]: async (p: unknown) => {
    await run.runBatch(tasks.forecastBatchJob.payload.parse(p));
  },
  [tasks.forecastAdviceJob.name]: async (p: unknown) => {
    await settings.applySettingsToAdvice(tasks.forecastAdviceJob.payload.parse(p).shopId);
  },
});

const list = (q: Record<string, string> = {}) => VariantListQuery.parse(q);

beforeAll(async () => {
  db = await createTestDatabase();
  run = await import("../../app/forecasts/run.server");
  tasks = await import("../../app/jobs/contracts/forecasts");
  read = await import("../../app/forecasts/read.server");
  settings = await import("../../app/forecasts/settings.server");
  pool = await import("../../app/db/pool.server");
  A = await seedShop(db.url, { domain: "a-shop.myshopify.com", products: 40, variantsPerProduct: 3, days: 400, seed: 1 });
  B = await seedShop(db.url, { domain: "b-shop.myshopify.com", products: 10, variantsPerProduct: 2, days: 200, seed: 2 });
});
afterAll(async () => {
  await pool.closePool();
  await db.drop();
});

describe("a nightly run", () => {
  let firstRun: string;

  it("fans out per shop and per batch, and publishes only after the last batch", async () => {
    expect(await run.planNightly()).toBe(2);
    const plans = await drainForecastJobs(db.url, { [tasks.forecastPlanJob.name]: handlers()[tasks.forecastPlanJob.name]! });
    expect(plans).toBe(2);
    const runs = await sql<{ id: string; shopId: string; batchesTotal: number; status: string }>(
      db.url,
      `SELECT id, "shopId", "batchesTotal", status FROM "ForecastRun" ORDER BY "batchesTotal" DESC`,
    );
    expect(runs.map((r) => r.batchesTotal)).toEqual([3, 1]);
    firstRun = runs[0]!.id;

    // Run two of A's three batches: nothing visible yet.
    const batches = await sql<{ payload: { runId: string; batch: number } }>(db.url, JOBS_OF("forecast.batch"));
    const ofA = batches.filter((b) => b.payload.runId === firstRun);
    expect(ofA).toHaveLength(3);
    await run.runBatch(tasks.forecastBatchJob.payload.parse(ofA[0]!.payload));
    await run.runBatch(tasks.forecastBatchJob.payload.parse(ofA[1]!.payload));
    // A retried batch replaces its own rows.
    await run.runBatch(tasks.forecastBatchJob.payload.parse(ofA[1]!.payload));
    expect((await read.listVariants(A.shopId, list())).runId).toBeNull();
    expect(await read.getVariantForecast(A.shopId, A.variantIds[0]!, {})).toBeNull();
    const mid = await sql<{ batchesDone: number; n: number }>(
      db.url,
      `SELECT "batchesDone", (SELECT count(*)::int FROM "VariantForecast" WHERE "runId" = $1) AS n FROM "ForecastRun" WHERE id = $1`,
      [firstRun],
    );
    expect(mid[0]).toEqual({ batchesDone: 2, n: 100 });

    await drainForecastJobs(db.url, handlers());
    const done = await sql<{
      status: string;
      seriesCount: number;
      modelMix: Record<string, number>;
      accuracy: Record<string, number | null>;
    }>(db.url, `SELECT status, "seriesCount", "modelMix", accuracy FROM "ForecastRun" WHERE id = $1`, [firstRun]);
    expect(done[0]!.status).toBe("completed");
    expect(done[0]!.seriesCount).toBe(120);
    expect(Object.values(done[0]!.modelMix).reduce((a, b) => a + b, 0)).toBe(120);
    for (const key of ["accTotal", "mase", "wape", "bias", "coverage80", "coverage95", "series"])
      expect(done[0]!.accuracy).toHaveProperty(key);
    expect(done[0]!.accuracy.series).toBeGreaterThan(50);
    const counts = await sql<{ f: number; a: number; s: number; abc: number }>(
      db.url,
      `SELECT (SELECT count(*)::int FROM "VariantForecast" WHERE "runId" = $1) AS f, (SELECT count(*)::int FROM "VariantAdvice" WHERE "runId" = $1) AS a,
              (SELECT count(*)::int FROM "ForecastSnapshot" WHERE "runId" = $1) AS s,
              (SELECT count(DISTINCT "abcClass")::int FROM "VariantAdvice" WHERE "runId" = $1) AS abc`,
      [firstRun],
    );
    expect(counts[0]).toEqual({ f: 120, a: 360, s: 120, abc: 3 });
    // Publishing warmed the overview's cache under the published run and its version.
    const warmed = await sql<{ key: string; runId: string }>(
      db.url,
      `SELECT c.key, (c.value->>'runId') AS "runId" FROM "ShopCache" c WHERE c."shopId" = $1 AND c.name = 'overview.forecast'`,
      [A.shopId],
    );
    expect(warmed).toHaveLength(1);
    expect(warmed[0]!.key.startsWith(`${firstRun}:`)).toBe(true);
    expect(warmed[0]!.runId).toBe(firstRun);
    expect((await read.cachedForecastOverview(A.shopId)).runId).toBe(firstRun);
    const page = await read.listVariants(A.shopId, list());
    expect(page.runId).toBe(firstRun);
    expect(page.total).toBe(120);
  });

  it("classifies risks, including no_data and dead stock", async () => {
    const risks = await sql<{ risk: string; n: number }>(
      db.url,
      `SELECT risk, count(*)::int AS n FROM "VariantAdvice" WHERE "runId" = $1 AND "locationId" = 0 GROUP BY 1`,
      [firstRun],
    );
    const byRisk = Object.fromEntries(risks.map((r) => [r.risk, r.n]));
    expect(Object.keys(byRisk).length).toBeGreaterThanOrEqual(3);
    // Per-location rows split the variant's forecast: their means add up to the total.
    const split = await sql<{ total: number; parts: number }>(
      db.url,
      `SELECT max("dailyMean") FILTER (WHERE "locationId" = 0) AS total, sum("dailyMean") FILTER (WHERE "locationId" <> 0) AS parts
         FROM "VariantAdvice" WHERE "runId" = $1 GROUP BY "variantId" HAVING max("dailyMean") > 0 LIMIT 5`,
      [firstRun],
    );
    for (const s of split) expect(s.parts).toBeCloseTo(s.total, 6);
  });

  it("a failing run never replaces the published one, and old runs are pruned", async () => {
    const second = await run.startRun(A.shopId, "manual");
    await drainForecastJobs(db.url, handlers(), {
      fail: (task, payload) => task === "forecast.batch" && (payload as { runId: string }).runId === second,
    });
    await run.failRun(second!, "batch 0: boom");
    expect((await read.listVariants(A.shopId, list())).runId).toBe(firstRun);

    const third = await run.startRun(A.shopId, "manual");
    await drainForecastJobs(db.url, handlers());
    const fourth = await run.startRun(A.shopId, "data_change");
    await drainForecastJobs(db.url, handlers());
    expect((await read.listVariants(A.shopId, list())).runId).toBe(fourth);
    const kept = await sql<{ runId: string }>(db.url, `SELECT DISTINCT "runId" FROM "VariantAdvice" WHERE "shopId" = $1`, [A.shopId]);
    expect(kept.map((r) => r.runId).sort()).toEqual([third, fourth].sort());
    const runs = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "ForecastRun" WHERE "shopId" = $1`, [A.shopId]);
    expect(runs[0]!.n).toBe(4); // run rows are kept 90 days
  });

  it("publishes once when batches run at the same time", async () => {
    const id = await run.startRun(A.shopId, "manual");
    const jobs = (await sql<{ payload: unknown }>(db.url, JOBS_OF("forecast.batch"))).map((j) =>
      tasks.forecastBatchJob.payload.parse(j.payload),
    );
    await sql(db.url, `DELETE FROM graphile_worker._private_jobs`);
    await Promise.all(jobs.filter((j) => j.runId === id).map((j) => run.runBatch(j)));
    const rows = await sql<{ status: string; batchesDone: number; n: number }>(
      db.url,
      `SELECT status, "batchesDone", (SELECT count(*)::int FROM "VariantForecast" WHERE "runId" = $1) AS n FROM "ForecastRun" WHERE id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ status: "completed", batchesDone: 3, n: 120 });
    expect((await read.listVariants(A.shopId, list())).runId).toBe(id);
  });

  it("re-triggers a run when a shop's data changes a lot", async () => {
    process.env.FORECAST_CHANGE_THRESHOLD = "100";
    const before = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM (${JOBS_OF("forecast.plan")}) j`);
    expect((await run.noteDemandChanged(B.shopId, 60)).triggered).toBe(false);
    expect((await run.noteDemandChanged(B.shopId, 60)).triggered).toBe(true);
    expect((await run.noteDemandChanged(B.shopId, 60)).triggered).toBe(false);
    const after = await sql<{ n: number; payload: { trigger: string } }>(
      db.url,
      `SELECT count(*) OVER ()::int AS n, payload FROM (${JOBS_OF("forecast.plan")}) j`,
    );
    expect(after[0]!.n).toBe(before[0]!.n + 1);
    expect(after[0]!.payload.trigger).toBe("data_change");
    await drainForecastJobs(db.url, handlers());
    const state = await sql<{ changedRows: number }>(db.url, `SELECT "changedRows" FROM "ShopForecastState" WHERE "shopId" = $1`, [
      B.shopId,
    ]);
    expect(state[0]!.changedRows).toBe(0);
    expect(await run.requestForecastRun("b-shop.myshopify.com", "manual")).toBe(true);
    expect(await run.requestForecastRun("nobody.myshopify.com", "manual")).toBe(false);
    await drainForecastJobs(db.url, handlers());
  });
});

describe("settings", () => {
  it("recomputes the current run's advice from stored rows after a lead-time change", async () => {
    const unchanged = await settings.recomputeAdvice(A.shopId);
    expect(unchanged.recomputed).toBe(0);
    const vendor = "Vendor 3";
    const before = await sql<{ variantId: string; reorderPoint: number; leadTimeDays: number }>(
      db.url,
      `SELECT a."variantId"::text AS "variantId", a."reorderPoint", a."leadTimeDays" FROM "VariantAdvice" a
         JOIN "ShopForecastState" s ON s."currentRunId" = a."runId" WHERE a."shopId" = $1 AND a."locationId" = 0 ORDER BY 1`,
      [A.shopId],
    );
    const out = await settings.saveLeadTimeOverride(A.shopId, { scope: "vendor", key: vendor, leadTimeDays: 60, leadTimeSdDays: 5 });
    expect(out.recomputed).toBeGreaterThan(0);
    const after = await sql<{ variantId: string; reorderPoint: number; leadTimeDays: number; vendor: string; dailyMean: number }>(
      db.url,
      `SELECT a."variantId"::text AS "variantId", a."reorderPoint", a."leadTimeDays", a.vendor, a."dailyMean" FROM "VariantAdvice" a
         JOIN "ShopForecastState" s ON s."currentRunId" = a."runId" WHERE a."shopId" = $1 AND a."locationId" = 0 ORDER BY 1`,
      [A.shopId],
    );
    after.forEach((row, i) => {
      if (row.vendor === vendor) {
        expect(row.leadTimeDays).toBe(60);
        if (row.dailyMean > 0) expect(row.reorderPoint).toBeGreaterThan(before[i]!.reorderPoint);
      } else expect(row.reorderPoint).toBe(before[i]!.reorderPoint);
    });
    // A product override beats its vendor's.
    const productId = String(Math.floor(Number(after.find((r) => r.vendor === vendor)!.variantId) / 10));
    await settings.saveLeadTimeOverride(A.shopId, { scope: "product", key: productId, leadTimeDays: 2, leadTimeSdDays: 0 });
    const p = await sql<{ leadTimeDays: number }>(
      db.url,
      `SELECT DISTINCT a."leadTimeDays" FROM "VariantAdvice" a JOIN "ShopForecastState" s ON s."currentRunId" = a."runId"
        WHERE a."shopId" = $1 AND a."productId" = $2`,
      [A.shopId, productId],
    );
    expect(p).toEqual([{ leadTimeDays: 2 }]);
    const loaded = await settings.loadSettings(A.shopId);
    expect(loaded.vendorLeadTimes).toEqual([{ vendor, leadTimeDays: 60, leadTimeSdDays: 5 }]);
    expect(loaded.productLeadTimes[0]).toMatchObject({ productId, leadTimeDays: 2 });
    await settings.deleteLeadTimeOverride(A.shopId, "product", productId);
    await settings.deleteLeadTimeOverride(A.shopId, "vendor", vendor);
    expect((await settings.loadSettings(A.shopId)).vendorLeadTimes).toEqual([]);
    // Removing the overrides re-derives just their product's and vendor's rows: every row is as before.
    const restored = await sql<{ variantId: string; reorderPoint: number; leadTimeDays: number }>(
      db.url,
      `SELECT a."variantId"::text AS "variantId", a."reorderPoint", a."leadTimeDays" FROM "VariantAdvice" a
         JOIN "ShopForecastState" s ON s."currentRunId" = a."runId" WHERE a."shopId" = $1 AND a."locationId" = 0 ORDER BY 1`,
      [A.shopId],
    );
    expect(restored).toEqual(before);

    // Shop-wide settings: saved at once, applied to the advice by the forecast.advice job.
    expect(await settings.adviceUpdating(A.shopId)).toBe(false);
    const saved = await settings.saveSettings(A.shopId, { ...loaded.settings, serviceLevel: 0.99, locationIds: [] });
    expect(saved.rerun).toBe(false);
    expect((await settings.loadSettings(A.shopId)).settings.serviceLevel).toBe(0.99);
    expect(await settings.adviceUpdating(A.shopId)).toBe(true);
    expect(await settings.adviceUpdating(B.shopId)).toBe(false);
    expect(await sql(db.url, JOBS_OF(tasks.forecastAdviceJob.name))).toHaveLength(1);
    const safetyStock = async () =>
      Number(
        (
          await sql<{ s: number }>(
            db.url,
            `SELECT sum(a."safetyStock")::float8 AS s FROM "VariantAdvice" a JOIN "ShopForecastState" s ON s."currentRunId" = a."runId" WHERE a."shopId" = $1`,
            [A.shopId],
          )
        )[0]!.s,
      );
    const pendingSafetyStock = await safetyStock();
    expect(await drainForecastJobs(db.url, handlers())).toBe(1);
    expect(await settings.adviceUpdating(A.shopId)).toBe(false);
    // A higher service level means more safety stock, applied by the job.
    expect(await safetyStock()).toBeGreaterThan(pendingSafetyStock);
    const rerun = await settings.saveSettings(A.shopId, { ...loaded.settings, serviceLevel: 0.99, locationIds: ["1001"] });
    expect(rerun.rerun).toBe(true);
    await drainForecastJobs(db.url, handlers());
    const page = await read.listVariants(A.shopId, list({ location: "1002" }));
    expect(page.total).toBe(0); // only the counted location has rows now
    await settings.saveSettings(A.shopId, { ...loaded.settings, locationIds: [] });
    await drainForecastJobs(db.url, handlers());
  });

  it("publishes a run's advice under the settings saved while its batches ran", async () => {
    expect(await run.requestForecastRun("a-shop.myshopify.com", "manual")).toBe(true);
    await drainForecastJobs(db.url, { [tasks.forecastPlanJob.name]: handlers()[tasks.forecastPlanJob.name]! });
    const batches = await sql<{ payload: unknown }>(db.url, JOBS_OF(tasks.forecastBatchJob.name));
    expect(batches.length).toBeGreaterThan(1);
    const [last, ...others] = batches.map((b) => tasks.forecastBatchJob.payload.parse(b.payload)).reverse();
    for (const batch of others) await run.runBatch(batch);
    // A save lands while the run is going: the queued forecast.advice job is not run here.
    const loaded = await settings.loadSettings(A.shopId);
    await settings.saveSettings(A.shopId, { ...loaded.settings, serviceLevel: 0.8 });
    await run.runBatch(last!);
    const state = await sql<{ runId: string }>(db.url, `SELECT "currentRunId" AS "runId" FROM "ShopForecastState" WHERE "shopId" = $1`, [
      A.shopId,
    ]);
    expect(state[0]!.runId).toBe(last!.runId);
    // The published advice already follows the new service level, and the page has nothing left to wait for.
    expect((await settings.recomputeAdvice(A.shopId)).recomputed).toBe(0);
    expect(await settings.adviceUpdating(A.shopId)).toBe(false);
    await settings.saveSettings(A.shopId, loaded.settings);
    await drainForecastJobs(db.url, handlers());
  });
});

describe("the read model", () => {
  it("pages, sorts, filters and searches the current run", async () => {
    const p1 = await read.listVariants(A.shopId, list({ pageSize: "10", sort: "available", direction: "desc" }));
    expect(p1.rows).toHaveLength(10);
    expect(p1.total).toBe(120);
    for (let i = 1; i < p1.rows.length; i++) expect(p1.rows[i - 1]!.available).toBeGreaterThanOrEqual(p1.rows[i]!.available);
    const p12 = await read.listVariants(A.shopId, list({ pageSize: "10", page: "12", sort: "available", direction: "desc" }));
    expect(p12.rows).toHaveLength(10);
    expect(new Set([...p1.rows, ...p12.rows].map((r) => r.variantId)).size).toBe(20);
    const lanterns = await read.listVariants(A.shopId, list({ q: "lantern" }));
    expect(lanterns.total).toBe(3 * 3); // products 11, 22, 33
    expect(lanterns.rows.every((r) => r.productTitle.includes("Lantern"))).toBe(true);
    const bySku = await read.listVariants(A.shopId, list({ q: "SKU-101" }));
    expect(bySku.rows.map((r) => r.sku)).toContain("SKU-101");
    expect((await read.listVariants(A.shopId, list({ q: "100%" }))).total).toBe(0);
    const vendor = await read.listVariants(A.shopId, list({ vendor: "Vendor 1,Vendor 2", abc: "A,B,C" }));
    expect(vendor.rows.every((r) => r.vendor === "Vendor 1" || r.vendor === "Vendor 2")).toBe(true);
    const risky = await read.listVariants(A.shopId, list({ risk: "stockout,reorder" }));
    expect(risky.rows.every((r) => r.risk === "stockout" || r.risk === "reorder")).toBe(true);
    const byRisk = await read.listVariants(A.shopId, list({ pageSize: "250" }));
    const rank = { out_of_stock: 0, stockout: 1, reorder: 2, dead: 3, ok: 4, no_data: 5 };
    for (let i = 1; i < byRisk.rows.length; i++) expect(rank[byRisk.rows[i - 1]!.risk]).toBeLessThanOrEqual(rank[byRisk.rows[i]!.risk]);
  });

  it("exports the whole filtered list as safe CSV", async () => {
    let csv = "";
    for await (const chunk of read.exportVariantsCsv(A.shopId, list())) csv += chunk;
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toMatch(/^variantId,productId,productTitle/);
    expect(lines).toHaveLength(121);
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it("returns a variant's forecast, history, projected stock and advice", async () => {
    const id = (await read.listVariants(A.shopId, list({ sort: "dailyMean", direction: "desc", pageSize: "10" }))).rows[0]!.variantId;
    const detail = await read.getVariantForecast(A.shopId, id, {});
    expect(detail).not.toBeNull();
    expect(detail!.history).toHaveLength(180);
    expect(detail!.forecast).toHaveLength(90);
    expect(detail!.projectedStock).toHaveLength(90);
    expect(detail!.advice.map((a) => a.locationId)).toEqual(["0", "1001", "1002"]);
    expect(detail!.forecast.every((f) => f.lo95 <= f.lo80 + 1e-6 && f.lo80 <= f.forecast + 1e-6 && f.hi95 + 1e-6 >= f.hi80)).toBe(true);
    const loc = await read.getVariantForecast(A.shopId, id, { location: "1002", from: detail!.asOf, to: detail!.forecast[9]!.day });
    expect(loc!.history).toHaveLength(1);
    expect(loc!.forecast).toHaveLength(10);
    expect(loc!.forecast[0]!.forecast).toBeLessThan(detail!.forecast[0]!.forecast + 1e-9);
  });

  it("summarises the shop, with live accuracy once a 28-day-old snapshot exists", async () => {
    const o = await read.getForecastOverview(A.shopId);
    expect(o.runId).not.toBeNull();
    expect(o.backtestAccuracy?.accTotal).toEqual(expect.any(Number));
    expect(o.liveAccuracy).toBeNull();
    // Age the current run's snapshot by 30 days: its 28 days are now all in the past.
    await sql(db.url, `UPDATE "ForecastSnapshot" SET start = start - 30 WHERE "runId" = $1`, [o.runId]);
    const aged = await read.getForecastOverview(A.shopId);
    expect(aged.liveAccuracy).toMatchObject({ days: 28 });
    expect(aged.liveAccuracy!.variants).toBeGreaterThan(100);
    const options = await read.listFilterOptions(A.shopId);
    expect(options.vendors).toHaveLength(7);
    expect(options.locations).toEqual([
      { id: "1002", name: "High Street" },
      { id: "1001", name: "Warehouse" },
    ]);
  });

  it("exposes run metrics in Prometheus text", async () => {
    const m = await import("../../app/forecasts/metrics.server");
    const text = m.forecastPrometheusText(await m.loadForecastHealth(pool.pool()));
    expect(text).toMatch(/^fluxor_forecast_runs_24h\{status="completed"\} \d+$/m);
    expect(text).toMatch(/^fluxor_forecast_runs_24h\{status="failed"\} 1$/m);
    expect(text).toMatch(/^fluxor_forecast_last_run_series_per_second \d+(\.\d+)?$/m);
    expect(text).toMatch(/^fluxor_forecast_backtest_accuracy\{metric="accTotal"\} -?\d/m);
    expect(text).toContain("# TYPE fluxor_forecast_last_run_duration_seconds gauge");
  });

  it("never shows one shop's rows to another (same variant ids in both shops)", async () => {
    const a = await read.listVariants(A.shopId, list({ pageSize: "250" }));
    const b = await read.listVariants(B.shopId, list({ pageSize: "250" }));
    expect(b.total).toBe(20);
    expect(b.runId).not.toBe(a.runId);
    const shared = B.variantIds[0]!;
    expect(A.variantIds).toContain(shared);
    const fa = await read.getVariantForecast(A.shopId, shared, {});
    const fb = await read.getVariantForecast(B.shopId, shared, {});
    expect(fa!.runId).toBe(a.runId);
    expect(fb!.runId).toBe(b.runId);
    expect(fb!.history).not.toEqual(fa!.history);
    expect(await read.getVariantForecast(B.shopId, A.variantIds.at(-1)!, {})).toBeNull();
    let csv = "";
    for await (const chunk of read.exportVariantsCsv(B.shopId, list())) csv += chunk;
    expect(csv.trimEnd().split("\r\n")).toHaveLength(21);
    const stranger = "00000000-0000-4000-8000-000000000000";
    expect((await read.listVariants(stranger, list())).total).toBe(0);
    expect((await read.getForecastOverview(stranger)).runId).toBeNull();
  });
});

describe("a best seller that ran out before install (issue 13, decision 0013)", () => {
  it("is forecast at its demand before the stop at 0 stock, and near zero with stock on hand", async () => {
    const C = await seedShop(db.url, { domain: "c-shop.myshopify.com", products: 8, variantsPerProduct: 1, days: 300, seed: 5, rate: 8 });
    // The two best sellers of the 60 days before the stop; both stop selling 40 days before yesterday.
    const top = await sql<{ v: string; perDay: number }>(
      db.url,
      `SELECT "variantId"::text AS v, sum(units)::float8 / 60 AS "perDay" FROM "DailyDemand"
        WHERE "shopId" = $1 AND day BETWEEN $2::date - 99 AND $2::date - 40 GROUP BY 1 ORDER BY 2 DESC LIMIT 2`,
      [C.shopId, C.yesterday],
    );
    const [ranOut, fellAway] = top;
    expect(ranOut!.perDay).toBeGreaterThan(3);
    await sql(db.url, `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = ANY($2::bigint[]) AND day > $3::date - 40`, [
      C.shopId,
      [ranOut!.v, fellAway!.v],
      C.yesterday,
    ]);
    // Same trailing zeros, two readings: nothing left in stock (it ran out), or plenty on hand (demand fell away).
    const setStock = (variant: string, units: number) =>
      sql(
        db.url,
        `UPDATE "InventoryLevel" il SET available = $3 FROM "ProductVariant" v
          WHERE il."shopId" = $1 AND v."shopId" = $1 AND v.id = $2::bigint AND il."inventoryItemId" = v."inventoryItemId"`,
        [C.shopId, variant, units],
      );
    await setStock(ranOut!.v, 0);
    await setStock(fellAway!.v, 250); // at each of the two locations
    await run.startRun(C.shopId, "manual");
    await drainForecastJobs(db.url, handlers());
    const mean = async (variant: string) =>
      (
        await sql<{ dailyMean: number }>(
          db.url,
          `SELECT f."dailyMean" FROM "VariantForecast" f JOIN "ShopForecastState" s ON s."currentRunId" = f."runId"
            WHERE f."shopId" = $1 AND f."variantId" = $2::bigint`,
          [C.shopId, variant],
        )
      )[0]!.dailyMean;
    expect(await mean(ranOut!.v)).toBeGreaterThan(ranOut!.perDay * 0.5);
    expect(await mean(fellAway!.v)).toBeLessThan(fellAway!.perDay * 0.2);

    // Stored as out of stock (decision 0039): since the day after its last sale (estimated: no stock history),
    // no cover and no projected stockout, losing its demand every day; the suggested order refills it.
    const advice = async (variant: string) =>
      (await read.getVariantForecast(C.shopId, variant, {}))!.advice.find((row) => row.locationId === "0")!;
    const out = await advice(ranOut!.v);
    const lastSale = await sql<{ day: string }>(
      db.url,
      `SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = $2 AND units > 0`,
      [C.shopId, ranOut!.v],
    );
    const since = new Date(Date.parse(`${lastSale[0]!.day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const daysOut = Math.round((Date.parse(`${C.yesterday}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / 86_400_000) + 1;
    expect(out).toMatchObject({ risk: "out_of_stock", available: 0, daysOfCover: 0, stockoutDate: null, outOfStockSince: since });
    expect(out.sinceEstimated).toBe(true);
    expect(daysOut).toBeGreaterThanOrEqual(40);
    expect(out.lostUnitsPerDay).toBeGreaterThan(ranOut!.perDay * 0.5);
    expect(out.lostUnitsToDate).toBeCloseTo(out.lostUnitsPerDay * daysOut, 6);
    const price = await sql<{ price: number }>(
      db.url,
      `SELECT price::float8 AS price FROM "ProductVariant" WHERE "shopId" = $1 AND id = $2`,
      [C.shopId, ranOut!.v],
    );
    expect(out.lostRevenuePerDay).toBeCloseTo(price[0]!.price * out.lostUnitsPerDay, 2);
    expect(out.lostRevenueToDate).toBeCloseTo(price[0]!.price * out.lostUnitsToDate, 1);
    expect(out.reorderQty).toBeGreaterThanOrEqual(Math.ceil(out.orderUpTo));
    // Every location is at 0 and shares its demand: each row is out of stock too, with its part of the loss.
    const detail = (await read.getVariantForecast(C.shopId, ranOut!.v, {}))!;
    const locations = detail.advice.filter((row) => row.locationId !== "0");
    expect(locations.length).toBe(2);
    for (const row of locations) {
      expect(row).toMatchObject({ risk: "out_of_stock", daysOfCover: 0, stockoutDate: null });
      expect(row.outOfStockSince! <= C.yesterday).toBe(true);
    }
    expect(locations.reduce((sum, row) => sum + row.lostUnitsPerDay, 0)).toBeCloseTo(out.lostUnitsPerDay, 6);
    expect(detail).toMatchObject({ stockoutDate: null, outOfStock: { since, sinceEstimated: true } });

    // The same trailing zeros with stock on hand: a fall in demand, nothing out of stock or lost.
    const fell = await advice(fellAway!.v);
    expect(fell.risk).not.toBe("out_of_stock");
    expect(fell).toMatchObject({ outOfStockSince: null, lostUnitsPerDay: 0, lostRevenueToDate: 0 });
    expect(fell.available).toBe(500);

    // The list, the overview, the CSV and the admin block's API know it.
    const first = (await read.listVariants(C.shopId, list())).rows[0]!;
    expect(first).toMatchObject({ variantId: ranOut!.v, risk: "out_of_stock" });
    const oos = await read.listVariants(C.shopId, list({ risk: "out_of_stock" }));
    expect(oos.rows.every((row) => row.risk === "out_of_stock" && row.outOfStockSince !== null)).toBe(true);
    for (let i = 1; i < oos.rows.length; i++)
      expect(oos.rows[i - 1]!.lostRevenuePerDay).toBeGreaterThanOrEqual(oos.rows[i]!.lostRevenuePerDay);
    const overview = await read.getForecastOverview(C.shopId);
    expect(overview.outOfStock.count).toBe(oos.total);
    expect(overview.outOfStock.lostRevenuePerDay).toBeCloseTo(
      oos.rows.reduce((sum, row) => sum + row.lostRevenuePerDay, 0),
      2,
    );
    let csv = "";
    for await (const chunk of read.exportVariantsCsv(C.shopId, list({ risk: "out_of_stock" }))) csv += chunk;
    const [header, line] = csv.split("\r\n");
    expect(header).toMatch(
      /,stockValue,outOfStockSince,sinceEstimated,lostUnitsPerDay,lostUnitsToDate,lostRevenuePerDay,lostRevenueToDate$/,
    );
    expect(line).toContain(`,${since},true,`);
    const block = await import("../../app/forecasts/stock-advice.server");
    const productId = String(Math.floor(Number(ranOut!.v) / 10));
    const answer = (await block.getProductStockAdvice(C.shopId, productId))!;
    expect(answer.currency).toBe("GBP");
    expect(answer.variants.find((v) => v.variantId.endsWith(`/${ranOut!.v}`))).toMatchObject({
      status: "critical",
      daysOfCover: 0,
      stockoutDate: null,
      outOfStock: { since, sinceEstimated: true },
    });
  });

  it("keeps the out-of-stock state when settings change (the recompute re-derives only the policy)", async () => {
    const C = (await sql<{ id: string }>(db.url, `SELECT id FROM "Shop" WHERE domain = 'c-shop.myshopify.com'`))[0]!.id;
    const before = await sql<{ v: string; l: string; risk: string }>(
      db.url,
      `SELECT a."variantId"::text AS v, a."locationId"::text AS l, a.risk FROM "VariantAdvice" a
         JOIN "ShopForecastState" s ON s."currentRunId" = a."runId" WHERE a."shopId" = $1 AND a.risk = 'out_of_stock' ORDER BY 1, 2`,
      [C],
    );
    expect(before.length).toBeGreaterThan(0);
    const loaded = await settings.loadSettings(C);
    await settings.saveSettings(C, { ...loaded.settings, leadTimeDays: 90 });
    await drainForecastJobs(db.url, handlers());
    const after = await sql<{ v: string; l: string; risk: string }>(
      db.url,
      `SELECT a."variantId"::text AS v, a."locationId"::text AS l, a.risk FROM "VariantAdvice" a
         JOIN "ShopForecastState" s ON s."currentRunId" = a."runId" WHERE a."shopId" = $1 AND a.risk = 'out_of_stock' ORDER BY 1, 2`,
      [C],
    );
    expect(after).toEqual(before);
    await settings.saveSettings(C, loaded.settings);
    await drainForecastJobs(db.url, handlers());
  });
});
