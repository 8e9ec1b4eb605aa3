/**
 * The forecast runs of every shop, for the operator console (`/ops/runs` and its CSV): a page of runs with their
 * timing, failures and accuracy, and the figures and per-day series of the filtered period (app/ops/runs.ts).
 *
 * CROSS-TENANT BY DESIGN (decision 0046): the runs of all shops. Called only by the operator routes behind
 * `requireOperator`. It reads each run's own row (timing, counts, the model mix, the backtest's aggregate accuracy and
 * the error of a failed run) and the shop's domain: never a forecast, an advice row or a shop's sales.
 *
 * Every read is bounded by the period (at most 90 days, the runs' retention). A page reads each status newest first
 * from the `(status, startedAt)` index and stops at the page's end; the figures aggregate the period by day in one
 * statement (a scan of the period); a shop search reads by `(shopId, startedAt)`. With 10 000 shops' nightly runs
 * (290 000 in 30 days) the page answered in 1.2–1.7 s on a 2-core machine, most of it the figures' aggregate, and in
 * 20–50 ms filtered to failed runs or to one shop.
 */
import { z } from "zod";
import { csvLine } from "../csv/writer";
import { addDays } from "../dashboard/format";
import { cursorBatches, pool, type Queryable } from "../db/pool.server";
import {
  RUN_STATUSES,
  RUNS_PAGE_SIZE,
  runFigures,
  runSeries,
  topModels,
  type RunDay,
  type RunFigures,
  type RunDayStats,
  type RunsFilter,
  type RunStatus,
  type TopModels,
} from "./runs";

/** A measure of the stored accuracy; a missing or non-numeric one is unknown (running and failed runs have none). */
const Measure = z.number().nullable().catch(null);
const Accuracy = z.object({
  accTotal: Measure,
  mase: Measure,
  wape: Measure,
  bias: Measure,
  coverage80: Measure,
  coverage95: Measure,
});
type Accuracy = z.infer<typeof Accuracy>;
const NO_ACCURACY: Accuracy = { accTotal: null, mase: null, wape: null, bias: null, coverage80: null, coverage95: null };
const ModelMix = z.record(z.string(), z.number());

export interface RunRow {
  id: string;
  shopDomain: string;
  trigger: string;
  status: RunStatus;
  /** Last day of demand the run used (the shop's day). */
  asOf: string;
  startedAt: string;
  durationMs: number | null;
  batchesDone: number;
  batchesTotal: number;
  seriesCount: number;
  /** Series that failed and fell back to a simple model. */
  errorCount: number;
  models: TopModels;
  accuracy: Pick<Accuracy, "accTotal" | "mase" | "coverage80" | "coverage95">;
  error: string | null;
}

export interface RunsReport {
  asOf: string;
  filter: RunsFilter;
  pageSize: number;
  /** Runs matching the filter (every page). */
  total: number;
  rows: RunRow[];
  figures: RunFigures;
  series: RunDay[];
}

interface StoredRun {
  id: string;
  domain: string;
  trigger: string;
  status: RunStatus;
  asOf: string;
  horizon: number;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  batchesDone: number;
  batchesTotal: number;
  seriesCount: number;
  errorCount: number;
  modelMix: unknown;
  accuracy: unknown;
  error: string | null;
}

const accuracyOf = (value: unknown): Accuracy => Accuracy.catch(NO_ACCURACY).parse(value);
const mixOf = (value: unknown): Record<string, number> => ModelMix.catch({}).parse(value);

/** A running run's accuracy holds each batch's sums: left in the database. */
const COLUMNS = `r.id, s.domain, r.trigger, r.status, to_char(r."asOf", 'YYYY-MM-DD') AS "asOf", r.horizon, r."startedAt", r."finishedAt",
  r."durationMs", r."batchesDone", r."batchesTotal", r."seriesCount", r."errorCount", r."modelMix", r.accuracy - 'batches' AS accuracy, r.error`;
