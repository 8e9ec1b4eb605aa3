/**
 * The deterministic demo store, built at run time from the real retail data in
 * ../shared/data/online-retail (never copied into the repo). Same seed → the same store.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { prng } from "../../../support/random";
import { emptyPlan, seedPromotions, type DemoPromotionPlan } from "./promotions";
import { seedRealism, type DemoScenarios } from "./realism";

export { prng };
export {
  PROMOTIONS,
  type DemoCollection,
  type DemoDiscount,
  type DemoDiscountItems,
  type DemoMarketingEvent,
  type DemoPromotionPlan,
  type PlannedPromotion,
} from "./promotions";
export { REALISM, type DeadStockBand, type DeadStockCase, type DemoScenarios, type NewProductCase, type OutOfStockCase } from "./realism";

/** `../shared/data/online-retail` beside the repository (FLUXOR_DATA_DIR overrides). */
export const DATA_DIR =
  process.env.FLUXOR_DATA_DIR ?? path.resolve(import.meta.dirname, "..", "..", "..", "..", "..", "shared", "data", "online-retail");

export interface DemoLocation {
  id: number;
  name: string;
  city: string;
}
export interface DemoVariant {
  id: number;
  inventoryItemId: number;
  title: string;
  sku: string;
  price: string;
  /** Share of the product's demand that this variant takes. */
  share: number;
  /** Stock on hand per location id (absent = not stocked there). */
  stock: Record<number, number>;
}
export interface DemoProduct {
  id: number;
  title: string;
  vendor: string;
  productType: string;
  handle: string;
  variants: DemoVariant[];
  /** Daily units of the whole product, one per day of the store's history (oldest first). */
  daily: Uint32Array;
  /** When the product was created (ISO timestamp); absent = the first day of history. Set for seeded new products. */
  createdAt?: string;
}
export interface DemoStore {
  domain: string;
  /** Where the store's ids start (its id space: `storeIds`). */
  ids: StoreIds;
  info: { name: string; currencyCode: string; ianaTimezone: string; countryCode: string; plan: string; shopId: number };
  locations: DemoLocation[];
  products: DemoProduct[];
  /** First day of history (YYYY-MM-DD) and number of days (the last day is yesterday). */
  historyStart: string;
  historyDays: number;
  /** A customer record as Shopify would hold it: only used to send privacy webhooks. */
  sampleCustomer: { id: number; email: string; phone: string; firstName: string; lastName: string };
  /**
   * The seeded cases real stores have (dead stock, out-of-stock best sellers, new products), with their ids;
   * empty lists when the store was built without them (see ScaleOptions.realism and the README).
   */
  scenarios: DemoScenarios;
  /**
   * The promotion plan (discounts, collections, marketing events) and what each past discount did to its products'
   * demand: planned with the seeded cases, empty without them (README, "Promotions").
   */
  promotions: DemoPromotionPlan;
  fingerprint: string;
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  out.push(field);
  return out;
}

function titleCase(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/\b([a-z])/g, (m) => m.toUpperCase());
}

const TYPES: [RegExp, string][] = [
  [/christmas|xmas|advent|bauble|santa|reindeer/i, "Christmas"],
  [/candle|t-light|tlight|lantern|incense/i, "Candles & Lanterns"],
  [/bag|tote|purse|backpack/i, "Bags"],
  [/mug|cup|plate|bowl|jug|teapot|cake|kitchen|baking|spoon|tea |napkin|lunch box|bottle/i, "Kitchen & Dining"],
  [/card|paper|wrap|notebook|pencil|pen |sticker|tissue|ribbon|book/i, "Stationery & Wrap"],
  [/heart|sign|frame|clock|mirror|cushion|doorstop|hook|vintage|decoration|garland|bunting/i, "Home Decor"],
  [/toy|game|doll|jigsaw|children|kids|baby|skipping|spaceboy|dolly/i, "Kids"],
  [/necklace|earring|bracelet|ring|hair|jewel/i, "Jewellery & Accessories"],
  [/garden|plant|flower|herb|bird/i, "Garden"],
];
const VENDORS = ["Hollow Oak Studio", "Regency Homeware", "Little Acorn Toys", "Northern Lights Co.", "Paper Wren", "Greenfield Garden"];

