/**
 * The forecast runs page of the operator console (`/ops/runs`, issue 17 item 8), its pure half: the filters read
 * from the URL (validated, with the default and the longest period), the headline figures and the per-day series
 * computed from the filtered runs, and a run's top models. app/ops/runs.server.ts reads the rows.
 *
 * Days are UTC, like the rest of the console; a run belongs to the day it started.
 */
import { z } from "zod";
import { IsoDay, UserText } from "../api/params";
import { addDays, daysBetween } from "../dashboard/format";
import { FORECAST_TRIGGERS, type ForecastTrigger } from "../jobs/contracts/forecasts";

export const RUN_STATUSES = ["running", "completed", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_TRIGGERS = FORECAST_TRIGGERS;
export type RunTrigger = ForecastTrigger;

export const RUNS_PAGE_SIZE = 50;
/** The period shown without `from` and `to`: the last 30 days, today included. */
export const DEFAULT_RUN_DAYS = 30;
/** The longest period: runs are kept 90 days (app/forecasts/run.server.ts pruneShop), so a longer one shows nothing more. */
export const MAX_RUN_DAYS = 90;

/** The URL's parameters. `shop` cannot be one: the console drops it with a redirect (decision 0046), hence `q`. */
export const RUNS_PARAMS = ["q", "status", "trigger", "from", "to", "page"] as const;

const Params = z.object({
  /** A part of the shop's myshopify domain. */
  q: UserText.trim().toLowerCase().max(255).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  trigger: z.enum(RUN_TRIGGERS).optional(),
  from: IsoDay.optional(),
  to: IsoDay.optional(),
  page: z
    .string()
    .regex(/^[1-9]\d{0,5}$/, "must be a page number from 1 to 999999")
    .transform(Number)
    .optional(),
});

export interface RunsFilter {
  /** "" = every shop. */
  q: string;
  status: RunStatus | null;
  trigger: RunTrigger | null;
  /** First and last UTC day of the period (runs started on those days count). */
  from: string;
  to: string;
  page: number;
}

export interface ParamIssue {
  param: string;
  message: string;
}

export type ParsedRunsParams = { ok: true; filter: RunsFilter } | { ok: false; issues: ParamIssue[] };

/**
 * The filters of `search` (an empty value is an absent one; a repeated one counts once), or what is wrong with
 * them: every bad value is refused, never dropped, so that the page and its CSV never show a period or a shop
 * other than the one asked for. `today` (UTC) ends the default period.
 */
export function parseRunsParams(search: URLSearchParams, today: string): ParsedRunsParams {
  const raw: Record<string, string> = {};
  for (const key of RUNS_PARAMS) {
    const value = search.get(key);
    if (value !== null && value !== "") raw[key] = value;
  }
  const parsed = Params.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((issue) => ({ param: String(issue.path[0] ?? ""), message: issue.message })) };
  }
  const { q = "", status = null, trigger = null, page = 1 } = parsed.data;
  const to = parsed.data.to ?? today;
  const from = parsed.data.from ?? addDays(to, -(DEFAULT_RUN_DAYS - 1));
  const days = daysBetween(from, to) + 1;
  if (days < 1) return { ok: false, issues: [{ param: "from", message: "must not be after to" }] };
  if (days > MAX_RUN_DAYS) {
    return { ok: false, issues: [{ param: "from", message: `must be at most ${MAX_RUN_DAYS} days before to, counting both` }] };
  }
  return { ok: true, filter: { q, status, trigger, from, to, page } };
}

/** The URL parameters of a filter: what the page's links and the CSV export carry (`page` only past the first). */
export function runsSearch(filter: RunsFilter, page: number = filter.page): URLSearchParams {
  const search = new URLSearchParams();
  if (filter.q) search.set("q", filter.q);
  if (filter.status) search.set("status", filter.status);
  if (filter.trigger) search.set("trigger", filter.trigger);
  search.set("from", filter.from);
  search.set("to", filter.to);
  if (page > 1) search.set("page", String(page));
  return search;
}

/** What the figures need of the runs that started on one UTC day (a row of app/ops/runs.server.ts's daily aggregate). */
export interface RunDayStats {
  day: string;
  running: number;
  completed: number;
  failed: number;
  /** Of the day's completed runs: how long each took (ms), and its backtest accuracy where it was measured. */
  durationsMs: number[];
  /** accTotal: 1 − total absolute error ÷ units sold, over the run's series. */
  accuracies: number[];
}

export interface RunFigures {
  runs: number;
  completed: number;
  failed: number;
  running: number;
  /** Failed runs ÷ finished runs (completed or failed); null before any run finished. */
  failureRate: number | null;
  /** Of completed runs: how long a run takes from its start to its publication. */
  durationMedianMs: number | null;
  durationP95Ms: number | null;
  /** Median accTotal of completed runs. */
  accuracyMedian: number | null;
}

/** The p-quantile of ascending `sorted`, interpolated between neighbours (PostgreSQL's percentile_cont); null when empty. */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

const ascending = (values: readonly number[]): number[] => values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
const sum = (days: readonly RunDayStats[], count: (day: RunDayStats) => number) => days.reduce((total, day) => total + count(day), 0);

export function runFigures(days: readonly RunDayStats[]): RunFigures {
  const completed = sum(days, (d) => d.completed);
  const failed = sum(days, (d) => d.failed);
  const running = sum(days, (d) => d.running);
  const durations = ascending(days.flatMap((d) => d.durationsMs));
  return {
    runs: completed + failed + running,
    completed,
    failed,
    running,
    failureRate: completed + failed === 0 ? null : failed / (completed + failed),
    durationMedianMs: quantile(durations, 0.5),
    durationP95Ms: quantile(durations, 0.95),
    accuracyMedian: quantile(ascending(days.flatMap((d) => d.accuracies)), 0.5),
  };
}

export interface RunDay {
  day: string;
  runs: number;
  failed: number;
  /** Median accTotal of the day's completed runs; null on a day without one. */
  accuracyMedian: number | null;
}

/** One entry per UTC day from `from` to `to`, days without runs included (the chart's time axis). */
export function runSeries(days: readonly RunDayStats[], from: string, to: string): RunDay[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const series: RunDay[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const stats = byDay.get(day);
    series.push({
      day,
      runs: stats ? stats.running + stats.completed + stats.failed : 0,
      failed: stats?.failed ?? 0,
      accuracyMedian: stats ? quantile(ascending(stats.accuracies), 0.5) : null,
    });
  }
  return series;
}

export interface ModelShare {
  model: string;
  series: number;
}

export interface TopModels {
  top: ModelShare[];
  /** Models past the top ones, and the series they forecast. */
  otherModels: number;
  otherSeries: number;
  /** Series of the whole mix (the shares' denominator). */
  series: number;
}

/** A run's most used models (`mix`: model → series), most series first, ties by name. */
export function topModels(mix: Readonly<Record<string, number>>, count = 3): TopModels {
  const entries = Object.entries(mix)
    .filter(([, series]) => Number.isFinite(series) && series > 0)
    .map(([model, series]) => ({ model, series }))
    .sort((a, b) => b.series - a.series || a.model.localeCompare(b.model));
  const rest = entries.slice(count);
  return {
    top: entries.slice(0, count),
    otherModels: rest.length,
    otherSeries: rest.reduce((sum, e) => sum + e.series, 0),
    series: entries.reduce((sum, e) => sum + e.series, 0),
  };
}
