/**
 * Bidirectional stock: set a variant's available quantity at a location in Shopify with
 * compare-and-set (inventorySetQuantities + compareQuantity = what we believe Shopify has). When
 * Shopify has something else, nothing is overwritten: we refetch the level, store it, and report the
 * conflict to the caller.
 */
import type { AdminClient } from "./admin-client.server";
import type { Queryable, ShopRow } from "./db.server";
import { gid, numericId } from "./ids";
import { INVENTORY_LEVEL_QUERY, INVENTORY_SET_MUTATION } from "./shopify-queries";
import { upsertLevels } from "./writers.server";

export type StockWriteResult =
  | { outcome: "applied"; quantity: number }
  | { outcome: "conflict"; expected: number; actual: number }
  | { outcome: "failed"; message: string };

interface SetAnswer {
  inventorySetQuantities: {
    inventoryAdjustmentGroup: { id: string } | null;
    userErrors: { code?: string | null; field?: string[] | null; message: string }[];
  };
}
interface LevelAnswer {
  inventoryItem: { inventoryLevel: { updatedAt: string; quantities: { name: string; quantity: number }[] } | null } | null;
}

export async function setAvailable(
  ctx: { db: Queryable; shop: ShopRow; client: AdminClient },
  input: { variantId: string; locationId: string; quantity: number },
): Promise<StockWriteResult> {
  const { db, shop, client } = ctx;
  const { rows } = await db.query<{ item: string | null; available: number | null }>(
    `SELECT v."inventoryItemId"::text AS item, l.available FROM "ProductVariant" v
       LEFT JOIN "InventoryLevel" l ON l."shopId" = v."shopId" AND l."inventoryItemId" = v."inventoryItemId" AND l."locationId" = $3
      WHERE v."shopId" = $1 AND v.id = $2`,
    [shop.id, input.variantId, input.locationId],
  );
  const row = rows[0];
  if (!row?.item) return { outcome: "failed", message: "unknown variant or no inventory item" };
  const expected = row.available ?? 0;
  const answer = await client.request<SetAnswer>(INVENTORY_SET_MUTATION, {
    input: {
      name: "available",
      reason: "correction",
      referenceDocumentUri: `gid://fluxor/StockChange/${Date.now()}`,
      quantities: [
        {
          inventoryItemId: gid("InventoryItem", row.item),
          locationId: gid("Location", input.locationId),
          quantity: input.quantity,
          compareQuantity: expected,
        },
      ],
    },
  });
  const errors = answer.inventorySetQuantities.userErrors;
  const record = (outcome: string, actual: number | null, detail: string | null) =>
    db.query(
      `INSERT INTO "StockChange" (id, "shopId", "inventoryItemId", "locationId", expected, quantity, outcome, actual, detail)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8)`,
      [shop.id, row.item, input.locationId, expected, input.quantity, outcome, actual, detail],
    );
  if (errors.length === 0) {
    const now = new Date().toISOString();
    await upsertLevels(db, shop.id, shop.timezone, [
      { inventoryItemId: row.item, locationId: input.locationId, available: input.quantity, onHand: null, updatedAt: now },
    ]);
    await record("applied", null, null);
    return { outcome: "applied", quantity: input.quantity };
  }
  const stale = errors.some((e) => e.code === "COMPARE_QUANTITY_STALE" || e.code === "CHANGE_FROM_QUANTITY_STALE");
  if (!stale) {
    const message = errors.map((e) => e.message).join("; ");
    await record("failed", null, message);
    return { outcome: "failed", message };
  }
  // Someone else changed it: refetch, store what Shopify has, report, overwrite nothing.
  const level = await client.request<LevelAnswer>(INVENTORY_LEVEL_QUERY, {
    inventoryItemId: gid("InventoryItem", row.item),
    locationId: gid("Location", input.locationId),
  });
  const current = level.inventoryItem?.inventoryLevel;
  const actual = current?.quantities.find((q) => q.name === "available")?.quantity ?? 0;
  if (current) {
    await upsertLevels(db, shop.id, shop.timezone, [
      { inventoryItemId: numericId(row.item), locationId: input.locationId, available: actual, onHand: null, updatedAt: current.updatedAt },
    ]);
  }
  await record("conflict", actual, "Shopify's quantity changed since our last sync");
  return { outcome: "conflict", expected, actual };
}
