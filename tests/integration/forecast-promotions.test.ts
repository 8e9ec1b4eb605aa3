/**
 * Promotions in the nightly forecast run against real PostgreSQL (issue 17, decision 0056): past discounts explain
 * their spikes where the series' own backtest gains, planned ones lift the forecast, a campaign of a product without
 * promotion history uses the merchant's expectation and, once measured, its product type's uplift; the decisions are
 * stored per variant; another shop's promotions never reach this shop's forecasts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Run from "../../app/forecasts/run.server";
import type * as Tasks from "../../app/jobs/contracts/forecasts";
import type * as Pool from "../../app/db/pool.server";
import { createTestDatabase, sql } from "../support/db";
import { drainForecastJobs, seedShop, type SeededShop } from "../support/forecast-seed";

process.env.FORECAST_BATCH_SIZE = "50";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let run: typeof Run;
let tasks: typeof Tasks;
let pool: typeof Pool;
let A: SeededShop;
let B: SeededShop;

/** Products 1, 2 and 6 (types 1, 2, 1) ran a 10-day discount every 60 days and have one planned in 5 days. */
const PROMOTED = [1, 2, 6];
/** Product 11 (type 1) has never been promoted; a campaign with an expected +50 % is planned for it. */
const PLANNED_ONLY = 11;

async function runNightly(shopId: string): Promise<string> {
  const id = await run.startRun(shopId, "manual");
  await drainForecastJobs(db.url, {
    [tasks.forecastBatchJob.name]: async (p: unknown) => {
      await run.runBatch(tasks.forecastBatchJob.payload.parse(p));
    },
  });
  const [state] = await sql<{ currentRunId: string }>(db.url, `SELECT "currentRunId" FROM "ShopForecastState" WHERE "shopId" = $1`, [
    shopId,
  ]);
  expect(state?.currentRunId).toBe(id);
  return id!;
}

/** seedShop numbers variants product × 10 + k; one variant per product here. */
const variantOf = (product: number): string => String(product * 10 + 1);

async function decisions(runId: string) {
  return sql<{
    variantId: string;
    used: boolean;
    reason: string;
    effect: number | null;
    maeWith: number | null;
    maeWithout: number | null;
    priorSource: string | null;
  }>(
    db.url,
    `SELECT "variantId"::text AS "variantId", used, reason, effect, "maeWith", "maeWithout", "priorSource" FROM "SignalUse" WHERE "runId" = $1 ORDER BY "variantId"`,
    [runId],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  run = await import("../../app/forecasts/run.server");
  tasks = await import("../../app/jobs/contracts/forecasts");
  pool = await import("../../app/db/pool.server");
  A = await seedShop(db.url, { domain: "promo-a.myshopify.com", products: 12, variantsPerProduct: 1, days: 400, seed: 3 });
  B = await seedShop(db.url, { domain: "promo-b.myshopify.com", products: 12, variantsPerProduct: 1, days: 400, seed: 4 });
  // Steady sellers whose demand doubles on promotion days (days 100.. of the 400, 10 of every 60).
  await sql(
    db.url,
    `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" IN (SELECT id FROM "ProductVariant" WHERE "shopId" = $1 AND "productId" = ANY($2::bigint[]))`,
    [A.shopId, [...PROMOTED, PLANNED_ONLY]],
  );
  await sql(db.url, `SELECT setseed(0.42)`);
  await sql(
    db.url,
    `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
     SELECT $1, v.id, 1001, $2::date - 399 + g,
            greatest(0, round(8 * (CASE WHEN extract(isodow FROM $2::date - 399 + g) = 7 THEN 0.5 ELSE 1 END)
                           * (CASE WHEN v."productId" <> $4 AND g >= 100 AND (g - 100) % 60 < 10 THEN 2 ELSE 1 END)
                           * (0.8 + random() * 0.4)))::int, 0, NULL
       FROM "ProductVariant" v, generate_series(0, 399) g
      WHERE v."shopId" = $1 AND v."productId" = ANY($3::bigint[])`,
    [A.shopId, A.yesterday, [...PROMOTED, PLANNED_ONLY], PLANNED_ONLY],
  );
  const windows = Array.from({ length: 5 }, (_, k) => 100 + 60 * k);
  for (const g of windows)
    await sql(
      db.url,
      `INSERT INTO "Promotion" (id, "shopId", source, "externalId", title, kind, "startDay", "endDay", "percentOff", "productIds", "sourceUpdatedAt")
       VALUES (gen_random_uuid(), $1, 'discount', $2, 'Spring sale', 'code', $3::date - 399 + $4::int, $3::date - 399 + $4::int + 9, 25, $5::bigint[], now())`,
      [A.shopId, `gid://shopify/DiscountCodeNode/${g}`, A.yesterday, g, PROMOTED],
    );
  // Planned: a discount on the promoted products in 5 days, and a campaign for the never-promoted product.
  await sql(
    db.url,
    `INSERT INTO "Promotion" (id, "shopId", source, "externalId", title, kind, "startDay", "endDay", "percentOff", "productIds", "expectedUpliftPct", "sourceUpdatedAt")
     VALUES (gen_random_uuid(), $1, 'discount', 'gid://shopify/DiscountAutomaticNode/9', 'Summer sale', 'automatic', $2::date + 6, $2::date + 12, 25, $3::bigint[], NULL, now()),
            (gen_random_uuid(), $1, 'campaign', NULL, 'Lantern launch', NULL, $2::date + 6, $2::date + 12, NULL, ARRAY[$4::bigint], 50, now())`,
    [A.shopId, A.yesterday, PROMOTED, PLANNED_ONLY],
  );
  // Shop B runs a promotion on products with the same ids: A must never see it.
  await sql(
    db.url,
    `INSERT INTO "Promotion" (id, "shopId", source, "externalId", title, "startDay", "endDay", "appliesToAll", "sourceUpdatedAt")
     VALUES (gen_random_uuid(), $1, 'discount', 'gid://shopify/DiscountAutomaticNode/1', 'Everything', $2::date - 300, $2::date + 20, true, now())`,
    [B.shopId, B.yesterday],
  );
});
afterAll(async () => {
  await pool.closePool();
  await db.drop();
});

