/**
 * Nightly reconciliation: compares what we hold with Shopify and repairs drift (missed webhooks),
 * recording what it fixed in a SyncRun of kind `reconcile`:
 *  - counts: products and orders (in the synced window) against productsCount / ordersCount, as found;
 *  - products: a fresh bulk export of products and variants is written (last writer wins, as for
 *    webhooks), and the products and variants it no longer holds are marked deleted (a missed delete);
 *  - inventory: every level is compared with a fresh bulk export and corrected where it differs, and
 *    levels Shopify no longer has (a deleted item, a location that stopped stocking it) are removed;
 *  - orders: when the order counts differ, the task re-imports the store (the initial sync's same
 *    idempotent upserts), as it does when the product counts still differ after the repair;
 *  - order states: a bulk export of the channel and fulfillment status of the orders updated since the last
 *    sync or reconciliation (of every order in the window while some lack a channel: orders synced before
 *    channels were stored) fills in what we lack, and an order Shopify holds newer than we do (a missed
 *    webhook) also re-imports the store (docs/decisions/0052-order-channels-and-fulfillment.md);
 *  - promotions: every discount and marketing activity read again (a missed discount webhook), those Shopify no
 *    longer holds marked deleted; a scope the shop has not granted is named, not an error (decision 0055);
 *  - demand: rebuilt from the order lines, and yesterday's in-stock flags refreshed.
 */
import type { AdminClient } from "./admin-client.server";
import { shopTransaction, type Queryable } from "../db/pool.server";
import type { Shop } from "../shops/lookup.server";
import { dayIn, lockShopDemand, rebuildDemand, refreshInStock } from "./demand.server";
import { syncPromotions, type PromotionSyncResult } from "./discounts.server";
import { batches, downloadJsonl } from "./jsonl";
import { numericId } from "./ids";
import {
  BulkInventoryLevel,
  BulkOrderState,
  BulkProduct,
  BulkVariant,
  levelFromBulk,
  orderStateFromBulk,
  productFromBulk,
  variantFromBulk,
  type LevelRow,
  type OrderState,
  type ProductRow,
  type VariantRow,
} from "./records";
import {
  BULK_INVENTORY,
  BULK_OPERATION_QUERY,
  BULK_PRODUCTS,
  BULK_RUN_MUTATION,
  bulkOrderStatesQuery,
  COUNTS_QUERY,
} from "./shopify-queries";
import { upsertLevels, upsertProducts, upsertVariants } from "./writers.server";

export interface ReconcileContext {
  db: Queryable;
  shop: Shop;
  client: AdminClient;
  sleep?: (ms: number) => Promise<void>;
  fetchImpl?: typeof fetch;
}

export interface Repairs {
  /** Live products and orders in the synced window, as found before any repair. */
  products: { shopify: number; ours: number };
  orders: { shopify: number; ours: number };
  /** Products and variants Shopify no longer has, marked deleted. */
  productsRemoved: number;
  variantsRemoved: number;
  inventoryLevelsFixed: number;
  inventoryLevelsRemoved: number;
  demandRows: number;
  /** Orders whose unknown channel or fulfillment status was filled in from Shopify's export. */
  ordersFilled: number;
  /** Orders Shopify holds newer than we do (or we lack), updated over WEBHOOK_GRACE_MS before the export. */
  ordersStale: number;
  /** The store is to be imported again: the order counts differed, the product counts still do, or orders are stale. */
  resync: boolean;
  /** Discounts and marketing activities read, those marked deleted, the scopes not granted, records refused. */
  promotions?: PromotionSyncResult;
}

/** A webhook may still be on its way for an order updated this recently: its absence does not count as missed. */
export const WEBHOOK_GRACE_MS = 3_600_000;
/** The export of changed orders reaches back this far before the last sync or reconciliation started. */
const EXPORT_OVERLAP_MS = 86_400_000;

/** The `__typename` of a bulk export line (every query here asks for it). */
function typeOf(value: unknown): unknown {
  return typeof value === "object" && value !== null && "__typename" in value ? value.__typename : undefined;
}

