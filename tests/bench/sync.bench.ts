/**
 * npm run bench:sync [-- --products 10000 --variants 5 --days 730 --demand 0.03]
 *
 * The whole initial sync of a large store, as a merchant's install starts it: the local Shopify stand-in
 * hosts a store of `products` × `variants` with `days` of orders (demand resampled from the real data,
 * scaled by `demand` to pick the order volume); Fluxor (web + worker in this process, a throw-away
 * embedded PostgreSQL) is installed, and the bench waits until the demand table is built — the point
 * where forecasts start. Refund details come after it, paced by Shopify's query cost (a few orders per
 * second whatever we do); the bench samples that phase for `refunds-sample` seconds and projects its end.
 * Prints the times, each phase's rows and rows/s, the table sizes and the process's peak memory; then
 * sends shop/redact and times the webhook's answer and the shop.erase job's deletion of it all.
 * Figures only; nothing is asserted. Record results in docs/performance.md.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { DEMO_SHOP, startStack } from "../demo/stack";
import { waitFor } from "../support/wait";

const { values } = parseArgs({
  options: {
    products: { type: "string", default: "10000" },
    variants: { type: "string", default: "5" },
    days: { type: "string", default: "730" },
    demand: { type: "string", default: "0.03" },
    "timeout-minutes": { type: "string", default: "20" },
    "refunds-sample": { type: "string", default: "60" },
  },
});
const scale = {
  products: Number(values.products),
  variantsPerProduct: Number(values.variants),
  days: Number(values.days),
  demandScale: Number(values.demand),
};

interface PhaseState {
  state?: string;
  rows?: number;
  startedAt?: string;
  finishedAt?: string;
}

let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);

const built = performance.now();
const stack = await startStack({ freshDatabase: true, scale, seed: 42 });
console.log(
  `store: ${scale.products} products × ${scale.variantsPerProduct} variants, ${scale.days} days, demand × ${scale.demandScale} (stack up in ${((performance.now() - built) / 1000).toFixed(1)} s)`,
);
const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
try {
  const started = performance.now();
  await stack.install(DEMO_SHOP);
  const deadline = Date.now() + Number(values["timeout-minutes"]) * 60_000;
  let lastReport = 0;
  let run: { status: string; phase: string; phases: Record<string, PhaseState>; errors: unknown[] } | undefined;
  for (;;) {
    const { rows } = await db.query<NonNullable<typeof run>>(
      `SELECT r.status, r.phase, r.phases, r.errors FROM "SyncRun" r JOIN "Shop" s ON s.id = r."shopId"
        WHERE s.domain = $1 AND r.kind = 'initial' ORDER BY r."startedAt" DESC LIMIT 1`,
      [DEMO_SHOP],
    );
    run = rows[0];
    if (run && (run.status !== "running" || run.phases.demand?.state === "done")) break;
    if (Date.now() > deadline) throw new Error(`initial sync not finished after ${values["timeout-minutes"]} minutes`);
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      const phase = run?.phases[run.phase];
      console.log(`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${run?.phase ?? "starting"} ${phase?.rows ?? 0} rows`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `initial sync ${run.status === "running" ? "ready for forecasts (demand table built)" : run.status} in ${seconds.toFixed(1)} s (${(seconds / 60).toFixed(2)} min) from install`,
  );
  // Refund details: sample the throttle-paced phase and project its end.
  const refundsOf = async () =>
    (
      await db.query<{ rows: number; total: number | null; state: string }>(
        `SELECT coalesce((r.phases->'refunds'->>'rows')::int, 0) AS rows, (r.phases->'refunds'->>'total')::int AS total, r.phases->'refunds'->>'state' AS state
           FROM "SyncRun" r JOIN "Shop" s ON s.id = r."shopId" WHERE s.domain = $1 AND r.kind = 'initial' ORDER BY r."startedAt" DESC LIMIT 1`,
        [DEMO_SHOP],
      )
    ).rows[0];
  const before = await refundsOf();
  const sampleStarted = performance.now();
  while (performance.now() - sampleStarted < Number(values["refunds-sample"]) * 1000 && (await refundsOf())?.state !== "done") {
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const after = await refundsOf();
  const rate = ((after?.rows ?? 0) - (before?.rows ?? 0)) / ((performance.now() - sampleStarted) / 1000);
  const left = Math.max(0, (after?.total ?? 0) - (after?.rows ?? 0));
  console.log(
    `refund details: ${after?.rows ?? 0} of ${after?.total ?? "?"} orders with refunds after ${((performance.now() - started) / 1000).toFixed(0)} s; ` +
      `${rate.toFixed(1)} orders/s (Admin API cost-bound); ${after?.state === "done" ? "done" : `about ${(left / Math.max(rate, 0.01) / 60).toFixed(1)} min to go`}`,
  );
  console.log("phase       rows        time     rows/s");
  let totalRows = 0;
  for (const [name, phase] of Object.entries(run.phases)) {
    const ms = phase.startedAt && phase.finishedAt ? Date.parse(phase.finishedAt) - Date.parse(phase.startedAt) : NaN;
    totalRows += phase.rows ?? 0;
    console.log(
      `${name.padEnd(11)} ${String(phase.rows ?? 0).padStart(10)} ${(ms / 1000).toFixed(1).padStart(8)} s ${String(Math.round(((phase.rows ?? 0) / ms) * 1000)).padStart(9)}`,
    );
  }
  console.log(`all phases: ${totalRows} rows, ${Math.round(totalRows / seconds)} rows/s overall`);
  const counts = await db.query<{ table: string; n: string }>(
    `SELECT 'Product' AS table, count(*)::text AS n FROM "Product" UNION ALL SELECT 'ProductVariant', count(*)::text FROM "ProductVariant"
     UNION ALL SELECT 'InventoryLevel', count(*)::text FROM "InventoryLevel" UNION ALL SELECT 'Order', count(*)::text FROM "Order"
     UNION ALL SELECT 'OrderLine', count(*)::text FROM "OrderLine" UNION ALL SELECT 'RefundLine', count(*)::text FROM "RefundLine"
     UNION ALL SELECT 'DailyDemand', count(*)::text FROM "DailyDemand"`,
  );
  console.log(`tables: ${counts.rows.map((row) => `${row.table} ${row.n}`).join(", ")}`);
  if (run.errors.length > 0) console.log(`errors recorded (retried): ${JSON.stringify(run.errors).slice(0, 500)}`);
  console.log(`peak RSS of the process (stand-in + app + worker): ${Math.round(peakRss / 2 ** 20)} MiB`);

  // shop/redact of the whole store: the webhook's answer, then the shop.erase job's deletion.
  const { rows: shopRows } = await db.query<{ n: string }>(
    `SELECT sum(n)::text AS n FROM (
       SELECT count(*) AS n FROM "Order" UNION ALL SELECT count(*) FROM "OrderLine" UNION ALL SELECT count(*) FROM "RefundLine"
       UNION ALL SELECT count(*) FROM "DailyDemand" UNION ALL SELECT count(*) FROM "InventoryDay" UNION ALL SELECT count(*) FROM "InventoryLevel"
       UNION ALL SELECT count(*) FROM "ProductVariant" UNION ALL SELECT count(*) FROM "Product" UNION ALL SELECT count(*) FROM "VariantForecast"
       UNION ALL SELECT count(*) FROM "VariantAdvice" UNION ALL SELECT count(*) FROM "ForecastSnapshot") t`,
  );
  const redactStarted = performance.now();
  const redact = await stack.standIn.redactShop(DEMO_SHOP);
  await waitFor(
    async () => (await db.query(`SELECT 1 FROM "AuditLog" WHERE event = 'shop_redacted' AND "shopDomain" = $1`, [DEMO_SHOP])).rowCount,
    "the shop.erase job",
    10 * 60_000,
    100,
  );
  console.log(
    `shop/redact: webhook answered ${redact.status} in ${redact.latencyMs.toFixed(0)} ms; shop.erase deleted the shop's ${shopRows[0]?.n ?? "?"} rows ${((performance.now() - redactStarted) / 1000).toFixed(1)} s after the request`,
  );
} finally {
  clearInterval(rssTimer);
  await db.end();
  await stack.close();
}
