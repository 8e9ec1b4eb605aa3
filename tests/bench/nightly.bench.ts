/**
 * npx tsx tests/bench/nightly.bench.ts [--products 434 --variants-per-product 3 --days 730 --rate 1 --port 4650] [--verbose]
 *
 * A nightly forecast run end to end on a throw-away embedded PostgreSQL: seeds one synthetic shop
 * (tests/support/forecast-seed.ts: two locations, weekly pattern, dead and new variants), then plans
 * the run and executes its batch jobs one after another in this process (what one worker slot does),
 * and prints series/s, the run's model mix and backtest accuracy. Then the settings path: a vendor
 * lead-time change recomputing the current run's advice (no re-forecast), and a service-level change
 * (every row); and the variants list: p50/p95 of listVariants over a mix of sorts, filters and searches.
 * Figures only; nothing is asserted. Defaults ≈ the demo shop (≈ 1,300 variants × 730 days).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { migrate } from "../../app/db/migrate.server";
import { startEmbedded } from "../../app/db/postgres.server";
import { drainForecastJobs, seedShop } from "../support/forecast-seed";

const { values } = parseArgs({
  options: {
    products: { type: "string", default: "434" },
    "variants-per-product": { type: "string", default: "3" },
    days: { type: "string", default: "730" },
    rate: { type: "string", default: "1" },
    port: { type: "string", default: "4650" },
    queries: { type: "string", default: "60" },
    verbose: { type: "boolean", default: false },
    /** Print EXPLAIN ANALYZE of the slowest list query kinds. */
    explain: { type: "boolean", default: false },
    /** Skip the forecast run's figures' second half (settings) — list/CSV only after the run. */
    "skip-settings": { type: "boolean", default: false },
  },
});

