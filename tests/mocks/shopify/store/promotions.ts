/**
 * The demo store's promotion plan: past discounts over the history, one scheduled in the next two weeks and a
 * couple of marketing events, with the products each one promoted. The real retail data says nothing about
 * promotions, so their effect is simulated: on a past discount's days its products' daily units are multiplied
 * by an uplift drawn per discount (`PROMOTIONS.uplift`), which the orders then follow. Chosen with a random stream
 * of its own after the seeded cases (realism.ts), among a few regulars (steady sellers no case took, each promoted
 * several times), so every other product and
 * every seeded case is exactly what it was without the plan. See tests/mocks/shopify/README.md ("Promotions").
 */
import { prng } from "../../../support/random";
import type { DemoProduct } from "./demo-store";
import type { DemoScenarios } from "./realism";

const DAY_MS = 86_400_000;

/** A collection of products (a manual collection: its products are listed). */
export interface DemoCollection {
  id: number;
  title: string;
  handle: string;
  productIds: number[];
}

/** What a discount's `customerGets.items` says: everything, listed products (and variants), or collections. */
export type DemoDiscountItems =
  { kind: "all" } | { kind: "products"; productIds: number[]; variantIds: number[] } | { kind: "collections"; collectionIds: number[] };

/** A Shopify discount as the stand-in holds it (Admin API: `DiscountNode.discount`). */
export interface DemoDiscount {
  id: number;
  title: string;
  /** Automatic (applied at checkout) or code (the customer enters `code`). */
  method: "automatic" | "code";
  /** Basic (percentage or amount off items), buy X get Y, or free shipping. */
  type: "basic" | "bxgy" | "free_shipping";
  code: string | null;
  startsAt: string;
  /** null: open-ended. */
  endsAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Percentage off, 0–100 (the Admin API answers it as 0–1), or an amount off in the shop's currency. */
  percentOff: number | null;
  amountOff: string | null;
  /** The amount applies to each entitled item (else it is split across them). */
  appliesOnEachItem: boolean;
  items: DemoDiscountItems;
}

/** A marketing activity (Admin API: `MarketingEvent`). */
export interface DemoMarketingEvent {
  id: number;
  /** MarketingTactic: NEWSLETTER, AD, POST, … */
  type: string;
  /** MarketingChannel: EMAIL, SOCIAL, SEARCH, DISPLAY, REFERRAL. */
  channel: string;
  remoteId: string;
  utmCampaign: string;
  description: string;
  startedAt: string;
  endedAt: string | null;
  scheduledToEndAt: string | null;
}

/** One planned promotion and what it did to the demand (the truth a forecast or backtest can be checked against). */
export interface PlannedPromotion {
  discountId: number;
  /** The products whose units it raised: its listed products, or its collections' products. */
  productIds: number[];
  /** Inclusive first and last day (YYYY-MM-DD, the store's day = the UTC day of its orders). */
  startDay: string;
  endDay: string;
  /** The multiplier applied to its products' daily units on its days; null for a discount still to come. */
  uplift: number | null;
}

export interface DemoPromotionPlan {
  discounts: DemoDiscount[];
  collections: DemoCollection[];
  marketingEvents: DemoMarketingEvent[];
  /** One entry per discount of the plan, past ones first, then the scheduled one. */
  promotions: PlannedPromotion[];
}

export const emptyPlan = (): DemoPromotionPlan => ({ discounts: [], collections: [], marketingEvents: [], promotions: [] });

/** The knobs, documented in the README. */
export const PROMOTIONS = {
  /** Past discounts spread over the history (fewer when it is short: each needs a stretch of its own). */
  past: 6,
  durationDays: [7, 14] as const,
  percentOff: [15, 30] as const,
  productsPerDiscount: [3, 6] as const,
  /** The steady sellers the shop promotes again and again; every discount takes its products from them. */
  regulars: 8,
  /** Multiplier of a promoted product's daily units on the discount's days. */
  uplift: [1.4, 1.9] as const,
  /** The scheduled discount starts this many days from today. */
  scheduledInDays: [2, 13] as const,
  /** A steady seller sold on at least this share of the trading days of the last year. */
  steadyShare: 0.5,
} as const;

export interface PromotionInput {
  seed: number;
  historyDays: number;
  historyStartMs: number;
  timeZone: string;
  /** What the seeded cases took (never promoted). */
  scenarios: DemoScenarios;
  /** First ids of the plan's records (the store's id space). */
  ids: { discount: number; collection: number; marketingEvent: number };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The UTC offset (ms) of a time zone at an instant. */
function offsetMs(timeZone: string, at: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(at))
      .map((part) => [part.type, part.value]),
  );
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return local - Math.floor(at / 1000) * 1000;
}

