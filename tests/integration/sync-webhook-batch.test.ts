/**
 * Set-based webhook processing (docs/decisions/0050) against real PostgreSQL: a shop's pending events applied
 * in batches end in the same rows as the same events applied one by one; a batch that fails half-way leaves
 * nothing written and every event pending, and a retry reaches the same rows; an event that cannot be
 * applied fails alone, with its attempts and back-off, while the rest of its batch goes through.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as DbModule from "../../app/db/pool.server";
import type * as LookupModule from "../../app/shops/lookup.server";
import type * as WebhooksModule from "../../app/sync/webhooks.server";
import { createTestDatabase, sql } from "../support/db";
import { prng } from "../support/random";
import { waitFor } from "../support/wait";

// The job handlers load the Shopify app's configuration.
process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sync: typeof WebhooksModule;
let pool: typeof DbModule;
let lookup: typeof LookupModule;

beforeAll(async () => {
  db = await createTestDatabase();
  sync = await import("../../app/sync/webhooks.server");
  pool = await import("../../app/db/pool.server");
  lookup = await import("../../app/shops/lookup.server");
});
afterAll(async () => {
  await pool.closePool();
  await db.drop();
});

interface Hook {
  topic: string;
  webhookId: string;
  payload: unknown;
}

let shops = 0;
async function addShop(): Promise<{ id: string; domain: string }> {
  const domain = `batch-${++shops}.myshopify.com`;
  const rows = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, "ianaTimezone", "updatedAt", "shopInfoSyncedAt") VALUES (gen_random_uuid(), $1, 'Europe/London', now(), now()) RETURNING id`,
    [domain],
  );
  return { id: rows[0]!.id, domain };
}

function product(id: number, updatedAt: string, variants: { id: number; price: string }[], title = `Product ${id}`) {
  return {
    id,
    title,
    handle: `product-${id}`,
    status: "active",
    vendor: "Hollow Oak",
    created_at: "2025-09-01T08:00:00Z",
    updated_at: updatedAt,
    variants: variants.map((v) => ({
      id: v.id,
      title: `V${v.id}`,
      sku: `S${v.id}`,
      price: v.price,
      inventory_item_id: v.id + 100,
      updated_at: updatedAt,
    })),
  };
}

function order(
  id: number,
  updatedAt: string,
  lines: { id: number; variant: number; quantity: number }[],
  extra: Record<string, unknown> = {},
) {
  return {
    id,
    name: `#${id}`,
    email: "someone@example.com",
    created_at: "2025-10-01T23:30:00Z", // 00:30 on 2 Oct in London
    processed_at: "2025-10-01T23:30:00Z",
    updated_at: updatedAt,
    cancelled_at: null,
    currency: "GBP",
    location_id: 71000002,
    line_items: lines.map((l) => ({
      id: l.id,
      variant_id: l.variant,
      product_id: 50,
      sku: "A",
      quantity: l.quantity,
      price: "2.50",
      discount_allocations: [],
    })),
    refunds: [],
    ...extra,
  };
}

const level = (item: number, available: number | null, updatedAt: string) => ({
  inventory_item_id: item,
  location_id: 71000002,
  available,
  updated_at: updatedAt,
});

/** The catalogue: what a shop holds before its orders arrive (Shopify creates a product before selling it). */
const catalogue: Hook[] = [
  {
    topic: "products/create",
    webhookId: "p-50",
    payload: product(50, "2025-09-01T08:00:00Z", [
      { id: 501, price: "2.50" },
      { id: 502, price: "3.00" },
    ]),
  },
  { topic: "products/create", webhookId: "p-60", payload: product(60, "2025-09-01T08:00:00Z", [{ id: 601, price: "9.00" }]) },
];