const ORDER = `r."startedAt" DESC, r.id DESC`;

interface Conditions {
  /** The statuses asked for: one condition of their own, so that each can be read from the `(status, startedAt)` index. */
  statuses: readonly RunStatus[];
  /** The other conditions, on `"ForecastRun" r`, with their values ($1…). */
  where: string;
  values: unknown[];
}

/**
 * The filter as SQL. A shop search is resolved to the matching shops' ids first: the runs are then read by
 * `(shopId, startedAt)`, and no read joins every run to its shop.
 */
async function conditions(db: Queryable, filter: RunsFilter): Promise<Conditions> {
  const values: unknown[] = [new Date(`${filter.from}T00:00:00Z`), new Date(`${addDays(filter.to, 1)}T00:00:00Z`)];
  const where = [`r."startedAt" >= $1`, `r."startedAt" < $2`];
  if (filter.trigger) {
    values.push(filter.trigger);
    where.push(`r.trigger = $${values.length}`);
  }
  if (filter.q) {
    const shops = await db.query<{ id: string }>(`SELECT id FROM "Shop" WHERE strpos(lower(domain), $1) > 0`, [filter.q]);
    values.push(shops.rows.map((shop) => shop.id));
    where.push(`r."shopId" = ANY($${values.length}::uuid[])`);
  }
  return { statuses: filter.status ? [filter.status] : RUN_STATUSES, where: where.join(" AND "), values };
}

/**
 * The runs of the period, one row per UTC day: counts by status, and the durations and accuracies of the completed
 * runs (the figures' medians and percentiles are app/ops/runs.ts's, over these).
 */
