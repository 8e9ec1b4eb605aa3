/**
 * Batched, idempotent writes of synced records: one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT
 * per batch. Last writer wins by Shopify's updated_at (`WHERE excluded."shopifyUpdatedAt" >= t."shopifyUpdatedAt"`),
 * so an older event never overwrites newer data and a replay leaves the same state. Every statement
 * is bound to one shopId.
 */
import type { Queryable } from "../db/pool.server";
import type { LevelRow, LineRow, OrderRow, ProductRow, RefundLineRow, VariantRow } from "./records";

/** Keeps the newest record per key (a batch must not touch a row twice in one ON CONFLICT statement). */
export function newestByKey<T>(rows: T[], key: (row: T) => string, updatedAt: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    const seen = byKey.get(k);
    if (!seen || Date.parse(updatedAt(row)) >= Date.parse(updatedAt(seen))) byKey.set(k, row);
  }
  return [...byKey.values()];
}

/**
 * Rows in ascending id order. Two transactions that upsert overlapping rows lock them in the order they
 * write them; writing in one order everywhere keeps a webhook batch and a sync batch from deadlocking.
 */
export function byId<T extends { id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => compareIds(a.id, b.id));
}

/** Compares decimal ids (bigint-safe strings) numerically. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export async function upsertLocations(
  db: Queryable,
  shopId: string,
  rows: { id: string; name: string; isActive: boolean; updatedAt: string }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO "Location" ("shopId", id, name, "isActive", "shopifyUpdatedAt", "syncedAt")
     SELECT $1, * , now() FROM unnest($2::bigint[], $3::text[], $4::boolean[], $5::timestamptz[])
     ON CONFLICT ("shopId", id) DO UPDATE SET name = excluded.name, "isActive" = excluded."isActive",
       "shopifyUpdatedAt" = excluded."shopifyUpdatedAt", "syncedAt" = now()
     WHERE excluded."shopifyUpdatedAt" >= "Location"."shopifyUpdatedAt"`,
    [shopId, rows.map((r) => r.id), rows.map((r) => r.name), rows.map((r) => r.isActive), rows.map((r) => r.updatedAt)],
  );
  return result.rowCount ?? 0;
}

export async function upsertProducts(db: Queryable, shopId: string, input: ProductRow[]): Promise<number> {
  const rows = byId(
    newestByKey(
      input,
      (r) => r.id,
      (r) => r.updatedAt,
    ),
  );
  // A record that does not say whether the product has an image (image undefined) leaves the stored one alone.
  const withImage = rows.filter((r) => r.image !== undefined);
  const withoutImage = rows.filter((r) => r.image === undefined);
  return (await writeProducts(db, shopId, withImage, true)) + (await writeProducts(db, shopId, withoutImage, false));
}

async function writeProducts(db: Queryable, shopId: string, rows: ProductRow[], setImage: boolean): Promise<number> {
  if (rows.length === 0) return 0;
  const image = setImage ? `, "imageUrl" = excluded."imageUrl", "imageAlt" = excluded."imageAlt"` : "";
  const result = await db.query(
    `INSERT INTO "Product" ("shopId", id, title, handle, status, "productType", vendor, "shopifyCreatedAt", "shopifyUpdatedAt", "imageUrl", "imageAlt", "syncedAt")
     SELECT $1, *, now() FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[],
                                     $10::text[], $11::text[])
     ON CONFLICT ("shopId", id) DO UPDATE SET title = excluded.title, handle = excluded.handle, status = excluded.status,
       "productType" = excluded."productType", vendor = excluded.vendor, "shopifyUpdatedAt" = excluded."shopifyUpdatedAt"${image}, "syncedAt" = now()
     WHERE excluded."shopifyUpdatedAt" >= "Product"."shopifyUpdatedAt"`,
    [
      shopId,
      rows.map((r) => r.id),
      rows.map((r) => r.title),
      rows.map((r) => r.handle),
      rows.map((r) => r.status),
      rows.map((r) => r.productType),
      rows.map((r) => r.vendor),
      rows.map((r) => r.createdAt),
      rows.map((r) => r.updatedAt),
      rows.map((r) => r.image?.url ?? null),
      rows.map((r) => r.image?.alt ?? null),
    ],
  );
  return result.rowCount ?? 0;
}

export async function upsertVariants(db: Queryable, shopId: string, input: VariantRow[]): Promise<number> {
  const rows = byId(
    newestByKey(
      input,
      (r) => r.id,
      (r) => r.updatedAt,
    ),
  );
  if (rows.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO "ProductVariant" ("shopId", id, "productId", title, sku, price, "inventoryItemId", "shopifyUpdatedAt", "syncedAt")
     SELECT $1, *, now() FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::numeric[], $7::bigint[], $8::timestamptz[])
     ON CONFLICT ("shopId", id) DO UPDATE SET "productId" = excluded."productId", title = excluded.title, sku = excluded.sku,
       price = excluded.price, "inventoryItemId" = excluded."inventoryItemId", "shopifyUpdatedAt" = excluded."shopifyUpdatedAt", "syncedAt" = now()
     WHERE excluded."shopifyUpdatedAt" >= "ProductVariant"."shopifyUpdatedAt"`,
    [
      shopId,
      rows.map((r) => r.id),
      rows.map((r) => r.productId),
      rows.map((r) => r.title),
      rows.map((r) => r.sku),
      rows.map((r) => r.price),
      rows.map((r) => r.inventoryItemId),
      rows.map((r) => r.updatedAt),
    ],
  );
  return result.rowCount ?? 0;
}

/**
 * Stock levels, last writer wins; also records the day's inventory history (InventoryDay) at `at`
 * (the event's time for webhooks, the sync's time for snapshots), in the shop's time zone.
 * Returns how many levels changed.
 */
