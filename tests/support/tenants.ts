/**
 * Two (or more) small shops seeded directly in SQL for the cross-tenant tests: every id a tenant owns lies in its
 * own range (`idBase` + small offsets), so another shop's ids are ids the requesting shop does not have, and every
 * name carries the tenant's marker, so an answer that leaks the tenant's data shows it. Each tenant has two
 * locations, three products with two variants each, 120 days of demand, stock, a completed initial sync, a failed
 * (replayable) webhook event, a vendor and a product lead-time override and a finished on-demand recompute.
 */
import pg from "pg";

export interface TenantOptions {
  domain: string;
  /** The first id of the tenant's range: locations, products, variants, inventory items and events lie above it. */
  idBase: number;
  /** A word that appears in every name the tenant owns (shop, products, vendor, locations). */
  marker: string;
}

export interface Tenant {
  shopId: string;
  domain: string;
  marker: string;
  locationIds: string[];
  productIds: string[];
  variantIds: string[];
  /** The inventory items of the variants, in the same order. */
  inventoryItemIds: string[];
  vendor: string;
  /** A WebhookEvent in status `failed`, which the sync page may replay. */
  webhookEventId: string;
  /** A finished ForecastRecompute. */
  recomputeId: string;
}

const PRODUCTS = 3;
const VARIANTS_PER_PRODUCT = 2;
const DAYS = 120;

export async function seedTenant(url: string, o: TenantOptions): Promise<Tenant> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    const base = o.idBase;
    const vendor = `${o.marker} Vendor`;
    const shop = await client.query<{ id: string; yesterday: string }>(
      `INSERT INTO "Shop" (id, domain, name, email, scopes, "adminLocale", "ianaTimezone", "countryCode", "currencyCode", "updatedAt", "shopInfoSyncedAt")
       VALUES (gen_random_uuid(), $1, $2, $3, $4, 'en', 'Europe/London', 'GB', 'GBP', now(), now())
       RETURNING id, to_char((now() AT TIME ZONE 'Europe/London')::date - 1, 'YYYY-MM-DD') AS yesterday`,
      [o.domain, `${o.marker} Store`, `owner@${o.domain}`, process.env.SCOPES ?? ""],
    );
    const shopId = shop.rows[0]!.id;
    const yesterday = shop.rows[0]!.yesterday;
    const locationIds = [base + 1, base + 2].map(String);
    await client.query(
      `INSERT INTO "Location" ("shopId", id, name, "isActive", "shopifyUpdatedAt")
       SELECT $1, l, $2 || ' Location ' || (l - $3), true, now() FROM unnest($4::bigint[]) l`,
      [shopId, o.marker, base, locationIds],
    );
    const productIds = Array.from({ length: PRODUCTS }, (_, p) => String(base + 10 + p));
    await client.query(
      `INSERT INTO "Product" ("shopId", id, title, handle, status, "productType", vendor, "shopifyCreatedAt", "shopifyUpdatedAt")
       SELECT $1, p, $2 || ' Product ' || (p - $3), 'p-' || p, 'ACTIVE', $2 || ' Type', $4, now() - interval '2 years', now()
         FROM unnest($5::bigint[]) p`,
      [shopId, o.marker, base, vendor, productIds],
    );
    // Variant base + 100 + 10·p + k of product base + 10 + p; its inventory item base + 500 + 10·p + k.
    await client.query(
      `INSERT INTO "ProductVariant" ("shopId", id, "productId", title, sku, price, "inventoryItemId", "shopifyUpdatedAt")
       SELECT $1, $2::bigint + 100 + 10 * p + k, $2::bigint + 10 + p, $3 || ' Size ' || k, $3 || '-SKU-' || p || k, 10 + p,
              $2::bigint + 500 + 10 * p + k, now()
         FROM generate_series(0, $4::int - 1) p, generate_series(1, $5::int) k`,
      [shopId, base, o.marker, PRODUCTS, VARIANTS_PER_PRODUCT],
    );
    // Deterministic demand: a weekly pattern per variant, at the first location.
    await client.query(
      `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
       SELECT v."shopId", v.id, $3::bigint, $2::date - g, u, u * 9.99, true
         FROM "ProductVariant" v CROSS JOIN generate_series(0, $4::int - 1) g
         CROSS JOIN LATERAL (SELECT ((v.id + g) % 5)::int AS u) x
        WHERE v."shopId" = $1 AND u > 0`,
      [shopId, yesterday, locationIds[0], DAYS],
    );
    await client.query(
      `INSERT INTO "InventoryLevel" ("shopId", "inventoryItemId", "locationId", available, "shopifyUpdatedAt")
       SELECT $1, v."inventoryItemId", l.id, (v.id % 7)::int * 3, now() FROM "ProductVariant" v JOIN "Location" l ON l."shopId" = v."shopId"
        WHERE v."shopId" = $1`,
      [shopId],
    );
    await client.query(
      `INSERT INTO "SyncRun" (id, "shopId", kind, status, phase, "finishedAt") VALUES (gen_random_uuid(), $1, 'initial', 'completed', 'done', now())`,
      [shopId],
    );
    const event = await client.query<{ id: string }>(
      `INSERT INTO "WebhookEvent" ("shopId", "webhookId", topic, "apiVersion", payload, status, attempts, "lastError")
       VALUES ($1, $2, 'products/update', '2025-10', $3::jsonb, 'failed', 5, 'seeded failure') RETURNING id::text`,
      [shopId, `${o.marker}-webhook-1`, JSON.stringify({ id: Number(productIds[0]), title: `${o.marker} Product 0` })],
    );
    await client.query(`INSERT INTO "VendorLeadTime" ("shopId", vendor, "leadTimeDays", "leadTimeSdDays") VALUES ($1, $2, 21, 2)`, [
      shopId,
      vendor,
    ]);
    await client.query(`INSERT INTO "ProductLeadTime" ("shopId", "productId", "leadTimeDays", "leadTimeSdDays") VALUES ($1, $2, 30, 4)`, [
      shopId,
      productIds[0],
    ]);
    const variants = (
      await client.query<{ id: string; item: string }>(
        `SELECT id::text, "inventoryItemId"::text AS item FROM "ProductVariant" WHERE "shopId" = $1 ORDER BY id`,
        [shopId],
      )
    ).rows;
    const variantIds = variants.map((row) => row.id);
    const recompute = await client.query<{ id: string }>(
      `INSERT INTO "ForecastRecompute" (id, "shopId", "variantId", status, "requestId", "finishedAt")
       VALUES (gen_random_uuid(), $1, $2, 'completed', $3, now()) RETURNING id`,
      [shopId, variantIds[0], `${o.marker}-request`],
    );
    await client.query("COMMIT");
    return {
      shopId,
      domain: o.domain,
      marker: o.marker,
      locationIds,
      productIds,
      variantIds,
      inventoryItemIds: variants.map((row) => row.item),
      vendor,
      webhookEventId: event.rows[0]!.id,
      recomputeId: recompute.rows[0]!.id,
    };
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    await client.end();
  }
}
