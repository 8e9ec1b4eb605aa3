/**
 * What Postgres must hold after a store sync (the store as the stand-in's Admin API shows it), and what
 * it does hold: compared by the sync tests (sync-stand-in, sync-kill).
 */
import type { StoreView } from "../mocks/shopify";
import { sql } from "./db";

const londonDay = (iso: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));

/** What Postgres must hold: the store as the Admin API shows it. */
export function expected(view: StoreView) {
  const products = view.products();
  const variants = products.flatMap((p) => p.variants);
  const levels = variants.flatMap((v) => view.levelsOfItem(v.inventoryItemId));
  const orders = [...view.orders()];
  const demand = new Map<string, number>();
  for (const order of orders) {
    if (order.cancelledAt) continue;
    for (const line of order.lineItems) {
      if (!view.variant(line.variantId)) continue; // the product was deleted: Shopify's line has no variant any more
      const restocked = order.refunds
        .flatMap((r) => r.lineItems)
        .filter((r) => r.lineItemId === line.id && r.restockType !== "no_restock")
        .reduce((sum, r) => sum + r.quantity, 0);
      const units = Math.max(0, line.quantity - restocked);
      const key = `${line.variantId}|${londonDay(order.createdAt)}`;
      demand.set(key, (demand.get(key) ?? 0) + units);
    }
  }
  return {
    locations: view.locations.map((l) => ({ id: String(l.id), name: l.name })).sort((a, b) => a.id.localeCompare(b.id)),
    products: products.map((p) => ({ id: String(p.id), title: p.title })),
    variants: variants.map((v) => ({ id: String(v.id), sku: v.sku, price: Number(v.price), item: String(v.inventoryItemId) })),
    levels: levels
      .map((l) => ({ item: String(l.inventoryItemId), location: String(l.locationId), available: l.available }))
      .sort((a, b) => a.item.localeCompare(b.item) || a.location.localeCompare(b.location)),
    orders: orders.map((o) => ({ id: String(o.id), cancelled: Boolean(o.cancelledAt) })).sort((a, b) => a.id.localeCompare(b.id)),
    lines: orders.reduce((n, o) => n + o.lineItems.length, 0),
    refundLines: orders.reduce((n, o) => n + o.refunds.reduce((m, r) => m + r.lineItems.length, 0), 0),
    demand: [...demand]
      .filter(([, units]) => units > 0)
      .map(([key, units]) => `${key}|${units}`)
      .sort(),
  };
}

export async function stored(url: string, shopId: string) {
  const q = <T extends Record<string, unknown>>(text: string) => sql<T>(url, text, [shopId]);
  return {
    locations: await q(`SELECT id::text, name FROM "Location" WHERE "shopId" = $1 ORDER BY id::text`),
    products: await q(`SELECT id::text, title FROM "Product" WHERE "shopId" = $1 AND "deletedAt" IS NULL ORDER BY id`),
    variants: (
      await q<{ id: string; sku: string; price: string; item: string }>(
        `SELECT id::text, sku, price::text, "inventoryItemId"::text AS item FROM "ProductVariant" WHERE "shopId" = $1 AND "deletedAt" IS NULL ORDER BY id`,
      )
    ).map((v) => ({ ...v, price: Number(v.price) })),
    levels: await q(
      `SELECT "inventoryItemId"::text AS item, "locationId"::text AS location, available FROM "InventoryLevel" WHERE "shopId" = $1 ORDER BY 1, 2`,
    ),
    orders: await q(`SELECT id::text, "cancelledAt" IS NOT NULL AS cancelled FROM "Order" WHERE "shopId" = $1 ORDER BY id::text`),
    lines: Number((await q<{ n: string }>(`SELECT count(*)::text AS n FROM "OrderLine" WHERE "shopId" = $1`))[0]?.n),
    refundLines: Number((await q<{ n: string }>(`SELECT count(*)::text AS n FROM "RefundLine" WHERE "shopId" = $1`))[0]?.n),
    demand: (
      await q<{ key: string }>(
        `SELECT "variantId"::text || '|' || to_char(day, 'YYYY-MM-DD') || '|' || sum(units)::text AS key
           FROM "DailyDemand" WHERE "shopId" = $1 GROUP BY "variantId", day HAVING sum(units) > 0`,
      )
    )
      .map((r) => r.key)
      .sort(),
  };
}