/** Writes Shopify's products and variants and marks ours that it no longer has as deleted. */
async function repairProducts(
  ctx: ReconcileContext,
  url: string | null,
  shopifyProducts: number,
): Promise<{ products: number; variants: number }> {
  const { shop } = ctx;
  const productIds = new Set<string>();
  const variantIds = new Set<string>();
  let unreadable = 0;
  if (url) {
    for await (const batch of batches(await downloadJsonl(url, ctx.fetchImpl), 2000)) {
      const products: ProductRow[] = [];
      const variants: VariantRow[] = [];
      for (const { value } of batch) {
        const type = typeOf(value);
        if (type === "Product") {
          const parsed = BulkProduct.safeParse(value);
          if (parsed.success) products.push(productFromBulk(parsed.data));
          else unreadable++;
        } else if (type === "ProductVariant") {
          const parsed = BulkVariant.safeParse(value);
          if (parsed.success) variants.push(variantFromBulk(parsed.data));
          else unreadable++;
        }
      }
      for (const product of products) productIds.add(product.id);
      for (const variant of variants) variantIds.add(variant.id);
      await shopTransaction(shop.id, async (tx) => {
        await upsertProducts(tx, shop.id, products);
        await upsertVariants(tx, shop.id, variants);
      });
    }
  }
  // A record we could not read may be one we hold: then nothing is marked deleted on the strength of its absence.
  // No file means the export found nothing: taken as "no products" only when Shopify's count says so too.
  if (unreadable > 0 || (url === null && shopifyProducts > 0)) return { products: 0, variants: 0 };
  return shopTransaction(shop.id, async (tx) => {
    const products = await tx.query(
      `UPDATE "Product" p SET "deletedAt" = now() WHERE p."shopId" = $1 AND p."deletedAt" IS NULL
          AND NOT EXISTS (SELECT 1 FROM unnest($2::bigint[]) AS s(id) WHERE s.id = p.id)`,
      [shop.id, [...productIds]],
    );
    const variants = await tx.query(
      `UPDATE "ProductVariant" v SET "deletedAt" = now() WHERE v."shopId" = $1 AND v."deletedAt" IS NULL
          AND NOT EXISTS (SELECT 1 FROM unnest($2::bigint[]) AS s(id) WHERE s.id = v.id)`,
      [shop.id, [...variantIds]],
    );
    return { products: products.rowCount ?? 0, variants: variants.rowCount ?? 0 };
  });
}

/**
 * Reads the channel and fulfillment status of the window's orders that changed since the shop's last completed
 * sync or reconciliation (all of them while one of ours has no channel), fills in what we lack on the orders we
 * hold at the same version, and counts the orders Shopify holds newer than we do.
 */
async function checkOrderStates(ctx: ReconcileContext, from: string): Promise<{ filled: number; stale: number }> {
  const { db, shop } = ctx;
  const { rows } = await db.query<{ unknown: boolean; since: Date | null }>(
    `SELECT EXISTS (SELECT 1 FROM "Order" WHERE "shopId" = $1 AND "shopifyCreatedAt" >= $2 AND channel IS NULL) AS unknown,
            (SELECT max("startedAt") FROM "SyncRun" WHERE "shopId" = $1 AND status = 'completed' AND kind IN ('initial', 'reconcile')) AS since`,
    [shop.id, from],
  );
  const since = rows[0]?.unknown || !rows[0]?.since ? undefined : new Date(rows[0].since.getTime() - EXPORT_OVERLAP_MS).toISOString();
  const graceEnd = new Date(Date.now() - WEBHOOK_GRACE_MS);
  const url = await runBulkAndWait(ctx, bulkOrderStatesQuery(from, since));
  const result = { filled: 0, stale: 0 };
  if (!url) return result;
  for await (const batch of batches(await downloadJsonl(url, ctx.fetchImpl), 2000)) {
    const states: ({ id: string; updatedAt: string } & OrderState)[] = [];
    for (const { value } of batch) {
      if (typeOf(value) !== "Order") continue;
      const parsed = BulkOrderState.safeParse(value);
      if (parsed.success)
        states.push({ id: numericId(parsed.data.id), updatedAt: parsed.data.updatedAt, ...orderStateFromBulk(parsed.data) });
    }
    if (states.length === 0) continue;
    const counts = await shopTransaction(shop.id, async (tx) => {
      // Webhook batches write orders under this lock too: taken first, no deadlock with them.
      await lockShopDemand(tx, shop.id);
      const { rows: counted } = await tx.query<{ filled: number; stale: number }>(
        `WITH u AS (
           SELECT * FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[]) AS u(id, updated, channel, source, fulfillment)
         ),
         filled AS (
           UPDATE "Order" o SET channel = coalesce(o.channel, u.channel),
                  "sourceName" = CASE WHEN o.channel IS NULL THEN u.source ELSE o."sourceName" END,
                  "fulfillmentStatus" = coalesce(o."fulfillmentStatus", u.fulfillment)
             FROM u
            WHERE o."shopId" = $1 AND o.id = u.id AND o."shopifyUpdatedAt" = u.updated
              AND (o.channel IS NULL OR (o."fulfillmentStatus" IS NULL AND u.fulfillment IS NOT NULL))
           RETURNING o.id
         )
         SELECT (SELECT count(*) FROM filled)::int AS filled,
                (SELECT count(*) FROM u LEFT JOIN "Order" o ON o."shopId" = $1 AND o.id = u.id
                  WHERE u.updated < $7 AND (o.id IS NULL OR o."shopifyUpdatedAt" < u.updated))::int AS stale`,
        [
          shop.id,
          states.map((s) => s.id),
          states.map((s) => s.updatedAt),
          states.map((s) => s.channel),
          states.map((s) => s.sourceName),
          states.map((s) => s.fulfillmentStatus),
          graceEnd,
        ],
      );
      return counted[0] ?? { filled: 0, stale: 0 };
    });
    result.filled += counts.filled;
    result.stale += counts.stale;
  }
  return result;
}

