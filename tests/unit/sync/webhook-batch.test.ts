/**
 * The pure parts of set-based webhook processing (docs/decisions/0050): what a stored event asks a batch to
 * write, and the orderings the batch's statements rely on.
 */
import { describe, expect, it } from "vitest";
import { planEvent, type StoredWebhookEvent } from "../../../app/sync/records";
import { byId, compareIds, newestByKey } from "../../../app/sync/writers.server";

const event = (topic: string, payload: unknown, apiVersion = "2025-10"): StoredWebhookEvent => ({ id: "41", topic, apiVersion, payload });

const order = {
  id: 9001,
  name: "#9001",
  created_at: "2025-10-01T23:30:00Z",
  updated_at: "2025-10-02T10:00:00Z",
  currency: "GBP",
  location_id: 71000002,
  line_items: [
    { id: 90010, variant_id: 501, product_id: 50, sku: "A", quantity: 3, price: "2.50", discount_allocations: [{ amount: "0.50" }] },
  ],
  refunds: [
    {
      id: 77,
      created_at: "2025-10-03T10:00:00Z",
      refund_line_items: [{ line_item_id: 90010, quantity: 1, restock_type: "return", location_id: 71000002 }],
    },
  ],
};

describe("planEvent", () => {
  it("turns each synced topic into the rows it writes", () => {
    expect(planEvent(event("orders/updated", order))).toMatchObject({
      id: "41",
      kind: "order",
      order: {
        order: { id: "9001", updatedAt: "2025-10-02T10:00:00Z", processedAt: "2025-10-01T23:30:00Z", locationId: "71000002" },
        lines: [{ id: "90010", orderId: "9001", variantId: "501", quantity: 3, discountedTotal: "7.00" }],
        refunds: [{ refundId: "77", lineItemId: "90010", orderId: "9001", quantity: 1, restockType: "RETURN" }],
      },
    });
    expect(
      planEvent(
        event("refunds/create", {
          id: 78,
          order_id: 9001,
          created_at: "2025-10-04T10:00:00Z",
          refund_line_items: [{ line_item_id: 90010, quantity: 1, restock_type: "no_restock" }],
        }),
      ),
    ).toEqual({
      id: "41",
      kind: "refund",
      orderId: "9001",
      refunds: [
        {
          refundId: "78",
          lineItemId: "90010",
          orderId: "9001",
          quantity: 1,
          restockType: "NO_RESTOCK",
          locationId: null,
          createdAt: "2025-10-04T10:00:00Z",
        },
      ],
    });
    expect(
      planEvent(
        event("inventory_levels/update", {
          inventory_item_id: 601,
          location_id: 71000002,
          available: 3,
          updated_at: "2025-10-02T09:00:00Z",
        }),
      ),
    ).toEqual({
      id: "41",
      kind: "level",
      level: { inventoryItemId: "601", locationId: "71000002", available: 3, onHand: null, updatedAt: "2025-10-02T09:00:00Z" },
    });
    expect(planEvent(event("products/delete", { id: 50 }))).toEqual({ id: "41", kind: "product-delete", productId: "50" });
    const product = planEvent(
      event("products/update", {
        id: 50,
        title: "Bag",
        handle: "bag",
        created_at: "2025-01-01T00:00:00Z",
        updated_at: "2025-10-02T08:00:00Z",
        variants: [{ id: 501, title: "Red", sku: "A", price: "2.50", inventory_item_id: 601, updated_at: "2025-10-02T08:00:00Z" }],
      }),
    );
    expect(product).toMatchObject({
      kind: "product",
      product: { id: "50", title: "Bag", status: "ACTIVE", updatedAt: "2025-10-02T08:00:00Z" },
      variants: [{ id: "501", productId: "50", inventoryItemId: "601" }],
    });
    expect(
      planEvent(event("bulk_operations/finish", { admin_graphql_api_id: "gid://shopify/BulkOperation/1", status: "completed" })),
    ).toEqual({ id: "41", kind: "bulk-finish", detail: "gid://shopify/BulkOperation/1 completed" });
  });

  it("has nothing to write for an untracked item or a topic that is not synced", () => {
    expect(
      planEvent(
        event("inventory_levels/update", { inventory_item_id: 601, location_id: 1, available: null, updated_at: "2025-10-02T09:00:00Z" }),
      ),
    ).toEqual({ id: "41", kind: "ignored", detail: "item not tracked" });
    expect(planEvent(event("customers/create", { id: 1 }))).toEqual({
      id: "41",
      kind: "ignored",
      detail: "topic customers/create is not synced",
    });
  });

  it("returns a payload that no longer parses, or an API version older than every parser, as invalid instead of throwing", () => {
    expect(planEvent(event("orders/create", { id: "not a number" }))).toMatchObject({ id: "41", kind: "invalid" });
    expect(planEvent(event("orders/create", order, "2023-01"))).toEqual({
      id: "41",
      kind: "invalid",
      error: "webhook API version 2023-01 is older than any version we parse",
    });
  });
});

describe("batch orderings", () => {
  it("compares decimal ids as numbers, beyond 2^53", () => {
    expect(compareIds("9", "10")).toBeLessThan(0);
    expect(compareIds("9223372036854775807", "9223372036854775806")).toBeGreaterThan(0);
    expect(compareIds("501", "501")).toBe(0);
    expect(byId([{ id: "100" }, { id: "9" }, { id: "20" }]).map((r) => r.id)).toEqual(["9", "20", "100"]);
  });

  it("keeps the newest record per key, the later one of equal time (as applied one after the other)", () => {
    const rows = [
      { id: "1", at: "2025-10-02T10:00:00Z", v: "a" },
      { id: "1", at: "2025-10-02T09:00:00Z", v: "b" },
      { id: "2", at: "2025-10-02T10:00:00Z", v: "c" },
      { id: "2", at: "2025-10-02T10:00:00.000Z", v: "d" },
    ];
    expect(
      newestByKey(
        rows,
        (r) => r.id,
        (r) => r.at,
      ).map((r) => r.v),
    ).toEqual(["a", "d"]);
  });
});
