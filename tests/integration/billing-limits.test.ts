/**
 * Plan limits in the forecast run, against real PostgreSQL: a shop without a billing account is not limited; a
 * shop over its plan's variant limit has its best sellers (90 days' revenue) forecast up to the allowance and the
 * rest left as they are; a shop in read-only mode (its grace period over) starts no run, and nothing is deleted.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type * as Pool from "../../app/db/pool.server";
import type * as Run from "../../app/forecasts/run.server";
import { createTestDatabase, sql } from "../support/db";
import { seedShop, type SeededShop } from "../support/forecast-seed";

process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FORECAST_BATCH_SIZE = "500";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof Pool;
let ledger: typeof LedgerServer;
let run: typeof Run;
let shop: SeededShop;

async function lastRun() {
  const [row] = await sql<{ id: string; seriesCount: number }>(
    db.url,
    `SELECT id, "seriesCount" FROM "ForecastRun" WHERE "shopId" = $1 ORDER BY "startedAt" DESC LIMIT 1`,
    [shop.shopId],
  );
  return row;
}

async function plannedVariants(runId: string): Promise<string[]> {
  const rows = await sql<{ ids: string[] }>(
    db.url,
    `SELECT payload->'variantIds' AS ids FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE t.identifier = 'forecast.batch' AND j.payload->>'runId' = $1`,
    [runId],
  );
  return rows.flatMap((r) => r.ids);
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  run = await import("../../app/forecasts/run.server");
  shop = await seedShop(db.url, { domain: "limits.myshopify.com", products: 150, variantsPerProduct: 8, days: 40, seed: 9 });
  await sql(db.url, `UPDATE "Shop" SET "installState" = 'INSTALLED' WHERE id = $1`, [shop.shopId]);
}, 120_000);

afterAll(async () => {
  await pool?.closePool();
  await db?.drop();
});

describe("plan limits in the forecast run", () => {
  it("a shop without a billing account is not limited", async () => {
    const id = await run.startRun(shop.shopId, "manual");
    expect(id).toBeTruthy();
    expect((await lastRun())?.seriesCount).toBe(1200);
  });

  it("over the Starter plan's 1 000 variants (annual: no overage), the 1 000 best sellers are forecast", async () => {
    const now = new Date();
    const account = await pool.inTransaction((tx) =>
      ledger.openAccount(tx, { id: shop.shopId, domain: shop.domain }, new Date(now.getTime() - 20 * 86_400_000)),
    );
    const at = new Date(now.getTime() - 10 * 86_400_000).toISOString();
    const end = new Date(now.getTime() + 300 * 86_400_000).toISOString();
    await pool.inTransaction((tx) =>
      ledger.recordEvents(tx, account.id, [
        {
          type: "subscription_created",
          provider: "shopify",
          providerEventId: "s1:created",
          subscriptionId: "s1",
          occurredAt: at,
          plan: "starter",
          interval: "annual",
          priceCents: 29000,
        },
        {
          type: "activated",
          provider: "shopify",
          providerEventId: "s1:activated",
          subscriptionId: "s1",
          occurredAt: at,
          plan: "starter",
          interval: "annual",
          priceCents: 29000,
          currentPeriodStart: at,
          currentPeriodEnd: end,
          trialEndsAt: null,
        },
      ]),
    );
    const id = await run.startRun(shop.shopId, "manual");
    expect((await lastRun())?.seriesCount).toBe(1000);
    const planned = new Set(await plannedVariants(id!));
    expect(planned.size).toBe(1000);
    // The ones left out sold least: none of them out-earns a forecast one.
    const revenue = await sql<{ id: string; revenue: number }>(
      db.url,
      `SELECT v.id::text AS id, coalesce(sum(d.revenue), 0)::float8 AS revenue FROM "ProductVariant" v
         LEFT JOIN "DailyDemand" d ON d."shopId" = v."shopId" AND d."variantId" = v.id AND d.day > $2::date - 90
        WHERE v."shopId" = $1 GROUP BY v.id`,
      [shop.shopId, shop.yesterday],
    );
    const minIn = Math.min(...revenue.filter((r) => planned.has(r.id)).map((r) => r.revenue));
    const maxOut = Math.max(...revenue.filter((r) => !planned.has(r.id)).map((r) => r.revenue));
    expect(maxOut).toBeLessThanOrEqual(minIn);
  });

  it("read-only (the store's payment failed more than 7 days ago) starts no run and deletes nothing", async () => {
    const account = (await ledger.accountOfShop(shop.shopId, pool.pool()))!;
    const failed = new Date(Date.now() - 8 * 86_400_000).toISOString();
    await pool.inTransaction((tx) =>
      ledger.recordEvents(tx, account.id, [
        { type: "frozen", provider: "shopify", providerEventId: "s1:frozen:1", subscriptionId: "s1", occurredAt: failed },
      ]),
    );
    expect((await ledger.accountOfShop(shop.shopId, pool.pool()))?.state?.status).toBe("read_only");
    const before = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "ProductVariant" WHERE "shopId" = $1`, [shop.shopId]);
    expect(await run.startRun(shop.shopId, "nightly")).toBeNull();
    expect(await sql(db.url, `SELECT count(*)::int AS n FROM "ProductVariant" WHERE "shopId" = $1`, [shop.shopId])).toEqual(before);
  });
});
