/**
 * Inventory advice per variant and location, in two pure steps:
 *
 * 1. `projection`: what depends on the forecast and the stock only (the location's share of demand,
 *    d̄ and σd, the day-by-day projected stockout date and days of cover). Computed by the forecast run.
 * 2. `policy`: what depends on the merchant's settings (lead time, service level, review period, order
 *    and holding cost): safety stock, reorder point, order-up-to level, EOQ, the quantity to order now
 *    and the risk. A settings change re-runs only this step on the stored rows (no re-forecast).
 *
 * Both the nightly run and the settings recompute call `policy`, so the two can never disagree.
 *
 * A row with no stock has no days of cover and no projected stockout (it is out already). With demand (a
 * unit a month or more) it is **out of stock** (`outOfStock`, decision 0039) and loses that demand every
 * day; the order-up-to level still comes from the (censored) demand estimate, so the suggested order is
 * what refills it.
 */
import { economicOrderQuantity, orderUpToLevel, reorderPoint, safetyStock, zForServiceLevel, addDays, toDay } from "../forecasting";
import type { AdvicePolicy, Risk } from "./contract";

/** Days without a sale after which stock on hand counts as dead. */
export const DEAD_DAYS = 90;

/** Demand at or below this many units a day is none: no cover, no stockout, nothing lost. */
const NO_DEMAND = 1e-6;

/** Days of the forecast whose mean is a row's demand level while out of stock (as the core's `StockStatus.demandPerDay`). */
export const LOST_DEMAND_DAYS = 28;

/**
 * Demand a row without stock must have to count as out of stock: one unit in `LOST_DEMAND_DAYS` days. Below
 * it nothing material is lost (an item that stopped selling months ago and is at 0 reads as gone, not as
 * out of stock), so it is not ranked among the variants losing sales.
 */
export const MIN_LOST_UNITS_PER_DAY = 1 / LOST_DEMAND_DAYS;

export interface Projection {
  dailyMean: number;
  dailySd: number;
  /** null when demand is ~0 (the stock lasts indefinitely). */
  daysOfCover: number | null;
  stockoutDate: string | null;
}

/**
 * Projects the stock of one location (or of all counted ones, share = 1) under `share` of the variant's
 * forecast. σd scales with the share (the location's demand is modelled as that share of the total).
 */
export function projection(input: {
  forecast: readonly number[];
  start: string;
  dailyMean: number;
  dailySd: number;
  share: number;
  available: number;
}): Projection {
  const share = Math.max(0, input.share);
  const dailyMean = input.dailyMean * share;
  const dailySd = input.dailySd * share;
  if (!(dailyMean > NO_DEMAND)) return { dailyMean, dailySd, daysOfCover: null, stockoutDate: null };
  // Nothing on hand: out of stock already, not "runs out tomorrow".
  if (input.available <= 0) return { dailyMean, dailySd, daysOfCover: 0, stockoutDate: null };
  // Same walk as projectStock (app/forecasting/inventory.ts) without a date per day: this runs for every
  // variant and location of a shop each night.
  let stock = input.available;
  let sum = 0;
  let stockout = -1;
  let cover = NaN;
  const f = input.forecast;
  for (let i = 0; i < f.length; i++) {
    const d = Math.max(0, f[i]!) * share;
    sum += d;
    if (stockout < 0 && d > stock + 1e-9) {
      stockout = i;
      cover = i + (stock > 0 ? stock / d : 0);
    }
    stock -= d;
  }
  if (stockout < 0) {
    const m = f.length > 0 ? sum / f.length : 0;
    cover = m > 0 ? f.length + Math.max(0, stock) / m : Infinity;
  }
  return {
    dailyMean,
    dailySd,
    daysOfCover: Number.isFinite(cover) ? cover : null,
    stockoutDate: stockout >= 0 ? addDays(input.start, stockout) : null,
  };
}

/** Each location's share of the variant's demand: by its last-90-day units, equal when nothing sold. */
export function locationShares(units90: ReadonlyMap<string, number>): Map<string, number> {
  const total = [...units90.values()].reduce((a, b) => a + Math.max(0, b), 0);
  const n = units90.size;
  return new Map([...units90].map(([id, u]) => [id, total > 0 ? Math.max(0, u) / total : n > 0 ? 1 / n : 0]));
}

/** Mean of the forecast's first `LOST_DEMAND_DAYS` days: the demand level of a series the core did not find out of stock. */
export function demandLevel(forecast: readonly number[]): number {
  const k = Math.min(forecast.length, LOST_DEMAND_DAYS);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += Math.max(0, forecast[i]!);
  return k > 0 ? sum / k : 0;
}

/** When a row's stock ran out: a day (`YYYY-MM-DD`) and whether it is inferred from sales. */
export interface StockoutStart {
  since: string;
  sinceEstimated: boolean;
}

/**
 * When a row ran out. All counted locations (no `location`): the core's answer for the variant's series
 * (decision 0013), else the day after its last sale. One location: the day after its last sale there
 * (estimated: the core analyses the variant's series, not each location's), else the variant's day. The day
 * after `asOf` when it ran out only today (a sale on the last day).
 */
export function stockoutStart(input: {
  asOf: string;
  /** The core's stock state of the variant when it found it out of stock. */
  variant: StockoutStart | null;
  /** The variant's last sale (all counted locations) in the run's history. */
  lastSaleDay: string | null;
  /** For a location's row: its last sale there (null when none in the history); absent for all locations. */
  location?: { lastSaleDay: string | null };
}): StockoutStart {
  const afterSale = (day: string | null) => (day === null ? null : { since: addDays(day, 1), sinceEstimated: true });
  const variant = input.variant ?? afterSale(input.lastSaleDay) ?? { since: addDays(input.asOf, 1), sinceEstimated: true };
  if (!input.location) return variant;
  const here = afterSale(input.location.lastSaleDay);
  return here === null || here.since === variant.since ? variant : here;
}