export async function upsertLevels(db: Queryable, shopId: string, timezone: string, input: LevelRow[], at?: string): Promise<number> {
  const levelKey = (r: LevelRow) => `${r.inventoryItemId}:${r.locationId}`;
  const rows = newestByKey(input, levelKey, (r) => r.updatedAt).sort(
    (a, b) => compareIds(a.inventoryItemId, b.inventoryItemId) || compareIds(a.locationId, b.locationId),
  );
  if (rows.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO "InventoryLevel" ("shopId", "inventoryItemId", "locationId", available, "onHand", "shopifyUpdatedAt", "syncedAt")
     SELECT $1, *, now() FROM unnest($2::bigint[], $3::bigint[], $4::int[], $5::int[], $6::timestamptz[])
     ON CONFLICT ("shopId", "inventoryItemId", "locationId") DO UPDATE SET available = excluded.available,
       "onHand" = coalesce(excluded."onHand", "InventoryLevel"."onHand"), "shopifyUpdatedAt" = excluded."shopifyUpdatedAt", "syncedAt" = now()
     WHERE excluded."shopifyUpdatedAt" >= "InventoryLevel"."shopifyUpdatedAt"`,
    [
      shopId,
      rows.map((r) => r.inventoryItemId),
      rows.map((r) => r.locationId),
      rows.map((r) => r.available),
      rows.map((r) => r.onHand),
      rows.map((r) => r.updatedAt),
    ],
  );
  // History: max over the day and the last value by time; both independent of delivery order. Events count
  // one by one (a snapshot's rows all share its instant: there the newest per level stands for it). Rows of
  // one (item, location, day) are folded first, since one statement may not update a row twice; of rows of
  // the same instant the later one in the input wins, as it would applied one after the other.
  const history = at === undefined ? input : rows;
  await db.query(
    `INSERT INTO "InventoryDay" ("shopId", "inventoryItemId", "locationId", day, "maxAvailable", "lastAvailable", "lastAt")
     SELECT $1, item, loc, day, max(avail), (array_agg(avail ORDER BY at DESC, n DESC))[1], max(at)
       FROM (SELECT u.*, (u.at AT TIME ZONE $2)::date AS day
               FROM unnest($3::bigint[], $4::bigint[], $5::int[], $6::timestamptz[]) WITH ORDINALITY AS u(item, loc, avail, at, n)) u
      GROUP BY item, loc, day
      ORDER BY item, loc, day
     ON CONFLICT ("shopId", "inventoryItemId", "locationId", day) DO UPDATE SET
       "maxAvailable" = GREATEST("InventoryDay"."maxAvailable", excluded."maxAvailable"),
       "lastAvailable" = CASE WHEN excluded."lastAt" >= "InventoryDay"."lastAt" THEN excluded."lastAvailable" ELSE "InventoryDay"."lastAvailable" END,
       "lastAt" = GREATEST("InventoryDay"."lastAt", excluded."lastAt")`,
    [
      shopId,
      timezone,
      history.map((r) => r.inventoryItemId),
      history.map((r) => r.locationId),
      history.map((r) => r.available),
      history.map((r) => at ?? r.updatedAt),
    ],
  );
  return result.rowCount ?? 0;
}

/**
 * Orders, last writer wins. Returns the ids that were written (new or newer than what we had). A record that
 * does not say its channel or fulfillment status (null: an event stored by an older release) keeps ours.
 */
export async function upsertOrders(db: Queryable, shopId: string, timezone: string, input: OrderRow[]): Promise<string[]> {
  const rows = byId(
    newestByKey(
      input,
      (r) => r.id,
      (r) => r.updatedAt,
    ),
  );
  if (rows.length === 0) return [];
  const result = await db.query<{ id: string }>(
    `INSERT INTO "Order" ("shopId", id, name, "shopifyCreatedAt", "processedAt", "shopifyUpdatedAt", "cancelledAt", test,
                          "currencyCode", "locationId", "refundsPending", channel, "sourceName", "fulfillmentStatus", day, "syncedAt")
     SELECT $1, id, name, created, processed, updated, cancelled, test, currency, loc, pending, channel, source, fulfillment,
            (processed AT TIME ZONE $2)::date, now()
       FROM unnest($3::bigint[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[],
                   $9::boolean[], $10::text[], $11::bigint[], $12::boolean[], $13::text[], $14::text[], $15::text[])
         AS u(id, name, created, processed, updated, cancelled, test, currency, loc, pending, channel, source, fulfillment)
     ON CONFLICT ("shopId", id) DO UPDATE SET name = excluded.name, "processedAt" = excluded."processedAt",
       "shopifyUpdatedAt" = excluded."shopifyUpdatedAt", "cancelledAt" = excluded."cancelledAt", test = excluded.test,
       "currencyCode" = excluded."currencyCode", "locationId" = excluded."locationId",
       "refundsPending" = "Order"."refundsPending" OR excluded."refundsPending",
       channel = coalesce(excluded.channel, "Order".channel),
       "sourceName" = CASE WHEN excluded.channel IS NULL THEN "Order"."sourceName" ELSE excluded."sourceName" END,
       "fulfillmentStatus" = coalesce(excluded."fulfillmentStatus", "Order"."fulfillmentStatus"),
       day = excluded.day, "syncedAt" = now()
     WHERE excluded."shopifyUpdatedAt" >= "Order"."shopifyUpdatedAt"
     RETURNING id::text`,
    [
      shopId,
      timezone,
      rows.map((r) => r.id),
      rows.map((r) => r.name),
      rows.map((r) => r.createdAt),
      rows.map((r) => r.processedAt),
      rows.map((r) => r.updatedAt),
      rows.map((r) => r.cancelledAt),
      rows.map((r) => r.test),
      rows.map((r) => r.currencyCode),
      rows.map((r) => r.locationId),
      rows.map((r) => r.hasRefunds),
      rows.map((r) => r.channel),
      rows.map((r) => r.sourceName),
      rows.map((r) => r.fulfillmentStatus),
    ],
  );
  return result.rows.map((r) => r.id);
}

export async function upsertLines(db: Queryable, shopId: string, input: LineRow[]): Promise<number> {
  const rows = byId([...new Map(input.map((r) => [r.id, r])).values()]);
  if (rows.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO "OrderLine" ("shopId", id, "orderId", "variantId", "productId", sku, quantity, "discountedTotal")
     SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::int[], $8::numeric[])
     ON CONFLICT ("shopId", id) DO UPDATE SET "orderId" = excluded."orderId", "variantId" = excluded."variantId",
       "productId" = excluded."productId", sku = excluded.sku, quantity = excluded.quantity, "discountedTotal" = excluded."discountedTotal"
     WHERE ("OrderLine"."variantId", "OrderLine".quantity, "OrderLine"."discountedTotal")
           IS DISTINCT FROM (excluded."variantId", excluded.quantity, excluded."discountedTotal")`,
    [
      shopId,
      rows.map((r) => r.id),
      rows.map((r) => r.orderId),
      rows.map((r) => r.variantId),
      rows.map((r) => r.productId),
      rows.map((r) => r.sku),
      rows.map((r) => r.quantity),
      rows.map((r) => r.discountedTotal),
    ],
  );
  return result.rowCount ?? 0;
}

/** Refunds never change once made: insert what we have not seen. */
export async function insertRefundLines(db: Queryable, shopId: string, input: RefundLineRow[]): Promise<number> {
  const rows = [...new Map(input.map((r) => [`${r.refundId}:${r.lineItemId}`, r])).values()];
  if (rows.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO "RefundLine" ("shopId", "refundId", "lineItemId", "orderId", quantity, "restockType", "locationId", "createdAt")
     SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::int[], $6::text[], $7::bigint[], $8::timestamptz[])
     ON CONFLICT ("shopId", "refundId", "lineItemId") DO NOTHING`,
    [
      shopId,
      rows.map((r) => r.refundId),
      rows.map((r) => r.lineItemId),
      rows.map((r) => r.orderId),
      rows.map((r) => r.quantity),
      rows.map((r) => r.restockType),
      rows.map((r) => r.locationId),
      rows.map((r) => r.createdAt),
    ],
  );
  return result.rowCount ?? 0;
}
