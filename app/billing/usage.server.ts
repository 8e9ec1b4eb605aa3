/**
 * Usage metering (issue 15 item 3): what each shop used on a day, in the shop's time zone. The daily
 * `billing.meter` job records one UsageDay row per shop and day; a re-run of the same day overwrites it
 * with the same counts (idempotent), so a crash or a retry doubles nothing.
 */
import { pool, type Queryable } from "../db/pool.server";

export interface UsageCounts {
  /** Variants synced and not deleted at the end of the day (what plan limits count). */
  variants: number;
  /** Active locations. */
  locations: number;
  /** Orders created on the day (the shop's local day). */
  orders: number;
  /** Forecast runs that finished on the day. */
  forecastRuns: number;
}

/** The shop's local calendar day of `at` (YYYY-MM-DD), from its IANA time zone (UTC when unknown). */
export async function localDay(db: Queryable, shopId: string, at: Date): Promise<string | null> {
  const { rows } = await db.query<{ day: string }>(
    `SELECT to_char(($2::timestamptz AT TIME ZONE coalesce("ianaTimezone", 'UTC'))::date, 'YYYY-MM-DD') AS day FROM "Shop" WHERE id = $1`,
    [shopId, at.toISOString()],
  );
  return rows[0]?.day ?? null;
}

/** Counts one shop's usage of one local day. Variants and locations are counted as they are now. */
export async function countUsage(db: Queryable, shopId: string, day: string): Promise<UsageCounts> {
  const { rows } = await db.query<UsageCounts>(
    `SELECT (SELECT count(*)::int FROM "ProductVariant" WHERE "shopId" = $1 AND "deletedAt" IS NULL) AS variants,
            (SELECT count(*)::int FROM "Location" WHERE "shopId" = $1 AND "isActive") AS locations,
            (SELECT count(*)::int FROM "Order" WHERE "shopId" = $1 AND day = $2::date) AS orders,
            (SELECT count(*)::int FROM "ForecastRun" r JOIN "Shop" s ON s.id = r."shopId"
              WHERE r."shopId" = $1 AND r.status = 'completed'
                AND (r."finishedAt" AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date = $2::date) AS "forecastRuns"`,
    [shopId, day],
  );
  return rows[0] ?? { variants: 0, locations: 0, orders: 0, forecastRuns: 0 };
}

/** Records (or re-records) a shop's usage of `day`. */
export async function meterShop(shopId: string, day: string, db: Queryable = pool()): Promise<UsageCounts> {
  const usage = await countUsage(db, shopId, day);
  await db.query(
    `INSERT INTO "UsageDay" ("shopId", day, variants, locations, orders, "forecastRuns") VALUES ($1, $2::date, $3, $4, $5, $6)
     ON CONFLICT ("shopId", day) DO UPDATE SET variants = excluded.variants, locations = excluded.locations,
       orders = excluded.orders, "forecastRuns" = excluded."forecastRuns", "createdAt" = now()`,
    [shopId, day, usage.variants, usage.locations, usage.orders, usage.forecastRuns],
  );
  return usage;
}

/** The shop's usage days in [from, to] (inclusive, local days), oldest first: the billing page's chart and CSV. */
export async function usageHistory(
  shopId: string,
  from: string,
  to: string,
  db: Queryable = pool(),
): Promise<(UsageCounts & { day: string })[]> {
  const { rows } = await db.query<UsageCounts & { day: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, variants, locations, orders, "forecastRuns"
       FROM "UsageDay" WHERE "shopId" = $1 AND day BETWEEN $2::date AND $3::date ORDER BY day`,
    [shopId, from, to],
  );
  return rows;
}
