/**
 * The sales channel and fulfillment status of orders (docs/decisions/0052-order-channels-and-fulfillment.md),
 * against real PostgreSQL and the local Shopify stand-in: the initial sync stores them as the Admin API shows
 * them; webhooks keep the status current (a later update wins, an older one delivered late is skipped, a
 * duplicate changes nothing); a channel or status Shopify adds later is stored bounded, through the webhook route,
 * never refused; an event stored by an older release erases nothing; and the nightly reconciliation fills in what
 * older rows lack and notices an order Shopify holds newer than we do.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as ReconcileModule from "../../app/sync/reconcile.server";
import type { DemoOrder, ShopifyStandIn } from "../mocks/shopify";
import { orderPayload, restTime } from "../mocks/shopify/store/rest";
import { sql } from "../support/db";
import { quickSleep, startSyncedShops, type Delivery, type SyncedShops } from "../support/synced-shop";

const SHOP = "channels.myshopify.com";
/** A shop of our own only (no store behind it): for payloads that Shopify's store does not hold. */
const LOCAL = "channels-local.myshopify.com";

let synced: SyncedShops;
let db: SyncedShops["db"];
let pool: SyncedShops["pool"];
let initial: SyncedShops["initial"];
let reconcile: typeof ReconcileModule;
let records: SyncedShops["records"];
let webhooks: SyncedShops["webhooks"];
let standIn: ShopifyStandIn;
let shopId: string;
let localShopId: string;
let token: string;
/** Online orders placed before the sync, not shipped yet: one for each webhook test. */
let waiting: DemoOrder[];

beforeAll(async () => {
  // The webhook route's signature check and the job handlers read the app's configuration (startSyncedShops sets it).
  synced = await startSyncedShops({
    scopes: ["read_products", "read_orders", "read_all_orders", "read_inventory"],
    stores: [{ domain: SHOP, seed: 31, scale: { products: 50, days: 40 } }],
  });
  ({ db, pool, initial, records, webhooks, standIn } = synced);
  reconcile = await import("../../app/sync/reconcile.server");
  // Live activity on top of the history: new orders of every channel, shipments (some partial), cancellations.
  standIn.startSimulator(SHOP, { seed: 5, mix: { order: 30, fulfil: 30, cancel: 5, refund: 5 } }).step(60);
  // And, whatever the day's history holds, orders of each kind the tests need: two online orders of three lines
  // waiting to ship, one shipped in part, one keyed in as a draft order.
  const state = standIn.store(SHOP).state;
  const warehouse = state.locations[0]!.id;
  const stocked = state
    .products()
    .flatMap((product) => product.variants)
    .filter((variant) => state.level(variant.inventoryItemId, warehouse))
    .slice(0, 3);
  const place = (sourceName: string) =>
    state.createOrder({
      sourceName,
      locationId: warehouse,
      lines: stocked.map((variant, i) => ({ variantId: variant.id, quantity: i + 1 })),
    });
  waiting = [place("web"), place("web")];
  state.fulfilOrder(place("web").id, { partial: true });
  place("shopify_draft_order");
  await standIn.webhooks.idle();
  ({ token, shopId } = await install(SHOP));
  localShopId = (
    await sql<{ id: string }>(
      db.url,
      `INSERT INTO "Shop" (id, domain, "ianaTimezone", "updatedAt", "shopInfoSyncedAt") VALUES (gen_random_uuid(), $1, 'Europe/London', now(), now()) RETURNING id`,
      [LOCAL],
    )
  )[0]!.id;
  await syncToEnd();
}, 120_000);

afterAll(async () => {
  await synced?.close();
});