async function runBulkAndWait(ctx: ReconcileContext, query: string): Promise<string | null> {
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = await ctx.client.request<{
    bulkOperationRunQuery: { bulkOperation: { id: string } | null; userErrors: { message: string }[] };
  }>(BULK_RUN_MUTATION, { query });
  const op = started.bulkOperationRunQuery.bulkOperation;
  if (!op) throw new Error(`bulk query refused: ${started.bulkOperationRunQuery.userErrors.map((e) => e.message).join("; ")}`);
  for (let poll = 0; poll < 600; poll++) {
    const { node } = await ctx.client.request<{ node: { status: string; url?: string | null } | null }>(BULK_OPERATION_QUERY, {
      id: op.id,
    });
    if (node?.status === "COMPLETED") return node.url ?? null;
    if (node && node.status !== "CREATED" && node.status !== "RUNNING") throw new Error(`bulk operation ended ${node.status}`);
    await sleep(Math.min(10_000, 250 * 2 ** Math.min(poll, 6)));
  }
  throw new Error("bulk operation did not finish in time");
}

export async function reconcileShop(ctx: ReconcileContext): Promise<Repairs> {
  const { db, shop } = ctx;
  const { rows: runRows } = await db.query<{ id: string; ordersFrom: Date | null }>(
    `INSERT INTO "SyncRun" (id, "shopId", kind, status, phase, "ordersFrom")
     SELECT gen_random_uuid(), $1, 'reconcile', 'running', 'counts',
            (SELECT "ordersFrom" FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' ORDER BY "startedAt" DESC LIMIT 1)
     RETURNING id, "ordersFrom"`,
    [shop.id],
  );
  const run = runRows[0];
  if (!run) throw new Error("could not record the reconciliation");
  try {
    const from = (run.ordersFrom ?? new Date(Date.now() - 730 * 86_400_000)).toISOString();
    const counts = await ctx.client.request<{ productsCount: { count: number }; ordersCount: { count: number } }>(COUNTS_QUERY, {
      ordersQuery: `created_at:>=${from}`,
    });
    const { rows: ours } = await db.query<{ products: string; orders: string }>(
      `SELECT (SELECT count(*) FROM "Product" WHERE "shopId" = $1 AND "deletedAt" IS NULL)::text AS products,
              (SELECT count(*) FROM "Order" WHERE "shopId" = $1 AND "shopifyCreatedAt" >= $2)::text AS orders`,
      [shop.id, from],
    );
    const repairs: Repairs = {
      products: { shopify: counts.productsCount.count, ours: Number(ours[0]?.products ?? 0) },
      orders: { shopify: counts.ordersCount.count, ours: Number(ours[0]?.orders ?? 0) },
      productsRemoved: 0,
      variantsRemoved: 0,
      inventoryLevelsFixed: 0,
      inventoryLevelsRemoved: 0,
      demandRows: 0,
      ordersFilled: 0,
      ordersStale: 0,
      resync: false,
    };

    await db.query(`UPDATE "SyncRun" SET phase = 'products', "updatedAt" = now() WHERE id = $1`, [run.id]);
    const removed = await repairProducts(ctx, await runBulkAndWait(ctx, BULK_PRODUCTS), repairs.products.shopify);
    repairs.productsRemoved = removed.products;
    repairs.variantsRemoved = removed.variants;
    const { rows: live } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM "Product" WHERE "shopId" = $1 AND "deletedAt" IS NULL`,
      [shop.id],
    );
    // Counts that still differ: webhooks were missed. The task re-runs the full import (same idempotent upserts).
    repairs.resync = Number(live[0]?.n ?? 0) !== repairs.products.shopify || repairs.orders.shopify !== repairs.orders.ours;

    await db.query(`UPDATE "SyncRun" SET phase = 'inventory', "updatedAt" = now() WHERE id = $1`, [run.id]);
    const url = await runBulkAndWait(ctx, BULK_INVENTORY);
    const seen = { items: [] as string[], locations: [] as string[], unreadable: 0 };
    if (url) {
      const now = new Date().toISOString();
      for await (const batch of batches(await downloadJsonl(url, ctx.fetchImpl), 2000)) {
        const levels: LevelRow[] = [];
        for (const { value } of batch) {
          if (typeOf(value) !== "InventoryLevel") continue;
          const parsed = BulkInventoryLevel.safeParse(value);
          if (parsed.success) levels.push(levelFromBulk(parsed.data));
          else seen.unreadable++;
        }
        for (const level of levels) {
          seen.items.push(level.inventoryItemId);
          seen.locations.push(level.locationId);
        }
        if (levels.length === 0) continue;
        repairs.inventoryLevelsFixed += await shopTransaction(shop.id, async (tx) => {
          const { rows } = await tx.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM unnest($2::bigint[], $3::bigint[], $4::int[]) AS u(item, loc, avail)
               LEFT JOIN "InventoryLevel" l ON l."shopId" = $1 AND l."inventoryItemId" = u.item AND l."locationId" = u.loc
              WHERE l.available IS DISTINCT FROM u.avail`,
            [shop.id, levels.map((l) => l.inventoryItemId), levels.map((l) => l.locationId), levels.map((l) => l.available)],
          );
          // Shopify's answer is the truth now: stamp it with the reconciliation time so it wins.
          await upsertLevels(
            tx,
            shop.id,
            shop.timezone,
            levels.map((l) => ({ ...l, updatedAt: now })),
            now,
          );
          return Number(rows[0]?.n ?? 0);
        });
      }
    }
    // The export holds every level of the shop: ours that it lacks are gone from Shopify (unless a line was unreadable,
    // or there was no export at all, which says nothing).
    if (url && seen.unreadable === 0) {
      const gone = await shopTransaction(shop.id, (tx) =>
        tx.query(
          `DELETE FROM "InventoryLevel" l WHERE l."shopId" = $1
              AND NOT EXISTS (SELECT 1 FROM unnest($2::bigint[], $3::bigint[]) AS s(item, loc)
                               WHERE s.item = l."inventoryItemId" AND s.loc = l."locationId")`,
          [shop.id, seen.items, seen.locations],
        ),
      );
      repairs.inventoryLevelsRemoved = gone.rowCount ?? 0;
    }

    await db.query(`UPDATE "SyncRun" SET phase = 'orders', "updatedAt" = now() WHERE id = $1`, [run.id]);
    const orderStates = await checkOrderStates(ctx, from);
    repairs.ordersFilled = orderStates.filled;
    repairs.ordersStale = orderStates.stale;
    if (orderStates.stale > 0) repairs.resync = true;

    await db.query(`UPDATE "SyncRun" SET phase = 'promotions', "updatedAt" = now() WHERE id = $1`, [run.id]);
    repairs.promotions = await syncPromotions(ctx);

    await db.query(`UPDATE "SyncRun" SET phase = 'demand', "updatedAt" = now() WHERE id = $1`, [run.id]);
    repairs.demandRows = await shopTransaction(shop.id, async (tx) => {
      await lockShopDemand(tx, shop.id);
      const rows = await rebuildDemand(tx, shop.id);
      const today = dayIn(shop.timezone);
      const first = await tx.query<{ day: string | null }>(
        `SELECT to_char(min(day), 'YYYY-MM-DD') AS day FROM "InventoryDay" WHERE "shopId" = $1`,
        [shop.id],
      );
      await refreshInStock(tx, shop.id, first.rows[0]?.day ?? today, today);
      return rows;
    });
    await db.query(
      `UPDATE "SyncRun" SET status = 'completed', phase = 'done', repairs = $2::jsonb, "finishedAt" = now(), "updatedAt" = now() WHERE id = $1`,
      [run.id, JSON.stringify(repairs)],
    );
    return repairs;
  } catch (error) {
    await db.query(
      `UPDATE "SyncRun" SET status = 'failed', errors = errors || jsonb_build_array(jsonb_build_object('at', now(), 'message', $2::text)),
         "finishedAt" = now(), "updatedAt" = now() WHERE id = $1`,
      [run.id, error instanceof Error ? error.message : String(error)],
    );
    throw error;
  }
}