export interface BuildOptions {
  domain: string;
  seed: number;
  /**
   * The store's id space (0–99, default 0): Shopify's ids are unique across every shop, so each store a stand-in
   * hosts numbers its records from a base of its own (`storeIds`). 0 keeps the ids the demo store always had.
   */
  idSpace?: number;
  /** Default: today (UTC). History ends the day before. */
  today?: Date;
  /**
   * A bigger (or smaller) store for tests and benchmarks. A number N repeats the catalogue N times
   * (resampled demand); an object picks the product count (the real catalogue first, then resampled
   * copies), an exact number of variants per product, and the days of history (default 730).
   */
  scale?: number | ScaleOptions;
  dataDir?: string;
}

export interface ScaleOptions {
  products?: number;
  variantsPerProduct?: number;
  days?: number;
  /** Multiplies every product's daily demand (default 1), to pick a store's order volume. */
  demandScale?: number;
  /**
   * Seed dead stock, out-of-stock best sellers and new products (`DemoStore.scenarios`), and plan promotions
   * (`DemoStore.promotions`). Default: on for stores with at least 365 days of history (the full demo store and
   * `npm run demo -- --store small`).
   */
  realism?: boolean;
}

/** Option values for stores with a fixed number of variants per product (SKU suffix, title). */
const SCALE_OPTIONS: [string, string][] = [
  ["S", "Small"],
  ["M", "Medium"],
  ["L", "Large"],
  ["XL", "Extra Large"],
  ["RED", "Red"],
  ["BLU", "Blue"],
  ["NAT", "Natural"],
  ["PNK", "Pink"],
  ["GRN", "Sage Green"],
  ["IVO", "Ivory"],
  ["BLK", "Black"],
  ["WHT", "White"],
];

const DAY_MS = 86_400_000;

/** How many id spaces there are: stores 0–99 never share a product, variant, location, order, refund or image id. */
export const ID_SPACES = 100;

/** The first id of each kind in a store's id space. */
export interface StoreIds {
  product: number;
  variant: number;
  /** Location ids are `location`, `location + 1`, … (London, Manchester, Edinburgh). */
  location: number;
  /** Order ids: `order + day × ORDER_ID_DAY + index` (orders.ts). */
  order: number;
  refund: number;
  media: number;
  shop: number;
  customer: number;
  /** Discounts, collections and marketing events (the promotion plan). */
  discount: number;
  collection: number;
  marketingEvent: number;
}

/**
 * The bases of id space `space`. Space 0 is what the demo store always used; each further space moves every range by
 * a step wider than any store fills (10 million products or variants, 10 billion order ids ≈ 100 000 days of
 * orders), and stays below 2^53 for every kind (line items are order id × 10 + index).
 */
