/**
 * Shared reads of the forecast domain: the shop's settings (with defaults), lead-time
 * overrides and counted locations. Raw SQL on the pg pool (app/db), like app/sync (bulk arrays, one
 * statement per step; Prisma's per-row layer costs more than the statements at 50 000 variants).
 */
import { pool, type Queryable } from "../db/pool.server";
import type { LeadTimes } from "./advice";
import type { AdvicePolicy } from "./contract";

/** The shop's policy as stored (`locationIds` empty = every active location), with when it was saved. */
export interface StoredSettings extends AdvicePolicy {
  updatedAt: string | null;
}

export const DEFAULT_SETTINGS: StoredSettings = {
  serviceLevel: 0.95,
  leadTimeDays: 14,
  leadTimeSdDays: 3,
  reviewPeriodDays: 7,
  orderCost: 25,
  holdingCostRate: 0.25,
  locationIds: [],
  updatedAt: null,
};

export async function readSettings(db: Queryable, shopId: string): Promise<StoredSettings> {
  const { rows } = await db.query<StoredSettings>(
    `SELECT "serviceLevel", "leadTimeDays", "leadTimeSdDays", "reviewPeriodDays", "orderCost"::float8 AS "orderCost",
            "holdingCostRate", "locationIds"::text[] AS "locationIds", "updatedAt"::text AS "updatedAt"
       FROM "ShopSettings" WHERE "shopId" = $1`,
    [shopId],
  );
  return rows[0] ?? DEFAULT_SETTINGS;
}

export async function readLeadTimes(db: Queryable, shopId: string, settings: StoredSettings): Promise<LeadTimes> {
  const vendors = await db.query<{ key: string; leadTimeDays: number; leadTimeSdDays: number }>(
    `SELECT vendor AS key, "leadTimeDays", "leadTimeSdDays" FROM "VendorLeadTime" WHERE "shopId" = $1`,
    [shopId],
  );
  const products = await db.query<{ key: string; leadTimeDays: number; leadTimeSdDays: number }>(
    `SELECT "productId"::text AS key, "leadTimeDays", "leadTimeSdDays" FROM "ProductLeadTime" WHERE "shopId" = $1`,
    [shopId],
  );
  const map = (rows: { key: string; leadTimeDays: number; leadTimeSdDays: number }[]) =>
    new Map(rows.map((r) => [r.key, { leadTimeDays: r.leadTimeDays, leadTimeSdDays: r.leadTimeSdDays }]));
  return {
    shop: { leadTimeDays: settings.leadTimeDays, leadTimeSdDays: settings.leadTimeSdDays },
    vendors: map(vendors.rows),
    products: map(products.rows),
  };
}

export interface CountedLocations {
  /** Filter for DailyDemand: empty = every location (including sales Shopify names no location for). */
  demand: string[];
  /** Locations whose stock counts: the chosen ones, or every active one. */
  stock: string[];
}

export async function countedLocations(db: Queryable, shopId: string, settings: StoredSettings): Promise<CountedLocations> {
  if (settings.locationIds.length > 0) return { demand: settings.locationIds, stock: settings.locationIds };
  const { rows } = await db.query<{ id: string }>(`SELECT id::text FROM "Location" WHERE "shopId" = $1 AND "isActive" ORDER BY id`, [
    shopId,
  ]);
  return { demand: [], stock: rows.map((r) => r.id) };
}

/** SQL predicate on DailyDemand's location for a `$n::bigint[]` parameter built by `countedLocations().demand`. */
export function demandLocationFilter(param: string, alias = ""): string {
  const col = alias ? `${alias}."locationId"` : `"locationId"`;
  return `(cardinality(${param}::bigint[]) = 0 OR ${col} = ANY(${param}::bigint[]))`;
}

/** The published run of a shop, with the state's version (bumped by every change of the visible rows). */
export interface CurrentRun {
  runId: string;
  asOf: string;
  publishedAt: string | null;
  version: string;
}

export async function currentRun(shopId: string, db: Queryable = pool()): Promise<CurrentRun | null> {
  const { rows } = await db.query<CurrentRun>(
    `SELECT s."currentRunId" AS "runId", to_char(r."asOf", 'YYYY-MM-DD') AS "asOf", s."publishedAt"::text AS "publishedAt",
            (extract(epoch FROM s."updatedAt") * 1000)::bigint::text AS version
       FROM "ShopForecastState" s JOIN "ForecastRun" r ON r.id = s."currentRunId"
      WHERE s."shopId" = $1`,
    [shopId],
  );
  return rows[0] ?? null;
}
