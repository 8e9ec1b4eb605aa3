/**
 * npx tsx tests/bench/alerts-delivery.bench.ts [--variants 50000 --shops 2000 --port 4660] (part of `npm run bench:alerts`)
 *
 * 1. The alerts of one forecast run of a `--variants` shop on PostgreSQL (app/alerts/run.server.ts evaluateRun):
 *    its advice rows (all locations + 2 locations each) read, the rules evaluated, episodes opened and
 *    notifications recorded in one transaction, on the first night and again on the same run (nothing new).
 * 2. The daily digest of `--shops` shops (one recipient each) delivered through the Resend stand-in at Resend's
 * default limit of 2 requests/s, by the real send path (app/email/send.server.ts) on a throw-away embedded
 * PostgreSQL: the digests are queued as the digest job does, then the `email.send` jobs run one after another
 * in this process, as the one `email` queue runs them. Digests go in batches of 100 (POST /emails/batch), so
 * 2 000 digests are 20 requests; one by one they would be 2 000 requests, ≥ 1 000 s at 2 requests/s.
 * Prints the wall time, the requests made and where the time went. Figures only; nothing is asserted.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { migrate } from "../../app/db/migrate.server";
import { startEmbedded } from "../../app/db/postgres.server";
import { startResendStandIn } from "../mocks/resend";

const { values } = parseArgs({
  options: {
    variants: { type: "string", default: "50000" },
    shops: { type: "string", default: "2000" },
    port: { type: "string", default: "4660" },
  },
});
const SHOPS = Number(values.shops);
const VARIANTS = Number(values.variants);

const dir = mkdtempSync(path.join(os.tmpdir(), "fluxor-bench-alerts-"));
chmodSync(dir, 0o755);
const database = await startEmbedded({ dataDir: path.join(dir, "data"), port: Number(values.port), databaseName: "bench" });
let requests = 0;
const resend = await startResendStandIn({ rateLimit: { perSecond: 2 }, log: () => requests++ });
try {
  await migrate(database.url);
  process.env.DATABASE_URL = database.url;
  process.env.RESEND_BASE_URL = resend.url;
  process.env.RESEND_API_KEY = "re_bench";
  process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";
  process.env.SHOPIFY_API_SECRET ??= `bench-${randomBytes(12).toString("hex")}`;
  const { pool, closePool } = await import("../../app/db/pool.server");
  const { disconnectPrisma } = await import("../../app/db/prisma.server");
  const { queueMessage } = await import("../../app/email/log.server");
  const { sendMessage } = await import("../../app/email/send.server");
  const { emailFixture } = await import("../../app/email/fixtures");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"}, ${os.availableParallelism()} cores, Node ${process.version}`);

  // 1. One run's alerts for a large shop.
  const { evaluateRun } = await import("../../app/alerts/run.server");
  const big = await client.query<{ id: string; run: string }>(
    `WITH s AS (INSERT INTO "Shop" (id, domain, name, "ianaTimezone", "currencyCode", "shopInfoSyncedAt", "updatedAt", email)
                VALUES (gen_random_uuid(), 'large.myshopify.com', 'Large', 'Europe/London', 'GBP', now(), now(), 'owner@large.test') RETURNING id),
          r AS (INSERT INTO "ForecastRun" (id, "shopId", trigger, status, "asOf", horizon, "finishedAt")
                SELECT gen_random_uuid(), id, 'nightly', 'completed', current_date - 1, 90, now() FROM s RETURNING id, "shopId")
     INSERT INTO "ShopForecastState" ("shopId", "currentRunId", "publishedAt") SELECT "shopId", id, now() FROM r RETURNING "shopId" AS id, "currentRunId" AS run`,
  );
  const { id: bigShop, run: bigRun } = big.rows[0]!;
  await client.query(`SELECT setseed(0.42)`);
  await client.query(
    `INSERT INTO "VariantAdvice" ("runId", "shopId", "variantId", "locationId", "productId", "productTitle", "variantTitle", sku, vendor, "productType",
            price, available, "dailyMean", "leadTimeDays", "safetyStock", "reorderPoint", "orderUpTo", eoq, "reorderQty", "daysOfCover", "stockoutDate",
            risk, "abcClass", "xyzClass", "lastSaleDay", "stockValue", "outOfStockSince", "sinceEstimated", "lostUnitsPerDay", "lostUnitsToDate",
            "lostRevenuePerDay", "lostRevenueToDate")
     SELECT $1, $2, v, l, v / 3, 'Product ' || (v / 3), 'Variant ' || v, 'SKU-' || v, 'Vendor ' || (v % 40), 'Type ' || (v % 25),
            p, a, d, 14, d * 4, d * 18, d * 25, d * 30, CASE WHEN a <= d * 18 THEN ceil(d * 25 - a)::int ELSE 0 END,
            CASE WHEN d > 0 AND a > 0 THEN a / d WHEN a <= 0 THEN 0 END,
            CASE WHEN d > 0 AND a > 0 AND a / d < 90 THEN current_date + (a / d)::int END,
            CASE WHEN a <= 0 AND d > 0 THEN 'out_of_stock' WHEN d > 0 AND a / d < 14 THEN 'stockout' WHEN a <= d * 18 THEN 'reorder'
                 WHEN d = 0 AND a > 0 THEN 'dead' ELSE 'ok' END,
            (ARRAY['A','B','C'])[1 + (v % 3)], 'X', CASE WHEN d = 0 THEN current_date - 200 ELSE current_date - 2 END, p * greatest(a, 0),
            CASE WHEN a <= 0 AND d > 0 THEN current_date - 5 END, a <= 0, CASE WHEN a <= 0 THEN d ELSE 0 END, CASE WHEN a <= 0 THEN d * 5 ELSE 0 END,
            CASE WHEN a <= 0 THEN round((d * p)::numeric, 2) ELSE 0 END, CASE WHEN a <= 0 THEN round((d * p * 5)::numeric, 2) ELSE 0 END
       FROM (SELECT v, l, round((5 + random() * 60)::numeric, 2)::float8 AS p,
                    CASE WHEN random() < 0.06 THEN 0 ELSE floor(random() * 200)::int END AS a,
                    CASE WHEN random() < 0.1 THEN 0 ELSE random() * 6 END AS d
               FROM generate_series(1, $3::int) v, generate_series(0, 2) l) x`,
    [bigRun, bigShop, VARIANTS],
  );
  await client.query("ANALYZE");
  for (const label of ["first night (episodes opened)", "the same run again"]) {
    const t = performance.now();
    const summary = await evaluateRun(bigShop, bigRun);
    console.log(
      `alerts of one run, ${VARIANTS} variants × 3 advice rows, ${label}: ${((performance.now() - t) / 1000).toFixed(2)} s → ` +
        `${summary.findings} findings, ${summary.opened} opened, ${summary.notifications} notifications, ${summary.emails} alert emails queued ` +
        `(read ${summary.ms.read} ms, evaluate ${summary.ms.evaluate} ms, write ${summary.ms.write} ms)`,
    );
  }
  await client.query(`DELETE FROM graphile_worker._private_jobs`);

  // 2. The daily digest of many shops.
  const shops = await client.query<{ id: string; domain: string }>(
    `INSERT INTO "Shop" (id, domain, name, "ianaTimezone", "currencyCode", "shopInfoSyncedAt", "updatedAt", email)
     SELECT gen_random_uuid(), 'bench-' || g || '.myshopify.com', 'Bench ' || g, 'Europe/London', 'GBP', now(), now(), 'owner-' || g || '@bench.test'
       FROM generate_series(1, $1::int) g RETURNING id, domain`,
    [SHOPS],
  );
  const t0 = performance.now();
  for (const shop of shops.rows) {
    const recipient = `owner-${shop.domain.split(".")[0]}@bench.test`;
    const fixture = emailFixture("digest");
    await queueMessage(pool(), {
      shopId: shop.id,
      kind: "digest",
      alertType: null,
      templateVersion: "digest@1",
      recipient,
      idempotencyKey: `digest:${shop.id}:daily:bench:${recipient}`,
      priority: 10,
      content: { ...fixture, shop: { ...fixture.shop, domain: shop.domain }, recipient },
    });
  }
  const tQueued = performance.now();
  const jobs = await client.query<{ id: string; payload: { messageId: string } }>(
    `SELECT j.id, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE t.identifier = 'email.send' ORDER BY j.priority, j.run_at, j.id`,
  );
  requests = 0;
  const tSend = performance.now();
  let sent = 0;
  for (const job of jobs.rows) if ((await sendMessage(job.payload.messageId)) === "sent") sent++;
  const tDone = performance.now();
  const delivered = resend.messages().length;
  const batches = new Set(resend.messages().map((m) => m.idempotency_key)).size;
  console.log(`daily digest to ${SHOPS} shops through the Resend stand-in at 2 requests/s:`);
  console.log(`  queued ${SHOPS} digests in ${((tQueued - t0) / 1000).toFixed(1)} s (not counted: the digest jobs spread over the hour)`);
  console.log(
    `  delivered ${delivered} emails in ${((tDone - tSend) / 1000).toFixed(1)} s: ${requests} API requests, ${batches} batch keys, ${sent} jobs sent their own`,
  );
  console.log(
    `  rate-limit floor for ${requests} requests at 2/s: ${(requests / 2).toFixed(1)} s; one email per request would be ${SHOPS} requests ≥ ${(SHOPS / 2).toFixed(0)} s`,
  );
  await client.end();
  await closePool();
  await disconnectPrisma();
} finally {
  await resend.close();
  await database.stop();
  rmSync(dir, { recursive: true, force: true });
}
