/**
 * Incremental sync by webhooks (docs/decisions/0021-webhook-receipt.md).
 *
 * Receipt (in the route, after HMAC and payload validation): ONE statement stores the event under its
 * unique key (shop, X-Shopify-Webhook-Id) and adds its processing job — a duplicate delivery inserts
 * nothing and adds no job. Then the route answers 200.
 *
 * Processing (job `sync.webhook`): idempotent, last writer wins by Shopify's updated_at, demand
 * recomputed for the touched (variant, day) keys. Failures are retried by Graphile Worker with
 * exponential back-off; after the last attempt the event is `dead` and can be replayed.
 */
import { noteDemandChanged } from "../forecasts/run.server";
import { inTransaction, ShopGoneError, shopTransaction, type Queryable } from "../db/pool.server";
import { syncWebhookJob } from "../jobs/contracts/sync";
import { addJob, ensureWorkerSchema } from "../jobs/queue.server";
import { shopById, type Shop } from "../shops/lookup.server";
import { demandKeysOfOrders, fillInStock, lockShopDemand, recomputeDemand, refreshInStock, type DemandKey } from "./demand.server";
import {
  BulkFinishPayload,
  InventoryLevelPayload,
  normaliseOrder,
  OrderPayload,
  ProductDeletePayload,
  ProductPayload,
  productFromPayload,
  RefundPayload,
  refundLinesFromPayload,
  type WebhookTopic,
} from "./records";
import { insertRefundLines, upsertLevels, upsertLines, upsertOrders, upsertProducts, upsertVariants } from "./writers.server";

export interface ReceivedWebhook {
  shop: string;
  webhookId: string;
  topic: string;
  apiVersion: string;
  payload: unknown;
}

export type Receipt = "stored" | "duplicate" | "unknown-shop";

/**
 * Stores the event and enqueues its job. Deliveries that arrive while a receipt is being written are
 * grouped into the next statement (group commit): the route still answers only after its event is
 * committed, but a burst costs one transaction and one queue notification per group instead of per
 * webhook (docs/decisions/0021-webhook-receipt.md).
 */
export function receiveWebhook(db: Queryable, event: ReceivedWebhook): Promise<Receipt> {
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new ReceiptBatcher(db)));
  return batcher.add(event);
}

const MAX_BATCH = 250;
const MAX_IN_FLIGHT = 2;
const batchers = new WeakMap<Queryable, ReceiptBatcher>();

interface PendingReceipt {
  event: ReceivedWebhook;
  resolve: (receipt: Receipt) => void;
  reject: (error: unknown) => void;
}

class ReceiptBatcher {
  private pending: PendingReceipt[] = [];
  private inFlight = 0;

  constructor(private readonly db: Queryable) {}

