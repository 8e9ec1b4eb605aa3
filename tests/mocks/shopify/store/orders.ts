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
export interface DemoOrder {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  cancelReason?: "customer" | "inventory" | "other" | null;
  sourceName: "web" | "pos";
  locationId: number;
  displayFulfillmentStatus: "FULFILLED" | "UNFULFILLED";
  lineItems: DemoLineItem[];
  refunds: DemoRefund[];
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
      displayFulfillmentStatus: cancelled || dayIndex >= store.historyDays - 1 ? "UNFULFILLED" : "FULFILLED",
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
  return orders;
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
