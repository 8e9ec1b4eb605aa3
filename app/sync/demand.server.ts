/**
 * DailyDemand: per shop, variant, location and day (the shop's time zone) — units sold net of
 * cancellations and restocked refunds, revenue, and whether the item was in stock (null = unknown,
 * i.e. before install). Always recomputed from the order lines for the affected (variant, day) keys,
 * never incremented, so replays and duplicate events cannot double anything.
 *
 * Callers that may run concurrently for one shop take `lockShopDemand` in their transaction first.
 */
import type { Queryable } from "../db/pool.server";

export interface DemandKey {
  variantId: string;
  /** YYYY-MM-DD in the shop's time zone. */
  day: string;
}

/** Serialises demand recomputation per shop within the caller's transaction. */
export async function lockShopDemand(db: Queryable, shopId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('demand:' || $1, 0))`, [shopId]);
}

/** The restocked units of order line `l`'s refunds, as `r.restocked` (null when none). */
const RESTOCKED = `
    LEFT JOIN LATERAL (
      SELECT sum(rl.quantity) AS restocked FROM "RefundLine" rl
       WHERE rl."shopId" = l."shopId" AND rl."lineItemId" = l.id AND rl."restockType" <> 'NO_RESTOCK'
    ) r ON true`;
/** Order line `l`'s units and revenue net of its restocked refunds. */
const NET_UNITS = `GREATEST(0, l.quantity - coalesce(r.restocked, 0))`;
const NET_REVENUE = `CASE WHEN l.quantity > 0 THEN l."discountedTotal" * ${NET_UNITS} / l.quantity ELSE 0 END`;

const LINES = `
  SELECT l."variantId" AS variant_id, o."locationId" AS location_id, o.day, ${NET_UNITS} AS units, ${NET_REVENUE} AS revenue
    FROM "OrderLine" l
    JOIN "Order" o ON o."shopId" = l."shopId" AND o.id = l."orderId"
    ${RESTOCKED}
   WHERE l."shopId" = $1 AND l."variantId" IS NOT NULL AND o."cancelledAt" IS NULL AND NOT o.test`;

/** Recomputes the whole table for a shop (end of the initial sync, reconciliation). */
export async function rebuildDemand(db: Queryable, shopId: string): Promise<number> {
  await db.query(`DELETE FROM "DailyDemand" WHERE "shopId" = $1`, [shopId]);
  const result = await db.query(
    `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue)
     SELECT $1, variant_id, location_id, day, sum(units)::int, round(sum(revenue), 2)
       FROM (${LINES}) lines GROUP BY variant_id, location_id, day HAVING sum(units) > 0`,
    [shopId],
  );
  return result.rowCount ?? 0;
}

/**
 * Recomputes the given (variant, day) keys across all locations. Each statement is driven by the keys
 * (orders by their day, their lines by order, demand rows by their primary key), never by a scan of the
 * shop's orders or demand, so a webhook or a refund batch costs the same in a shop of 700 000 orders as
 * in a small one. The orders of the keys' days and then their lines are materialised in that order, so
 * the plan does not depend on the tables' statistics: without them (a fresh or fast-growing table) the
 * planner joined lines by variant, two to five times slower for a batch of webhooks.
 */
export async function recomputeDemand(db: Queryable, shopId: string, keys: DemandKey[]): Promise<void> {
  const unique = [...new Map(keys.map((k) => [`${k.variantId}:${k.day}`, k])).values()];
  if (unique.length === 0) return;
  const variants = unique.map((k) => k.variantId);
  const days = unique.map((k) => k.day);
  await db.query(
    `WITH keys AS (SELECT * FROM unnest($2::bigint[], $3::date[]) AS k(variant_id, day)),
     key_orders AS MATERIALIZED (
       SELECT o.id, o."locationId", o.day FROM "Order" o
        WHERE o."shopId" = $1 AND o.day = ANY(ARRAY(SELECT DISTINCT day FROM keys)) AND o."cancelledAt" IS NULL AND NOT o.test
     ),
     key_lines AS MATERIALIZED (
       SELECT l."shopId", l.id, l."variantId", l.quantity, l."discountedTotal", o."locationId" AS location_id, o.day
         FROM key_orders o JOIN "OrderLine" l ON l."shopId" = $1 AND l."orderId" = o.id
     ),
     fresh AS (
       SELECT l."variantId" AS variant_id, l.location_id, l.day, sum(${NET_UNITS})::int AS units, round(sum(${NET_REVENUE}), 2) AS revenue
         FROM key_lines l ${RESTOCKED}
        WHERE (l."variantId", l.day) IN (SELECT variant_id, day FROM keys)
        GROUP BY 1, 2, 3
     ),
     upserted AS (
       INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue)
       SELECT $1, variant_id, location_id, day, units, revenue FROM fresh WHERE units > 0
       ON CONFLICT ("shopId", "variantId", "locationId", day) DO UPDATE SET units = excluded.units, revenue = excluded.revenue
       RETURNING "variantId", "locationId", day
     )
     UPDATE "DailyDemand" d SET units = 0, revenue = 0
      WHERE d."shopId" = $1 AND (d."variantId", d.day) IN (SELECT variant_id, day FROM keys)
        AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.variant_id = d."variantId" AND f.location_id = d."locationId" AND f.day = d.day AND f.units > 0)`,
    [shopId, variants, days],
  );
  await fillInStock(db, shopId, variants, days);
  // A row with no units says something only when the item was out of stock that day.
  await db.query(
    `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND units = 0 AND "inStock" IS NOT FALSE
        AND ("variantId", day) IN (SELECT * FROM unnest($2::bigint[], $3::date[]))`,
    [shopId, variants, days],
  );
}

/**
 * Sets inStock on existing DailyDemand rows of the given variants (on the given days, or all days when
 * `days` is null) from the inventory history: the same rule as refreshInStock.
 */
export async function fillInStock(db: Queryable, shopId: string, variants: string[], days: string[] | null): Promise<void> {
  if (variants.length === 0) return;
  // Two statements, not one with an OR: the rows are found by the primary key (shop, variant, …), which
  // an `IS NULL OR` condition would turn into a scan of the shop's whole demand table.
  const rows =
    days === null
      ? `SELECT d2.* FROM "DailyDemand" d2 WHERE d2."shopId" = $1 AND d2."variantId" = ANY($2::bigint[])`
      : `SELECT d2.* FROM (SELECT DISTINCT * FROM unnest($2::bigint[], $3::date[]) AS k(variant_id, day)) k
           JOIN "DailyDemand" d2 ON d2."shopId" = $1 AND d2."variantId" = k.variant_id AND d2.day = k.day`;
  await db.query(
    `WITH s AS MATERIALIZED (
       SELECT d2."variantId", d2."locationId", d2.day,
              CASE WHEN today.day IS NOT NULL THEN today."maxAvailable" > 0 OR coalesce(before."lastAvailable" > 0, false)
                   WHEN before.day IS NOT NULL THEN before."lastAvailable" > 0 END AS in_stock
         FROM (${rows}) d2
         JOIN "ProductVariant" v ON v."shopId" = d2."shopId" AND v.id = d2."variantId"
         LEFT JOIN "InventoryDay" today ON today."shopId" = d2."shopId" AND today."inventoryItemId" = v."inventoryItemId"
              AND today."locationId" = d2."locationId" AND today.day = d2.day
         LEFT JOIN LATERAL (
           SELECT x.day, x."lastAvailable" FROM "InventoryDay" x
            WHERE x."shopId" = d2."shopId" AND x."inventoryItemId" = v."inventoryItemId" AND x."locationId" = d2."locationId" AND x.day < d2.day
            ORDER BY x.day DESC LIMIT 1
         ) before ON true
     )
     UPDATE "DailyDemand" d SET "inStock" = s.in_stock FROM s
      WHERE d."shopId" = $1 AND d."variantId" = s."variantId" AND d."locationId" = s."locationId" AND d.day = s.day
        AND d."inStock" IS DISTINCT FROM s.in_stock`,
    days === null ? [shopId, variants] : [shopId, variants, days],
  );
}

export async function demandKeysOfOrders(db: Queryable, shopId: string, orderIds: string[]): Promise<DemandKey[]> {
  if (orderIds.length === 0) return [];
  const { rows } = await db.query<{ variantId: string; day: string }>(
    `SELECT DISTINCT l."variantId"::text AS "variantId", to_char(o.day, 'YYYY-MM-DD') AS day
       FROM "OrderLine" l JOIN "Order" o ON o."shopId" = l."shopId" AND o.id = l."orderId"
      WHERE l."shopId" = $1 AND l."orderId" = ANY($2::bigint[]) AND l."variantId" IS NOT NULL`,
    [shopId, orderIds],
  );
  return rows;
}

/**
 * Sets DailyDemand.inStock for days in [from, to] from the inventory history: on a day with history,
 * in stock when the level was above 0 at any time that day (or at the start of it: the previous
 * known level); on a day without, the last known level carries forward; before any history, unknown.
 * Out-of-stock days get a row even without sales (units 0), since forecasts treat them as censored.
 */
export async function refreshInStock(db: Queryable, shopId: string, from: string, to: string): Promise<void> {
  await refreshInStockOn(
    db,
    shopId,
    {
      days: `SELECT d::date AS day FROM generate_series($2::date, $3::date, interval '1 day') d`,
      match: `day BETWEEN $2::date AND $3::date`,
    },
    [from, to],
  );
}

/**
 * The same for the days (in the shop's time zone) of the given instants: the days a batch of stock
 * webhooks touched, each refreshed once however many of its events the batch holds.
 */
export async function refreshInStockAt(db: Queryable, shopId: string, timezone: string, instants: string[]): Promise<void> {
  if (instants.length === 0) return;
  const days = `SELECT DISTINCT (t AT TIME ZONE $3)::date AS day FROM unnest($2::timestamptz[]) t`;
  await refreshInStockOn(db, shopId, { days, match: `day = ANY(ARRAY(${days}))` }, [instants, timezone]);
}

/**
 * `days`: a SELECT of one `day` column; `match`: the same days as a condition on DailyDemand.day that its
 * (shopId, day) index can serve. Both read the parameters after $1 (the shop).
 */
async function refreshInStockOn(db: Queryable, shopId: string, on: { days: string; match: string }, params: unknown[]): Promise<void> {
  await db.query(
    `WITH days AS (${on.days}),
     pairs AS (
       SELECT DISTINCT v.id AS variant_id, i."inventoryItemId" AS item, i."locationId" AS location_id
         FROM "InventoryDay" i
         JOIN "ProductVariant" v ON v."shopId" = i."shopId" AND v."inventoryItemId" = i."inventoryItemId"
        WHERE i."shopId" = $1
     ),
     state AS (
       SELECT p.variant_id, p.location_id, d.day,
              CASE WHEN today.day IS NOT NULL THEN today."maxAvailable" > 0 OR coalesce(before."lastAvailable" > 0, false)
                   WHEN before.day IS NOT NULL THEN before."lastAvailable" > 0 END AS in_stock
         FROM pairs p CROSS JOIN days d
         LEFT JOIN "InventoryDay" today ON today."shopId" = $1 AND today."inventoryItemId" = p.item
              AND today."locationId" = p.location_id AND today.day = d.day
         LEFT JOIN LATERAL (
           SELECT x.day, x."lastAvailable" FROM "InventoryDay" x
            WHERE x."shopId" = $1 AND x."inventoryItemId" = p.item AND x."locationId" = p.location_id AND x.day < d.day
            ORDER BY x.day DESC LIMIT 1
         ) before ON true
     )
     INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
     SELECT $1, variant_id, location_id, day, 0, 0, in_stock FROM state WHERE in_stock IS NOT NULL
     ON CONFLICT ("shopId", "variantId", "locationId", day) DO UPDATE SET "inStock" = excluded."inStock"`,
    [shopId, ...params],
  );
  await db.query(`DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND units = 0 AND "inStock" IS NOT FALSE AND ${on.match}`, [
    shopId,
    ...params,
  ]);
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function dayIn(timezone: string, at: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}