/** The instant (ISO, whole seconds) of a local wall time on a day in a time zone. */
export function zonedInstant(day: string, time: string, timeZone: string): string {
  const wall = Date.parse(`${day}T${time}Z`);
  const at = wall - offsetMs(timeZone, wall - offsetMs(timeZone, wall));
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Plans the promotions and applies the past ones' uplift to `products` (their `daily`, and their stock where the
 * uplift reaches the 60 days the stock was sized on). Products the seeded cases took are never chosen.
 */
export function seedPromotions(products: DemoProduct[], input: PromotionInput): DemoPromotionPlan {
  const { historyDays, historyStartMs, timeZone } = input;
  const last = historyDays - 1;
  if (products.length === 0 || historyDays < 60) return emptyPlan();
  const random = prng((input.seed ^ 0x0d15_c0de) >>> 0);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const dayOf = (index: number) => new Date(historyStartMs + index * DAY_MS).toISOString().slice(0, 10);
  const taken = new Set([
    ...input.scenarios.deadStock.map((c) => c.productId),
    ...input.scenarios.outOfStockBestSellers.map((c) => c.productId),
    ...input.scenarios.newProducts.map((c) => c.productId),
  ]);

  // Steady sellers: sold on most trading days of the last year; the biggest first.
  const from = Math.max(0, last - 364);
  const trading = new Uint8Array(historyDays);
  for (const product of products) for (let d = from; d <= last; d++) if ((product.daily[d] ?? 0) > 0) trading[d] = 1;
  const tradingDays = trading.reduce((n, t) => n + t, 0);
  const pool = products
    .map((product, index) => {
      let selling = 0;
      let units = 0;
      for (let d = from; d <= last; d++) {
        const u = product.daily[d] ?? 0;
        if (u > 0) selling++;
        units += u;
      }
      return { product, index, selling, units };
    })
    .filter((entry) => !taken.has(entry.product.id) && entry.selling >= PROMOTIONS.steadyShare * tradingDays)
    .sort((a, b) => b.units - a.units || a.index - b.index)
    .slice(0, 60)
    .map((entry) => entry.product);
  if (pool.length < PROMOTIONS.productsPerDiscount[0]) return emptyPlan();
  // The shop's regulars: a few steady sellers it promotes again and again, as shops do. Each discount takes some of
  // them, so a regular has several past promotions (a forecast can measure its uplift on the earlier ones).
  const regulars: DemoProduct[] = [];
  const candidates = [...pool];
  while (regulars.length < PROMOTIONS.regulars && candidates.length > 0) {
    const [product] = candidates.splice(Math.floor(random() * candidates.length), 1);
    if (product) regulars.push(product);
  }
  const pick = (count: number): DemoProduct[] => {
    const free = [...regulars];
    const chosen: DemoProduct[] = [];
    while (chosen.length < count && free.length > 0) {
      const [product] = free.splice(Math.floor(random() * free.length), 1);
      if (product) chosen.push(product);
    }
    return chosen;
  };

  const plan: DemoPromotionPlan = { discounts: [], collections: [], marketingEvents: [], promotions: [] };
  const [minDays, maxDays] = PROMOTIONS.durationDays;
  // Past discounts: one per slot of the history, ending at least a week before yesterday.
  const slots = Math.min(PROMOTIONS.past, Math.floor((historyDays - 7) / (maxDays + 7)));
  const slotLength = Math.floor((historyDays - 7) / Math.max(1, slots));
  let nextDiscount = input.ids.discount;
  let nextCollection = input.ids.collection;
  const lastRecent = new Map<number, number>();
  for (let k = 0; k < slots; k++) {
    const duration = int(minDays, maxDays);
    const start = k * slotLength + int(0, Math.max(0, slotLength - duration - 7));
    const end = Math.min(last - 7, start + duration - 1);
    const chosen = pick(int(...PROMOTIONS.productsPerDiscount));
    if (chosen.length === 0 || end < start) break;
    const percentOff = int(...PROMOTIONS.percentOff);
    const uplift = Math.round((PROMOTIONS.uplift[0] + random() * (PROMOTIONS.uplift[1] - PROMOTIONS.uplift[0])) * 100) / 100;
    // The first is automatic, the third is by collection, the rest are codes on listed products.
    const method = k === 0 ? "automatic" : "code";
    let items: DemoDiscountItems;
    if (k === 2) {
      const collection: DemoCollection = {
        id: nextCollection++,
        title: `Seasonal Favourites ${dayOf(start).slice(0, 4)}`,
        handle: `seasonal-favourites-${dayOf(start).slice(0, 4)}`,
        productIds: chosen.map((product) => product.id),
      };
      plan.collections.push(collection);
      items = { kind: "collections", collectionIds: [collection.id] };
    } else {
      items = { kind: "products", productIds: chosen.map((product) => product.id), variantIds: [] };
    }
    const startsAt = zonedInstant(dayOf(start), "00:00:00", timeZone);
    // Some end at the last second of their last day, some at midnight after it (Shopify allows both).
    const endsAt = k % 2 === 0 ? zonedInstant(dayOf(end + 1), "00:00:00", timeZone) : zonedInstant(dayOf(end), "23:59:59", timeZone);
    const createdAt = zonedInstant(dayOf(Math.max(0, start - 3)), "10:00:00", timeZone);
    const id = nextDiscount++;
    plan.discounts.push({
      id,
      title: method === "automatic" ? `${percentOff}% off bestsellers` : `${seasonOf(dayOf(start))} sale: ${percentOff}% off`,
      method,
      type: "basic",
      code: method === "code" ? `HOLLOW${percentOff}${k}` : null,
      startsAt,
      endsAt,
      createdAt,
      updatedAt: createdAt,
      percentOff,
      amountOff: null,
      appliesOnEachItem: false,
      items,
    });
    plan.promotions.push({ discountId: id, productIds: chosen.map((p) => p.id), startDay: dayOf(start), endDay: dayOf(end), uplift });
    for (const product of chosen) {
      const before = recentUnits(product, last);
      for (let d = start; d <= end; d++) product.daily[d] = Math.round((product.daily[d] ?? 0) * uplift);
      if (end > last - 60) lastRecent.set(product.id, before);
    }
  }
  // The stock was sized on the last 60 days' demand (demo-store.ts): it follows the raised demand.
  for (const product of products) {
    const before = lastRecent.get(product.id);
    if (before === undefined || before === 0) continue;
    const ratio = recentUnits(product, last) / before;
    for (const variant of product.variants)
      for (const location of Object.keys(variant.stock).map(Number))
        variant.stock[location] = Math.round((variant.stock[location] ?? 0) * ratio);
  }

  // One code discount scheduled to start within the next two weeks.
  const today = historyDays;
  const soon = today + int(...PROMOTIONS.scheduledInDays);
  const soonEnd = soon + int(minDays, 10) - 1;
  const upcoming = pick(int(...PROMOTIONS.productsPerDiscount));
  if (upcoming.length > 0) {
    const id = nextDiscount++;
    const createdAt = zonedInstant(dayOf(last), "16:30:00", timeZone);
    plan.discounts.push({
      id,
      title: "Members' preview: 20% off",
      method: "code",
      type: "basic",
      code: "PREVIEW20",
      startsAt: zonedInstant(dayOf(soon), "00:00:00", timeZone),
      endsAt: zonedInstant(dayOf(soonEnd), "23:59:59", timeZone),
      createdAt,
      updatedAt: createdAt,
      percentOff: 20,
      amountOff: null,
      appliesOnEachItem: false,
      items: { kind: "products", productIds: upcoming.map((p) => p.id), variantIds: [] },
    });
    plan.promotions.push({
      discountId: id,
      productIds: upcoming.map((p) => p.id),
      startDay: dayOf(soon),
      endDay: dayOf(soonEnd),
      uplift: null,
    });
  }

  // Marketing: a newsletter announcing the latest past discount, and a social ad running now.
  const latest = plan.promotions.filter((p) => p.uplift !== null).at(-1);
  let nextEvent = input.ids.marketingEvent;
  if (latest) {
    plan.marketingEvents.push({
      id: nextEvent++,
      type: "NEWSLETTER",
      channel: "EMAIL",
      remoteId: `newsletter-${latest.startDay}`,
      utmCampaign: `sale-${latest.startDay}`,
      description: "Newsletter: the sale starts today",
      startedAt: zonedInstant(latest.startDay, "08:00:00", timeZone),
      endedAt: zonedInstant(latest.startDay, "08:05:00", timeZone),
      scheduledToEndAt: null,
    });
  }
  const adStart = Math.max(0, last - 9);
  plan.marketingEvents.push({
    id: nextEvent,
    type: "AD",
    channel: "SOCIAL",
    remoteId: `social-ad-${dayOf(adStart)}`,
    utmCampaign: "autumn-gifts",
    description: "Social ad: autumn gifts",
    startedAt: zonedInstant(dayOf(adStart), "09:00:00", timeZone),
    endedAt: null,
    scheduledToEndAt: zonedInstant(dayOf(today + 10), "23:59:59", timeZone),
  });
  return plan;
}

function seasonOf(day: string): string {
  const month = Number(day.slice(5, 7));
  return month <= 2 || month === 12 ? "Winter" : month <= 5 ? "Spring" : month <= 8 ? "Summer" : "Autumn";
}

function recentUnits(product: DemoProduct, last: number): number {
  let sum = 0;
  for (let d = Math.max(0, last - 59); d <= last; d++) sum += product.daily[d] ?? 0;
  return sum;
}

/** A record's day as YYYY-MM-DD in a time zone (for tests and the README). */
export function localDay(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${pad(Number(parts.month))}-${pad(Number(parts.day))}`;
}