async function dailyStats(db: Queryable, { statuses, where, values }: Conditions): Promise<RunDayStats[]> {
  const { rows } = await db.query<RunDayStats>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, running, completed, failed, "durationsMs", accuracies FROM (
       SELECT (r."startedAt" AT TIME ZONE 'UTC')::date AS day,
              count(*) FILTER (WHERE r.status = 'running')::int AS running,
              count(*) FILTER (WHERE r.status = 'completed')::int AS completed,
              count(*) FILTER (WHERE r.status = 'failed')::int AS failed,
              coalesce(array_agg(r."durationMs") FILTER (WHERE r.status = 'completed' AND r."durationMs" IS NOT NULL), '{}'::int[])
                AS "durationsMs",
              coalesce(array_agg((r.accuracy->>'accTotal')::float8)
                FILTER (WHERE r.status = 'completed' AND jsonb_typeof(r.accuracy->'accTotal') = 'number'), '{}'::float8[]) AS accuracies
         FROM "ForecastRun" r WHERE r.status = ANY($${values.length + 1}::text[]) AND ${where}
        GROUP BY 1) d`,
    [...values, statuses],
  );
  return rows;
}

/**
 * One page of runs, newest first, with their shops' domains. Each status is read apart, newest first from the
 * `(status, startedAt)` index, up to the page's end, and the three merged: a page reads a few rows, not the period.
 */
async function pageOfRuns(db: Queryable, { statuses, where, values }: Conditions, page: number): Promise<StoredRun[]> {
  const end = page * RUNS_PAGE_SIZE;
  const limit = `$${values.length + 1}`;
  const branches = statuses.map(
    (_, i) => `(SELECT * FROM "ForecastRun" r WHERE r.status = $${values.length + 2 + i} AND ${where} ORDER BY ${ORDER} LIMIT ${limit})`,
  );
  const { rows } = await db.query<StoredRun>(
    `SELECT ${COLUMNS} FROM (SELECT * FROM (${branches.join(" UNION ALL ")}) r ORDER BY ${ORDER} LIMIT ${RUNS_PAGE_SIZE} OFFSET ${limit} - ${RUNS_PAGE_SIZE}) r
       JOIN "Shop" s ON s.id = r."shopId" ORDER BY ${ORDER}`,
    [...values, end, ...statuses],
  );
  return rows;
}

function toRow(run: StoredRun): RunRow {
  const { accTotal, mase, coverage80, coverage95 } = accuracyOf(run.accuracy);
  return {
    id: run.id,
    shopDomain: run.domain,
    trigger: run.trigger,
    status: run.status,
    asOf: run.asOf,
    startedAt: run.startedAt.toISOString(),
    durationMs: run.durationMs,
    batchesDone: run.batchesDone,
    batchesTotal: run.batchesTotal,
    seriesCount: run.seriesCount,
    errorCount: run.errorCount,
    models: topModels(mixOf(run.modelMix)),
    accuracy: { accTotal, mase, coverage80, coverage95 },
    error: run.error,
  };
}

/** The page of `filter`, and the figures and series of all its runs. */
export async function loadRuns(filter: RunsFilter, now: Date = new Date(), db: Queryable = pool()): Promise<RunsReport> {
  const where = await conditions(db, filter);
  const days = await dailyStats(db, where);
  const figures = runFigures(days);
  return {
    asOf: now.toISOString(),
    filter,
    pageSize: RUNS_PAGE_SIZE,
    total: figures.runs,
    rows: (await pageOfRuns(db, where, filter.page)).map(toRow),
    figures,
    series: runSeries(days, filter.from, filter.to),
  };
}

/** The CSV's columns, in order; the route names them in the operator's language (`runs.csv.<column>`). */
export const RUNS_CSV_COLUMNS = [
  "startedAt",
  "finishedAt",
  "shop",
  "trigger",
  "status",
  "asOf",
  "horizon",
  "durationSeconds",
  "batchesDone",
  "batchesTotal",
  "series",
  "failedSeries",
  "modelMix",
  "accTotal",
  "mase",
  "wape",
  "bias",
  "coverage80",
  "coverage95",
  "error",
  "runId",
] as const;

/** Rows fetched from the export's cursor at a time. */
const CSV_BATCH = 1000;

function csvRow(run: StoredRun): string {
  const accuracy = accuracyOf(run.accuracy);
  const mix = topModels(mixOf(run.modelMix), Number.POSITIVE_INFINITY).top;
  return csvLine([
    run.startedAt.toISOString(),
    run.finishedAt?.toISOString() ?? null,
    run.domain,
    run.trigger,
    run.status,
    run.asOf,
    run.horizon,
    run.durationMs === null ? null : run.durationMs / 1000,
    run.batchesDone,
    run.batchesTotal,
    run.seriesCount,
    run.errorCount,
    mix.map((m) => `${m.model}=${m.series}`).join(" "),
    accuracy.accTotal,
    accuracy.mase,
    accuracy.wape,
    accuracy.bias,
    accuracy.coverage80,
    accuracy.coverage95,
    run.error,
    run.id,
  ]);
}

/**
 * Every run of `filter` as CSV (not only one page), newest first, under `header` (the columns' names), streamed from a
 * server-side cursor: the period is sorted once, however many runs it holds. The header goes out with the first batch
 * of rows, so a query that fails at once fails the download before its 200.
 */
export async function* runsCsv(filter: RunsFilter, header: readonly string[]): AsyncGenerator<string> {
  const query = async (client: Queryable) => {
    const { statuses, where, values } = await conditions(client, filter);
    return {
      sql: `SELECT ${COLUMNS} FROM "ForecastRun" r JOIN "Shop" s ON s.id = r."shopId"
             WHERE r.status = ANY($${values.length + 1}::text[]) AND ${where} ORDER BY ${ORDER}`,
      params: [...values, statuses],
    };
  };
  let chunk = csvLine(header);
  for await (const rows of cursorBatches<StoredRun>(query, CSV_BATCH)) {
    for (const row of rows) chunk += csvRow(row);
    yield chunk;
    chunk = "";
  }
  if (chunk) yield chunk;
}
