/**
 * Shapes a variant's forecast (contract VariantForecastDetail) into the rows the ForecastChart draws:
 * one row per day, sales history then forecast with its 80 % / 95 % bands and the projected stock.
 * Pure, so it is unit-tested and memoised by the chart.
 */
import type { VariantForecastDetail } from "../forecasts/contract";
import { addDays } from "./format";

export interface ChartRow {
  day: string;
  /** Units sold that day (history only). */
  sales: number | null;
  /**
   * True when the variant was out of stock that day (sales were capped by stock, not demand): by the stock
   * history, or within the current stockout (since → asOf, `VariantForecastDetail.outOfStock`).
   */
  outOfStock: boolean;
  forecast: number | null;
  /** [low, high] of the 80 % and 95 % prediction intervals (forecast days only). */
  band80: [number, number] | null;
  band95: [number, number] | null;
  /** Projected end-of-day stock (today's stock on the last history day, then the projection). */
  stock: number | null;
}

export const RANGE_OPTIONS = ["30", "90", "180", "365", "all"] as const;
export type ChartRange = (typeof RANGE_OPTIONS)[number];

export function isChartRange(value: string | null | undefined): value is ChartRange {
  return RANGE_OPTIONS.some((option) => option === value);
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * The chart's rows for a history window of `range` days before `asOf` (all of it for "all") followed by
 * every forecast day. `currentStock` (the variant's available units now) joins the projected stock
 * line to the present.
 */
export function buildChartRows(detail: VariantForecastDetail, range: ChartRange, currentStock: number | null = null): ChartRow[] {
  const firstDay = range === "all" ? null : addDays(detail.asOf, -Number(range) + 1);
  const since = detail.outOfStock?.since ?? null;
  const rows: ChartRow[] = [];
  for (const point of detail.history) {
    if (firstDay !== null && point.day < firstDay) continue;
    if (point.day > detail.asOf) continue;
    rows.push({
      day: point.day,
      sales: point.units,
      outOfStock: point.inStock === false || (since !== null && point.day >= since),
      forecast: null,
      band80: null,
      band95: null,
      stock: null,
    });
  }
  const last = rows.at(-1);
  if (last && currentStock !== null && last.day === detail.asOf) last.stock = currentStock;

  const stockByDay = new Map(detail.projectedStock.map((point) => [point.day, point.units]));
  for (const point of detail.forecast) {
    if (point.day <= detail.asOf) continue;
    const stock = stockByDay.get(point.day);
    rows.push({
      day: point.day,
      sales: null,
      outOfStock: false,
      forecast: round(point.forecast),
      band80: [round(Math.max(0, point.lo80)), round(Math.max(0, point.hi80))],
      band95: [round(Math.max(0, point.lo95)), round(Math.max(0, point.hi95))],
      stock: stock === undefined ? null : round(Math.max(0, stock)),
    });
  }
  return rows;
}

/** The current stockout as the chart shades it: its first and last day on the chart, and whether its start is inferred. */
export interface OutOfStockSpan {
  from: string;
  to: string;
  estimated: boolean;
}

/**
 * The days of the current stockout (since → asOf) that the chart's history shows, for the shading; null
 * when the variant is in stock, ran out only today, or the window ends before it.
 */
export function outOfStockSpan(rows: readonly ChartRow[], outOfStock: VariantForecastDetail["outOfStock"]): OutOfStockSpan | null {
  if (!outOfStock) return null;
  const history = rows.filter((row) => row.sales !== null);
  const first = history.find((row) => row.day >= outOfStock.since);
  if (!first) return null;
  return { from: first.day, to: history.at(-1)!.day, estimated: outOfStock.sinceEstimated };
}

export interface CandidateScore {
  model: string;
  score: number;
  chosen: boolean;
  /** Score relative to the best candidate (1 = the best). */
  relative: number;
}

/** The candidate models, best (lowest score) first; non-finite scores are left out. */
export function rankCandidates(scores: Record<string, number>, chosen: string): CandidateScore[] {
  const finite = Object.entries(scores).filter(([, score]) => Number.isFinite(score));
  finite.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const best = finite[0]?.[1] ?? 0;
  return finite.map(([model, score]) => ({
    model,
    score,
    chosen: model === chosen,
    relative: best > 0 ? score / best : score === best ? 1 : Number.POSITIVE_INFINITY,
  }));
}

/** Totals shown under the chart for the visible window. */
export function summarise(rows: ChartRow[]): { sold: number; forecast: number; outOfStockDays: number } {
  let sold = 0;
  let forecast = 0;
  let outOfStockDays = 0;
  for (const row of rows) {
    sold += row.sales ?? 0;
    forecast += row.forecast ?? 0;
    if (row.outOfStock) outOfStockDays += 1;
  }
  return { sold, forecast: round(forecast), outOfStockDays };
}

/**
 * Top of the demand axis: the larger of the sales and the 80 % band, with headroom, rounded up to a
 * whole number of integer tick steps (units are counted, so the axis never shows 0.3 or 2.5). The 95 %
 * band of lumpy demand can be many times larger; it is clipped at the top rather than flattening
 * everything else.
 */
export function unitsAxisMax(rows: ChartRow[]): number {
  let max = 0;
  for (const row of rows) {
    max = Math.max(max, row.sales ?? 0, row.forecast ?? 0, row.band80?.[1] ?? 0);
  }
  if (!(max > 0)) return 1;
  const padded = max * 1.15;
  const step = integerTickStep(padded);
  return Math.ceil(padded / step) * step;
}

/** The ticks for an axis from 0 to `max` units: whole numbers, evenly spaced, at most `maxTicks` of them. */
export function integerTicks(max: number, maxTicks = 6): number[] {
  if (!(max > 0)) return [0];
  const step = integerTickStep(max, maxTicks - 1);
  const ticks: number[] = [];
  for (let tick = 0; tick <= max + 1e-9; tick += step) ticks.push(tick);
  return ticks;
}

/** The smallest of 1, 2, 5, 10, 20, 25, 50, 100 … that splits 0–`max` into at most `intervals` steps. */
function integerTickStep(max: number, intervals = 5): number {
  const raw = max / Math.max(1, intervals);
  if (raw <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const factor = [1, 2, 2.5, 5, 10].find((candidate) => candidate * magnitude >= raw && Number.isInteger(candidate * magnitude)) ?? 10;
  return factor * magnitude;
}

/** True when the projected-stock line carries something to show (some stock above zero in the window). */
export function hasStockLine(rows: ChartRow[]): boolean {
  return rows.some((row) => row.stock !== null && row.stock > 0);
}
