/**
 * Nightly reconciliation: compares what we hold with Shopify and repairs drift (missed webhooks),
 * recording what it fixed in a SyncRun of kind `reconcile`:
 *  - counts: products and orders (in the synced window) against productsCount / ordersCount; a
 *    difference re-imports that resource with the same bulk query as the initial sync;
 *  - inventory: every level is compared with a fresh bulk export and corrected where it differs;
 *  - demand: rebuilt from the order lines, and yesterday's in-stock flags refreshed.
 */
import type { AdminClient } from "./admin-client.server";
import { shopTransaction, type Queryable } from "../db/pool.server";
import type { Shop } from "../shops/lookup.server";
import { dayIn, lockShopDemand, rebuildDemand, refreshInStock } from "./demand.server";
import { batches, downloadJsonl } from "./jsonl";
import { BulkInventoryLevel, levelFromBulk, type LevelRow } from "./records";
import { BULK_INVENTORY, BULK_OPERATION_QUERY, BULK_RUN_MUTATION, COUNTS_QUERY } from "./shopify-queries";
import { upsertLevels } from "./writers.server";

export interface ReconcileContext {
  db: Queryable;
  shop: Shop;
  client: AdminClient;
  sleep?: (ms: number) => Promise<void>;
  fetchImpl?: typeof fetch;
}

export interface Repairs {
  products: { shopify: number; ours: number };
  orders: { shopify: number; ours: number };
  inventoryLevelsFixed: number;
  demandRows: number;
  resync: boolean;
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
      inventoryLevelsFixed: 0,
      demandRows: 0,
      resync: false,
    };
    // Counts differ: webhooks were missed. The task re-runs the full import (same idempotent upserts).
    repairs.resync = repairs.products.shopify !== repairs.products.ours || repairs.orders.shopify !== repairs.orders.ours;

    await db.query(`UPDATE "SyncRun" SET phase = 'inventory', "updatedAt" = now() WHERE id = $1`, [run.id]);
    const url = await runBulkAndWait(ctx, BULK_INVENTORY);
    if (url) {
      const now = new Date().toISOString();
      for await (const batch of batches(await downloadJsonl(url, ctx.fetchImpl), 2000)) {
        const levels: LevelRow[] = [];
        for (const { value } of batch) {
          const parsed = BulkInventoryLevel.safeParse(value);
          if (parsed.success) levels.push(levelFromBulk(parsed.data));
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