/** Installs the app the way Shopify's managed install does: the admin's session token is exchanged for an offline token. */
async function install(shop: string): Promise<{ token: string; shopId: string }> {
  const response = await fetch(`https://${shop}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_id: standIn.app.apiKey,
      client_secret: standIn.app.apiSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: standIn.mintIdToken(shop),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    }),
  });
  const { access_token: accessToken, scope } = (await response.json()) as { access_token: string; scope: string };
  return { token: accessToken, shopId: await synced.addShop(shop, scope) };
}

async function context() {
  return { db: pool.pool(), shop: await synced.shopRow(SHOP), client: synced.adminClient(SHOP, token), sleep: quickSleep };
}

async function syncToEnd(): Promise<void> {
  const ctx = await context();
  for (let i = 0; i < 2000; i++) {
    const run = await initial.startOrResumeRun(ctx.db, ctx.shop);
    const step = await initial.advance(ctx, run.id);
    if (step.kind === "done") return;
    if (step.kind === "wait") await new Promise((resolve) => setTimeout(resolve, Math.min(step.ms, 25)));
  }
  throw new Error("the sync did not finish");
}

interface OrderRow {
  id: string;
  channel: string | null;
  sourceName: string | null;
  fulfillmentStatus: string | null;
  shopifyUpdatedAt: Date;
}

async function orderRows(shop: string, ids?: number[]): Promise<OrderRow[]> {
  return sql<OrderRow>(
    db.url,
    `SELECT id::text, channel, "sourceName", "fulfillmentStatus", "shopifyUpdatedAt" FROM "Order"
      WHERE "shopId" = $1 AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) ORDER BY id`,
    [shop, ids ?? null],
  );
}

const channelOf = (order: DemoOrder) => (order.sourceName === "web" ? "online_store" : order.sourceName === "pos" ? "pos" : "other");

/** Stores webhooks as the route does (validated, stripped) and applies them the way the shop's job does. */
async function deliver(shop: string, list: Delivery[]) {
  const receipts = await synced.storeWebhooks(shop, list);
  await webhooks.drainShopEvents(shop === SHOP ? shopId : localShopId);
  return receipts;
}

describe("the initial sync", () => {
  it("stores every order's channel, source name and fulfillment status as the Admin API shows them", async () => {
    const orders = [...standIn.store(SHOP).state.orders()];
    const stored = new Map((await orderRows(shopId)).map((row) => [row.id, row]));
    expect(stored.size).toBe(orders.length);
    for (const order of orders) {
      const row = stored.get(String(order.id));
      expect({ order: order.id, channel: row?.channel, sourceName: row?.sourceName, fulfillmentStatus: row?.fulfillmentStatus }).toEqual({
        order: order.id,
        channel: channelOf(order),
        sourceName: order.sourceName,
        fulfillmentStatus: order.displayFulfillmentStatus,
      });
    }
    // The stand-in's store is shaped like a real one: mostly online, some POS, a few from other channels; shipped
    // orders, recent ones not yet, some in two shipments.
    const count = (key: keyof OrderRow, value: string) => [...stored.values()].filter((row) => row[key] === value).length;
    expect(count("channel", "online_store")).toBeGreaterThan(count("channel", "pos"));
    expect(count("channel", "pos")).toBeGreaterThan(count("channel", "other"));
    expect(count("channel", "other")).toBeGreaterThan(0);
    expect(count("sourceName", "shopify_draft_order")).toBeGreaterThan(0);
    for (const status of ["FULFILLED", "UNFULFILLED", "PARTIALLY_FULFILLED"]) expect(count("fulfillmentStatus", status)).toBeGreaterThan(0);
  });
});

describe("order webhooks", () => {
  it("keep the fulfillment status current: a later update wins, an older one is skipped, a duplicate changes nothing", async () => {
    const state = standIn.store(SHOP).state;
    const order = state.order(waiting[0]!.id);
    expect(order).toMatchObject({ displayFulfillmentStatus: "UNFULFILLED", cancelledAt: null, refunds: [] });
    // Shopify ships part of it, then the rest: the payloads as Shopify sends them, an hour apart.
    const partial = state.fulfilOrder(order!.id, { partial: true });
    const full = state.fulfilOrder(order!.id);
    expect([partial.displayFulfillmentStatus, full.displayFulfillmentStatus]).toEqual(["PARTIALLY_FULFILLED", "FULFILLED"]);
    const base = Date.parse(order!.updatedAt);
    const at = (hours: number) => restTime(new Date(base + hours * 3_600_000).toISOString());
    const partialPayload: Record<string, unknown> = { ...orderPayload(partial), updated_at: at(1) };
    const fullPayload: Record<string, unknown> = { ...orderPayload(full), updated_at: at(2) };
    expect([partialPayload.fulfillment_status, fullPayload.fulfillment_status]).toEqual(["partial", "fulfilled"]);

    // The partial shipment first, then the full one: each in turn is what we hold.
    await deliver(SHOP, [{ topic: "orders/updated", payload: partialPayload, webhookId: "ship-1" }]);
    expect(await orderRows(shopId, [order!.id])).toMatchObject([{ channel: "online_store", fulfillmentStatus: "PARTIALLY_FULFILLED" }]);
    await deliver(SHOP, [{ topic: "orders/fulfilled", payload: fullPayload, webhookId: "ship-2" }]);
    const fulfilled = await orderRows(shopId, [order!.id]);
    expect(fulfilled).toMatchObject([{ fulfillmentStatus: "FULFILLED", shopifyUpdatedAt: new Date(Date.parse(at(2)!)) }]);

    // The partial shipment's orders/updated, delivered again late under a new webhook id: older, skipped.
    await deliver(SHOP, [{ topic: "orders/updated", payload: partialPayload, webhookId: "ship-1-late" }]);
    expect(await synced.eventStatus(shopId, "ship-1-late")).toEqual({ status: "skipped", lastError: "older than stored order" });
    expect(await orderRows(shopId, [order!.id])).toEqual(fulfilled);

    // Shopify's at-least-once delivery: the same webhook id again stores nothing; the same content under another id
    // (orders/updated beside orders/fulfilled) leaves the row as it is.
    expect(await deliver(SHOP, [{ topic: "orders/fulfilled", payload: fullPayload, webhookId: "ship-2" }])).toEqual(["duplicate"]);
    await deliver(SHOP, [{ topic: "orders/updated", payload: fullPayload, webhookId: "ship-2-updated" }]);
    expect(await orderRows(shopId, [order!.id])).toEqual(fulfilled);
  });

  it("in one batch, out of order and doubled, end at the newest status", async () => {
    const state = standIn.store(SHOP).state;
    const order = state.order(waiting[1]!.id);
    expect(order).toMatchObject({ displayFulfillmentStatus: "UNFULFILLED", cancelledAt: null, refunds: [] });
    const base = Date.parse(order!.updatedAt);
    const at = (hours: number) => restTime(new Date(base + hours * 3_600_000).toISOString());
    const created = { ...orderPayload(order!), updated_at: at(0) };
    const partial = { ...orderPayload(state.fulfilOrder(order!.id, { partial: true })), updated_at: at(1) };
    const full = { ...orderPayload(state.fulfilOrder(order!.id)), updated_at: at(2) };
    const batch = [
      { topic: "orders/fulfilled", payload: full, webhookId: "b-3" },
      { topic: "orders/updated", payload: created, webhookId: "b-1" },
      { topic: "orders/updated", payload: partial, webhookId: "b-2" },
      { topic: "orders/fulfilled", payload: full, webhookId: "b-3" },
      { topic: "orders/updated", payload: created, webhookId: "b-1" },
    ];
    await deliver(SHOP, batch);
    expect(await orderRows(shopId, [order!.id])).toMatchObject([
      { channel: channelOf(order!), sourceName: order!.sourceName, fulfillmentStatus: "FULFILLED" },
    ]);
  });

  it("store a channel or status Shopify adds later, bounded, through the route: 200, never a 400", async () => {
    const { syncWebhookAction } = await import("../../app/sync/webhook-route.server");
    const payload = {
      ...orderPayload({
        id: 880_001,
        name: "#880001",
        createdAt: "2025-10-01T10:00:00.000Z",
        updatedAt: "2025-10-01T10:00:00.000Z",
        cancelledAt: null,
        sourceName: "web",
        locationId: 0,
        displayFulfillmentStatus: "UNFULFILLED",
        fulfillments: [],
        lineItems: [{ id: 8_800_010, productId: 1, variantId: 11, sku: "A", title: "A", quantity: 1, price: "2.00" }],
        refunds: [],
      }),
      source_name: `tiktok-shop-${"x".repeat(600)}`,
      fulfillment_status: "awaiting_pickup_at_locker",
    };
    const body = JSON.stringify(payload);
    const request = new Request("https://fluxor.test/webhooks/orders/create", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": createHmac("sha256", process.env.SHOPIFY_API_SECRET!).update(body, "utf8").digest("base64"),
        "X-Shopify-Shop-Domain": LOCAL,
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": "route-1",
        "X-Shopify-API-Version": "2025-10",
      },
      body,
    });
    const response = await syncWebhookAction("orders/create")({ request, context: { clientIp: "127.0.0.1" }, params: {} });
    expect(response.status).toBe(200);
    await webhooks.drainShopEvents(localShopId);
    const [row] = await orderRows(localShopId, [880_001]);
    expect(row).toMatchObject({ channel: "other", fulfillmentStatus: "AWAITING_PICKUP_AT_LOCKER" });
    expect(row!.sourceName).toBe(`tiktok-shop-${"x".repeat(records.SOURCE_NAME_MAX - 12)}`);
  });

  it("stored by a release that did not keep the channel and status erase neither", async () => {
    const payload = (updatedAt: string, extra: Record<string, unknown>) => ({
      id: 880_002,
      name: "#880002",
      created_at: "2025-10-01T10:00:00Z",
      updated_at: updatedAt,
      currency: "GBP",
      line_items: [],
      ...extra,
    });
    await deliver(LOCAL, [
      {
        topic: "orders/create",
        payload: payload("2025-10-01T10:00:00Z", { source_name: "pos", location_id: 71000002, fulfillment_status: "fulfilled" }),
      },
    ]);
    // As the previous release stored it: the two fields were stripped at receipt. It is newer, so it is applied.
    await sql(
      db.url,
      `INSERT INTO "WebhookEvent" ("shopId", "webhookId", topic, "apiVersion", payload) VALUES ($1, 'old-release', 'orders/updated', '2025-10', $2::jsonb)`,
      [localShopId, JSON.stringify(payload("2025-10-02T10:00:00Z", { location_id: 71000002 }))],
    );
    await webhooks.drainShopEvents(localShopId);
    expect(await synced.eventStatus(localShopId, "old-release")).toMatchObject({ status: "processed" });
    expect(await orderRows(localShopId, [880_002])).toMatchObject([
      { channel: "pos", sourceName: "pos", fulfillmentStatus: "FULFILLED", shopifyUpdatedAt: new Date("2025-10-02T10:00:00Z") },
    ]);
  });
});

describe("the nightly reconciliation", () => {
  it("fills in the channel and status older rows lack, and re-imports when Shopify holds an order newer than ours", async () => {
    const state = standIn.store(SHOP).state;
    const cutoff = Date.now() - reconcile.WEBHOOK_GRACE_MS - 86_400_000;
    // Orders the tests above did not touch, last changed in Shopify well before the reconciliation.
    const untouched = [...state.orders()].filter(
      (o) => Date.parse(o.updatedAt) < cutoff && o.fulfillments.every((f) => Date.parse(f.createdAt) < cutoff),
    );
    const unknown = untouched.slice(0, 5);
    const missed = untouched[untouched.length - 1]!;
    const ids = unknown.map((o) => o.id);
    const before = await orderRows(shopId, ids);
    const [missedBefore] = await orderRows(shopId, [missed.id]);
    // As synced before channels were stored; and one order whose last update never reached us.
    await sql(
      db.url,
      `UPDATE "Order" SET channel = NULL, "sourceName" = NULL, "fulfillmentStatus" = NULL WHERE "shopId" = $1 AND id = ANY($2::bigint[])`,
      [shopId, ids],
    );
    await sql(db.url, `UPDATE "Order" SET "shopifyUpdatedAt" = "shopifyUpdatedAt" - interval '1 day' WHERE "shopId" = $1 AND id = $2`, [
      shopId,
      missed.id,
    ]);

    const repairs = await reconcile.reconcileShop(await context());
    expect(repairs).toMatchObject({ ordersFilled: unknown.length, ordersStale: 1, resync: true });
    expect(await orderRows(shopId, ids)).toEqual(before);

    // With the missed update applied, a second reconciliation finds nothing to fill in or to import.
    await sql(db.url, `UPDATE "Order" SET "shopifyUpdatedAt" = $3 WHERE "shopId" = $1 AND id = $2`, [
      shopId,
      missed.id,
      missedBefore!.shopifyUpdatedAt,
    ]);
    expect(await reconcile.reconcileShop(await context())).toMatchObject({ ordersFilled: 0, ordersStale: 0, resync: false });
  });
});
