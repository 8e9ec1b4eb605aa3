/**
 * What real stores have and the raw retail data lacks: dead stock, out-of-stock best sellers and new
 * products. Seeded into the demo store by transforming its real series (never from a second data source),
 * chosen from the store's seed with a random stream of their own, so every product not chosen is exactly
 * as it would be without them. The choices and why: tests/mocks/shopify/README.md ("Seeded cases").
 */
import { prng } from "../../../support/random";
import type { DemoProduct } from "./demo-store";
import { splitUnits } from "./orders";

const DAY_MS = 86_400_000;

/** The nominal ages of dead stock, as the overview's dead-stock card counts them (no sale for 90, 180, 365 days). */
export type DeadStockBand = 90 | 180 | 365;

/** One variant with stock on hand that stopped selling. */
export interface DeadStockCase {
  variantId: number;
  productId: number;
  sku: string;
  band: DeadStockBand;
  /** The variant's last sale (YYYY-MM-DD, store time = UTC day of the order). */
  lastSaleDay: string;
  /** Days from the last sale to the last day of history (yesterday, the app's `asOf`): ≥ 90 for every case. */
  daysSinceLastSale: number;
  /** Units on hand over all locations (> 0). */
  onHand: number;
}

/** One best seller that ran out: 0 available at every location, no sale since `lastSaleDay`. */
export interface OutOfStockCase {
  variantId: number;
  productId: number;
  sku: string;
  lastSaleDay: string;
  /** Days from the last sale to the last day of history (yesterday): 5–40 plus at most 3. */
  daysSinceLastSale: number;
  /** Mean units per day over the 28 days up to and including the last sale: the rate it sold at until it ran out. */
  dailyRateBefore: number;
  /** 1-based rank of the product by revenue over the last 90 days of the unseeded store. */
  revenueRank: number;
}

/** One product created recently: no demand before `createdDay`, first sale within 3 days of it. */
export interface NewProductCase {
  productId: number;
  variantIds: number[];
  skus: string[];
  createdDay: string;
  firstSaleDay: string;
  /** Days from creation to the last day of history, both included (< 30). */
  historyDays: number;
}

export interface DemoScenarios {
  deadStock: DeadStockCase[];
  outOfStockBestSellers: OutOfStockCase[];
  newProducts: NewProductCase[];
}

/** The knobs, documented in the README; exported so tests can state what they check against. */
export const REALISM = {
  /** Share of the store's variants seeded as dead stock (picked product by product until reached). */
  deadStockShare: 0.07,
  /** Age ranges (days since the last sale) per band; a band's range is clamped to what the history can hold. */
  deadStockBands: [
    { band: 90, from: 92, to: 120 },
    { band: 180, from: 182, to: 230 },
    { band: 365, from: 367, to: 420 },
  ] as const,
  /** A dead or out-of-stock product keeps at least this many days of history up to its last sale. */
  minDaysBeforeStop: 21,
  /** Products in the top share by revenue (last 90 days) are best sellers: never dead stock, never "new". */
  bestSellerShare: 0.2,
  /** Out-of-stock best sellers: one per this many variants, 3–12, from the top 5 % by revenue. */
  outOfStockPerVariants: 80,
  outOfStockMin: 3,
  outOfStockMax: 12,
  outOfStockPoolShare: 0.05,
  /** Days since the sales stopped (before moving back to the last real sale, at most 3 more). */
  outOfStockStopDays: [5, 40] as const,
  /**
   * Share of the trading days with a sale, over the 4 weeks before the stop and over its last week alone: a
   * steady seller right up to the stop, so the stop is abrupt (not a dry spell and a trickle before it, which
   * reads as demand fading, decision 0013).
   */
  outOfStockMinSellingShare: 0.7,
  /** New products: one per this many products, 3–8, created this many days before the last day of history. */
  newProductsPerProducts: 150,
  newProductsMin: 3,
  newProductsMax: 8,
  newProductAgeDays: [5, 28] as const,
} as const;

const clamp = (value: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, value));

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function total(daily: Uint32Array, from: number, to: number): number {
  let sum = 0;
  for (let d = Math.max(0, from); d <= Math.min(daily.length - 1, to); d++) sum += daily[d] ?? 0;
  return sum;
}

/** The latest day in [from, to] (walking back from `to`) with a sale, or -1. */
function latestSale(daily: Uint32Array, to: number, from: number): number {
  for (let d = Math.min(to, daily.length - 1); d >= Math.max(0, from); d--) if ((daily[d] ?? 0) > 0) return d;
  return -1;
}

/** A variant's own units on a day: the product's units split as the orders split them. */
function variantUnits(product: DemoProduct, variantIndex: number, day: number): number {
  const units = product.daily[day] ?? 0;
  if (units === 0) return 0;
  return product.variants.length === 1 ? units : (splitUnits(units, product.variants)[variantIndex] ?? 0);
}

