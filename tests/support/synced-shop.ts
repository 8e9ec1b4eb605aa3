/**
 * Shops synced from the local Shopify stand-in into a test file's own PostgreSQL database, for the sync's integration
 * tests (tests/integration/discount-sync.test.ts, order-channels.test.ts): the app's configuration with the scopes
 * asked for, the stand-in (its own webhooks go to a sink that drops them: each test delivers the ones it needs), the
 * Shop rows an install leaves, Admin API clients whose retries barely wait, and webhooks stored as the route stores
 * them. The app's modules are imported once the configuration and the database are in place.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type * as DbModule from "../../app/db/pool.server";
import type { Shop } from "../../app/shops/lookup.server";
import type * as AdminClientModule from "../../app/sync/admin-client.server";
import type * as InitialModule from "../../app/sync/initial-sync.server";
import type * as RecordsModule from "../../app/sync/records";
import type * as WebhooksModule from "../../app/sync/webhooks.server";
import { loadAppConfig, redirectShopifyFetch, startShopifyStandIn, type ShopifyStandIn, type StoreOptions } from "../mocks/shopify";
import { createTestDatabase, sql } from "./db";

export interface SyncedShopsOptions {
  /** The app's scopes (SCOPES), the ones the stand-in's app asks for. */
  scopes: string[];
  /** The stand-in's stores. */
  stores: StoreOptions[];
}

/** A webhook as Shopify delivers it; without an id it gets `hook-<n>`. */
export interface Delivery {
  topic: string;
  payload: unknown;
  webhookId?: string;
}

export interface SyncedShops {
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  standIn: ShopifyStandIn;
  pool: typeof DbModule;
  initial: typeof InitialModule;
  records: typeof RecordsModule;
  webhooks: typeof WebhooksModule;
  /** Inserts the shop's row as an install leaves it (these scopes, the store's name, time zone and currency); its id. */
  addShop(shop: string, scopes: string): Promise<string>;
  /** The shop's row as the app reads it. */
  shopRow(shop: string): Promise<Shop>;
  /** An Admin API client of the shop with this token, whose retries wait 20 ms at most. */
  adminClient(shop: string, token: string): AdminClientModule.AdminClient;
  /** Stores webhooks as the route does (validated and stripped by their topic's schema), without applying them. */
  storeWebhooks(shop: string, list: Delivery[]): Promise<WebhooksModule.Receipt[]>;
  /** A stored webhook event's status and last error. */
  eventStatus(shopId: string, webhookId: string): Promise<{ status: string; lastError: string | null } | undefined>;
  /** Stops the stand-in and the sink, restores fetch, closes the pool and drops the database. */
  close(): Promise<void>;
}

/** Waits as asked, but 20 ms at most: retries and backoffs without slowing the tests down. */
export const quickSleep = async (ms: number) => void (await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))));

/** Configures the app, creates the database, imports the app's modules and starts the stand-in with these stores. */
export async function startSyncedShops(options: SyncedShopsOptions): Promise<SyncedShops> {
  process.env.SHOPIFY_API_KEY = "fluxor-test-key";
  process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
  process.env.SHOPIFY_APP_URL = "https://fluxor.test";
  process.env.SCOPES = options.scopes.join(",");
  process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

  let db: SyncedShops["db"] | undefined;
  let pool: SyncedShops["pool"] | undefined;
  let sink: Server | undefined;
  let standIn: ShopifyStandIn | undefined;
  let restoreFetch: (() => void) | undefined;
  const close = async () => {
    restoreFetch?.();
    await standIn?.close();
    await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
    await pool?.closePool();
    await db?.drop();
  };

  try {
    db = await createTestDatabase();
    pool = await import("../../app/db/pool.server");
    const client = await import("../../app/sync/admin-client.server");
    const initial = await import("../../app/sync/initial-sync.server");
    const records = await import("../../app/sync/records");
    const webhooks = await import("../../app/sync/webhooks.server");
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200).end());
    });
    sink = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    standIn = await startShopifyStandIn({
      app: loadAppConfig(path.resolve(import.meta.dirname, "../../shopify.app.toml"), {
        apiSecret: randomBytes(16).toString("hex"),
        appUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      }),
      stores: options.stores,
    });
    restoreFetch = redirectShopifyFetch(standIn.url);

    const started = { db, pool, standIn };
    let hooks = 0;
    return {
      ...started,
      initial,
      records,
      webhooks,
      close,
      addShop: async (shop, scopes) => {
        const info = started.standIn.store(shop).info();
        const rows = await sql<{ id: string }>(
          started.db.url,
          `INSERT INTO "Shop" (id, domain, scopes, name, "ianaTimezone", "currencyCode", "updatedAt", "shopInfoSyncedAt")
           VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, now(), now()) RETURNING id`,
          [shop, scopes, info.name, info.ianaTimezone, info.currencyCode],
        );
        return rows[0]!.id;
      },
      shopRow: async (shop) => (await (await import("../../app/shops/lookup.server")).shopByDomain(started.pool.pool(), shop))!,
      adminClient: (shop, token) =>
        client.createAdminClient({ transport: client.fetchTransport(shop, token), sleep: quickSleep, baseDelayMs: 5 }),
      storeWebhooks: async (shop, list) => {
        const receipts: WebhooksModule.Receipt[] = [];
        for (const hook of list) {
          const schema = records.TOPIC_PAYLOADS[hook.topic as keyof typeof records.TOPIC_PAYLOADS];
          receipts.push(
            await webhooks.receiveWebhook(started.pool.pool(), {
              shop,
              webhookId: hook.webhookId ?? `hook-${++hooks}`,
              topic: hook.topic,
              apiVersion: "2025-10",
              payload: schema.parse(hook.payload),
            }),
          );
        }
        return receipts;
      },
      eventStatus: async (shopId, webhookId) =>
        (
          await sql<{ status: string; lastError: string | null }>(
            started.db.url,
            `SELECT status, "lastError" FROM "WebhookEvent" WHERE "shopId" = $1 AND "webhookId" = $2`,
            [shopId, webhookId],
          )
        )[0],
    };
  } catch (error) {
    await close();
    throw error;
  }
}