describe("promotions in the nightly run", () => {
  let first: string;

  it("uses the signal where the series' backtest gains, lifts the planned days, and stores every decision", async () => {
    first = await runNightly(A.shopId);
    const rows = await decisions(first);
    // Only the promoted products and the campaign's have a decision: B's shop-wide promotion is not A's.
    expect(rows.map((r) => r.variantId).sort()).toEqual([...PROMOTED, PLANNED_ONLY].map(variantOf).sort());
    for (const product of PROMOTED) {
      const row = rows.find((r) => r.variantId === variantOf(product))!;
      expect(row).toMatchObject({ used: true, reason: "gain" });
      expect(row.effect!).toBeGreaterThan(1.5);
      expect(row.maeWith!).toBeLessThan(row.maeWithout!);
    }
    // No measured uplift existed before this run: the campaign's product gets the merchant's +50 %.
    expect(rows.find((r) => r.variantId === variantOf(PLANNED_ONLY))).toMatchObject({
      used: true,
      reason: "prior",
      priorSource: "merchant",
      effect: 1.5,
    });

    const [f] = await sql<{ forecast: number[] }>(
      db.url,
      `SELECT forecast FROM "VariantForecast" WHERE "runId" = $1 AND "variantId" = $2`,
      [first, variantOf(1)],
    );
    // Horizon day 6 (the sale's first day) against the same weekday a week later.
    expect(f!.forecast[5]!).toBeGreaterThan(1.5 * f!.forecast[12]!);
  });

  it("gives a planned product its product type's measured uplift once a run has measured it", async () => {
    const second = await runNightly(A.shopId);
    const rows = await decisions(second);
    const planned = rows.find((r) => r.variantId === variantOf(PLANNED_ONLY));
    // Products 1 and 6 are type 1, like product 11: their median uplift, measured by the previous run.
    expect(planned).toMatchObject({ used: true, reason: "prior", priorSource: "type" });
    expect(planned!.effect!).toBeGreaterThan(1.5);
    // The previous run's decisions are pruned with its forecasts only after the run before it.
    const runs = await sql<{ runId: string }>(db.url, `SELECT DISTINCT "runId" FROM "SignalUse" WHERE "shopId" = $1`, [A.shopId]);
    expect(runs.map((r) => r.runId).sort()).toEqual([first, second].sort());
  });

  it("lists a variant's promotions and its current decision for the variant page, and nothing of another shop's", async () => {
    const { getVariantPromotions } = await import("../../app/forecasts/promotions-view.server");
    const days = async (shop: SeededShop, product: number) => {
      const [range] = await sql<{ from: string; to: string }>(
        db.url,
        `SELECT to_char($1::date - 399, 'YYYY-MM-DD') AS "from", to_char($1::date + 30, 'YYYY-MM-DD') AS "to"`,
        [shop.yesterday],
      );
      return getVariantPromotions(shop.shopId, variantOf(product), range!.from, range!.to);
    };
    const promoted = await days(A, 1);
    // Its five past discounts and the planned one; the campaign is another product's.
    expect(promoted.promotions.map((p) => [p.source, p.title])).toEqual([
      ...Array(5).fill(["discount", "Spring sale"]),
      ["discount", "Summer sale"],
    ]);
    expect(promoted.signals).toEqual([expect.objectContaining({ signal: "promotion", used: true, reason: "gain" })]);
    const planned = await days(A, PLANNED_ONLY);
    expect(planned.promotions.map((p) => [p.source, p.title])).toEqual([["campaign", "Lantern launch"]]);
    expect(planned.signals).toEqual([expect.objectContaining({ signal: "promotion", reason: "prior", priorSource: "type" })]);
    // B has products with the same ids: it sees its own shop-wide promotion only, and no decision (it has no run).
    const other = await days(B, 1);
    expect(other.promotions.map((p) => p.title)).toEqual(["Everything"]);
    expect(other.signals).toEqual([]);
  });
});
