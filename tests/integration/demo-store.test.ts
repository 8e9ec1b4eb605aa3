/** The demo store: deterministic, shaped like the issue asks, and its orders add up to the real demand. */
import { describe, expect, it } from "vitest";
import { buildDemoStore, netUnitsOn, ordersOn, StoreState, type DemoStore, type ScaleOptions } from "../mocks/shopify";

const today = new Date("2026-11-25T10:00:00Z");
const store = buildDemoStore({ domain: "hollow-oak-gifts.myshopify.com", seed: 42, today });

describe("demo store", () => {
  it("is reproducible from its seed", () => {
    expect(buildDemoStore({ domain: store.domain, seed: 42, today }).fingerprint).toBe(store.fingerprint);
    expect(buildDemoStore({ domain: store.domain, seed: 43, today }).fingerprint).not.toBe(store.fingerprint);
    expect(ordersOn(store, 700)).toEqual(ordersOn(buildDemoStore({ domain: store.domain, seed: 42, today }), 700));
  });

  it("has the real catalogue, variants, three locations and 24 months ending yesterday", () => {
    expect(store.products).toHaveLength(1064);
    expect(store.products.find((p) => p.title === "White Hanging Heart T-Light Holder")).toBeDefined();
    const multi = store.products.filter((p) => p.variants.length > 1).length / store.products.length;
    expect(multi).toBeGreaterThan(0.08);
    expect(multi).toBeLessThan(0.25);
    expect(store.locations.map((l) => l.name)).toEqual(["London Warehouse", "Manchester Shop", "Edinburgh Shop"]);
    expect(store.historyDays).toBe(730);
    const last = new Date(Date.parse(`${store.historyStart}T00:00:00Z`) + (store.historyDays - 1) * 86_400_000);
    expect(last.toISOString().slice(0, 10)).toBe("2026-11-24");
    expect(new Set(store.products.flatMap((p) => p.variants.map((v) => v.sku))).size).toBe(
      store.products.reduce((n, p) => n + p.variants.length, 0),
    );
  });

  it("derives orders whose net units equal each variant's demand, with cancellations and restocked refunds on top", () => {
    let cancelled = 0;
    let refunds = 0;
    for (const day of [400, 600, 729]) {
      const orders = ordersOn(store, day);
      cancelled += orders.filter((o) => o.cancelledAt).length;
      refunds += orders.filter((o) => o.refunds.length).length;
      const net = netUnitsOn(orders);
      for (const product of store.products) {
        const total = product.variants.reduce((sum, v) => sum + (net.get(v.id) ?? 0), 0);
        expect(total).toBe(product.daily[day]);
      }
      for (const order of orders) expect(JSON.stringify(order)).not.toMatch(/"(email|phone|customer|[a-zA-Z]*[aA]ddress|note)"\s*:|@/);
    }
    expect(cancelled).toBeGreaterThan(0);
    expect(refunds).toBeGreaterThan(0);
  });
});

