/**
 * The demo store's orders, derived day by day from its daily demand (lazily: a day's orders are
 * generated when asked, the same every time for the same seed). Net units sold per variant and day
 * equal the store's demand exactly: cancelled orders and restocked refunds come on top of it, as
 * they do in a real shop's history.
 */
import { prng } from "../../../support/random";
import type { DemoStore } from "./demo-store";

/** Order ids: the store's order base (`store.ids.order`) + day × ORDER_ID_DAY + index within the day (live orders use day = historyDays). */
export const ORDER_ID_DAY = 100_000;

export interface DemoLineItem {
  id: number;
  productId: number;
  variantId: number;
  sku: string;
  title: string;
  quantity: number;
  price: string;
}
export type RestockType = "return" | "no_restock" | "cancel" | "legacy_restock";
export interface DemoRefund {
  id: number;
  createdAt: string;
  lineItems: { lineItemId: number; quantity: number; restockType: RestockType; locationId?: number }[];
}
/** What Shopify's `displayFulfillmentStatus` says of the demo's orders (the stand-in never holds or schedules one). */
export type DemoFulfillmentStatus = "FULFILLED" | "UNFULFILLED" | "PARTIALLY_FULFILLED";
/** A shipment (or a POS hand-over) of some units of some lines, from one location. */
export interface DemoFulfillment {
  id: number;
  createdAt: string;
  locationId: number;
  lineItems: { lineItemId: number; quantity: number }[];
}
export interface DemoOrder {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  cancelReason?: "customer" | "inventory" | "other" | null;
  /**
   * Shopify's source name: "web" (the online store), "pos" (Point of Sale, at a shop), or another channel's:
   * "shopify_draft_order" (orders the merchant keys in) or a marketplace app's id (OTHER_SOURCES).
   */
  sourceName: string;
  locationId: number;
  /** Follows from `fulfillments` (fulfillmentStatusOf), except that a cancelled order shows UNFULFILLED. */
  displayFulfillmentStatus: DemoFulfillmentStatus;
  fulfillments: DemoFulfillment[];
  lineItems: DemoLineItem[];
  refunds: DemoRefund[];
}

/** The other channels' source names: the draft orders app, and a marketplace connector app (Shopify uses its app id). */
export const OTHER_SOURCES = ["shopify_draft_order", "6718753"] as const;

/** Units of each line not fulfilled yet. */
export function unfulfilledLines(order: Pick<DemoOrder, "lineItems" | "fulfillments">): { lineItemId: number; quantity: number }[] {
  const shipped = new Map<number, number>();
  for (const fulfillment of order.fulfillments)
    for (const line of fulfillment.lineItems) shipped.set(line.lineItemId, (shipped.get(line.lineItemId) ?? 0) + line.quantity);
  return order.lineItems
    .map((line) => ({ lineItemId: line.id, quantity: line.quantity - (shipped.get(line.id) ?? 0) }))
    .filter((line) => line.quantity > 0);
}

/** The display fulfillment status its fulfillments give an order. */
export function fulfillmentStatusOf(order: Pick<DemoOrder, "lineItems" | "fulfillments" | "cancelledAt">): DemoFulfillmentStatus {
  if (order.cancelledAt || order.fulfillments.length === 0) return "UNFULFILLED";
  return unfulfilledLines(order).length === 0 ? "FULFILLED" : "PARTIALLY_FULFILLED";
}

const DAY_MS = 86_400_000;

/** A product's units of one day split over its variants by their shares, largest remainder first (no randomness). */
export function splitUnits(units: number, variants: readonly { share: number }[]): number[] {
  const exact = variants.map((variant) => units * variant.share);
  const floors = exact.map(Math.floor);
  let left = units - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((value, index) => ({ index, rest: value - Math.floor(value) })).sort((a, b) => b.rest - a.rest);
  for (const { index } of order) {
    if (left-- <= 0) break;
    floors[index] = (floors[index] ?? 0) + 1;
  }
  return floors;
}

