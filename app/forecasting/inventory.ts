/**
 * Inventory math per variant and location (pure functions, units and days):
 *   safety stock        SS  = z · √(L·σd² + d̄²·σL²)
 *   reorder point       ROP = d̄·L + SS
 *   order-up-to level   S   = d̄·(L + R) + z · √((L + R)·σd² + d̄²·σL²)   (periodic review every R days)
 *   EOQ                 Q*  = √(2·D·K / h)   (D annual demand, K cost per order, h holding cost per unit-year)
 *   days of cover, a day-by-day projected stockout date, dead stock, ABC (value) and XYZ (variability) classes.
 */

import { addDays } from "./dates";
import { normInv } from "./stats";
import type { ForecastResult, IsoDate } from "./types";

export function zForServiceLevel(serviceLevel: number): number {
  if (!(serviceLevel > 0 && serviceLevel < 1)) throw new RangeError("service level must be in (0, 1)");
  return normInv(serviceLevel);
}

/** z·√(L·σd² + d̄²·σL²). L and σL in days, d̄ and σd in units per day. */
export function safetyStock(z: number, leadTimeDays: number, demandSdDaily: number, demandMeanDaily: number, leadTimeSdDays = 0): number {
  return Math.max(0, z * Math.sqrt(leadTimeDays * demandSdDaily ** 2 + demandMeanDaily ** 2 * leadTimeSdDays ** 2));
}

export function reorderPoint(demandMeanDaily: number, leadTimeDays: number, safety: number): number {
  return demandMeanDaily * leadTimeDays + safety;
}

export function orderUpToLevel(
  z: number,
  demandMeanDaily: number,
  demandSdDaily: number,
  leadTimeDays: number,
  reviewPeriodDays: number,
  leadTimeSdDays = 0,
): number {
  const t = leadTimeDays + reviewPeriodDays;
  return demandMeanDaily * t + safetyStock(z, t, demandSdDaily, demandMeanDaily, leadTimeSdDays);
}

/** Economic order quantity √(2·D·K/h). */
export function economicOrderQuantity(annualDemand: number, orderCost: number, holdingCostPerUnitYear: number): number {
  if (!(holdingCostPerUnitYear > 0)) throw new RangeError("holding cost must be > 0");
  return Math.sqrt((2 * Math.max(0, annualDemand) * Math.max(0, orderCost)) / holdingCostPerUnitYear);
}

export interface Arrival {
  date: IsoDate;
  units: number;
}

export interface StockProjection {
  /** Stock at the end of each forecast day (can go negative = unmet demand). */
  endOfDay: number[];
  /** First day on which expected demand exceeds the stock, or null within the horizon. */
  stockoutDate: IsoDate | null;
  /** Days until the stock runs out (fractional, linear within the day); Infinity if not within the horizon and no demand. */
  daysOfCover: number;
}

/**
 * Day-by-day projection: stock(t) = stock(t−1) + arrivals(t) − forecast(t). Beyond the horizon the
 * days of cover extend at the mean forecast rate.
 */
export function projectStock(
  onHand: number,
  forecast: readonly number[],
  start: IsoDate,
  arrivals: readonly Arrival[] = [],
): StockProjection {
  const inbound = new Map<string, number>();
  for (const a of arrivals) inbound.set(a.date, (inbound.get(a.date) ?? 0) + a.units);
  const endOfDay: number[] = [];
  let stock = onHand;
  let stockoutDate: IsoDate | null = null;
  let cover = NaN;
  for (let i = 0; i < forecast.length; i++) {
    const date = addDays(start, i);
    stock += inbound.get(date) ?? 0;
    const d = Math.max(0, forecast[i]!);
    if (stockoutDate === null && d > stock + 1e-9) {
      stockoutDate = date;
      cover = i + (stock > 0 ? stock / d : 0);
    }
    stock -= d;
    endOfDay.push(stock);
  }
  if (stockoutDate === null) {
    const m = forecast.length > 0 ? forecast.reduce((a, b) => a + Math.max(0, b), 0) / forecast.length : 0;
    cover = m > 0 ? forecast.length + Math.max(0, stock) / m : Infinity;
  }
  return { endOfDay, stockoutDate, daysOfCover: cover };
}

/** Days of cover at a flat rate: on hand / mean daily demand. */
export function daysOfCover(onHand: number, demandMeanDaily: number): number {
  return demandMeanDaily > 0 ? Math.max(0, onHand) / demandMeanDaily : Infinity;
}

/**
 * Dead stock: units on hand and no sale in the last `windowDays` observed days, or a forecast so
 * low that the stock would last more than `maxCoverDays`.
 */
