/**
 * Promotions from Shopify (decision 0055), against real PostgreSQL and the local Shopify stand-in: the initial sync's
 * "promotions" phase stores the demo store's promotion plan (discounts with their days in the shop's time zone, depth
 * and products, a collection's products resolved, marketing events); discount webhooks are applied by reading the
 * discount back (create, update, delete; a duplicate and a late event change nothing; a deleted discount keeps its
 * row); a shop that has not granted the scopes syncs on without promotions; and one shop's events never touch another's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PromotionRow } from "../../app/sync/discounts";
import type * as DiscountsModule from "../../app/sync/discounts.server";
import type { ShopifyStandIn } from "../mocks/shopify";
import { localDay } from "../mocks/shopify/store/promotions";
import { discountPayload } from "../mocks/shopify/store/rest";
import { sql } from "../support/db";
import { startSyncedShops, type Delivery, type SyncedShops } from "../support/synced-shop";

const SHOP = "promotions.myshopify.com";
/** A shop installed before Fluxor asked for the promotion scopes. */
const OLD = "promotions-old.myshopify.com";
const WITHOUT = ["read_products", "read_orders", "read_all_orders", "read_inventory", "read_locations"];

let synced: SyncedShops;
let db: SyncedShops["db"];
let pool: SyncedShops["pool"];
let discounts: typeof DiscountsModule;
let initial: SyncedShops["initial"];
let webhooks: SyncedShops["webhooks"];
let standIn: ShopifyStandIn;
const shops = new Map<string, { id: string; token: string }>();

beforeAll(async () => {
  synced = await startSyncedShops({
    scopes: ["read_products", "read_orders", "read_all_orders", "read_inventory", "read_discounts", "read_marketing_events"],
    // A year of history: the seeded cases and the promotion plan are on.
    stores: [
      { domain: SHOP, seed: 42, scale: { products: 80, days: 365 } },
      { domain: OLD, seed: 7, scale: { products: 40, days: 365 } },
    ],
  });
  ({ db, pool, initial, webhooks, standIn } = synced);
  discounts = await import("../../app/sync/discounts.server");
  await install(SHOP, standIn.app.scopes);
  await install(OLD, WITHOUT);
}, 60_000);

afterAll(async () => {
  await synced?.close();
});

/** An offline token with these scopes, and the shop's row (its scopes as the install recorded them). */
async function install(shop: string, scopes: string[]): Promise<void> {
  const token = standIn.issueAccessToken(shop, scopes);
  shops.set(shop, { id: await synced.addShop(shop, scopes.join(",")), token });
}

function adminClient(shop: string) {
  return synced.adminClient(shop, shops.get(shop)!.token);
}

/** Runs the initial sync's promotions phase alone (the phases before it marked done: they are other tests' subject). */
async function promotionsPhase(shop: string) {
  const ctx = { db: pool.pool(), shop: await synced.shopRow(shop), client: adminClient(shop) };
  const run = await initial.startOrResumeRun(ctx.db, ctx.shop);
  const done = Object.fromEntries(["locations", "products", "inventory", "orders"].map((p) => [p, { state: "done", rows: 0 }]));
  await sql(db.url, `UPDATE "SyncRun" SET phases = phases || $2::jsonb WHERE id = $1`, [run.id, JSON.stringify(done)]);
  expect(await initial.advance(ctx, run.id)).toEqual({ kind: "continue" });
  const [row] = await sql<{
    phases: Record<string, { state: string; rows: number; unavailable?: string[] }>;
    phase: string;
    errors: unknown[];
  }>(db.url, `SELECT phases, phase, errors FROM "SyncRun" WHERE id = $1`, [run.id]);
  return row!;
}

interface StoredPromotion {
  source: string;
  externalId: string;
  title: string;
  kind: string | null;
  startDay: string;
  endDay: string | null;
  percentOff: number | null;
  appliesToAll: boolean;
  productIds: string[];
  collectionIds: string[];
  deleted: boolean;
  sourceUpdatedAt: Date;
}

async function promotions(shop: string, externalId?: string): Promise<StoredPromotion[]> {
  return sql<StoredPromotion>(
    db.url,
    `SELECT source, "externalId", title, kind, to_char("startDay", 'YYYY-MM-DD') AS "startDay", to_char("endDay", 'YYYY-MM-DD') AS "endDay",
            "percentOff", "appliesToAll", "productIds"::text[] AS "productIds", "collectionIds"::text[] AS "collectionIds",
            "deletedAt" IS NOT NULL AS deleted, "sourceUpdatedAt"
       FROM "Promotion" WHERE "shopId" = $1 AND ($2::text IS NULL OR "externalId" = $2) ORDER BY source, "externalId"`,
    [shops.get(shop)!.id, externalId ?? null],
  );
}