/** Everything else, in the order Shopify sent it: updates, a refund, a cancellation, stock over three days. */
const stream: Hook[] = [
  { topic: "orders/create", webhookId: "o-1a", payload: order(9001, "2025-10-01T23:30:00Z", [{ id: 90010, variant: 501, quantity: 2 }]) },
  {
    topic: "orders/updated",
    webhookId: "o-1b",
    payload: order(9001, "2025-10-02T10:00:00Z", [
      { id: 90010, variant: 501, quantity: 3 },
      { id: 90011, variant: 502, quantity: 1 },
    ]),
  },
  {
    topic: "refunds/create",
    webhookId: "r-1",
    payload: {
      id: 77,
      order_id: 9001,
      created_at: "2025-10-03T10:00:00Z",
      refund_line_items: [{ line_item_id: 90010, quantity: 1, restock_type: "return", location_id: 71000002 }],
    },
  },
  {
    topic: "orders/updated",
    webhookId: "o-1c",
    // The last word on the order: line 90011 was removed.
    payload: order(9001, "2025-10-03T10:00:00Z", [{ id: 90010, variant: 501, quantity: 3 }]),
  },
  { topic: "orders/create", webhookId: "o-2a", payload: order(9002, "2025-10-01T12:00:00Z", [{ id: 90020, variant: 502, quantity: 5 }]) },
  {
    topic: "orders/cancelled",
    webhookId: "o-2b",
    payload: order(9002, "2025-10-01T13:00:00Z", [{ id: 90020, variant: 502, quantity: 5 }], { cancelled_at: "2025-10-01T13:00:00Z" }),
  },
  {
    topic: "orders/create",
    webhookId: "o-3a",
    payload: order(9003, "2025-10-02T12:00:00Z", [{ id: 90030, variant: 601, quantity: 1 }], {
      created_at: "2025-10-02T12:00:00Z",
      processed_at: "2025-10-02T12:00:00Z",
    }),
  },
  // Stock on the orders' day (2 Oct in London), out of order: item 601 (variant 501) ends at 0, was up to 4.
  { topic: "inventory_levels/update", webhookId: "l-1", payload: level(601, 4, "2025-10-02T09:00:00Z") },
  { topic: "inventory_levels/update", webhookId: "l-2", payload: level(601, 0, "2025-10-02T15:00:00Z") },
  { topic: "inventory_levels/update", webhookId: "l-3", payload: level(601, 2, "2025-10-02T12:00:00Z") },
  { topic: "inventory_levels/update", webhookId: "l-4", payload: level(701, 0, "2025-10-02T10:00:00Z") },
  { topic: "inventory_levels/update", webhookId: "l-5", payload: level(602, 7, "2025-10-02T10:00:00Z") },
  { topic: "inventory_levels/update", webhookId: "l-6", payload: level(602, null, "2025-10-02T11:00:00Z") },
  // Product 50 loses variant 502 and changes a price; product 60 is deleted.
  { topic: "products/update", webhookId: "p-50b", payload: product(50, "2025-10-05T08:00:00Z", [{ id: 501, price: "2.75" }], "Bag") },
  { topic: "products/delete", webhookId: "p-60x", payload: { id: 60 } },
];

async function receive(domain: string, hooks: Hook[]): Promise<void> {
  const { TOPIC_PAYLOADS } = await import("../../app/sync/records");
  for (const hook of hooks) {
    const schema = TOPIC_PAYLOADS[hook.topic as keyof typeof TOPIC_PAYLOADS];
    await sync.receiveWebhook(pool.pool(), {
      shop: domain,
      webhookId: hook.webhookId,
      topic: hook.topic,
      apiVersion: "2025-10",
      payload: schema.parse(hook.payload),
    });
  }
}

/** The reference: every stored event applied alone, in receipt order. */
async function oneByOne(shopId: string): Promise<void> {
  const ids = await sql<{ id: string }>(db.url, `SELECT e.id::text FROM "WebhookEvent" e WHERE e."shopId" = $1 ORDER BY e.id`, [shopId]);
  for (const { id } of ids) {
    const event = await sync.loadEvent(pool.pool(), id);
    if (event?.status === "received") await sync.processEvent(pool.pool(), event);
  }
}

