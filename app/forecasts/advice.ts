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
 */
import { economicOrderQuantity, orderUpToLevel, reorderPoint, safetyStock, zForServiceLevel, addDays } from "../forecasting";
import type { AdvicePolicy, Risk } from "./contract";

/** Days without a sale after which stock on hand counts as dead. */
export const DEAD_DAYS = 90;

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
  if (!(dailyMean > 1e-6)) return { dailyMean, dailySd, daysOfCover: null, stockoutDate: null };
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

/** no_data → stockout → dead → reorder → ok (first match). */
export function riskOf(input: PolicyInput, leadTimeDays: number, rop: number): Risk {
  if (input.noHistory) return "no_data";
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