export function storeIds(space = 0): StoreIds {
  if (!Number.isInteger(space) || space < 0 || space >= ID_SPACES)
    throw new Error(`idSpace must be an integer 0–${ID_SPACES - 1}, not ${space}`);
  return {
    product: 8_100_000_000 + space * 10_000_000,
    variant: 45_000_000_000 + space * 10_000_000,
    location: 71_000_001 + space * 1_000,
    order: 5_000_000_000_000 + space * 10_000_000_000,
    refund: 9_000_000_000_000 + space * 10_000_000_000,
    media: 30_000_000_001 + space * 10_000_000,
    shop: 60_000_000 + space * 1_000,
    customer: 7_000_000_000 + space * 1_000_000,
    discount: 1_200_000_000 + space * 1_000_000,
    collection: 450_000_000_000 + space * 10_000_000,
    marketingEvent: 98_000_000 + space * 100_000,
  };
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function buildDemoStore(options: BuildOptions): DemoStore {
  const dir = options.dataDir ?? DATA_DIR;
  const random = prng(options.seed);
  const today = options.today ?? new Date();
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const custom = typeof options.scale === "object" ? options.scale : undefined;
  const historyDays = Math.max(1, Math.floor(custom?.days ?? 730));
  const historyStartMs = todayUtc - historyDays * DAY_MS;
  const demandScale = Math.max(0, custom?.demandScale ?? 1);
  const ids = storeIds(options.idSpace);

  const productRows = readFileSync(path.join(dir, "products.csv"), "utf8").trim().split("\n").slice(1).map(parseCsvLine);
  // Real daily units per series, aligned so the last real day maps onto yesterday.
  const series = new Map<string, { first: number; units: number[] }>();
  const lines = readFileSync(path.join(dir, "daily_units.csv"), "utf8").split("\n");
  let lastRealMs = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const [id, date, units] = line.split(",");
    if (!id || !date || units === undefined) continue;
    const ms = Date.parse(`${date}T00:00:00Z`);
    lastRealMs = Math.max(lastRealMs, ms);
    let entry = series.get(id);
    if (!entry) {
      entry = { first: ms, units: [] };
      series.set(id, entry);
    }
    entry.units.push(Number(units));
  }
  // Shift by whole weeks so weekdays are preserved (the retailer never traded on Saturdays).
  const rawShift = todayUtc - DAY_MS - lastRealMs;
  const shiftDays = Math.round(rawShift / DAY_MS / 7) * 7;

  const locations: DemoLocation[] = [
    { id: ids.location, name: "London Warehouse", city: "London" },
    { id: ids.location + 1, name: "Manchester Shop", city: "Manchester" },
    { id: ids.location + 2, name: "Edinburgh Shop", city: "Edinburgh" },
  ];
  const [warehouse, , edinburgh] = locations.map((location) => location.id);

  // Rows with a demand series, in the file's order; product i uses row i mod rows (copy i div rows).
  const rows = productRows.flatMap(([code, rawTitle, price]) => {
    const real = code && rawTitle ? series.get(code) : undefined;
    return code && rawTitle && real ? [{ code, rawTitle, price, real }] : [];
  });
  const total = custom
    ? Math.max(0, Math.floor(custom.products ?? rows.length))
    : rows.length * Math.max(1, Math.floor(typeof options.scale === "number" ? options.scale : 1));
  const fixedVariants = custom?.variantsPerProduct ? Math.max(1, Math.floor(custom.variantsPerProduct)) : undefined;
  const products: DemoProduct[] = [];
  let productId = ids.product;
  let variantId = ids.variant;
  for (let i = 0; i < total; i++) {
    const copy = Math.floor(i / rows.length);
    const { code: realCode, rawTitle, price, real } = rows[i % rows.length] as (typeof rows)[number];
    // Copies of a real product need their own SKUs (custom scale); the legacy N× scale kept the real ones.
    const code = custom && copy > 0 ? `${realCode}.${copy}` : realCode;
    const daily = new Uint32Array(historyDays);
    const trend = 0.75 + random() * 0.15; // the derived earlier year sold a little less
    const copyFactor = copy === 0 ? 1 : 0.4 + random() * 1.2;
    for (let d = 0; d < historyDays; d++) {
      const dayMs = historyStartMs + d * DAY_MS;
      const realMs = dayMs - shiftDays * DAY_MS;
      let units: number | undefined;
      const realIndex = Math.round((realMs - real.first) / DAY_MS);
      if (realIndex >= 0 && realIndex < real.units.length) units = real.units[realIndex];
      else {
        // Before the real data: the same weekday 52 weeks later, scaled by the trend, with noise.
        const laterIndex = realIndex + 364;
        if (laterIndex >= 0 && laterIndex < real.units.length) {
          const base = real.units[laterIndex] ?? 0;
          units = base === 0 ? 0 : Math.max(0, Math.round(base * trend * (0.7 + random() * 0.6)));
        }
      }
      const expected = (units ?? 0) * copyFactor;
      // A demand scale rounds stochastically (small sellers keep their sales on average); 1 keeps the default store as it was.
      daily[d] = demandScale === 1 ? Math.round(expected) : Math.floor(expected * demandScale + random());
    }
    const title = titleCase(rawTitle) + (copy ? ` ${["Mini", "Large", "Deluxe", "Classic", "Petite"][copy % 5]} ${copy}` : "");
    const productType = TYPES.find(([pattern]) => pattern.test(rawTitle))?.[1] ?? "Gifts";
    const vendor = VENDORS[Math.floor(random() * VENDORS.length)] ?? VENDORS[0]!;
    const options = fixedVariants
      ? fixedVariants === 1
        ? ["Default Title"]
        : Array.from(
            { length: fixedVariants },
            (_, k) =>
              (SCALE_OPTIONS[k % SCALE_OPTIONS.length] as [string, string])[1] +
              (k >= SCALE_OPTIONS.length ? ` ${Math.floor(k / SCALE_OPTIONS.length) + 1}` : ""),
          )
      : random() < 0.15
        ? (random() < 0.5 ? ["Small", "Medium", "Large"] : ["Red", "Blue", "Natural", "Pink"]).slice(0, 2 + Math.floor(random() * 2))
        : ["Default Title"];
    const weights = options.map(() => 0.5 + random());
    const total = weights.reduce((a, b) => a + b, 0);
    const pid = productId++;
    const variants: DemoVariant[] = options.map((option, index) => {
      const share = (weights[index] ?? 1) / total;
      const recent = Array.from(daily.slice(-60)).reduce((a, b) => a + b, 0) * share;
      const stock: Record<number, number> = {};
      for (const location of locations) {
        if (location.id === edinburgh && random() < 0.3) continue; // not every shop stocks everything
        const weight = location.id === warehouse ? 0.6 : 0.2;
        stock[location.id] = Math.max(0, Math.round(recent * weight * (0.2 + random() * 1.4)));
      }
      const vid = variantId++;
      return {
        id: vid,
        inventoryItemId: vid + 5_000_000_000,
        title: option,
        sku:
          options.length === 1
            ? code
            : fixedVariants
              ? `${code}-${(SCALE_OPTIONS[index % SCALE_OPTIONS.length] as [string, string])[0]}${index >= SCALE_OPTIONS.length ? Math.floor(index / SCALE_OPTIONS.length) + 1 : ""}`
              : `${code}-${option.slice(0, 3).toUpperCase()}`,
        price: Number(price ?? 0).toFixed(2),
        share,
        stock,
      };
    });
    products.push({
      id: pid,
      title,
      vendor,
      productType,
      handle: title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, ""),
      variants,
      daily,
    });
  }
  const realism = custom?.realism ?? historyDays >= 365;
  const scenarios = realism
    ? seedRealism(products, { seed: options.seed, historyDays, historyStartMs, warehouseId: locations[0]!.id })
    : { deadStock: [], outOfStockBestSellers: [], newProducts: [] };
  const timeZone = "Europe/London";
  // After the seeded cases, among the products they left: those cases stay what they were without promotions.
  const promotions = realism
    ? seedPromotions(products, {
        seed: options.seed,
        historyDays,
        historyStartMs,
        timeZone,
        scenarios,
        ids: { discount: ids.discount, collection: ids.collection, marketingEvent: ids.marketingEvent },
      })
    : emptyPlan();
  const fingerprint = createHash("sha256");
  for (const product of products) {
    fingerprint.update(`${product.id}|${product.title}|${product.vendor}|${product.productType}|${product.createdAt ?? ""}|`);
    fingerprint.update(Buffer.from(product.daily.buffer));
    for (const variant of product.variants)
      fingerprint.update(`${variant.id}|${variant.sku}|${variant.share}|${JSON.stringify(variant.stock)}`);
  }
  return {
    domain: options.domain,
    ids,
    info: {
      name: options.domain.startsWith("hollow-oak-gifts.")
        ? "Hollow Oak Gifts"
        : titleCase(options.domain.replace(/\.myshopify\.com$/, "").replace(/-/g, " ")),
      currencyCode: "GBP",
      ianaTimezone: timeZone,
      countryCode: "GB",
      plan: "Basic",
      shopId: ids.shop + (options.seed % 1000),
    },
    locations,
    products,
    historyStart: isoDay(new Date(historyStartMs)),
    historyDays,
    sampleCustomer: {
      id: ids.customer + options.seed,
      email: `ada.lovelace.${options.seed}@example.com`,
      phone: "+447700900123",
      firstName: "Ada",
      lastName: "Lovelace",
    },
    scenarios,
    promotions,
    fingerprint: fingerprint.digest("hex"),
  };
}