const dir = mkdtempSync(path.join(os.tmpdir(), "fluxor-bench-nightly-"));
chmodSync(dir, 0o755);
const database = await startEmbedded({ dataDir: path.join(dir, "data"), port: Number(values.port), databaseName: "bench" });
try {
  await migrate(database.url);
  process.env.DATABASE_URL = database.url;
  const t0 = performance.now();
  const shop = await seedShop(database.url, {
    domain: "bench.myshopify.com",
    products: Number(values.products),
    variantsPerProduct: Number(values["variants-per-product"]),
    days: Number(values.days),
    rate: Number(values.rate),
    seed: 7,
  });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query("ANALYZE");
  const demandRows = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM "DailyDemand"`)).rows[0]!.n;
  console.log(
    `seeded ${shop.variantIds.length} variants, ${demandRows} DailyDemand rows over ${values.days} days in ${((performance.now() - t0) / 1000).toFixed(1)} s (not counted)`,
  );
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"}, ${os.availableParallelism()} cores, Node ${process.version}`);
  console.log(
    `batch size ${process.env.FORECAST_BATCH_SIZE ?? 500}, worker threads from ${process.env.FORECAST_WORKER_MIN_SERIES ?? 1000} series per batch (FORECAST_THREADS=${process.env.FORECAST_THREADS ?? "auto"})`,
  );

  const run = await import("../../app/forecasts/run.server");
  const tasks = await import("../../app/jobs/contracts/forecasts");
  const settings = await import("../../app/forecasts/settings.server");
  const read = await import("../../app/forecasts/read.server");
  const { VariantListQuery } = await import("../../app/forecasts/contract");
  const { closePool } = await import("../../app/db/pool.server");

  const r0 = performance.now();
  const runId = await run.startRun(shop.shopId, "nightly");
  const planned = performance.now();
  await drainForecastJobs(database.url, {
    [tasks.forecastBatchJob.name]: async (p) => {
      await run.runBatch(tasks.forecastBatchJob.payload.parse(p), values.verbose ? (line) => console.log(`  ${line}`) : undefined);
    },
  });
  const seconds = (performance.now() - r0) / 1000;
  const row = (
    await client.query<{ status: string; seriesCount: number; modelMix: Record<string, number>; accuracy: Record<string, number> }>(
      `SELECT status, "seriesCount", "modelMix", accuracy FROM "ForecastRun" WHERE id = $1`,
      [runId],
    )
  ).rows[0]!;
  console.log(
    `\nnightly run: ${row.status}, ${row.seriesCount} series in ${seconds.toFixed(1)} s = ${(row.seriesCount / seconds).toFixed(0)} series/s (plan ${((planned - r0) / 1000).toFixed(1)} s; forecast + 28-day holdout + advice + writes)`,
  );
  console.log(`model mix: ${JSON.stringify(row.modelMix)}`);
  const a = row.accuracy;
  const pct = (x: number | undefined) => (typeof x === "number" ? `${(x * 100).toFixed(1)} %` : "—");
  console.log(
    `backtest (28-day holdout, ${a.series} series): acc_total ${pct(a.accTotal)}, WAPE ${pct(a.wape)}, bias ${pct(a.bias)}, MASE ${a.mase?.toFixed(3)}, cover80 ${pct(a.coverage80)}, cover95 ${pct(a.coverage95)}`,
  );

  if (!values["skip-settings"]) {
    const s1 = await settings.saveLeadTimeOverride(shop.shopId, { scope: "vendor", key: "Vendor 3", leadTimeDays: 45, leadTimeSdDays: 4 });
    const saveStarted = performance.now();
    await settings.saveSettings(shop.shopId, { ...(await settings.loadSettings(shop.shopId)).settings, serviceLevel: 0.98 });
    const saveMs = Math.round(performance.now() - saveStarted);
    // What the queued forecast.advice job does (run here, as one worker slot would).
    const s2 = await settings.applySettingsToAdvice(shop.shopId);
    const adviceRows = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM "VariantAdvice" WHERE "runId" = $1`, [runId])).rows[0]!
      .n;
    console.log(
      `\nadvice recompute (${adviceRows} advice rows): vendor lead time → ${s1.recomputed} rows changed in ${s1.recomputeMs} ms (in the save); service level → saved in ${saveMs} ms, then the forecast.advice job changed ${s2.recomputed} rows in ${s2.recomputeMs} ms`,
    );
  }
  await client.query("VACUUM ANALYZE");

  const queries = [
    {},
    { sort: "title" },
    { sort: "daysOfCover", direction: "desc" },
    { sort: "stockValue", direction: "desc", page: "20" },
    { risk: "stockout,reorder" },
    { q: "lantern" },
    { q: "SKU-123" },
    { vendor: "Vendor 2", abc: "A" },
    { productType: "Type 1", sort: "reorderQty", direction: "desc" },
    { location: "1001", sort: "stockoutDate" },
  ];
  const times: number[] = [];
  const n = Number(values.queries);
  for (let i = 0; i < n; i++) {
    const q = VariantListQuery.parse(queries[i % queries.length]);
    const t = performance.now();
    await read.listVariants(shop.shopId, q);
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  if (values.explain) {
    const { listWhere, orderBy, ADVICE_COLUMNS } = await import("../../app/forecasts/list-sql");
    for (const raw of queries) {
      const query = VariantListQuery.parse(raw);
      const { where, params } = listWhere(shop.shopId, runId!, query);
      const sqlText = `SELECT ${ADVICE_COLUMNS} FROM "VariantAdvice" a WHERE ${where} ORDER BY ${orderBy(query)} LIMIT ${query.pageSize} OFFSET ${(query.page - 1) * query.pageSize}`;
      for (const text of [sqlText, `SELECT count(*)::int AS n FROM "VariantAdvice" a WHERE ${where}`]) {
        const plan = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
        console.log(`\n${JSON.stringify(raw)}\n${plan.rows.map((r) => r["QUERY PLAN"]).join("\n")}`);
      }
    }
  }
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(`listVariants over ${n} queries (${queries.length} kinds): p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms`);
  const c0 = performance.now();
  let lines = 0;
  for await (const chunk of read.exportVariantsCsv(shop.shopId, VariantListQuery.parse({}))) lines += chunk.split("\r\n").length - 1;
  console.log(`exportVariantsCsv: ${lines} lines in ${(performance.now() - c0).toFixed(0)} ms`);
  await client.end();
  await closePool();
} finally {
  await database.stop();
  rmSync(dir, { recursive: true, force: true });
}