/** Each webhook 1–3 times, shuffled: the catalogue first (it arrived first), then the rest. */
function redelivered(hooks: Hook[], seed: number): Hook[] {
  const random = prng(seed);
  const copies = hooks.flatMap((hook) => Array.from({ length: 1 + Math.floor(random() * 3) }, () => hook));
  for (let i = copies.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copies[i], copies[j]] = [copies[j]!, copies[i]!];
  }
  return copies;
}

async function state(shopId: string) {
  const q = (text: string) => sql(db.url, text, [shopId]);
  return {
    products: await q(
      `SELECT id::text, title, "deletedAt" IS NOT NULL AS deleted, "shopifyUpdatedAt" FROM "Product" WHERE "shopId" = $1 ORDER BY id`,
    ),
    variants: await q(
      `SELECT id::text, "productId"::text, price::text, "inventoryItemId"::text, "deletedAt" IS NOT NULL AS deleted
         FROM "ProductVariant" WHERE "shopId" = $1 ORDER BY id`,
    ),
    orders: await q(
      `SELECT id::text, "cancelledAt", "shopifyUpdatedAt", day::text, "locationId"::text FROM "Order" WHERE "shopId" = $1 ORDER BY id`,
    ),
    lines: await q(
      `SELECT id::text, "orderId"::text, "variantId"::text, quantity, "discountedTotal"::text FROM "OrderLine" WHERE "shopId" = $1 ORDER BY id`,
    ),
    refunds: await q(
      `SELECT "refundId"::text, "lineItemId"::text, quantity, "restockType" FROM "RefundLine" WHERE "shopId" = $1 ORDER BY 1, 2`,
    ),
    levels: await q(
      `SELECT "inventoryItemId"::text, "locationId"::text, available, "shopifyUpdatedAt" FROM "InventoryLevel" WHERE "shopId" = $1 ORDER BY 1, 2`,
    ),
    history: await q(
      `SELECT "inventoryItemId"::text, day::text, "maxAvailable", "lastAvailable", "lastAt" FROM "InventoryDay" WHERE "shopId" = $1 ORDER BY 1, 2`,
    ),
    demand: await q(
      `SELECT "variantId"::text, "locationId"::text, day::text, units, revenue::text, "inStock" FROM "DailyDemand" WHERE "shopId" = $1 ORDER BY 1, 2, 3`,
    ),
  };
}

async function events(shopId: string) {
  return sql<{ webhookId: string; status: string; attempts: number; lastError: string | null; retryAt: Date | null }>(
    db.url,
    `SELECT "webhookId", status, attempts, "lastError", "retryAt" FROM "WebhookEvent" e WHERE "shopId" = $1 ORDER BY e.id`,
    [shopId],
  );
}

/** The queued sync.webhook jobs of these shops (the public jobs view has no payload). */
async function webhookJobs(shopIds: string[]) {
  return sql<{ key: string; queue_name: string; payload: unknown }>(
    db.url,
    `SELECT j.key, q.queue_name, j.payload FROM graphile_worker._private_jobs j
       JOIN graphile_worker._private_tasks t ON t.id = j.task_id
       LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
      WHERE t.identifier = 'sync.webhook' AND j.payload->>'shopId' = ANY($1) ORDER BY j.key`,
    [shopIds],
  );
}

let reference: Awaited<ReturnType<typeof state>>;

