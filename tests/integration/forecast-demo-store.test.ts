/**
 * Issue 13 on the demo store (`npm run demo -- --store small`: 300 products × 12 months, with its seeded dead
 * stock and out-of-stock best sellers), through the whole app: install → sync → the first forecast run. Every
 * variant with 0 available whose sales stopped abruptly is out of stock with a positive demand estimate, an
 * estimated start and lost sales; none "runs out tomorrow"; they lead the default list by lost revenue; the
 * dead-stock card has real values (decisions 0013, 0039).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Read from "../../app/forecasts/read.server";
import { VariantListQuery, type VariantAdviceRow } from "../../app/forecasts/contract";
import type { OutOfStockCase } from "../mocks/shopify/store/realism";
import { createTestDatabase, sql } from "../support/db";
import { waitFor } from "../support/wait";
import { DEMO_SHOP, startStack, type Stack } from "../demo/stack";

/** The sync and the first run of the small store take a minute or two on the 2-core build machine. */
const FIRST_RUN_TIMEOUT = 420_000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
let read: typeof Read;
let shopId: string;
let asOf: string;
let cases: OutOfStockCase[];
/** Location 0 (all counted locations) advice of the published run, by variant id. */
let advice: Map<string, VariantAdviceRow>;

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({ scale: { products: 300, days: 365 } });
  await stack.install(DEMO_SHOP);
  read = await import("../../app/forecasts/read.server");
  cases = stack.standIn.store(DEMO_SHOP).data.scenarios.outOfStockBestSellers;
  const published = await waitFor(
    async () =>
      (
        await sql<{ shopId: string; asOf: string }>(
          db.url,
          `SELECT s.id AS "shopId", to_char(r."asOf", 'YYYY-MM-DD') AS "asOf" FROM "Shop" s
             JOIN "ShopForecastState" f ON f."shopId" = s.id JOIN "ForecastRun" r ON r.id = f."currentRunId"
            WHERE s.domain = $1`,
          [DEMO_SHOP],
        )
      )[0],
    "the first published forecast run",
    FIRST_RUN_TIMEOUT,
    1_000,
  );
  shopId = published.shopId;
  asOf = published.asOf;
  const page = await read.listVariants(shopId, VariantListQuery.parse({ pageSize: "250" }));
  const rows = [...page.rows];
  for (let p = 2; rows.length < page.total; p++)
    rows.push(...(await read.listVariants(shopId, VariantListQuery.parse({ pageSize: "250", page: String(p) }))).rows);
  advice = new Map(rows.map((row) => [row.variantId, row]));
}, FIRST_RUN_TIMEOUT + 60_000);

afterAll(async () => {
  await stack?.close();
  await db?.drop();
});

describe("the demo store's out-of-stock best sellers", () => {
  it("are out of stock since the day after their last sale (estimated), losing a positive demand every day", () => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
    for (const oos of cases) {
      const row = advice.get(String(oos.variantId));
      expect(row, oos.sku).toBeDefined();
      const days = oos.daysSinceLastSale;
      expect(row, oos.sku).toMatchObject({
        risk: "out_of_stock",
        available: 0,
        daysOfCover: 0,
        stockoutDate: null,
        outOfStockSince: dayAfter(oos.lastSaleDay),
        sinceEstimated: true,
      });
      expect(row!.lostUnitsPerDay, oos.sku).toBeGreaterThan(0);
      expect(row!.lostRevenuePerDay, oos.sku).toBeGreaterThan(0);
      expect(row!.lostUnitsToDate, oos.sku).toBeCloseTo(row!.lostUnitsPerDay * days, 6);
      expect(row!.lostRevenueToDate, oos.sku).toBeGreaterThan(0);
      // It still needs an order: up to its order-up-to level, from the demand it had.
      expect(row!.reorderQty, oos.sku).toBeGreaterThan(0);
    }
  });

  it("sold at a rate the demand estimate keeps: the abrupt stops are read as stockouts, not as demand that fell", () => {
    for (const oos of cases) {
      const row = advice.get(String(oos.variantId))!;
      // Censored (decision 0013): at least a third of the rate before the stop; a run read as demand would be near 0.
      if (oos.daysSinceLastSale >= 14) expect(row.lostUnitsPerDay, oos.sku).toBeGreaterThan(oos.dailyRateBefore / 3);
    }
  });

  it("never run out tomorrow: nothing without stock has a projected stockout, and every out-of-stock row has no cover", async () => {
    const rows = await sql<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM "VariantAdvice" a JOIN "ShopForecastState" s ON s."currentRunId" = a."runId"
        WHERE a."shopId" = $1 AND a.available <= 0 AND a."stockoutDate" IS NOT NULL`,
      [shopId],
    );
    expect(rows[0]!.n).toBe(0);
    const out = [...advice.values()].filter((row) => row.risk === "out_of_stock");
    expect(out.length).toBeGreaterThanOrEqual(cases.length);
    for (const row of out) {
      expect(row).toMatchObject({ stockoutDate: null, daysOfCover: 0 });
      expect(row.available).toBeLessThanOrEqual(0);
      expect(row.outOfStockSince! <= dayAfter(asOf)).toBe(true);
      expect(row.lostUnitsPerDay).toBeGreaterThan(0);
    }
  });

  it("lead the default list, most lost revenue first, and the overview counts them", async () => {
    const out = [...advice.values()].filter((row) => row.risk === "out_of_stock");
    const first = (await read.listVariants(shopId, VariantListQuery.parse({ pageSize: String(Math.max(10, out.length)) }))).rows;
    const head = first.slice(0, out.length);
    expect(head.every((row) => row.risk === "out_of_stock")).toBe(true);
    for (let i = 1; i < head.length; i++) expect(head[i - 1]!.lostRevenuePerDay).toBeGreaterThanOrEqual(head[i]!.lostRevenuePerDay);
    const overview = await read.getForecastOverview(shopId);
    expect(overview.outOfStock.count).toBe(out.length);
    expect(overview.outOfStock.lostRevenuePerDay).toBeGreaterThan(0);
  });
});

describe("the demo store's dead stock", () => {
  it("shows real values on the overview's dead-stock card", async () => {
    const overview = await read.getForecastOverview(shopId);
    expect(overview.deadStockValue.days90).toBeGreaterThan(0);
    expect(overview.deadStockValue.days180).toBeGreaterThan(0);
    expect(overview.deadStockValue.days90).toBeGreaterThanOrEqual(overview.deadStockValue.days180);
    // Every seeded dead variant is counted in it: stock on hand, no sale for 90 days.
    for (const dead of stack.standIn.store(DEMO_SHOP).data.scenarios.deadStock) {
      const row = advice.get(String(dead.variantId));
      expect(row?.available, dead.sku).toBe(dead.onHand);
      expect(row?.lastSaleDay, dead.sku).toBe(dead.lastSaleDay);
    }
  });
});
