/**
 * Webhook processing against real PostgreSQL: each event delivered 3× in shuffled order ends in the same
 * state as one ordered delivery; duplicates store one event; shop A's events never touch shop B's rows.
 * (The HTTP route part — HMAC 401, payload 400 — needs the stack: see tests that use startStack.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as DbModule from "../../app/db/pool.server";
import type * as WebhooksModule from "../../app/sync/webhooks.server";
import { prng } from "../support/random";
import { createTestDatabase, sql } from "../support/db";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
type Sync = typeof WebhooksModule;
type Pool = typeof DbModule;
let sync: Sync;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  sync = await import("../../app/sync/webhooks.server");
  pool = await import("../../app/db/pool.server");
});
afterAll(async () => {
  await pool.closePool();
  await db.drop();
});

async function addShop(domain: string): Promise<string> {
  const rows = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, "ianaTimezone", "updatedAt", "shopInfoSyncedAt") VALUES (gen_random_uuid(), $1, 'Europe/London', now(), now()) RETURNING id`,
    [domain],
  );
  return rows[0]!.id;
}

function order(id: number, updatedAt: string, quantity: number, extra: Record<string, unknown> = {}) {
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
    line_items: [{ id: id * 10, variant_id: 501, product_id: 50, sku: "A", quantity, price: "2.50", discount_allocations: [] }],
    refunds: [],
    ...extra,
  };
}

const events = [
  { topic: "orders/create", payload: order(9001, "2025-10-01T23:30:00Z", 2) },
  { topic: "orders/updated", payload: order(9001, "2025-10-02T10:00:00Z", 3) },
  {
    topic: "refunds/create",
    payload: {
      id: 77,
      order_id: 9001,
      created_at: "2025-10-03T10:00:00Z",
      refund_line_items: [{ line_item_id: 90010, quantity: 1, restock_type: "return", location_id: 71000002 }],
    },
  },
  { topic: "orders/create", payload: order(9002, "2025-10-01T12:00:00Z", 5) },
  { topic: "orders/cancelled", payload: order(9002, "2025-10-01T13:00:00Z", 5, { cancelled_at: "2025-10-01T13:00:00Z" }) },
  {
    topic: "inventory_levels/update",
    payload: { inventory_item_id: 601, location_id: 71000002, available: 0, updated_at: "2025-10-02T15:00:00Z" },
  },
  {
    topic: "inventory_levels/update",
    payload: { inventory_item_id: 601, location_id: 71000002, available: 4, updated_at: "2025-10-02T09:00:00Z" },
  },
  {
    topic: "products/update",
    payload: {
      id: 50,
      title: "Bag",
      handle: "bag",
      status: "active",
      created_at: "2025-01-01T00:00:00Z",
      updated_at: "2025-10-02T08:00:00Z",
      variants: [{ id: 501, title: "Default Title", sku: "A", price: "2.50", inventory_item_id: 601, updated_at: "2025-10-02T08:00:00Z" }],
    },
  },
];

async function deliver(shop: string, list: { topic: string; payload: unknown; webhookId: string }[]) {
  const { OrderPayload, TOPIC_PAYLOADS } = await import("../../app/sync/records");
  void OrderPayload;
  for (const event of list) {
    const schema = TOPIC_PAYLOADS[event.topic as keyof typeof TOPIC_PAYLOADS];
    await sync.receiveWebhook(pool.pool(), {
      shop,
      webhookId: event.webhookId,
      topic: event.topic,
      apiVersion: "2025-10",
      payload: schema.parse(event.payload),
    });
  }
  // Process every stored event the way the job does, in the order the jobs were added (at-least-once: all of them).
  const ids = await sql<{ id: string }>(
    db.url,
    `SELECT e.id::text FROM "WebhookEvent" e JOIN "Shop" s ON s.id = e."shopId" WHERE s.domain = $1 ORDER BY e.id`,
    [shop],
  );
  for (const { id } of ids) {
    const event = await sync.loadEvent(pool.pool(), id);
    if (event && event.status === "received") await sync.processEvent(pool.pool(), event);
  }
}

async function state(shopId: string) {
  const q = (text: string) => sql(db.url, text, [shopId]);
  return {
    orders: await q(
      `SELECT id::text, "cancelledAt", "shopifyUpdatedAt", day::text, "locationId"::text FROM "Order" WHERE "shopId" = $1 ORDER BY id`,
    ),
    lines: await q(`SELECT id::text, quantity, "discountedTotal"::text FROM "OrderLine" WHERE "shopId" = $1 ORDER BY id`),
    refunds: await q(`SELECT "refundId"::text, "lineItemId"::text, quantity FROM "RefundLine" WHERE "shopId" = $1`),
    levels: await q(`SELECT "inventoryItemId"::text, available FROM "InventoryLevel" WHERE "shopId" = $1`),
    history: await q(`SELECT day::text, "maxAvailable", "lastAvailable" FROM "InventoryDay" WHERE "shopId" = $1`),
    demand: await q(
      `SELECT "variantId"::text, "locationId"::text, day::text, units, revenue::text, "inStock" FROM "DailyDemand" WHERE "shopId" = $1 ORDER BY 1, 2, 3`,
    ),
  };
}

describe("webhook processing", () => {
  it("3× shuffled delivery ends in the same state as one ordered delivery, with one stored event per webhook id", async () => {
    const ordered = await addShop("ordered.myshopify.com");
    const shuffled = await addShop("shuffled.myshopify.com");
    await deliver(
      "ordered.myshopify.com",
      events.map((e, i) => ({ ...e, webhookId: `w-${i}` })),
    );
    const triple = events.flatMap((e, i) => [0, 1, 2].map(() => ({ ...e, webhookId: `w-${i}` })));
    const random = prng(7);
    for (let i = triple.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [triple[i], triple[j]] = [triple[j]!, triple[i]!];
    }
    await deliver("shuffled.myshopify.com", triple);

    const a = await state(ordered);
    const b = await state(shuffled);
    expect(b).toEqual(a);
    // Order 9001: 3 units, 1 returned → 2 units, on 2 Oct (London); 9002 cancelled → nothing.
    expect(a.demand).toEqual([{ variantId: "501", locationId: "71000002", day: "2025-10-02", units: 2, revenue: "5.00", inStock: true }]);
    expect(a.levels).toEqual([{ inventoryItemId: "601", available: 0 }]);
    const stored = await sql<{ n: string }>(db.url, `SELECT count(*)::text AS n FROM "WebhookEvent" WHERE "shopId" = $1`, [shuffled]);
    expect(stored[0]?.n).toBe(String(events.length));
    // No customer data stored.
    const payloads = await sql<{ p: string }>(db.url, `SELECT payload::text AS p FROM "WebhookEvent"`);
    expect(payloads.some((row) => row.p.includes("example.com"))).toBe(false);
  });

  it("an event for one shop never writes another shop's rows", async () => {
    const other = await addShop("other.myshopify.com");
    await deliver("other.myshopify.com", [{ topic: "orders/create", payload: order(9100, "2025-10-05T10:00:00Z", 1), webhookId: "x-1" }]);
    const rows = await sql<{ shopId: string }>(db.url, `SELECT DISTINCT "shopId" FROM "Order" WHERE id = 9100`);
    expect(rows).toEqual([{ shopId: other }]);
    const ordered = await sql<{ n: string }>(
      db.url,
      `SELECT count(*)::text AS n FROM "Order" o JOIN "Shop" s ON s.id = o."shopId" WHERE s.domain = 'ordered.myshopify.com'`,
    );
    expect(ordered[0]?.n).toBe("2");
  });

  it("an event of a shop uninstalled meanwhile writes nothing (ShopGoneError)", async () => {
    const gone = await addShop("gone.myshopify.com");
    await sync.receiveWebhook(pool.pool(), {
      shop: "gone.myshopify.com",
      webhookId: "g-1",
      topic: "orders/create",
      apiVersion: "2025-10",
      payload: (await import("../../app/sync/records")).OrderPayload.parse(order(9200, "2025-10-05T10:00:00Z", 1)),
    });
    await sql(db.url, `UPDATE "Shop" SET "installState" = 'UNINSTALLED' WHERE id = $1`, [gone]);
    const [row] = await sql<{ id: string }>(db.url, `SELECT id::text FROM "WebhookEvent" WHERE "shopId" = $1`, [gone]);
    const event = await sync.loadEvent(pool.pool(), row!.id);
    await expect(sync.processEvent(pool.pool(), event!)).rejects.toThrow(/no longer installed/);
    expect(await sql(db.url, `SELECT 1 FROM "Order" WHERE "shopId" = $1`, [gone])).toHaveLength(0);
    expect(await sql(db.url, `SELECT 1 FROM "DailyDemand" WHERE "shopId" = $1`, [gone])).toHaveLength(0);
  });

  it("a webhook for an unknown shop stores nothing", async () => {
    const receipt = await sync.receiveWebhook(pool.pool(), {
      shop: "nobody.myshopify.com",
      webhookId: "z",
      topic: "orders/create",
      apiVersion: "2025-10",
      payload: {},
    });
    expect(receipt).toBe("unknown-shop");
  });
});
