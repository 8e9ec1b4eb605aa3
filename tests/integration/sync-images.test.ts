/**
 * Product images end to end against real PostgreSQL and the Shopify stand-in: the initial sync stores each
 * product's featured image (featuredMedia) as the stand-in serves it; the products/update webhooks the stand-in
 * sends when an image is replaced or removed change it, and one that names no image leaves it; the alerts read
 * it with their variants and the email shows it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as AdminClientModule from "../../app/sync/admin-client.server";
import type * as DbModule from "../../app/db/pool.server";
import type * as InitialModule from "../../app/sync/initial-sync.server";
import type * as WebhooksModule from "../../app/sync/webhooks.server";
import { loadAppConfig, redirectShopifyFetch, startShopifyStandIn, type ShopifyStandIn } from "../mocks/shopify";
import { createTestDatabase, sql } from "../support/db";

const SHOP = "sync-images.myshopify.com";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof DbModule;
let initial: typeof InitialModule;
let client: typeof AdminClientModule;
let webhooks: typeof WebhooksModule;
let standIn: ShopifyStandIn;
let restoreFetch: () => void;
let app: Server;
/** Webhooks the stand-in sent to the app, as they arrived. */
const received: { topic: string; webhookId: string; apiVersion: string; body: string }[] = [];
let shopId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  initial = await import("../../app/sync/initial-sync.server");
  client = await import("../../app/sync/admin-client.server");
  webhooks = await import("../../app/sync/webhooks.server");
  app = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({
        topic: String(req.headers["x-shopify-topic"]),
        webhookId: String(req.headers["x-shopify-webhook-id"]),
        apiVersion: String(req.headers["x-shopify-api-version"]),
        body,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  standIn = await startShopifyStandIn({
    app: loadAppConfig(path.resolve(import.meta.dirname, "../../shopify.app.toml"), {
      apiSecret: randomBytes(16).toString("hex"),
      appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    }),
    stores: [{ domain: SHOP, seed: 21, scale: { products: 25, days: 40 } }],
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

async function installAndSync(): Promise<void> {
  const response = await fetch(`https://${SHOP}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_id: standIn.app.apiKey,
      client_secret: standIn.app.apiSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: standIn.mintIdToken(SHOP),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    }),
  });
  const { access_token: token, scope } = (await response.json()) as { access_token: string; scope: string };
  const info = standIn.store(SHOP).info();
  const rows = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, scopes, name, "ianaTimezone", "currencyCode", "updatedAt", "shopInfoSyncedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, now(), now()) RETURNING id`,
    [SHOP, scope, info.name, info.ianaTimezone, info.currencyCode],
  );
  shopId = rows[0]!.id;
  const row = (await (await import("../../app/shops/lookup.server")).shopByDomain(pool.pool(), SHOP))!;
  const ctx = {
    db: pool.pool(),
    shop: row,
    client: client.createAdminClient({
      transport: client.fetchTransport(SHOP, token),
      sleep: async (ms: number) => void (await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20)))),
      baseDelayMs: 5,
    }),
    batchSize: 500,
  };
  for (let i = 0; i < 500; i++) {
    const run = await initial.startOrResumeRun(ctx.db, row);
    const step = await initial.advance(ctx, run.id);
    if (step.kind === "done") return;
    if (step.kind === "wait") await new Promise((resolve) => setTimeout(resolve, Math.min(step.ms, 25)));
  }
  throw new Error("the sync did not finish");
}

/** Stores and applies a webhook the way the route and the sync.webhook job do. */
async function apply(hook: { topic: string; webhookId: string; apiVersion: string; payload: unknown }): Promise<string> {
  const { TOPIC_PAYLOADS } = await import("../../app/sync/records");
  await webhooks.receiveWebhook(pool.pool(), {
    shop: SHOP,
    webhookId: hook.webhookId,
    topic: hook.topic,
    apiVersion: hook.apiVersion,
    payload: TOPIC_PAYLOADS[hook.topic as keyof typeof TOPIC_PAYLOADS].parse(hook.payload),
  });
  const [row] = await sql<{ id: string }>(db.url, `SELECT id::text FROM "WebhookEvent" WHERE "shopId" = $1 AND "webhookId" = $2`, [
    shopId,
    hook.webhookId,
  ]);
  const event = await webhooks.loadEvent(pool.pool(), row!.id);
  return (await webhooks.processEvent(pool.pool(), event!)).status;
}

/** The stand-in's latest products/update webhook for a product. */
async function lastUpdateOf(productId: number) {
  await standIn.webhooks.idle();
  const hook = received.filter((r) => r.topic === "products/update" && (JSON.parse(r.body) as { id: number }).id === productId).at(-1);
  if (!hook) throw new Error(`no products/update for ${productId}`);
  return { ...hook, payload: JSON.parse(hook.body) as Record<string, unknown> };
}

async function storedImage(productId: number) {
  const [row] = await sql<{ imageUrl: string | null; imageAlt: string | null }>(
    db.url,
    `SELECT "imageUrl", "imageAlt" FROM "Product" WHERE "shopId" = $1 AND id = $2`,
    [shopId, productId],
  );
  return row;
}

describe("product images", () => {
  it("the initial sync stores every product's featured image, a URL the stand-in serves", async () => {
    await installAndSync();
    const state = standIn.store(SHOP).state;
    const have = await sql<{ id: string; imageUrl: string | null; imageAlt: string | null }>(
      db.url,
      `SELECT id::text, "imageUrl", "imageAlt" FROM "Product" WHERE "shopId" = $1 ORDER BY id`,
      [shopId],
    );
    const want = state.products().map((p) => ({
      id: String(p.id),
      imageUrl: `${standIn.url}/cdn/shop/files/${p.image!.id}.png`,
      imageAlt: p.image!.altText,
    }));
    expect(have).toEqual(want);
    expect(have.some((p) => p.imageAlt === null)).toBe(true);
    const picture = await fetch(have[0]!.imageUrl!);
    expect(picture.status).toBe(200);
    expect(picture.headers.get("content-type")).toBe("image/png");
  });

  it("a products/update webhook replaces or removes the image; one that names no image keeps it", async () => {
    const state = standIn.store(SHOP).state;
    const [first, second] = state.products();

    const replaced = state.updateProduct(first!.id, { image: { altText: "Back view" } });
    const update = await lastUpdateOf(first!.id);
    expect(update.apiVersion).toBe("2025-10");
    expect(await apply(update)).toBe("processed");
    expect(await storedImage(first!.id)).toEqual({
      imageUrl: `${standIn.url}/cdn/shop/files/${replaced.image!.id}.png`,
      imageAlt: "Back view",
    });

    state.updateProduct(second!.id, { image: null });
    expect(await apply(await lastUpdateOf(second!.id))).toBe("processed");
    expect(await storedImage(second!.id)).toEqual({ imageUrl: null, imageAlt: null });

    // A later payload without image, images or media (say, from an API version that leaves them out).
    const later = await lastUpdateOf(first!.id);
    const { image: _image, images: _images, media: _media, ...bare } = later.payload;
    const status = await apply({ ...later, webhookId: `${later.webhookId}-bare`, payload: { ...bare, title: "Renamed" } });
    expect(status).toBe("processed");
    expect(await storedImage(first!.id)).toEqual({
      imageUrl: `${standIn.url}/cdn/shop/files/${replaced.image!.id}.png`,
      imageAlt: "Back view",
    });
  });

  it("the alerts read the image with their variants, and the email shows it", async () => {
    const state = standIn.store(SHOP).state;
    const product = state.products()[2]!;
    const variant = product.variants[0]!;
    const runId = (await sql<{ id: string }>(db.url, `SELECT gen_random_uuid()::text AS id`))[0]!.id;
    await sql(
      db.url,
      `INSERT INTO "VariantAdvice" ("runId", "shopId", "variantId", "locationId", "productId", "productTitle", "variantTitle", sku, price,
         available, "dailyMean", "leadTimeDays", "safetyStock", "reorderPoint", "orderUpTo", eoq, "reorderQty", risk, "abcClass", "xyzClass",
         "stockValue", "outOfStockSince", "lostUnitsPerDay", "lostRevenuePerDay")
       VALUES ($1, $2, $3, 0, $4, $5, $6, $7, 4.5, 0, 2, 14, 5, 33, 60, 40, 60, 'out_of_stock', 'A', 'X', 0, '2026-01-01', 2, 9)`,
      [runId, shopId, variant.id, product.id, product.title, variant.title, variant.sku],
    );
    const { loadSubjects } = await import("../../app/alerts/run.server");
    const { sectionFor } = await import("../../app/alerts/content");
    const { AlertRule } = await import("../../app/alerts/rules");
    const { EMAIL_FIXTURES } = await import("../../app/email/fixtures");
    const { EmailContent } = await import("../../app/email/model");
    const { renderEmail } = await import("../../app/email/render.server");

    const [subject] = await loadSubjects(pool.pool(), shopId, runId, []);
    const url = `${standIn.url}/cdn/shop/files/${product.image!.id}.png`;
    expect(subject).toMatchObject({ variantId: String(variant.id), productTitle: product.title, imageUrl: url, available: 0 });
    const rule = AlertRule.parse({ id: "out_of_stock", type: "out_of_stock" });
    const section = sectionFor("out_of_stock", [{ subject: subject!, ruleId: rule.id }], [rule]);
    const email = await renderEmail(EmailContent.parse({ ...EMAIL_FIXTURES.out_of_stock, section }));
    // Not on Shopify's CDN: the address as it is (no ?width=), with the product's title as alt text.
    expect(email.html).toMatch(new RegExp(`<img alt="[^"]+"[^>]* src="${url.replace(/[.?]/g, "\\$&")}"`));
    expect(email.text).not.toContain(url);
  });
});
