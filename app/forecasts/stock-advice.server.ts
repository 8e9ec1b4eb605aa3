/** GET /api/products/:productId/stock-advice for the admin block: the product's variants, all counted locations together. */
import type { StockAdviceResponse, StockStatus, VariantStockAdvice } from "../api/stock-advice";
import { addDays } from "../forecasting";
import type { Risk } from "./contract";
import { pool } from "../db/pool.server";
import { shopById } from "../shops/lookup.server";
import { storedAnomalies } from "./read.server";
import { countedLocations, currentRun, demandLocationFilter, readSettings } from "./store.server";

/** The block's four statuses (its first release knows no others): out of stock is critical, with `outOfStock` set. */
const STATUS: Record<Risk, StockStatus> = {
  out_of_stock: "critical",
  stockout: "critical",
  reorder: "warning",
  dead: "ok",
  ok: "ok",
  no_data: "unknown",
};

const round1 = (value: number) => Math.round(value * 10) / 10;

export async function getProductStockAdvice(shopId: string, productId: string): Promise<StockAdviceResponse | null> {
  const db = pool();
  const variants = await db.query<{ id: string; title: string; sku: string | null }>(
    `SELECT v.id::text AS id, v.title, v.sku FROM "ProductVariant" v
      WHERE v."shopId" = $1 AND v."productId" = $2 AND v."deletedAt" IS NULL ORDER BY v.id`,
    [shopId, productId],
  );
  if (variants.rows.length === 0) return null;
  const run = await currentRun(shopId, db);
  const shop = await shopById(db, shopId);
  const asOf = run?.asOf ?? shop?.yesterday ?? new Date().toISOString().slice(0, 10);
  const advice = run
    ? await db.query<{
        v: string;
        available: number;
        daysOfCover: number | null;
        stockoutDate: string | null;
        reorderPoint: number;
        reorderQty: number;
        risk: Risk;
        since: string | null;
        sinceEstimated: boolean;
        lostUnitsPerDay: number;
        lostUnitsToDate: number;
        lostRevenuePerDay: number;
        lostRevenueToDate: number;
      }>(
        `SELECT "variantId"::text AS v, available, "daysOfCover", to_char("stockoutDate", 'YYYY-MM-DD') AS "stockoutDate", "reorderPoint",
                "reorderQty", risk, to_char("outOfStockSince", 'YYYY-MM-DD') AS since, "sinceEstimated", "lostUnitsPerDay", "lostUnitsToDate",
                "lostRevenuePerDay"::float8 AS "lostRevenuePerDay", "lostRevenueToDate"::float8 AS "lostRevenueToDate"
           FROM "VariantAdvice" WHERE "runId" = $1 AND "shopId" = $2 AND "productId" = $3 AND "locationId" = 0`,
        [run.runId, shopId, productId],
      )
    : { rows: [] };
  // The last week's unusual sales (anomaly flags): a few variants in a hundred have any.
  const flagged = run
    ? await db.query<{ v: string; anomalies: unknown }>(
        `SELECT "variantId"::text AS v, anomalies FROM "VariantForecast"
          WHERE "runId" = $1 AND "shopId" = $2 AND "variantId" = ANY($3::bigint[]) AND anomalies <> '[]'::jsonb`,
        [run.runId, shopId, variants.rows.map((v) => v.id)],
      )
    : { rows: [] };
  const unusual = new Map(flagged.rows.map((r) => [r.v, storedAnomalies(r.anomalies)]));
  const settings = await readSettings(db, shopId);
  const locations = await countedLocations(db, shopId, settings);
  const from = addDays(asOf, -55);
  const weekly = await db.query<{ v: string; w: number; u: number }>(
    `SELECT "variantId"::text AS v, ((day - $3::date) / 7)::int AS w, sum(units)::int AS u FROM "DailyDemand"
      WHERE "shopId" = $1 AND "variantId" = ANY($2::bigint[]) AND day BETWEEN $3::date AND $4::date AND ${demandLocationFilter("$5")}
      GROUP BY 1, 2`,
    [shopId, variants.rows.map((v) => v.id), from, asOf, locations.demand],
  );
  const byVariant = new Map(advice.rows.map((a) => [a.v, a]));
  const weeks = new Map<string, number[]>();
  for (const r of weekly.rows) {
    const list = weeks.get(r.v) ?? Array<number>(8).fill(0);
    list[r.w] = r.u;
    weeks.set(r.v, list);
  }
  const rows: VariantStockAdvice[] = variants.rows.map((v) => {
    const a = byVariant.get(v.id);
    return {
      variantId: `gid://shopify/ProductVariant/${v.id}`,
      title: v.title,
      sku: v.sku,
      available: a?.available ?? 0,
      daysOfCover: a?.daysOfCover ?? null,
      stockoutDate: a?.stockoutDate ?? null,
      reorderPoint: a ? round1(a.reorderPoint) : 0,
      reorderQuantity: a?.reorderQty ?? 0,
      status: a ? STATUS[a.risk] : "unknown",
      weeklyUnits: weeks.get(v.id) ?? Array<number>(8).fill(0),
      outOfStock: a?.since
        ? {
            since: a.since,
            sinceEstimated: a.sinceEstimated,
            lostUnitsPerDay: round1(a.lostUnitsPerDay),
            lostUnitsToDate: round1(a.lostUnitsToDate),
            lostRevenuePerDay: a.lostRevenuePerDay,
            lostRevenueToDate: a.lostRevenueToDate,
          }
        : null,
      unusualSales: (unusual.get(v.id) ?? []).map((flag) => ({
        date: flag.date,
        kind: flag.kind,
        units: flag.units,
        expected: round1(flag.expected),
      })),
    };
  });
  return {
    productId: `gid://shopify/Product/${productId}`,
    generatedAt: run?.publishedAt ? new Date(run.publishedAt).toISOString() : new Date().toISOString(),
    currency: shop?.currency ?? null,
    variants: rows,
  };
}
