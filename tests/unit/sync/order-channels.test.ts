/**
 * Sales channel and fulfillment status of orders (docs/decisions/0052-order-channels-and-fulfillment.md): how
 * Shopify's source names and statuses are read from bulk lines and webhook payloads, normalised, and bounded.
 */
import { describe, expect, it } from "vitest";
import {
  boundedText,
  BulkOrder,
  BulkOrderState,
  channelOf,
  FULFILLMENT_STATUS_MAX,
  fulfillmentStatusFromRest,
  normaliseOrder,
  orderFromBulk,
  OrderPayload,
  orderStateFromBulk,
  planEvent,
  SOURCE_NAME_MAX,
} from "../../../app/sync/records";
import { bulkOrderStatesQuery, bulkOrdersQuery } from "../../../app/sync/shopify-queries";

const orderLine = {
  __typename: "Order",
  id: "gid://shopify/Order/450789469",
  name: "#1001",
  createdAt: "2025-10-01T10:00:00Z",
  processedAt: "2025-10-01T10:00:00Z",
  updatedAt: "2025-10-03T09:00:00Z",
  cancelledAt: null,
  test: false,
  currencyCode: "GBP",
  sourceName: "web",
  displayFulfillmentStatus: "FULFILLED",
  retailLocation: null,
  fulfillments: [{ location: { id: "gid://shopify/Location/71000001" } }],
  refunds: [],
};

const payload = (extra: Record<string, unknown> = {}) => ({
  id: 450789469,
  name: "#1001",
  created_at: "2025-10-01T11:00:00+01:00",
  processed_at: "2025-10-01T11:00:00+01:00",
  updated_at: "2025-10-03T10:00:00+01:00",
  cancelled_at: null,
  currency: "GBP",
  location_id: null,
  source_name: "web",
  fulfillment_status: null,
  line_items: [],
  ...extra,
});

/** What a webhook event becomes: validated and stripped at receipt, stored, parsed again when it is applied. */
function throughReceipt(raw: unknown) {
  const stored: unknown = JSON.parse(JSON.stringify(OrderPayload.parse(raw)));
  return normaliseOrder("2025-10", OrderPayload.parse(stored)).order;
}

describe("channelOf", () => {
  it("maps Shopify's own source names and calls every other one another channel", () => {
    expect(channelOf("web", false)).toBe("online_store");
    expect(channelOf("pos", true)).toBe("pos");
    expect(channelOf(" POS ", false)).toBe("pos");
    for (const other of ["shopify_draft_order", "iphone", "android", "6718753", "amazon", "a-channel-shopify-adds-next-year"])
      expect(channelOf(other, false)).toBe("other");
  });

  it("takes an order without a source name sold at a retail location for a POS sale", () => {
    expect(channelOf(null, true)).toBe("pos");
    expect(channelOf(null, false)).toBe("other");
    expect(channelOf("", false)).toBe("other");
  });
});

describe("fulfillmentStatusFromRest", () => {
  it("spells REST's statuses as GraphQL's displayFulfillmentStatus does", () => {
    expect(fulfillmentStatusFromRest(null)).toBe("UNFULFILLED");
    expect(fulfillmentStatusFromRest("fulfilled")).toBe("FULFILLED");
    expect(fulfillmentStatusFromRest("partial")).toBe("PARTIALLY_FULFILLED");
    expect(fulfillmentStatusFromRest("restocked")).toBe("RESTOCKED");
  });

  it("keeps a value it does not know, upper-cased and bounded", () => {
    expect(fulfillmentStatusFromRest("on_hold")).toBe("ON_HOLD");
    expect(fulfillmentStatusFromRest("x".repeat(500))).toBe("X".repeat(FULFILLMENT_STATUS_MAX));
  });
});

describe("boundedText", () => {
  it("drops control characters, replaces lone surrogates, trims, and cuts by code point", () => {
    expect(boundedText("  we\u0000b\n ", 10)).toBe("web");
    expect(boundedText("a\uD800b", 10)).toBe("a\uFFFDb");
    // Cut at 2 code points: the emoji's surrogate pair stays whole.
    expect(boundedText("a😀b", 2)).toBe("a😀");
    expect(boundedText(" \t ", 10)).toBeNull();
  });
});