export function ordersOn(store: DemoStore, dayIndex: number): DemoOrder[] {
  if (dayIndex < 0 || dayIndex >= store.historyDays) return [];
  const random = prng(store.info.shopId * 7919 + dayIndex * 104_729);
  const dayStart = Date.parse(`${store.historyStart}T00:00:00Z`) + dayIndex * DAY_MS;
  const chunks: Omit<DemoLineItem, "id">[] = [];
  for (const product of store.products) {
    const units = product.daily[dayIndex] ?? 0;
    if (units === 0) continue;
    const floors = splitUnits(units, product.variants);
    product.variants.forEach((variant, index) => {
      let quantity = floors[index] ?? 0;
      while (quantity > 0) {
        // Wholesale quantities stay one line; small ones are split over a few customers.
        const take = quantity > 24 ? quantity : Math.max(1, Math.min(quantity, 1 + Math.floor(random() * 6)));
        chunks.push({
          productId: product.id,
          variantId: variant.id,
          sku: variant.sku,
          title: `${product.title}${variant.title === "Default Title" ? "" : ` - ${variant.title}`}`,
          quantity: take,
          price: variant.price,
        });
        quantity -= take;
      }
    });
  }
  // Shuffle (Fisher–Yates) and group into orders of 1–4 lines.
  for (let i = chunks.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [chunks[i], chunks[j]] = [chunks[j] as Omit<DemoLineItem, "id">, chunks[i] as Omit<DemoLineItem, "id">];
  }
  const orders: DemoOrder[] = [];
  let next = 0;
  const [warehouse, manchester, edinburgh] = store.locations.map((location) => location.id) as [number, number, number];
  const newOrder = (lines: Omit<DemoLineItem, "id">[], cancelled: boolean): DemoOrder => {
    const k = orders.length;
    const id = store.ids.order + dayIndex * ORDER_ID_DAY + k;
    const created = new Date(dayStart + (8 + random() * 10) * 3_600_000);
    const location = random();
    const locationId = location < 0.7 ? warehouse : location < 0.85 ? manchester : edinburgh;
    return {
      id,
      // Unique and increasing with time (Shopify's order numbers are; ours leave gaps between days).
      name: `#${1001 + dayIndex * ORDER_ID_DAY + k}`,
      createdAt: created.toISOString(),
      updatedAt: created.toISOString(),
      cancelledAt: cancelled ? new Date(created.getTime() + 3_600_000).toISOString() : null,
      sourceName: locationId === warehouse ? "web" : "pos",
      locationId,
      displayFulfillmentStatus: "UNFULFILLED",
      fulfillments: [],
      lineItems: lines.map((line, index) => ({ ...line, id: id * 10 + index })),
      refunds: [],
    };
  };
  while (next < chunks.length) {
    const size = 1 + Math.floor(random() * 4);
    const lines = chunks.slice(next, next + size);
    next += size;
    const order = newOrder(lines, false);
    // ~2 % of orders get one more unit that the customer returned (refund with restock): net unchanged.
    if (random() < 0.02 && order.lineItems[0]) {
      const line = order.lineItems[0];
      line.quantity += 1;
      const refunded = new Date(Date.parse(order.createdAt) + 2 * DAY_MS);
      order.refunds.push({
        id: order.id * 10 + 9,
        createdAt: refunded.toISOString(),
        lineItems: [{ lineItemId: line.id, quantity: 1, restockType: "return" }],
      });
      order.updatedAt = refunded.toISOString();
    }
    orders.push(order);
  }
  // ~1 % extra orders that were cancelled: they never count as demand.
  const cancelledCount = Math.round(orders.length * 0.01 + random() * 0.5);
  for (let c = 0; c < cancelledCount; c++) {
    const source = chunks[Math.floor(random() * chunks.length)];
    if (source) orders.push(newOrder([{ ...source, quantity: Math.min(source.quantity, 3) }], true));
  }
  // Channels and fulfillments draw from a stream of their own, so the orders and their lines are what they
  // were before the stand-in knew them.
  const fate = prng(store.info.shopId * 6151 + dayIndex * 92_821 + 1);
  const asOf = Date.parse(`${store.historyStart}T00:00:00Z`) + store.historyDays * DAY_MS;
  for (const order of orders) settle(order, fate, asOf);
  return orders;
}

const HOUR_MS = 3_600_000;

/**
 * An order's channel and fulfillments as they stand at the end of the history (`asOf`, today 00:00 UTC): POS
 * sales are handed over at once; online orders, and the few from other channels (~6 %: keyed-in draft orders
 * and a marketplace), ship from the warehouse hours to days later, ~15 % of those with several lines in two
 * shipments, so the last days hold unfulfilled and partially fulfilled orders. Shopify moves `updatedAt` on
 * each fulfillment and on the cancellation.
 */
function settle(order: DemoOrder, fate: () => number, asOf: number): void {
  const created = Date.parse(order.createdAt);
  const fulfil = (index: number, at: number, lines: { lineItemId: number; quantity: number }[]) => {
    if (at <= asOf)
      order.fulfillments.push({
        id: order.id * 10 + 7 + index,
        createdAt: new Date(at).toISOString(),
        locationId: order.locationId,
        lineItems: lines,
      });
  };
  if (order.sourceName === "pos") {
    if (!order.cancelledAt) fulfil(0, created, unfulfilledLines(order));
  } else {
    const channel = fate();
    if (channel < 0.06) order.sourceName = OTHER_SOURCES[channel < 0.035 ? 0 : 1];
    const r = fate();
    const delay = (r < 0.45 ? 2 + fate() * 8 : r < 0.85 ? 18 + fate() * 22 : r < 0.97 ? 48 + fate() * 48 : 120 + fate() * 96) * HOUR_MS;
    const split = order.lineItems.length >= 2 && fate() < 0.15;
    const later = (1 + fate() * 5) * 24 * HOUR_MS;
    if (!order.cancelledAt) {
      const lines = unfulfilledLines(order);
      if (split) {
        fulfil(0, created + delay, lines.slice(0, -1));
        fulfil(1, created + delay + later, lines.slice(-1));
      } else fulfil(0, created + delay, lines);
    }
  }
  order.displayFulfillmentStatus = fulfillmentStatusOf(order);
  const times = [order.updatedAt, order.cancelledAt, ...order.fulfillments.map((f) => f.createdAt)].flatMap((t) =>
    t ? [Date.parse(t)] : [],
  );
  order.updatedAt = new Date(Math.max(...times)).toISOString();
}

/** Net units per variant on a day (what the orders say after cancellations and restocked refunds). */
export function netUnitsOn(orders: DemoOrder[]): Map<number, number> {
  const net = new Map<number, number>();
  for (const order of orders) {
    if (order.cancelledAt) continue;
    for (const line of order.lineItems) {
      const restocked = order.refunds
        .flatMap((refund) => refund.lineItems)
        .filter((r) => r.lineItemId === line.id && r.restockType !== "no_restock")
        .reduce((a, r) => a + r.quantity, 0);
      net.set(line.variantId, (net.get(line.variantId) ?? 0) + line.quantity - restocked);
    }
  }
  return net;
}