/** Stores discount webhooks as the route does and applies them as the shop's job does. */
async function deliver(shop: string, list: Delivery[]) {
  const receipts = await synced.storeWebhooks(shop, list);
  await webhooks.drainShopEvents(shops.get(shop)!.id, { adminClient: async () => adminClient(shop) });
  return receipts;
}

const eventStatus = (shop: string, webhookId: string) => synced.eventStatus(shops.get(shop)!.id, webhookId);

const payload = (shop: string, discountId: number) => {
  const state = standIn.store(shop).state;
  const discount = state.discount(discountId)!;
  return discountPayload(discount, discount.updatedAt, state.nowMs());
};

describe("the initial sync's promotions phase", () => {
  it("stores the demo store's plan: days in London, depth, products (a collection's resolved), marketing events", async () => {
    const run = await promotionsPhase(SHOP);
    const plan = standIn.store(SHOP).data.promotions;
    expect(plan.discounts.length).toBeGreaterThanOrEqual(5);
    expect(run.phases.promotions).toMatchObject({
      state: "done",
      rows: plan.discounts.length + plan.marketingEvents.length,
      unavailable: [],
    });
    expect(run.phase).toBe("demand");
    expect(run.errors).toEqual([]);

    const stored = new Map((await promotions(SHOP)).map((row) => [row.externalId, row]));
    for (const discount of plan.discounts) {
      const planned = plan.promotions.find((p) => p.discountId === discount.id)!;
      const row = stored.get(`gid://shopify/DiscountNode/${discount.id}`);
      // The plan's days are the store's days; the stored ones are read back from Shopify's instants in London.
      expect(row, discount.title).toMatchObject({
        source: "discount",
        title: discount.title,
        kind: discount.method,
        startDay: planned.startDay,
        endDay: planned.endDay,
        percentOff: discount.percentOff,
        appliesToAll: false,
        deleted: false,
      });
      expect([...row!.productIds].sort()).toEqual(planned.productIds.map(String).sort());
      expect(localDay(discount.startsAt, "Europe/London")).toBe(planned.startDay);
    }
    // The collection discount lists its collection, and its products came from the collection.
    const byCollection = [...stored.values()].filter((row) => row.collectionIds.length > 0);
    expect(byCollection.map((row) => row.collectionIds)).toEqual([plan.collections.map((c) => String(c.id))]);
    // Marketing events: store-wide, open-ended or ended.
    const marketing = [...stored.values()].filter((row) => row.source === "marketing");
    expect(marketing).toHaveLength(plan.marketingEvents.length);
    expect(marketing.every((row) => row.appliesToAll && row.productIds.length === 0)).toBe(true);
  });

  it("a shop that has not granted the scopes syncs on: the phase is done, promotions named unavailable", async () => {
    const run = await promotionsPhase(OLD);
    expect(run.phases.promotions).toMatchObject({ state: "done", rows: 0, unavailable: ["read_discounts", "read_marketing_events"] });
    expect(run.errors).toEqual([]);
    expect(await promotions(OLD)).toEqual([]);
  });

  it("a token without the scopes (the shop row says otherwise) is tolerated too: Shopify's access denied", async () => {
    const old = await synced.shopRow(OLD);
    const result = await discounts.syncPromotions({
      shop: { ...old, scopes: `${old.scopes},read_discounts,read_marketing_events` },
      client: adminClient(OLD),
    });
    expect(result).toMatchObject({ discounts: 0, marketingEvents: 0, unavailable: ["read_discounts", "read_marketing_events"] });
  });
});