describe("bulk order lines", () => {
  it("read the channel, the raw source name and the fulfillment status", () => {
    expect(orderFromBulk(BulkOrder.parse(orderLine))).toMatchObject({
      channel: "online_store",
      sourceName: "web",
      fulfillmentStatus: "FULFILLED",
      locationId: "71000001",
    });
    const pos = { ...orderLine, sourceName: "pos", retailLocation: { id: "gid://shopify/Location/71000002" }, fulfillments: [] };
    expect(orderFromBulk(BulkOrder.parse(pos))).toMatchObject({ channel: "pos", sourceName: "pos", locationId: "71000002" });
    const draft = { ...orderLine, sourceName: "shopify_draft_order", displayFulfillmentStatus: "PARTIALLY_FULFILLED" };
    expect(orderFromBulk(BulkOrder.parse(draft))).toMatchObject({
      channel: "other",
      sourceName: "shopify_draft_order",
      fulfillmentStatus: "PARTIALLY_FULFILLED",
    });
  });

  it("store a value Shopify adds later as it is, bounded, and never fail the line for it", () => {
    const odd = { ...orderLine, sourceName: "s".repeat(1000), displayFulfillmentStatus: `AWAITING_${"Z".repeat(200)}` };
    const row = orderFromBulk(BulkOrder.parse(odd));
    expect(row.channel).toBe("other");
    expect(row.sourceName).toHaveLength(SOURCE_NAME_MAX);
    expect(row.fulfillmentStatus).toBe(`AWAITING_${"Z".repeat(FULFILLMENT_STATUS_MAX - 9)}`);
    // A number where a string belongs, or an object: read as none, the line still imports.
    const wrong = BulkOrder.safeParse({ ...orderLine, sourceName: 12345, displayFulfillmentStatus: { weird: true } });
    expect(wrong.success).toBe(true);
    expect(orderFromBulk(wrong.data!)).toMatchObject({ channel: "other", sourceName: "12345", fulfillmentStatus: null });
  });

  it("of the reconciliation's order states give the same channel and status", () => {
    const state = BulkOrderState.parse({ ...orderLine, sourceName: "pos", retailLocation: { id: "gid://shopify/Location/71000003" } });
    expect(orderStateFromBulk(state)).toEqual({ channel: "pos", sourceName: "pos", fulfillmentStatus: "FULFILLED" });
  });

  it("are asked for by the orders queries", () => {
    expect(bulkOrdersQuery("2024-01-01T00:00:00Z")).toMatch(/sourceName\s+displayFulfillmentStatus/);
    const states = bulkOrderStatesQuery("2024-01-01T00:00:00.123Z", "2025-10-01T03:15:00.456Z");
    expect(states).toContain(`orders(query: "created_at:>=2024-01-01T00:00:00Z updated_at:>=2025-10-01T03:15:00Z"`);
    expect(states).toMatch(/updatedAt\s+sourceName\s+displayFulfillmentStatus\s+retailLocation/);
    expect(bulkOrderStatesQuery("2024-01-01T00:00:00Z")).toContain(`orders(query: "created_at:>=2024-01-01T00:00:00Z"`);
  });
});

describe("order webhook payloads", () => {
  it("read source_name and fulfillment_status (null: nothing fulfilled yet)", () => {
    expect(throughReceipt(payload())).toMatchObject({ channel: "online_store", sourceName: "web", fulfillmentStatus: "UNFULFILLED" });
    expect(throughReceipt(payload({ fulfillment_status: "fulfilled" }))).toMatchObject({ fulfillmentStatus: "FULFILLED" });
    expect(throughReceipt(payload({ fulfillment_status: "partial" }))).toMatchObject({ fulfillmentStatus: "PARTIALLY_FULFILLED" });
    expect(throughReceipt(payload({ source_name: "pos", location_id: 71000002, fulfillment_status: "fulfilled" }))).toMatchObject({
      channel: "pos",
      locationId: "71000002",
    });
    expect(
      throughReceipt(
        payload({ source_name: "shopify_draft_order", cancelled_at: "2025-10-02T10:00:00Z", fulfillment_status: "restocked" }),
      ),
    ).toMatchObject({ channel: "other", sourceName: "shopify_draft_order", fulfillmentStatus: "RESTOCKED" });
  });

  it("accept a channel or status Shopify adds later, bounded, never refused", () => {
    const raw = payload({ source_name: `marketplace-${"m".repeat(400)}`, fulfillment_status: `scheduled_${"s".repeat(300)}` });
    expect(OrderPayload.safeParse(raw).success).toBe(true);
    const order = throughReceipt(raw);
    expect(order.channel).toBe("other");
    expect(Array.from(order.sourceName ?? "")).toHaveLength(SOURCE_NAME_MAX);
    expect(order.fulfillmentStatus).toMatch(/^SCHEDULED_S+$/);
    expect(order.fulfillmentStatus).toHaveLength(FULFILLMENT_STATUS_MAX);
    // The wrong type is read as absent (the stored values stay), not a 400 that Shopify would retry for 48 hours.
    expect(OrderPayload.safeParse(payload({ source_name: { nested: 1 }, fulfillment_status: 3 })).success).toBe(true);
    expect(throughReceipt(payload({ source_name: ["web"], fulfillment_status: false }))).toMatchObject({
      channel: null,
      sourceName: null,
      fulfillmentStatus: null,
    });
  });

  it("stored by a release that did not keep the fields say nothing about them (what we hold stays)", () => {
    const { source_name: _source, fulfillment_status: _status, ...old } = payload();
    const planned = planEvent({ id: "1", topic: "orders/updated", apiVersion: "2025-10", payload: old });
    expect(planned.kind).toBe("order");
    if (planned.kind !== "order") return;
    expect(planned.order.order).toMatchObject({ channel: null, sourceName: null, fulfillmentStatus: null });
  });

  it("parse the same after being stored: the stored payload is validated again when applied", () => {
    const raw = payload({ source_name: "  web\u0007 ", fulfillment_status: "partial" });
    const once = OrderPayload.parse(raw);
    expect(OrderPayload.parse(JSON.parse(JSON.stringify(once)))).toEqual(once);
    expect(once.source_name).toBe("web");
  });
});