  add(event: ReceivedWebhook): Promise<Receipt> {
    return new Promise<Receipt>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      this.inFlight++;
      storeReceipts(
        this.db,
        batch.map((item) => item.event),
      )
        .then(
          (receipts) => batch.forEach((item, index) => item.resolve(receipts[index] ?? "unknown-shop")),
          (error: unknown) => batch.forEach((item) => item.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

/** One statement: insert the events under their unique key, add one job per inserted event. */
async function storeReceipts(db: Queryable, events: ReceivedWebhook[]): Promise<Receipt[]> {
  await ensureWorkerSchema();
  const { rows } = await db.query<{ n: string; known: boolean; stored: boolean }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
         AS i(shop, webhook_id, topic, api_version, payload, n)
     ),
     known AS (SELECT i.*, s.id AS shop_id FROM input i JOIN "Shop" s ON s.domain = i.shop),
     inserted AS (
       INSERT INTO "WebhookEvent" ("shopId", "webhookId", topic, "apiVersion", payload)
       SELECT shop_id, webhook_id, topic, api_version, payload::jsonb FROM known ORDER BY n
       ON CONFLICT ("shopId", "webhookId") DO NOTHING
       RETURNING id, "shopId", "webhookId"
     ),
     jobs AS (
       SELECT count(*) AS added FROM graphile_worker.add_jobs(
         (SELECT array_agg(ROW($6, json_build_object('eventId', id::text), NULL, NULL, $7::smallint, 'webhook:' || id, NULL, NULL)::graphile_worker.job_spec)
            FROM inserted))
     )
     SELECT i.n::text, k.shop_id IS NOT NULL AS known,
            (ins.id IS NOT NULL AND i.n = (SELECT min(k2.n) FROM known k2 WHERE k2.shop_id = k.shop_id AND k2.webhook_id = k.webhook_id)) AS stored
       FROM input i
       LEFT JOIN known k ON k.n = i.n
       LEFT JOIN inserted ins ON ins."shopId" = k.shop_id AND ins."webhookId" = k.webhook_id
      WHERE (SELECT added FROM jobs) >= 0
      ORDER BY i.n`,
    [
      events.map((e) => e.shop),
      events.map((e) => e.webhookId),
      events.map((e) => e.topic),
      events.map((e) => e.apiVersion),
      events.map((e) => JSON.stringify(e.payload)),
      syncWebhookJob.name,
      syncWebhookJob.maxAttempts,
    ],
  );
  return rows.map((row) => (!row.known ? "unknown-shop" : row.stored ? "stored" : "duplicate"));
}

interface EventRow {
  id: string;
  shopId: string;
  topic: WebhookTopic;
  apiVersion: string;
  payload: unknown;
  status: string;
}

export interface ProcessOutcome {
  status: "processed" | "skipped";
  detail?: string;
  /** For bulk_operations/finish: the shop whose sync should wake up. */
  wakeSync?: string;
}

export async function loadEvent(db: Queryable, eventId: string): Promise<EventRow | null> {
  const { rows } = await db.query<EventRow>(
    `SELECT id::text, "shopId", topic, "apiVersion", payload, status FROM "WebhookEvent" WHERE id = $1`,
    [eventId],
  );
  return rows[0] ?? null;
}

/** Applies one stored event. Safe to run any number of times, in any order relative to other events. */
export async function processEvent(db: Queryable, event: EventRow): Promise<ProcessOutcome> {
  const shop = await shopById(db, event.shopId);
  if (!shop) throw new ShopGoneError(event.shopId);
  const outcome = await applyEvent(shop, event);
  await db.query(`UPDATE "WebhookEvent" SET status = $2, "processedAt" = now(), "lastError" = $3 WHERE id = $1`, [
    event.id,
    outcome.status,
    outcome.detail ?? null,
  ]);
  return outcome;
}

async function applyEvent(shop: Shop, event: EventRow): Promise<ProcessOutcome> {
  switch (event.topic) {
    case "products/create":
    case "products/update": {
      const { product, variants } = productFromPayload(ProductPayload.parse(event.payload));
      return shopTransaction(shop.id, async (tx) => {
        const written = await upsertProducts(tx, shop.id, [product]);
        if (written === 0) return { status: "skipped", detail: "older than stored product" };
        await upsertVariants(tx, shop.id, variants);
        // The variant ↔ inventory item mapping decides which stock history its demand rows read.
        await lockShopDemand(tx, shop.id);
        await fillInStock(
          tx,
          shop.id,
          variants.map((v) => v.id),
          null,
        );
        // Variants missing from a newer product payload were deleted in Shopify.
        await tx.query(
          `UPDATE "ProductVariant" SET "deletedAt" = coalesce("deletedAt", $3::timestamptz)
            WHERE "shopId" = $1 AND "productId" = $2 AND NOT (id = ANY($4::bigint[])) AND "shopifyUpdatedAt" <= $3::timestamptz`,
          [shop.id, product.id, product.updatedAt, variants.map((v) => v.id)],
        );
        return { status: "processed" };
      });
    }
    case "products/delete": {
      const { id } = ProductDeletePayload.parse(event.payload);
      // A deleted product never comes back under the same id, so the mark is final whatever arrives later.
      await shopTransaction(shop.id, async (tx) => {
        await tx.query(`UPDATE "Product" SET "deletedAt" = coalesce("deletedAt", now()) WHERE "shopId" = $1 AND id = $2`, [shop.id, id]);
        await tx.query(`UPDATE "ProductVariant" SET "deletedAt" = coalesce("deletedAt", now()) WHERE "shopId" = $1 AND "productId" = $2`, [
          shop.id,
          id,
        ]);
      });
      return { status: "processed" };
    }
    case "inventory_levels/update": {
      const p = InventoryLevelPayload.parse(event.payload);
      const available = p.available;
      if (available === null) return { status: "skipped", detail: "item not tracked" };
      return shopTransaction(shop.id, async (tx) => {
        await lockShopDemand(tx, shop.id);
        await upsertLevels(tx, shop.id, shop.timezone, [
          { inventoryItemId: p.inventory_item_id, locationId: p.location_id, available, onHand: null, updatedAt: p.updated_at },
        ]);
        const { rows } = await tx.query<{ day: string }>(`SELECT to_char(($1::timestamptz AT TIME ZONE $2)::date, 'YYYY-MM-DD') AS day`, [
          p.updated_at,
          shop.timezone,
        ]);
        const day = rows[0]?.day;
        if (day) await refreshInStock(tx, shop.id, day, day);
        return { status: "processed" };
      });
    }
    case "orders/create":
    case "orders/updated":
    case "orders/cancelled":
    case "orders/fulfilled": {
      const { order, lines, refunds } = normaliseOrder(event.apiVersion, OrderPayload.parse(event.payload));
      return shopTransaction(shop.id, async (tx) => {
        await lockShopDemand(tx, shop.id);
        const before = await demandKeysOfOrders(tx, shop.id, [order.id]);
        // Refunds are append-only facts: keep them whatever the order's age.
        await insertRefundLines(tx, shop.id, refunds);
        const written = await upsertOrders(tx, shop.id, shop.timezone, [order]);
        if (written.length > 0) {
          await tx.query(`DELETE FROM "OrderLine" WHERE "shopId" = $1 AND "orderId" = $2 AND NOT (id = ANY($3::bigint[]))`, [
            shop.id,
            order.id,
            lines.map((l) => l.id),
          ]);
          await upsertLines(tx, shop.id, lines);
        }
        const after = await demandKeysOfOrders(tx, shop.id, [order.id]);
        await recomputeDemand(tx, shop.id, [...before, ...after]);
        await noteDemandChanged(shop.id, after.length, tx);
        return written.length > 0 || refunds.length > 0
          ? { status: "processed" }
          : { status: "skipped", detail: "older than stored order" };
      });
    }
    case "refunds/create": {
      const p = RefundPayload.parse(event.payload);
      return shopTransaction(shop.id, async (tx) => {
        await lockShopDemand(tx, shop.id);
        await insertRefundLines(tx, shop.id, refundLinesFromPayload(p));
        const keys: DemandKey[] = await demandKeysOfOrders(tx, shop.id, [p.order_id]);
        await recomputeDemand(tx, shop.id, keys);
        await noteDemandChanged(shop.id, keys.length, tx);
        return { status: "processed" };
      });
    }
    case "bulk_operations/finish": {
      const p = BulkFinishPayload.parse(event.payload);
      return { status: "processed", detail: `${p.admin_graphql_api_id} ${p.status}`, wakeSync: shop.domain };
    }
    default:
      return { status: "skipped", detail: `topic ${String(event.topic)} is not synced` };
  }
}

/** Records a failed attempt; the last one leaves the event dead (listed with a Replay button). */
export async function recordFailure(db: Queryable, eventId: string, error: unknown, attempt: number, maxAttempts: number): Promise<void> {
  await db.query(`UPDATE "WebhookEvent" SET status = $2, attempts = $3, "lastError" = $4 WHERE id = $1`, [
    eventId,
    attempt >= maxAttempts ? "dead" : "failed",
    attempt,
    String(error instanceof Error ? error.message : error).slice(0, 1000),
  ]);
}

/** Replays a failed or dead event of the shop: a fresh job with the same key (Graphile resets its attempts). */
export async function replayEvent(shopDomain: string, eventId: string): Promise<boolean> {
  return inTransaction(async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE "WebhookEvent" e SET status = 'received', attempts = 0 FROM "Shop" s
        WHERE e.id = $2 AND e."shopId" = s.id AND s.domain = $1 AND e.status IN ('failed', 'dead')`,
      [shopDomain, eventId],
    );
    if (!rowCount) return false;
    await addJob(tx, syncWebhookJob, { eventId });
    return true;
  });
}