describe("discount webhooks", () => {
  it("create, update, duplicate, late and delete: each read back, never regressing, the deleted row kept", async () => {
    const state = standIn.store(SHOP).state;
    const product = state.products()[0]!;
    const created = state.createDiscount({
      title: "Flash: 10% off",
      method: "code",
      type: "basic",
      code: "FLASH10",
      startsAt: "2026-07-01T23:00:00Z",
      endsAt: null,
      percentOff: 10,
      amountOff: null,
      appliesOnEachItem: false,
      items: { kind: "products", productIds: [product.id], variantIds: [] },
    });
    const externalId = `gid://shopify/DiscountNode/${created.id}`;
    const createPayload = payload(SHOP, created.id);
    expect(createPayload.admin_graphql_api_id).toBe(`gid://shopify/DiscountCodeNode/${created.id}`);
    await deliver(SHOP, [{ topic: "discounts/create", payload: createPayload, webhookId: "d-create" }]);
    expect(await eventStatus(SHOP, "d-create")).toMatchObject({ status: "processed" });
    expect(await promotions(SHOP, externalId)).toMatchObject([
      { title: "Flash: 10% off", kind: "code", startDay: "2026-07-02", endDay: null, percentOff: 10, productIds: [String(product.id)] },
    ]);

    // Deeper and ending: the update is read back.
    await new Promise((resolve) => setTimeout(resolve, 1100)); // Shopify's times are whole seconds
    state.updateDiscount(created.id, { percentOff: 35, endsAt: "2026-07-09T23:00:00Z" });
    const receipts = await deliver(SHOP, [
      { topic: "discounts/update", payload: payload(SHOP, created.id), webhookId: "d-update" },
      // The same delivery again, and the create delivered late under a new id: nothing changes.
      { topic: "discounts/update", payload: payload(SHOP, created.id), webhookId: "d-update" },
      { topic: "discounts/create", payload: createPayload, webhookId: "d-create-late" },
    ]);
    expect(receipts).toEqual(["stored", "duplicate", "stored"]);
    const updated = await promotions(SHOP, externalId);
    expect(updated).toMatchObject([{ percentOff: 35, endDay: "2026-07-09", deleted: false }]);

    // An older read of the discount (a slow reader) loses to what we hold.
    const older = { ...(await rowOf(externalId)), percentOff: 10, sourceUpdatedAt: "2026-01-01T00:00:00Z" };
    expect(await discounts.upsertPromotions(pool.pool(), shops.get(SHOP)!.id, [older])).toEqual(new Set());
    expect(await promotions(SHOP, externalId)).toMatchObject([{ percentOff: 35 }]);

    // Deleted: the row stays (it explains its days' sales), marked; a late update after it changes nothing.
    state.deleteDiscount(created.id);
    await deliver(SHOP, [{ topic: "discounts/delete", payload: createPayload, webhookId: "d-delete" }]);
    await deliver(SHOP, [{ topic: "discounts/update", payload: createPayload, webhookId: "d-update-late" }]);
    expect(await promotions(SHOP, externalId)).toMatchObject([{ percentOff: 35, deleted: true }]);
    expect(await eventStatus(SHOP, "d-delete")).toMatchObject({ status: "processed", lastError: "deleted" });
    expect(await eventStatus(SHOP, "d-update-late")).toMatchObject({ status: "processed" });
  });

  it("a webhook for a shop without read_discounts is skipped; one shop's discount id means nothing in another shop", async () => {
    const plan = standIn.store(SHOP).data.promotions;
    const theirs = payload(SHOP, plan.discounts[0]!.id);
    await deliver(OLD, [{ topic: "discounts/update", payload: theirs, webhookId: "old-1" }]);
    expect(await eventStatus(OLD, "old-1")).toMatchObject({ status: "skipped", lastError: "read_discounts not granted" });
    // Granted now: Shopify answers for the old shop's own store, which has no such discount.
    await sql(db.url, `UPDATE "Shop" SET scopes = scopes || ',read_discounts' WHERE domain = $1`, [OLD]);
    const token = standIn.issueAccessToken(OLD, [...WITHOUT, "read_discounts"]);
    shops.set(OLD, { ...shops.get(OLD)!, token });
    await deliver(OLD, [{ topic: "discounts/update", payload: theirs, webhookId: "old-2" }]);
    expect(await eventStatus(OLD, "old-2")).toMatchObject({ status: "skipped", lastError: "discount not held" });
    expect(await promotions(OLD)).toEqual([]);
    expect(await promotions(SHOP, `gid://shopify/DiscountNode/${plan.discounts[0]!.id}`)).toMatchObject([{ deleted: false }]);
  });

  it("Shopify failing fails the events alone, to be tried again; they go through once it answers", async () => {
    const plan = standIn.store(SHOP).data.promotions;
    standIn.faults.failAdminCalls(SHOP, { status: 503, count: 6 });
    await deliver(SHOP, [{ topic: "discounts/update", payload: payload(SHOP, plan.discounts[1]!.id), webhookId: "down-1" }]);
    expect(await eventStatus(SHOP, "down-1")).toMatchObject({ status: "failed" });
    await sql(db.url, `UPDATE "WebhookEvent" SET "retryAt" = now() WHERE "webhookId" = 'down-1'`);
    await webhooks.drainShopEvents(shops.get(SHOP)!.id, { adminClient: async () => adminClient(SHOP) });
    expect(await eventStatus(SHOP, "down-1")).toMatchObject({ status: "processed" });
  });
});

async function rowOf(externalId: string) {
  const [row] = await sql<Record<string, unknown>>(
    db.url,
    `SELECT source, "externalId", title, kind, to_char("startDay", 'YYYY-MM-DD') AS "startDay", to_char("endDay", 'YYYY-MM-DD') AS "endDay",
            "percentOff", "amountOff"::text AS "amountOff", "appliesToAll", "productIds"::text[] AS "productIds",
            "variantIds"::text[] AS "variantIds", "collectionIds"::text[] AS "collectionIds"
       FROM "Promotion" WHERE "externalId" = $1`,
    [externalId],
  );
  return row as unknown as PromotionRow;
}