export function isDeadStock(
  onHand: number,
  recentSales: readonly number[],
  demandMeanDaily: number,
  windowDays = 90,
  maxCoverDays = 365,
): boolean {
  if (onHand <= 0) return false;
  const recent = recentSales.slice(-windowDays);
  const sold = recent.some((v) => v > 0);
  return (recent.length >= windowDays && !sold) || daysOfCover(onHand, demandMeanDaily) > maxCoverDays;
}

export type AbcClass = "A" | "B" | "C";
export type XyzClass = "X" | "Y" | "Z";

/** ABC by value: items sorted by value; A up to `a` of the cumulative total (default 80 %), B up to `b` (95 %), C the rest. */
export function abcClasses(items: readonly { id: string; value: number }[], a = 0.8, b = 0.95): Record<string, AbcClass> {
  const sorted = [...items].sort((x, y) => y.value - x.value || x.id.localeCompare(y.id));
  const total = sorted.reduce((s, x) => s + Math.max(0, x.value), 0);
  const out: Record<string, AbcClass> = {};
  let cum = 0;
  for (const x of sorted) {
    // Class by the cumulative share *before* this item, so the item that crosses 80 % is still A.
    const before = total > 0 ? cum / total : 1;
    out[x.id] = before < a ? "A" : before < b ? "B" : "C";
    cum += Math.max(0, x.value);
  }
  return out;
}

/** XYZ by the coefficient of variation of weekly demand: X ≤ 0.5, Y ≤ 1, Z above (or no demand). */
export function xyzClass(daily: readonly number[], x = 0.5, y = 1): XyzClass {
  const weeks: number[] = [];
  for (let i = daily.length % 7; i + 7 <= daily.length; i += 7) {
    let s = 0;
    for (let j = i; j < i + 7; j++) s += daily[j]! === daily[j]! ? daily[j]! : 0;
    weeks.push(s);
  }
  if (weeks.length < 2) return "Z";
  const m = weeks.reduce((a, b) => a + b, 0) / weeks.length;
  if (m <= 0) return "Z";
  const sd = Math.sqrt(weeks.reduce((a, b) => a + (b - m) ** 2, 0) / (weeks.length - 1));
  const cv = sd / m;
  return cv <= x ? "X" : cv <= y ? "Y" : "Z";
}

export interface LocationStock {
  locationId: string;
  onHand: number;
  leadTimeDays: number;
  leadTimeSdDays?: number;
  reviewPeriodDays?: number;
  serviceLevel?: number;
  arrivals?: Arrival[];
  orderCost?: number;
  holdingCostPerUnitYear?: number;
}

export interface InventoryPlan {
  id: string;
  locationId: string;
  demandMeanDaily: number;
  demandSdDaily: number;
  safetyStock: number;
  reorderPoint: number;
  orderUpToLevel: number;
  /** null when order or holding cost is not given. */
  economicOrderQuantity: number | null;
  daysOfCover: number;
  stockoutDate: IsoDate | null;
  /** Units to order now to reach the order-up-to level (0 when above the reorder point). */
  suggestedOrder: number;
}

/** Inventory plan for one variant at one location, from its forecast (d̄ = mean forecast, σd = backtest error sd). */
export function planInventory(result: ForecastResult, loc: LocationStock): InventoryPlan {
  const z = zForServiceLevel(loc.serviceLevel ?? 0.95);
  const d = result.dailyMean;
  const sd = result.dailySd;
  const ss = safetyStock(z, loc.leadTimeDays, sd, d, loc.leadTimeSdDays ?? 0);
  const rop = reorderPoint(d, loc.leadTimeDays, ss);
  const s = orderUpToLevel(z, d, sd, loc.leadTimeDays, loc.reviewPeriodDays ?? 7, loc.leadTimeSdDays ?? 0);
  const proj = projectStock(loc.onHand, result.forecast, result.start, loc.arrivals);
  const position = loc.onHand + (loc.arrivals ?? []).reduce((a, b) => a + b.units, 0);
  const eoq =
    loc.orderCost !== undefined && loc.holdingCostPerUnitYear !== undefined
      ? economicOrderQuantity(d * 365, loc.orderCost, loc.holdingCostPerUnitYear)
      : null;
  return {
    id: result.id,
    locationId: loc.locationId,
    demandMeanDaily: d,
    demandSdDaily: sd,
    safetyStock: ss,
    reorderPoint: rop,
    orderUpToLevel: s,
    economicOrderQuantity: eoq,
    daysOfCover: proj.daysOfCover,
    stockoutDate: proj.stockoutDate,
    suggestedOrder: position <= rop ? Math.max(0, Math.ceil(Math.max(s - position, eoq ?? 0))) : 0,
  };
}