const DAY_MS = 86_400_000;
const dayIndex = (store: DemoStore, day: string) =>
  Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${store.historyStart}T00:00:00Z`)) / DAY_MS);
const variantsOf = (store: DemoStore) => store.products.flatMap((product) => product.variants.map((variant) => ({ product, variant })));
const onHand = (stock: Record<number, number>) => Object.values(stock).reduce((a, b) => a + b, 0);

/** Net units of each variant per day, from the orders the Admin API serves, over [from, to]. */
function soldByVariant(store: DemoStore, from: number, to: number): Map<number, number[]> {
  const days = new Map<number, number[]>();
  for (let day = Math.max(0, from); day <= to; day++)
    for (const [variantId, units] of netUnitsOn(ordersOn(store, day)))
      if (units > 0) days.set(variantId, [...(days.get(variantId) ?? []), day]);
  return days;
}

/**
 * The seeded cases of a store hold what they claim, seen through its orders and its Admin state, and
 * every product not chosen is exactly what the same store built without them has.
 */
function checkScenarios(store: DemoStore, plain: DemoStore, counts: { outOfStock: [number, number]; newProducts: [number, number] }) {
  const { deadStock, outOfStockBestSellers, newProducts } = store.scenarios;
  const last = store.historyDays - 1;
  const variants = variantsOf(store);
  const byVariant = new Map(variants.map((entry) => [entry.variant.id, entry]));
  const state = new StoreState(store);

  // Counts: 5–10 % of variants dead, spread over the three ages; a few out-of-stock best sellers and new products.
  expect(deadStock.length / variants.length).toBeGreaterThanOrEqual(0.05);
  expect(deadStock.length / variants.length).toBeLessThanOrEqual(0.1);
  for (const band of [90, 180, 365]) expect(deadStock.filter((d) => d.band === band).length).toBeGreaterThanOrEqual(deadStock.length / 5);
  expect(outOfStockBestSellers.length).toBeGreaterThanOrEqual(counts.outOfStock[0]);
  expect(outOfStockBestSellers.length).toBeLessThanOrEqual(counts.outOfStock[1]);
  expect(newProducts.length).toBeGreaterThanOrEqual(counts.newProducts[0]);
  expect(newProducts.length).toBeLessThanOrEqual(counts.newProducts[1]);
  // A product is in one case at most.
  const productIds = [
    ...new Set(deadStock.map((d) => d.productId)),
    ...new Set(outOfStockBestSellers.map((o) => o.productId)),
    ...newProducts.map((n) => n.productId),
  ];
  expect(new Set(productIds).size).toBe(productIds.length);

  // The orders of the last 90 days, and of the days before each new product's launch.
  const recent = soldByVariant(store, last - 89, last);

  // Out of stock: a top seller, 0 available at every location, no sale since a last sale 5–43 days ago.
  const topFive = Math.ceil(store.products.length * 0.05);
  for (const oos of outOfStockBestSellers) {
    const entry = byVariant.get(oos.variantId);
    expect(entry?.variant.sku).toBe(oos.sku);
    expect(Object.keys(entry?.variant.stock ?? {}).length).toBeGreaterThan(0);
    expect(Object.values(entry?.variant.stock ?? {}).every((q) => q === 0)).toBe(true);
    const levels = state.levelsOfItem(entry!.variant.inventoryItemId);
    expect(levels.length).toBeGreaterThan(0);
    expect(levels.every((level) => level.available === 0 && level.onHand === 0)).toBe(true);
    expect(oos.revenueRank).toBeLessThanOrEqual(topFive);
    expect(oos.daysSinceLastSale).toBeGreaterThanOrEqual(5);
    expect(oos.daysSinceLastSale).toBeLessThanOrEqual(43);
    expect(oos.daysSinceLastSale).toBe(last - dayIndex(store, oos.lastSaleDay));
    expect(oos.dailyRateBefore).toBeGreaterThan(0.5);
    expect((recent.get(oos.variantId) ?? []).at(-1)).toBe(dayIndex(store, oos.lastSaleDay));
  }

  // Dead stock: units on hand, no sale for at least 90 days, the last one on the day it says.
  for (const dead of deadStock) {
    const entry = byVariant.get(dead.variantId);
    expect(entry?.variant.sku).toBe(dead.sku);
    expect(onHand(entry!.variant.stock)).toBe(dead.onHand);
    expect(dead.onHand).toBeGreaterThanOrEqual(6);
    expect(Number(entry!.variant.price) * dead.onHand).toBeGreaterThan(1);
    expect(state.levelsOfItem(entry!.variant.inventoryItemId).reduce((n, level) => n + level.available, 0)).toBe(dead.onHand);
    expect(dead.daysSinceLastSale).toBeGreaterThanOrEqual(90);
    expect(dead.daysSinceLastSale).toBe(last - dayIndex(store, dead.lastSaleDay));
    expect(recent.has(dead.variantId)).toBe(false);
    const lastSale = dayIndex(store, dead.lastSaleDay);
    expect(netUnitsOn(ordersOn(store, lastSale)).get(dead.variantId) ?? 0).toBeGreaterThan(0);
    // The product's demand stops at its variants' latest sale.
    const productLast = Math.max(...deadStock.filter((d) => d.productId === dead.productId).map((d) => dayIndex(store, d.lastSaleDay)));
    expect(Array.from(entry!.product.daily.slice(productLast + 1)).every((units) => units === 0)).toBe(true);
  }
  const oldest = Math.max(...deadStock.map((d) => d.daysSinceLastSale));
  expect(oldest).toBeGreaterThanOrEqual(Math.min(365, store.historyDays - 60));

  // New products: created (with their variants) less than 30 days ago, first sale on or just after that day, nothing before.
  for (const fresh of newProducts) {
    const product = state.product(fresh.productId);
    const created = dayIndex(store, fresh.createdDay);
    expect(fresh.historyDays).toBeLessThan(30);
    expect(fresh.historyDays).toBe(last - created + 1);
    expect(product?.createdAt.slice(0, 10)).toBe(fresh.createdDay);
    expect(product?.variants.every((variant) => variant.createdAt === product.createdAt)).toBe(true);
    expect(product?.variants.map((variant) => variant.id)).toEqual(fresh.variantIds);
    const first = dayIndex(store, fresh.firstSaleDay);
    expect(first - created).toBeGreaterThanOrEqual(0);
    expect(first - created).toBeLessThanOrEqual(3);
    const sold = fresh.variantIds.flatMap((id) => recent.get(id) ?? []);
    expect(Math.min(...sold)).toBe(first);
    const before = soldByVariant(store, created - 14, created - 1);
    for (const id of fresh.variantIds) expect(before.has(id)).toBe(false);
    const daily = store.products.find((p) => p.id === fresh.productId)!.daily;
    expect(Array.from(daily.slice(0, created)).every((units) => units === 0)).toBe(true);
  }

  // Everything else is the real series as before (promoted products too, off their promotion's days: checkPromotions);
  // the seeded ones keep it where they still sell.
  const plainById = new Map(plain.products.map((product) => [product.id, product]));
  const promoted = new Set(store.promotions.promotions.filter((p) => p.uplift !== null).flatMap((p) => p.productIds));
  for (const id of promoted) expect(productIds).not.toContain(id);
  const seeded = new Set([...productIds, ...promoted]);
  for (const product of store.products) {
    const before = plainById.get(product.id)!;
    if (!seeded.has(product.id)) {
      expect(product.daily).toEqual(before.daily);
      expect(product.variants.map((v) => v.stock)).toEqual(before.variants.map((v) => v.stock));
      expect(product.createdAt).toBeUndefined();
    }
  }
  for (const oos of outOfStockBestSellers) {
    const cut = dayIndex(store, oos.lastSaleDay) + 1;
    const product = store.products.find((p) => p.id === oos.productId)!;
    expect(product.daily.slice(0, cut - 3)).toEqual(plainById.get(oos.productId)!.daily.slice(0, cut - 3));
  }
  for (const fresh of newProducts) {
    const created = dayIndex(store, fresh.createdDay);
    const product = store.products.find((p) => p.id === fresh.productId)!;
    expect(product.daily.slice(created)).toEqual(plainById.get(fresh.productId)!.daily.slice(created));
  }
}

/**
 * The promotion plan: past discounts on steady sellers no seeded case took, their products' units raised by the drawn
 * uplift on exactly their days (the rest of the series as in the store without the plan), one discount scheduled in
 * the next two weeks, marketing events; stock follows the raised demand.
 */
function checkPromotions(store: DemoStore, plain: DemoStore) {
  const { discounts, promotions, collections, marketingEvents } = store.promotions;
  const past = promotions.filter((p) => p.uplift !== null);
  expect(past.length).toBeGreaterThanOrEqual(5);
  expect(promotions.filter((p) => p.uplift === null)).toHaveLength(1);
  expect(marketingEvents.length).toBeGreaterThanOrEqual(1);
  expect(discounts.filter((d) => d.method === "automatic").length).toBeGreaterThanOrEqual(1);
  expect(discounts.filter((d) => d.method === "code").length).toBeGreaterThanOrEqual(2);
  expect(discounts.filter((d) => d.items.kind === "collections")).toHaveLength(collections.length);
  expect(collections.length).toBeGreaterThanOrEqual(1);
  const dayIndexOf = (day: string) => dayIndex(store, day);
  const plainById = new Map(plain.products.map((product) => [product.id, product]));
  for (const promotion of past) {
    const discount = discounts.find((d) => d.id === promotion.discountId)!;
    expect(discount.percentOff).toBeGreaterThanOrEqual(15);
    expect(discount.percentOff).toBeLessThanOrEqual(30);
    expect(promotion.uplift).toBeGreaterThanOrEqual(1.4);
    expect(promotion.uplift).toBeLessThanOrEqual(1.9);
    const [from, to] = [dayIndexOf(promotion.startDay), dayIndexOf(promotion.endDay)];
    expect(to - from + 1).toBeGreaterThanOrEqual(7);
    expect(to - from + 1).toBeLessThanOrEqual(14);
    expect(to).toBeLessThan(store.historyDays - 1);
    let raised = 0;
    let before = 0;
    for (const id of promotion.productIds) {
      const daily = store.products.find((p) => p.id === id)!.daily;
      const plainDaily = plainById.get(id)!.daily;
      // A regular is promoted several times: each of its promotions raises its own days, nothing else changes.
      const own = past
        .filter((p) => p.productIds.includes(id))
        .map((p) => [dayIndexOf(p.startDay), dayIndexOf(p.endDay), p.uplift!] as const);
      for (let d = 0; d < store.historyDays; d++) {
        const covering = own.find(([a, b]) => d >= a && d <= b);
        const expected = covering ? Math.round((plainDaily[d] ?? 0) * covering[2]) : plainDaily[d];
        if (daily[d] !== expected) expect({ product: id, day: d, units: daily[d] }).toEqual({ product: id, day: d, units: expected });
        if (d >= from && d <= to) {
          raised += daily[d] ?? 0;
          before += plainDaily[d] ?? 0;
        }
      }
    }
    // Its days sold more than the same days without it.
    expect(raised).toBeGreaterThan(before);
  }
  const upcoming = promotions.find((p) => p.uplift === null)!;
  const ahead = dayIndexOf(upcoming.startDay) - store.historyDays;
  expect(ahead).toBeGreaterThanOrEqual(1);
  expect(ahead).toBeLessThanOrEqual(14);
}

describe("seeded cases (dead stock, out-of-stock best sellers, new products)", () => {
  const full = (scale?: ScaleOptions) => buildDemoStore({ domain: store.domain, seed: 42, today, scale });

  it("the full store: ~7 % dead stock at 90/180/365 days, out-of-stock best sellers, new products; the rest unchanged", () => {
    const plain = full({ products: store.products.length, days: 730, realism: false });
    expect(plain.scenarios).toEqual({ deadStock: [], outOfStockBestSellers: [], newProducts: [] });
    checkScenarios(store, plain, { outOfStock: [6, 20], newProducts: [5, 8] });
    checkPromotions(store, plain);
    expect(plain.promotions).toEqual({ discounts: [], collections: [], marketingEvents: [], promotions: [] });
    expect(store.scenarios.deadStock.filter((d) => d.daysSinceLastSale >= 365).length).toBeGreaterThan(0);
    expect(store.scenarios.deadStock.filter((d) => d.daysSinceLastSale >= 180 && d.daysSinceLastSale < 365).length).toBeGreaterThan(0);
  });

  it("the small store (--store small): the same cases at its size, the oldest dead stock as old as 12 months allow", () => {
    const small = full({ products: 300, days: 365 });
    const plain = full({ products: 300, days: 365, realism: false });
    checkScenarios(small, plain, { outOfStock: [3, 6], newProducts: [3, 8] });
    checkPromotions(small, plain);
    expect(small.scenarios.deadStock.filter((d) => d.daysSinceLastSale >= 180).length).toBeGreaterThan(0);
  });

  it("is chosen by the seed: the same seed the same cases, another seed others", () => {
    const again = buildDemoStore({ domain: store.domain, seed: 42, today });
    expect(again.scenarios).toEqual(store.scenarios);
    const other = buildDemoStore({ domain: store.domain, seed: 43, today });
    expect(other.scenarios.outOfStockBestSellers.map((o) => o.variantId)).not.toEqual(
      store.scenarios.outOfStockBestSellers.map((o) => o.variantId),
    );
  });

  it("is off for short test stores unless asked for, and then only the ages their history can hold", () => {
    expect(full({ products: 120, days: 120 }).scenarios).toEqual({ deadStock: [], outOfStockBestSellers: [], newProducts: [] });
    const asked = full({ products: 120, days: 120, realism: true });
    expect(asked.scenarios.deadStock.length).toBeGreaterThan(0);
    expect(asked.scenarios.deadStock.every((d) => d.band === 90 && d.daysSinceLastSale >= 90)).toBe(true);
    expect(asked.scenarios.outOfStockBestSellers.length).toBeGreaterThan(0);
    expect(asked.scenarios.newProducts.length).toBeGreaterThan(0);
  });
});