/** The variant's own latest sale day in [from, to] (walking back from `to`), or -1. */
function latestVariantSale(product: DemoProduct, variantIndex: number, to: number, from: number): number {
  for (let d = Math.min(to, product.daily.length - 1); d >= Math.max(0, from); d--)
    if (variantUnits(product, variantIndex, d) > 0) return d;
  return -1;
}

/** The variant's own first sale day in [from, to], or -1. */
function firstVariantSale(product: DemoProduct, variantIndex: number, from: number, to: number): number {
  for (let d = Math.max(0, from); d <= Math.min(to, product.daily.length - 1); d++)
    if (variantUnits(product, variantIndex, d) > 0) return d;
  return -1;
}

export interface RealismInput {
  seed: number;
  historyDays: number;
  historyStartMs: number;
  /** The location that always stocks a seeded variant (the warehouse). */
  warehouseId: number;
}

/**
 * Seeds the cases into `products` (their `daily`, `stock` and `createdAt` change) and returns what it chose.
 * Order: out-of-stock best sellers, then new products, then dead stock; a product gets at most one case.
 */
export function seedRealism(products: DemoProduct[], input: RealismInput): DemoScenarios {
  const scenarios: DemoScenarios = { deadStock: [], outOfStockBestSellers: [], newProducts: [] };
  const { historyDays, historyStartMs, warehouseId } = input;
  const last = historyDays - 1;
  if (products.length === 0 || historyDays < 60) return scenarios;
  // Its own stream: the store's main stream (demand, vendors, variants, stock) is untouched.
  const random = prng((input.seed ^ 0x5eed_cafe) >>> 0);
  const day = (index: number) => new Date(historyStartMs + index * DAY_MS).toISOString().slice(0, 10);

  // Days on which the shop sold anything (the retailer never traded on Saturdays or over Christmas).
  const trading = new Uint8Array(historyDays);
  for (const product of products) for (let d = 0; d < historyDays; d++) if ((product.daily[d] ?? 0) > 0) trading[d] = 1;
  const ranked = products
    .map((product, index) => ({ index, revenue: total(product.daily, last - 89, last) * Number(product.variants[0]?.price ?? 0) }))
    .sort((a, b) => b.revenue - a.revenue || a.index - b.index);
  const rankOf = new Map(ranked.map((entry, rank) => [entry.index, rank + 1]));
  const variantCount = products.reduce((n, product) => n + product.variants.length, 0);
  const taken = new Set<number>();
  const bestSellers = Math.ceil(products.length * REALISM.bestSellerShare);

  // 1. Out-of-stock best sellers: a steady top seller whose sales stop abruptly N days ago; 0 available everywhere.
  const oosCount = clamp(Math.round(variantCount / REALISM.outOfStockPerVariants), REALISM.outOfStockMin, REALISM.outOfStockMax);
  const oosPool = ranked
    .slice(0, Math.max(oosCount * 3, Math.ceil(products.length * REALISM.outOfStockPoolShare)))
    .filter((entry) => entry.revenue > 0);
  const [stopFrom, stopTo] = REALISM.outOfStockStopDays;
  for (const { index } of shuffle(oosPool, random)) {
    if (scenarios.outOfStockBestSellers.length >= oosCount) break;
    const product = products[index] as DemoProduct;
    const target = last - (stopFrom + Math.floor(random() * (stopTo - stopFrom + 1)));
    const lastSale = latestSale(product.daily, target, target - 3);
    if (lastSale < 56) continue;
    const steady = (days: number) => {
      let tradingDays = 0;
      let sellingDays = 0;
      for (let d = lastSale - days + 1; d <= lastSale; d++) {
        if (!trading[d]) continue;
        tradingDays++;
        if ((product.daily[d] ?? 0) > 0) sellingDays++;
      }
      return sellingDays >= REALISM.outOfStockMinSellingShare * tradingDays;
    };
    if (!steady(28) || !steady(7)) continue;
    // Every variant of it sold until the stop (within the same 3 days).
    const variantSales = product.variants.map((_, v) => latestVariantSale(product, v, lastSale, lastSale - 3));
    if (variantSales.some((d) => d < 0)) continue;
    product.variants.forEach((variant, v) => {
      const variantLast = variantSales[v] as number;
      let before = 0;
      for (let d = variantLast - 27; d <= variantLast; d++) before += variantUnits(product, v, d);
      if (Object.keys(variant.stock).length === 0) variant.stock[warehouseId] = 0;
      for (const location of Object.keys(variant.stock)) variant.stock[Number(location)] = 0;
      scenarios.outOfStockBestSellers.push({
        variantId: variant.id,
        productId: product.id,
        sku: variant.sku,
        lastSaleDay: day(variantLast),
        daysSinceLastSale: last - variantLast,
        dailyRateBefore: Math.round((before / 28) * 100) / 100,
        revenueRank: rankOf.get(index) ?? 0,
      });
    });
    product.daily.fill(0, lastSale + 1);
    taken.add(index);
  }

  // 2. New products: an ordinary seller created 5–28 days ago; its demand before that is removed.
  const newCount = clamp(Math.round(products.length / REALISM.newProductsPerProducts), REALISM.newProductsMin, REALISM.newProductsMax);
  const [ageFrom, ageTo] = REALISM.newProductAgeDays;
  const newPool = ranked.slice(bestSellers).filter((entry) => entry.revenue > 0);
  for (const { index } of shuffle(newPool, random)) {
    if (scenarios.newProducts.length >= newCount) break;
    if (taken.has(index)) continue;
    const product = products[index] as DemoProduct;
    const created = last - (ageFrom + Math.floor(random() * (ageTo - ageFrom + 1)));
    let firstSale = -1;
    for (let d = created; d <= Math.min(last, created + 3); d++)
      if ((product.daily[d] ?? 0) > 0) {
        firstSale = d;
        break;
      }
    if (firstSale < 0) continue;
    let sellingDays = 0;
    for (let d = created; d <= last; d++) if ((product.daily[d] ?? 0) > 0) sellingDays++;
    // It sells on a few days, and every variant of it has sold since its launch.
    if (sellingDays < 2 || product.variants.some((_, v) => firstVariantSale(product, v, created, last) < 0)) continue;
    product.daily.fill(0, 0, created);
    // Before the day's first order (orders are placed 08:00–18:00 UTC).
    product.createdAt = `${day(created)}T07:00:00Z`;
    taken.add(index);
    scenarios.newProducts.push({
      productId: product.id,
      variantIds: product.variants.map((variant) => variant.id),
      skus: product.variants.map((variant) => variant.sku),
      createdDay: day(created),
      firstSaleDay: day(firstSale),
      historyDays: last - created + 1,
    });
  }

  // 3. Dead stock: slower sellers whose sales stop 90/180/365 days ago (bands taken in turn), stock left on hand.
  const maxAge = last - REALISM.minDaysBeforeStop;
  const bands: { band: DeadStockBand; from: number; to: number }[] = [];
  let previousTo = 0;
  for (const nominal of REALISM.deadStockBands) {
    const to = Math.min(nominal.to, maxAge);
    // A history too short for the band's ages: as old as it allows (still past 90 days and past the previous band).
    const from = nominal.from <= to ? nominal.from : Math.max(REALISM.deadStockBands[0].from, previousTo + 1, to - 30);
    if (from <= to) {
      bands.push({ band: nominal.band, from, to });
      previousTo = to;
    }
  }
  const deadTarget = Math.round(variantCount * REALISM.deadStockShare);
  const deadPool = bands.length ? ranked.slice(bestSellers) : [];
  let deadProducts = 0;
  for (const { index } of shuffle(deadPool, random)) {
    if (scenarios.deadStock.length >= deadTarget) break;
    if (taken.has(index)) continue;
    const product = products[index] as DemoProduct;
    const band = bands[deadProducts % bands.length]!;
    const target = last - (band.from + Math.floor(random() * (band.to - band.from + 1)));
    const lastSale = latestSale(product.daily, target, target - 14);
    if (lastSale < REALISM.minDaysBeforeStop) continue;
    // It was a real seller before it stopped: sales on at least 3 days of the 60 before.
    let sellingDays = 0;
    for (let d = lastSale - 59; d <= lastSale; d++) if ((product.daily[d] ?? 0) > 0) sellingDays++;
    if (sellingDays < 3) continue;
    const variantSales = product.variants.map((_, v) => latestVariantSale(product, v, lastSale, last - band.to - 30));
    if (variantSales.some((d) => d < 0)) continue;
    product.daily.fill(0, lastSale + 1);
    // What it was stocked for: its demand of the 60 days before the stop, as the store stocks every variant.
    const sold = total(product.daily, lastSale - 59, lastSale);
    product.variants.forEach((variant, v) => {
      if (!(warehouseId in variant.stock)) variant.stock[warehouseId] = 0;
      for (const location of Object.keys(variant.stock).map(Number)) {
        const weight = location === warehouseId ? 0.6 : 0.2;
        const quantity = Math.min(400, Math.round(sold * variant.share * weight * (0.5 + random())));
        variant.stock[location] = location === warehouseId ? Math.max(quantity, 6 + Math.floor(random() * 19)) : quantity;
      }
      const variantLast = variantSales[v] as number;
      scenarios.deadStock.push({
        variantId: variant.id,
        productId: product.id,
        sku: variant.sku,
        band: band.band,
        lastSaleDay: day(variantLast),
        daysSinceLastSale: last - variantLast,
        onHand: Object.values(variant.stock).reduce((a, b) => a + b, 0),
      });
    });
    taken.add(index);
    deadProducts++;
  }
  return scenarios;
}