describe("set-based webhook processing", () => {
  it("a batch with duplicates and out-of-order updates gives the same rows as applying the events one by one", async () => {
    const ordered = await addShop();
    await receive(ordered.domain, [...catalogue, ...stream]);
    await oneByOne(ordered.id);
    reference = await state(ordered.id);
    // The expected end state, spelled out: order 9001 keeps only line 90010 (3 units, 1 returned); 9002 is
    // cancelled; 9003 sells variant 601, whose item 701 was at 0 all day; item 601 was up to 4 and ended at 0.
    expect(reference.lines).toEqual([
      { id: "90010", orderId: "9001", variantId: "501", quantity: 3, discountedTotal: "7.50" },
      { id: "90020", orderId: "9002", variantId: "502", quantity: 5, discountedTotal: "12.50" },
      { id: "90030", orderId: "9003", variantId: "601", quantity: 1, discountedTotal: "2.50" },
    ]);
    expect(reference.demand).toEqual([
      { variantId: "501", locationId: "71000002", day: "2025-10-02", units: 2, revenue: "5.00", inStock: true },
      { variantId: "601", locationId: "71000002", day: "2025-10-02", units: 1, revenue: "2.50", inStock: false },
    ]);
    expect(reference.history.map(({ lastAt: _lastAt, ...row }) => row)).toEqual([
      { inventoryItemId: "601", day: "2025-10-02", maxAvailable: 4, lastAvailable: 0 },
      { inventoryItemId: "602", day: "2025-10-02", maxAvailable: 7, lastAvailable: 7 },
      { inventoryItemId: "701", day: "2025-10-02", maxAvailable: 0, lastAvailable: 0 },
    ]);
    expect(reference.variants).toEqual([
      { id: "501", productId: "50", price: "2.75", inventoryItemId: "601", deleted: false },
      { id: "502", productId: "50", price: "3.00", inventoryItemId: "602", deleted: true },
      { id: "601", productId: "60", price: "9.00", inventoryItemId: "701", deleted: true },
    ]);

    // The same webhooks, each delivered 1–3 times and shuffled, applied in one batch and in batches of 3.
    for (const batchSize of [500, 3]) {
      const shop = await addShop();
      await receive(shop.domain, [...redelivered(catalogue, 11), ...redelivered(stream, 7 + batchSize)]);
      const drained = await sync.drainShopEvents(shop.id, { batchSize });
      expect(drained).toEqual({ claimed: catalogue.length + stream.length, more: false, retryAt: null });
      expect(await state(shop.id)).toEqual(reference);
      const outcomes = await events(shop.id);
      expect(outcomes.filter((e) => e.status !== "processed" && e.status !== "skipped")).toEqual([]);
      expect(outcomes.find((e) => e.webhookId === "l-6")).toMatchObject({ status: "skipped", lastError: "item not tracked" });
    }
  });

  it("a batch that fails half-way writes nothing and leaves every event pending; retried, it reaches the same rows", async () => {
    const shop = await addShop();
    await receive(shop.domain, [...catalogue, ...stream]);
    // A fault after the catalogue, stock, orders, lines and refunds are written: the batch's first write of demand.
    await sql(db.url, `CREATE FUNCTION fail_demand() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
    await sql(
      db.url,
      `CREATE TRIGGER fail_demand BEFORE INSERT OR UPDATE ON "DailyDemand" FOR EACH ROW WHEN (NEW."shopId" = '${shop.id}') EXECUTE FUNCTION fail_demand()`,
    );
    const row = await lookup.shopById(pool.pool(), shop.id);
    await expect(sync.applyBatch(row!, { limit: 500 })).rejects.toThrow(/disk on fire/);
    const empty = { products: [], variants: [], orders: [], lines: [], refunds: [], levels: [], history: [], demand: [] };
    expect(await state(shop.id)).toEqual(empty);
    expect((await events(shop.id)).map(({ status, attempts, retryAt }) => ({ status, attempts, retryAt }))).toEqual(
      Array.from({ length: catalogue.length + stream.length }, () => ({ status: "received", attempts: 0, retryAt: null })),
    );

    // The job meets the same fault: the events that write demand fail one by one (an attempt each, a back-off),
    // the others go through; nothing is doubled when the failed ones are tried again after the fault is gone.
    const drainedAt = Date.now();
    const first = await sync.drainShopEvents(shop.id);
    expect(first.retryAt).not.toBeNull();
    const failed = (await events(shop.id)).filter((e) => e.status === "failed");
    expect(failed.map((e) => e.webhookId)).toEqual(expect.arrayContaining(["o-1a", "o-1b", "o-1c", "o-3a"]));
    for (const event of failed) {
      expect(event).toMatchObject({ attempts: 1, lastError: "disk on fire" });
      // e^1 s after the failure, which came after the drain began.
      expect(event.retryAt!.getTime()).toBeGreaterThanOrEqual(drainedAt + 2_700);
    }
    // Not before their back-off (moved an hour ahead, so that the test does not race the clock).
    await sql(db.url, `UPDATE "WebhookEvent" SET "retryAt" = now() + interval '1 hour' WHERE "shopId" = $1 AND status = 'failed'`, [
      shop.id,
    ]);
    expect(await sync.drainShopEvents(shop.id)).toMatchObject({ claimed: 0, more: false });

    await sql(db.url, `DROP TRIGGER fail_demand ON "DailyDemand"; DROP FUNCTION fail_demand()`);
    await sql(db.url, `UPDATE "WebhookEvent" SET "retryAt" = now() - interval '1 second' WHERE "shopId" = $1 AND status = 'failed'`, [
      shop.id,
    ]);
    expect(await sync.drainShopEvents(shop.id)).toMatchObject({ claimed: failed.length, more: false, retryAt: null });
    expect(await state(shop.id)).toEqual(reference);
    expect((await events(shop.id)).filter((e) => e.status !== "processed" && e.status !== "skipped")).toEqual([]);
  });

  it("an event that cannot be applied fails alone, dead after its last attempt, and a replay makes it pending again", async () => {
    const shop = await addShop();
    const other = await addShop();
    // 3 000 000 000 units pass the payload's validation but not PostgreSQL's integer column: a poison event.
    const poison: Hook = {
      topic: "orders/create",
      webhookId: "poison",
      payload: order(9999, "2025-10-02T10:00:00Z", [{ id: 99990, variant: 501, quantity: 3_000_000_000 }]),
    };
    await receive(shop.domain, [...catalogue, ...stream.slice(0, 5), poison, ...stream.slice(5)]);
    await receive(other.domain, stream.slice(0, 2));

    const drained = await sync.drainShopEvents(shop.id);
    expect(drained.claimed).toBe(catalogue.length + stream.length + 1);
    expect(await state(shop.id)).toEqual(reference);
    const list = await events(shop.id);
    expect(list.filter((e) => e.status !== "processed" && e.status !== "skipped").map((e) => e.webhookId)).toEqual(["poison"]);
    const failed = list.find((e) => e.webhookId === "poison")!;
    expect(failed).toMatchObject({ status: "failed", attempts: 1, lastError: expect.stringMatching(/out of range/) });
    expect(drained.retryAt).toEqual(failed.retryAt);
    // Another shop's pending events are not its batches' business.
    expect((await events(other.id)).map((e) => e.status)).toEqual(["received", "received"]);

    // Its last attempt leaves it dead; Replay makes it pending again, with its shop's job queued.
    await sql(db.url, `UPDATE "WebhookEvent" SET attempts = $2 - 1, "retryAt" = now() WHERE "shopId" = $1 AND "webhookId" = 'poison'`, [
      shop.id,
      sync.EVENT_MAX_ATTEMPTS,
    ]);
    expect(await sync.drainShopEvents(shop.id)).toEqual({ claimed: 1, more: false, retryAt: null });
    const dead = (await events(shop.id)).find((e) => e.webhookId === "poison")!;
    expect(dead).toMatchObject({ status: "dead", attempts: sync.EVENT_MAX_ATTEMPTS });
    const [row] = await sql<{ id: string }>(db.url, `SELECT id::text FROM "WebhookEvent" WHERE "shopId" = $1 AND "webhookId" = 'poison'`, [
      shop.id,
    ]);
    expect(await sync.replayEvent(other.domain, row!.id)).toBe(false);
    expect(await sync.replayEvent(shop.domain, row!.id)).toBe(true);
    expect((await events(shop.id)).find((e) => e.webhookId === "poison")).toMatchObject({ status: "received", attempts: 0, retryAt: null });
    const jobs = await webhookJobs([shop.id]);
    expect(jobs).toEqual([{ key: `webhooks:${shop.id}`, queue_name: `webhooks:${shop.id}`, payload: { shopId: shop.id } }]);
  });

  it("the receipt queues one job per shop, keyed and queued by shop, however many events it stored", async () => {
    const a = await addShop();
    const b = await addShop();
    await receive(a.domain, stream.slice(0, 6));
    await receive(b.domain, stream.slice(0, 3));
    const jobs = await webhookJobs([a.id, b.id]);
    expect(jobs).toEqual(
      [a.id, b.id].sort().map((id) => ({ key: `webhooks:${id}`, queue_name: `webhooks:${id}`, payload: { shopId: id } })),
    );
  });

  it("the job of a shop that is gone skips its pending events and writes nothing", async () => {
    const shop = await addShop();
    await receive(shop.domain, stream.slice(0, 4));
    await sql(db.url, `UPDATE "Shop" SET "installState" = 'UNINSTALLED' WHERE id = $1`, [shop.id]);
    expect(await sync.drainShopEvents(shop.id)).toEqual({ claimed: 0, more: false, retryAt: null });
    expect((await events(shop.id)).map((e) => [e.status, e.lastError])).toEqual(
      Array.from({ length: 4 }, () => ["skipped", `shop ${shop.id} is no longer installed`]),
    );
    expect(await sql(db.url, `SELECT 1 FROM "Order" WHERE "shopId" = $1`, [shop.id])).toHaveLength(0);
  });

  it("Graphile Worker drains every shop through its queued job to the same rows", async () => {
    const shopsWithEvents = [await addShop(), await addShop()];
    const { startWorker } = await import("../../app/jobs/runner.server");
    const { syncHandlers } = await import("../../app/sync/tasks.server");
    const runner = await startWorker({ connectionString: db.url, handlers: syncHandlers, cron: [], concurrency: 4 });
    try {
      // Receipts keep coming while the jobs run: each lands in the shop's queued job, or in a new one behind
      // the running one.
      for (const [i, shop] of shopsWithEvents.entries()) {
        await receive(shop.domain, redelivered(catalogue, 20 + i));
        await receive(shop.domain, redelivered(stream, 30 + i));
      }
      for (const shop of shopsWithEvents) {
        await waitFor(
          async () => (await events(shop.id)).every((e) => e.status === "processed" || e.status === "skipped"),
          "every event applied",
          60_000,
        );
        expect(await state(shop.id)).toEqual(reference);
      }
      await waitFor(async () => (await webhookJobs(shopsWithEvents.map((s) => s.id))).length === 0, "no sync.webhook job left", 30_000);
    } finally {
      await runner.stop();
    }
  });

  it("the nightly fan-out queues a job for a shop whose pending events lost theirs", async () => {
    const shop = await addShop();
    await receive(shop.domain, stream.slice(0, 2));
    // As if queued by a release before set-based processing, or run out of attempts while the database was down.
    await sql(db.url, `SELECT graphile_worker.remove_job($1)`, [`webhooks:${shop.id}`]);
    expect(await webhookJobs([shop.id])).toEqual([]);
    const { syncHandlers } = await import("../../app/sync/tasks.server");
    const fanOut = syncHandlers.find((handler) => handler.name === "sync.reconcile")!;
    await fanOut.task({}, {} as Parameters<typeof fanOut.task>[1]);
    expect(await webhookJobs([shop.id])).toEqual([
      { key: `webhooks:${shop.id}`, queue_name: `webhooks:${shop.id}`, payload: { shopId: shop.id } },
    ]);
  });
});
