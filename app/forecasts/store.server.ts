/**
 * Shared reads of the forecast domain: the shop's settings (with defaults), lead-time
 * overrides and counted locations (within the plan's location limit). Raw SQL on the pg pool (app/db), like
 * app/sync (bulk arrays, one statement per step; Prisma's per-row layer costs more than the statements at
 * 50 000 variants).
 */
import { shopEntitlements } from "../billing/limits.server";
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

/** The advice's and DailyDemand's location id of sales Shopify names no location for. */
const NO_LOCATION = "0";

/**
 * The locations a forecast counts: the ones chosen in the settings, or every active one. Over the plan's location
 * limit (decision 0047) only as many as the plan covers: the first chosen ones in their order, or else the active
 * ones with the most revenue in the last 90 days of data (ties by id), with the sales that name no location. Every
 * forecast step (plan, batches, publish, recompute) and every read of a run's demand asks here, so they agree;
 * nothing is deleted, and the other locations keep syncing.
 */
export async function countedLocations(db: Queryable, shopId: string, settings: StoredSettings): Promise<CountedLocations> {
  const limit = (await shopEntitlements(db, shopId))?.limits.locations ?? null;
  if (settings.locationIds.length > 0) {
    const chosen = limit === null ? settings.locationIds : settings.locationIds.slice(0, limit);
    return { demand: chosen, stock: chosen };
  }
  const { rows } = await db.query<{ id: string }>(`SELECT id::text FROM "Location" WHERE "shopId" = $1 AND "isActive" ORDER BY id`, [
    shopId,
  ]);
  const active = rows.map((r) => r.id);
  if (limit === null || active.length <= limit) return { demand: [], stock: active };
  const top = await topLocations(db, shopId, limit);
  return { demand: [...top, NO_LOCATION], stock: top };
}

/** The `limit` active locations with the most revenue in the shop's last 90 days of demand (ties by id), in id order. */
async function topLocations(db: Queryable, shopId: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id::text FROM (
       SELECT l.id, coalesce(sum(d.revenue), 0) AS revenue
         FROM "Location" l
         LEFT JOIN "DailyDemand" d ON d."shopId" = l."shopId" AND d."locationId" = l.id
               AND d.day > (SELECT max(day) FROM "DailyDemand" WHERE "shopId" = $1) - 90
        WHERE l."shopId" = $1 AND l."isActive"
        GROUP BY l.id ORDER BY revenue DESC, l.id LIMIT $2) top
      ORDER BY id`,
    [shopId, limit],
  );
  return rows.map((r) => r.id);
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