/** A row's out-of-stock state: since when, and the demand it loses (units, and the shop's currency at the variant's price). */
export interface OutOfStock extends StockoutStart {
  /** Calendar days from `since` through `asOf` (0 when it ran out only today). */
  daysOut: number;
  lostUnitsPerDay: number;
  lostUnitsToDate: number;
  lostRevenuePerDay: number;
  lostRevenueToDate: number;
}

const cents = (value: number) => Math.round(value * 100) / 100;

/**
 * The out-of-stock state of one advice row, or null when the row is not out of stock. A row is out of stock
 * when it has no stock (`available ≤ 0`: all counted locations together for row 0, the location's own for
 * a location), demand there (`demandPerDay`, its share of the variant's, at least `MIN_LOST_UNITS_PER_DAY`)
 * and the variant has sold (a variant that never sold stays `no_data`: there is no demand to lose that sales
 * show). Lost sales: `demandPerDay` per day, × days out to date; revenue at the variant's price.
 */
export function outOfStock(input: {
  asOf: string;
  available: number;
  noHistory: boolean;
  /** Units a day the row would sell with stock: the variant's censored demand level × the row's share. */
  demandPerDay: number;
  price: number;
  start: StockoutStart;
}): OutOfStock | null {
  if (input.noHistory || input.available > 0 || !(input.demandPerDay >= MIN_LOST_UNITS_PER_DAY)) return null;
  const daysOut = Math.max(0, toDay(input.asOf) - toDay(input.start.since) + 1);
  const lostUnitsPerDay = input.demandPerDay;
  const lostUnitsToDate = lostUnitsPerDay * daysOut;
  const price = Math.max(0, input.price);
  return {
    ...input.start,
    daysOut,
    lostUnitsPerDay,
    lostUnitsToDate,
    lostRevenuePerDay: cents(price * lostUnitsPerDay),
    lostRevenueToDate: cents(price * lostUnitsToDate),
  };
}

/** The part of the shop's policy the per-variant maths needs (lead times come per vendor/product). */
export type PolicySettings = Pick<AdvicePolicy, "serviceLevel" | "reviewPeriodDays" | "orderCost" | "holdingCostRate">;

export interface PolicyInput {
  asOf: string;
  available: number;
  price: number;
  dailyMean: number;
  dailySd: number;
  stockoutDate: string | null;
  lastSaleDay: string | null;
  /** The variant never sold in the run's history window. */
  noHistory: boolean;
  /** The row is out of stock (`outOfStock` found it so; stored as `outOfStockSince` not null). */
  outOfStock: boolean;
  leadTimeDays: number;
  leadTimeSdDays: number;
}

export interface Policy {
  leadTimeDays: number;
  safetyStock: number;
  reorderPoint: number;
  orderUpTo: number;
  eoq: number;
  reorderQty: number;
  risk: Risk;
}

export function policy(input: PolicyInput, settings: PolicySettings): Policy {
  const z = zForServiceLevel(settings.serviceLevel);
  const d = Math.max(0, input.dailyMean);
  const sd = Math.max(0, input.dailySd);
  const L = Math.max(0, input.leadTimeDays);
  const ss = safetyStock(z, L, sd, d, input.leadTimeSdDays);
  const rop = reorderPoint(d, L, ss);
  const upTo = orderUpToLevel(z, d, sd, L, settings.reviewPeriodDays, input.leadTimeSdDays);
  const holding = settings.holdingCostRate * input.price;
  const eoq = holding > 0 ? economicOrderQuantity(d * 365, settings.orderCost, holding) : 0;
  const below = d > 0 && input.available <= rop;
  const reorderQty = below ? Math.max(0, Math.ceil(Math.max(upTo - input.available, eoq))) : 0;
  return { leadTimeDays: L, safetyStock: ss, reorderPoint: rop, orderUpTo: upTo, eoq, reorderQty, risk: riskOf(input, L, rop) };
}

/** no_data → out_of_stock → stockout → dead → reorder → ok (first match). */
export function riskOf(input: PolicyInput, leadTimeDays: number, rop: number): Risk {
  if (input.noHistory) return "no_data";
  if (input.outOfStock) return "out_of_stock";
  if (input.stockoutDate !== null && input.stockoutDate <= addDays(input.asOf, Math.ceil(leadTimeDays))) return "stockout";
  const deadSince = addDays(input.asOf, -(DEAD_DAYS - 1));
  if (input.available > 0 && (input.lastSaleDay === null || input.lastSaleDay < deadSince)) return "dead";
  if (input.dailyMean > 0 && input.available <= rop) return "reorder";
  return "ok";
}

export interface LeadTimes {
  shop: { leadTimeDays: number; leadTimeSdDays: number };
  vendors: ReadonlyMap<string, { leadTimeDays: number; leadTimeSdDays: number }>;
  products: ReadonlyMap<string, { leadTimeDays: number; leadTimeSdDays: number }>;
}

/** ProductLeadTime ?? VendorLeadTime ?? the shop default. */
export function leadTimeFor(lt: LeadTimes, productId: string, vendor: string): { leadTimeDays: number; leadTimeSdDays: number } {
  return lt.products.get(productId) ?? lt.vendors.get(vendor) ?? lt.shop;
}
