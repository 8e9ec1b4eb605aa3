/**
 * Shared reads of the forecast domain: the shop's calendar facts, its settings (with defaults), lead-time
 * overrides and counted locations. Raw SQL on the sync's pg pool, like app/sync (bulk arrays, one
 * statement per step; Prisma's per-row layer costs more than the statements at 50 000 variants).
 */
import { syncPool, type Queryable } from "../sync/db.server";
import type { LeadTimes } from "./advice";

export { syncPool as forecastPool, ShopGoneError, shopTransaction, type Queryable } from "../sync/db.server";

export interface ShopFacts {
  id: string;
  domain: string;
  timezone: string;
  country: string | null;
  currency: string | null;
  installed: boolean;
  /** The shop's yesterday (YYYY-MM-DD in its time zone): the last full day of demand. */
  yesterday: string;
}

const SHOP = `SELECT id, domain, coalesce("ianaTimezone", 'UTC') AS timezone, "countryCode" AS country, "currencyCode" AS currency,
                     "installState"::text = 'INSTALLED' AS installed,
                     to_char((now() AT TIME ZONE coalesce("ianaTimezone", 'UTC'))::date - 1, 'YYYY-MM-DD') AS yesterday
                FROM "Shop"`;

export async function shopFacts(db: Queryable, shopId: string): Promise<ShopFacts | null> {
  const { rows } = await db.query<ShopFacts>(`${SHOP} WHERE id = $1`, [shopId]);
  return rows[0] ?? null;
}

/** A shop by id (uuid) or by its myshopify domain. */
export async function shopByIdOrDomain(db: Queryable, idOrDomain: string): Promise<ShopFacts | null> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrDomain);
  const { rows } = await db.query<ShopFacts>(`${SHOP} WHERE ${isUuid ? "id = $1::uuid" : "domain = $1"}`, [idOrDomain]);
  return rows[0] ?? null;
}

export interface StoredSettings {
  serviceLevel: number;
  leadTimeDays: number;
  leadTimeSdDays: number;
  reviewPeriodDays: number;
  orderCost: number;
  holdingCostRate: number;
  /** As stored: empty = every active location. */
  locationIds: string[];
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

export async function currentRun(db: Queryable, shopId: string): Promise<CurrentRun | null> {
  const { rows } = await db.query<CurrentRun>(
    `SELECT s."currentRunId" AS "runId", to_char(r."asOf", 'YYYY-MM-DD') AS "asOf", s."publishedAt"::text AS "publishedAt",
            (extract(epoch FROM s."updatedAt") * 1000)::bigint::text AS version
       FROM "ShopForecastState" s JOIN "ForecastRun" r ON r.id = s."currentRunId"
      WHERE s."shopId" = $1`,
    [shopId],
  );
  return rows[0] ?? null;
}

export function pool(): Queryable {
  return syncPool();
}
