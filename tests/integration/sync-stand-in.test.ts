/**
 * The app's own initial sync (app/sync) against the local Shopify stand-in, end to end over HTTP: the
 * shop is installed by token exchange as Shopify's managed install does, the store has live activity
 * (new, refunded, cancelled orders; new, edited and deleted products; stock changes) on top of its
 * history, and after the sync Postgres must hold exactly the store's locations, products, variants,
 * stock levels, orders and daily demand. A second shop's sync survives a failed bulk operation, a
 * download cut mid-file, Admin API 503s and throttling, and ends in the same kind of exact state.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as AdminClientModule from "../../app/sync/admin-client.server";
import type * as DbModule from "../../app/db/pool.server";
import type * as InitialModule from "../../app/sync/initial-sync.server";
import { loadAppConfig, redirectShopifyFetch, startShopifyStandIn, type ShopifyStandIn } from "../mocks/shopify";
import { createTestDatabase, sql } from "../support/db";
import { expected, stored as storedIn } from "../support/store-expectations";

const SHOP = "sync-one.myshopify.com";
const FAULTY = "sync-two.myshopify.com";
const SCALE = { products: 60, days: 120 };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof DbModule;
let initial: typeof InitialModule;
let client: typeof AdminClientModule;
let standIn: ShopifyStandIn;
let restoreFetch: () => void;
let app: Server;
const received: { topic: string; shop: string }[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  initial = await import("../../app/sync/initial-sync.server");
  client = await import("../../app/sync/admin-client.server");
  // The app's webhook endpoint: here only to see bulk_operations/finish arrive.
  app = createServer((req, res) => {
    received.push({ topic: String(req.headers["x-shopify-topic"]), shop: String(req.headers["x-shopify-shop-domain"]) });
    req.resume();
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  standIn = await startShopifyStandIn({
    app: loadAppConfig(path.resolve(import.meta.dirname, "../../shopify.app.toml"), {
      apiSecret: randomBytes(16).toString("hex"),
      appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    }),
    stores: [
      { domain: SHOP, seed: 11, scale: SCALE },
      { domain: FAULTY, seed: 12, scale: SCALE },
    ],
  });
  restoreFetch = redirectShopifyFetch(standIn.url);
});

afterAll(async () => {
  restoreFetch?.();
  await standIn?.close();
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  await pool?.closePool();
  await db?.drop();
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
  const { access_token: token, scope } = (await response.json()) as { access_token: string; scope: string };
  const info = standIn.store(shop).info();
  const rows = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, scopes, name, "ianaTimezone", "currencyCode", "updatedAt", "shopInfoSyncedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, now(), now()) RETURNING id`,
    [shop, scope, info.name, info.ianaTimezone, info.currencyCode],
  );
  return { token, shopId: rows[0]!.id };
}

async function syncToEnd(shop: string, token: string, options: { batchSize?: number; sleep?: boolean } = {}) {
  const row = (await (await import("../../app/shops/lookup.server")).shopByDomain(pool.pool(), shop))!;
  const ctx = {
    db: pool.pool(),
    shop: row,
    client: client.createAdminClient({
      transport: client.fetchTransport(shop, token),
      sleep: async (ms: number) => void (await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20)))),
      baseDelayMs: 5,
    }),
    batchSize: options.batchSize ?? 500,
  };
  let crashes = 0;
  for (let i = 0; i < 2000; i++) {
    const run = await initial.startOrResumeRun(ctx.db, row);
    try {
      const step = await initial.advance(ctx, run.id);
      if (step.kind === "done") return crashes;
      if (step.kind === "wait") await new Promise((resolve) => setTimeout(resolve, Math.min(step.ms, 25)));
    } catch {
      crashes++; // the job fails; Graphile would retry it: so do we
    }
  }
  throw new Error("the sync did not finish");
}

describe("the app's initial sync against the stand-in", () => {
  it("imports exactly the store: locations, products, variants, levels, orders and daily demand", async () => {
    // Live activity on top of the history: orders, refunds, cancellations, product edits, deletions, stock moves.
    // A seed whose activity gives no order a third refund, on any day of the week the store is built: such an order's
    // refunds are read alone with a 931-point query, which the 20 ms sleeps here cannot wait for (the second shop
    // covers throttling).
    standIn.startSimulator(SHOP, { seed: 5 }).step(80);
    await standIn.webhooks.idle();
    const { token, shopId } = await install(SHOP);
    const started = Date.now();
    expect(await syncToEnd(SHOP, token)).toBe(0);
    const seconds = (Date.now() - started) / 1000;

    const want = expected(standIn.store(SHOP).state);
    const have = await storedIn(db.url, shopId);
    expect(have.locations).toEqual(want.locations);
    expect(have.products).toEqual(want.products);
    expect(have.variants).toEqual(want.variants);
    expect(have.levels).toEqual(want.levels);
    expect(have.orders).toEqual(want.orders);
    expect(have.lines).toBe(want.lines);
    expect(have.refundLines).toBe(want.refundLines);
    expect(have.demand.length).toBeGreaterThan(100);
    expect(have.demand).toEqual(want.demand);
    const runs = await sql<{ status: string; phases: Record<string, { rows: number }> }>(
      db.url,
      `SELECT status, phases FROM "SyncRun" WHERE "shopId" = $1`,
      [shopId],
    );
    expect(runs.map((r) => r.status)).toEqual(["completed"]);
    // Shopify tells the app when each bulk query ends.
    await standIn.webhooks.idle();
    expect(received.filter((r) => r.topic === "bulk_operations/finish" && r.shop === SHOP)).toHaveLength(3);
    console.log(`sync of ${want.orders.length} orders / ${want.variants.length} variants took ${seconds.toFixed(1)} s`);
  });

  it("survives a failed bulk operation, a download cut mid-file, HTTP 503s and throttling, and ends exact", async () => {
    const { token, shopId } = await install(FAULTY);
    standIn.faults.failNextBulkOperation(FAULTY, { errorCode: "INTERNAL_SERVER_ERROR", afterObjects: 10 });
    standIn.faults.failAdminCalls(FAULTY, { status: 503, count: 2 });
    standIn.store(FAULTY).bucket().drain();
    let failedOnce = false;
    const bulk = standIn.store(FAULTY).bulk;
    const watch = setInterval(() => {
      const ops = bulk.list();
      // Once the products file is there, cut the orders download in the middle.
      if (!failedOnce && ops.some((op) => op.status === "FAILED")) {
        failedOnce = true;
        standIn.faults.cutNextBulkDownload(FAULTY, { afterLines: 25 });
      }
    }, 5);
    try {
      const crashes = await syncToEnd(FAULTY, token, { batchSize: 10 });
      expect(crashes).toBeGreaterThanOrEqual(1);
    } finally {
      clearInterval(watch);
    }
    expect(bulk.list().map((op) => op.status)).toContain("FAILED");
    const want = expected(standIn.store(FAULTY).state);
    const have = await storedIn(db.url, shopId);
    expect(have.products).toEqual(want.products);
    expect(have.variants).toEqual(want.variants);
    expect(have.levels).toEqual(want.levels);
    expect(have.orders).toEqual(want.orders);
    expect(have.lines).toBe(want.lines);
    expect(have.demand).toEqual(want.demand);
    const errors = await sql<{ errors: { message: string }[] }>(db.url, `SELECT errors FROM "SyncRun" WHERE "shopId" = $1`, [shopId]);
    expect(JSON.stringify(errors)).toMatch(/FAILED \(INTERNAL_SERVER_ERROR\)/);
  });
});
