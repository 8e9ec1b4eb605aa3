/**
 * The read model of stored forecasts for the dashboard and the API. Every function takes the shop's id
 * and reads only the shop's published run (ShopForecastState.currentRunId): rows of a run still being
 * written, of a failed run, or of another shop are never returned.
 */
import { z } from "zod";
import { addDays, toDay, projectStock, ensembleMembers, type AnomalyFlag } from "../forecasting";
import { cachedForShop } from "../shops/cache.server";
import {
  ForecastOverview,
  type ForecastRangeQuery,
  RANGE_HISTORY_DAYS,
  type Risk,
  type VariantAdviceRow,
  type VariantForecastDetail,
  type VariantListPage,
  type VariantListQuery,
} from "./contract";
import { DbId } from "../api/params";
import { csvLine } from "../csv/writer";
import type { ForecastRow } from "./compute.server";
import { CSV_COLUMNS } from "./csv";
import { ADVICE_COLUMNS, listWhere, orderBy, pageSql } from "./list-sql";
import { cursorBatches, pool, type Queryable } from "../db/pool.server";
import { countedLocations, currentRun, demandLocationFilter, readSettings } from "./store.server";

export async function listVariants(shopId: string, query: VariantListQuery): Promise<VariantListPage> {
  const db = pool();
  const run = await currentRun(shopId, db);
  if (!run) return { rows: [], total: 0, page: query.page, pageSize: query.pageSize, runId: null, asOf: null };
  const { where, params } = listWhere(shopId, run.runId, query);
  const [rows, count] = await Promise.all([
    db.query<VariantAdviceRow>(pageSql(where, query), params),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "VariantAdvice" a WHERE ${where}`, params),
  ]);
  return { rows: rows.rows, total: count.rows[0]?.n ?? 0, page: query.page, pageSize: query.pageSize, runId: run.runId, asOf: run.asOf };
}

/**
 * The whole filtered list as CSV lines (header first), streamed from a server-side cursor. The header is yielded
 * with the first batch of rows, so that the first chunk the download waits for (app/dashboard/csv-response.server.ts)
 * has run the query: a query that fails at once fails before the answer's 200.
 */
export async function* exportVariantsCsv(shopId: string, query: VariantListQuery): AsyncIterable<string> {
  let header = csvLine(CSV_COLUMNS);
  const run = await currentRun(shopId);
  if (!run) {
    yield header;
    return;
  }
  const { where, params } = listWhere(shopId, run.runId, query);
  const sql = `SELECT ${ADVICE_COLUMNS} FROM "VariantAdvice" a WHERE ${where} ORDER BY ${orderBy(query)}`;
  for await (const rows of cursorBatches<VariantAdviceRow>(async () => ({ sql, params }), 1000)) {
    let chunk = header;
    header = "";
    for (const row of rows) chunk += csvLine(CSV_COLUMNS.map((c) => row[c]));
    yield chunk;
  }
  if (header) yield header;
}

/** A stored forecast as the variant page reads it (the row written by app/forecasts/compute.server.ts). */
type ForecastRowDb = Omit<ForecastRow, "variantId" | "dailySd">;

export async function getVariantForecast(
  shopId: string,
  variantId: string,
  range: ForecastRangeQuery,
): Promise<VariantForecastDetail | null> {
  if (!DbId.safeParse(variantId).success) return null;
  const db = pool();
  const run = await currentRun(shopId, db);
  if (!run) return null;
  const { rows } = await db.query<ForecastRowDb>(
    `SELECT to_char(start, 'YYYY-MM-DD') AS start, forecast, lo80, hi80, lo95, hi95, model, "demandClass", "coldStart", "dailyMean",
            "backtestAccTotal", "backtestMae", coverage80, coverage95, "candidateScores", outliers, anomalies
       FROM "VariantForecast" WHERE "runId" = $1 AND "shopId" = $2 AND "variantId" = $3`,
    [run.runId, shopId, variantId],
  );
  const f = rows[0];
  if (!f) return null;
  const advice = await db.query<VariantAdviceRow>(
    `SELECT ${ADVICE_COLUMNS} FROM "VariantAdvice" a WHERE a."runId" = $1 AND a."shopId" = $2 AND a."variantId" = $3 ORDER BY a."locationId"`,
    [run.runId, shopId, variantId],
  );
  const location = range.location ?? "0";
  const locAdvice = advice.rows.find((a) => a.locationId === location);
  if (location !== "0" && !locAdvice) return null;
  const share = locationShare(f.dailyMean, location, locAdvice?.dailyMean ?? 0, advice.rows.length);

  const lastForecastDay = addDays(f.start, f.forecast.length - 1);
  // Never before the range's window (contract.ts), whatever `from` asks: the answer stays bounded.
  const earliest = addDays(run.asOf, -RANGE_HISTORY_DAYS);
  const asked = range.from ?? addDays(run.asOf, -179);
  const from = asked < earliest ? earliest : asked;
  const to = range.to ?? lastForecastDay;
  const historyTo = to < run.asOf ? to : run.asOf;

  const settings = await readSettings(db, shopId);
  const locations = await countedLocations(db, shopId, settings);
  const history: VariantForecastDetail["history"] = [];
  if (from <= historyTo) {
    const demand = await db.query<{ day: string; units: number; inStock: boolean | null }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(units)::int AS units, bool_or("inStock") AS "inStock" FROM "DailyDemand"
        WHERE "shopId" = $1 AND "variantId" = $2 AND day BETWEEN $3::date AND $4::date
          AND ${location === "0" ? demandLocationFilter("$5") : `"locationId" = $5::bigint`}
        GROUP BY day`,
      [shopId, variantId, from, historyTo, location === "0" ? locations.demand : location],
    );
    const byDay = new Map(demand.rows.map((r) => [r.day, r]));
    for (let d = from; d <= historyTo; d = addDays(d, 1)) {
      const r = byDay.get(d);
      history.push({ day: d, units: r?.units ?? 0, inStock: r?.inStock ?? null });
    }
  }

  const scale = (a: readonly number[]) => a.map((x) => Math.max(0, x * share));
  const point = scale(f.forecast);
  const lo80 = scale(f.lo80);
  const hi80 = scale(f.hi80);
  const lo95 = scale(f.lo95);
  const hi95 = scale(f.hi95);
  const stock = projectStock(locAdvice?.available ?? 0, point, f.start);
  const forecast: VariantForecastDetail["forecast"] = [];
  const projectedStock: VariantForecastDetail["projectedStock"] = [];
  const first = toDay(f.start);
  for (let i = 0; i < point.length; i++) {
    const day = addDays(f.start, i);
    if (day < from || day > to) continue;
    forecast.push({ day, forecast: point[i]!, lo80: lo80[i]!, hi80: hi80[i]!, lo95: lo95[i]!, hi95: hi95[i]! });
    projectedStock.push({ day, units: Math.max(0, stock.endOfDay[toDay(day) - first]!) });
  }
  return {
    variantId,
    runId: run.runId,
    asOf: run.asOf,
    model: f.model,
    demandClass: f.demandClass,
    coldStart: f.coldStart,
    history,
    forecast,
    projectedStock,
    // The stored advice knows better than a projection from 0 stock ("runs out tomorrow"): out of stock has no stockout date.
    stockoutDate: locAdvice ? locAdvice.stockoutDate : stock.stockoutDate,
    outOfStock: locAdvice?.outOfStockSince ? { since: locAdvice.outOfStockSince, sinceEstimated: locAdvice.sinceEstimated } : null,
    backtest: { accTotal: f.backtestAccTotal, mae: f.backtestMae, coverage80: f.coverage80, coverage95: f.coverage95 },
    candidateScores: f.candidateScores,
    ensembleOf: f.model === "ensemble" ? ensembleMembers(f.candidateScores) : [],
    outliers: f.outliers,
    anomalies: storedAnomalies(f.anomalies),
    advice: advice.rows,
  };
}

/**
 * The share of a variant's forecast (over all counted locations) that falls to one location: its advice's daily mean
 * over the variant's, or an even split when the variant sells nothing. `adviceRows` counts the variant's advice rows
 * (location 0 included).
 */
export function locationShare(variantDailyMean: number, location: string, locationDailyMean: number, adviceRows: number): number {
  if (location === "0") return 1;
  return variantDailyMean > 1e-9 ? locationDailyMean / variantDailyMean : 1 / Math.max(1, adviceRows - 1);
}

/** A stored anomaly flag (VariantForecast.anomalies, written by the run from app/forecasting/anomalies.ts). */
const StoredAnomaly = z.object({
  date: z.string(),
  kind: z.enum(["spike", "drop"]),
  units: z.number(),
  expected: z.number(),
  lo95: z.number(),
  hi95: z.number(),
});
const StoredAnomalies = z.array(StoredAnomaly);

/** The stored flags of a VariantForecast row; none when they do not parse. */
export function storedAnomalies(value: unknown): AnomalyFlag[] {
  const parsed = StoredAnomalies.safeParse(value ?? []);
  return parsed.success ? parsed.data : [];
}

/** How many of the shop's variants sold unusually in the published run's last week, and the first few of them. */
export const AnomalyOverview = z.object({
  /** Variants with at least one flag. */
  count: z.number(),
  /** Up to ANOMALY_LIST_SIZE of them, ABC class A first, then by title: what the overview links to. */
  variants: z.array(
    z.object({
      variantId: z.string(),
      productTitle: z.string(),
      variantTitle: z.string(),
      /** The kinds of the variant's flags (spike, drop). */
      kinds: z.array(z.enum(["spike", "drop"])),
    }),
  ),
});
export type AnomalyOverview = z.infer<typeof AnomalyOverview>;

export const ANOMALY_LIST_SIZE = 5;

/**
 * The overview's anomaly figure, cached like the forecast summary under the published run and its version. The
 * run's rows with flags are a few in a hundred, found on a partial index (migration 20261206154800_variant_anomalies).
 */
export async function cachedAnomalyOverview(shopId: string): Promise<AnomalyOverview> {
  const db = pool();
  const run = await currentRun(shopId, db);
  if (!run) return { count: 0, variants: [] };
  return cachedForShop(
    db,
    {
      shopId,
      name: "overview.anomalies",
      key: `${run.runId}:${run.version}`,
      ttlSeconds: OVERVIEW_TTL_SECONDS,
      parse: (value) => AnomalyOverview.parse(value),
    },
    () => anomalyOverview(db, shopId, run.runId),
  );
}

async function anomalyOverview(db: Queryable, shopId: string, runId: string): Promise<AnomalyOverview> {
  const { rows } = await db.query<{
    count: number;
    variantId: string;
    productTitle: string | null;
    variantTitle: string | null;
    anomalies: unknown;
  }>(
    `SELECT count(*) OVER ()::int AS count, f."variantId"::text AS "variantId", a."productTitle", a."variantTitle", f.anomalies
       FROM "VariantForecast" f
       LEFT JOIN "VariantAdvice" a ON a."runId" = f."runId" AND a."locationId" = 0 AND a."variantId" = f."variantId"
      WHERE f."runId" = $1 AND f."shopId" = $2 AND f.anomalies <> '[]'::jsonb
      ORDER BY a."abcClass" NULLS LAST, a."productTitle", a."variantTitle", f."variantId"
      LIMIT $3`,
    [runId, shopId, ANOMALY_LIST_SIZE],
  );
  return {
    count: rows[0]?.count ?? 0,
    variants: rows.map((row) => {
      const flags = StoredAnomalies.safeParse(row.anomalies);
      const list = flags.success ? flags.data : [];
      return {
        variantId: row.variantId,
        productTitle: row.productTitle ?? "",
        variantTitle: row.variantTitle ?? "",
        kinds: (["spike", "drop"] as const).filter((kind) => list.some((flag) => flag.kind === kind)),
      };
    }),
  };
}

/** Live accuracy: the newest snapshot whose 28 days are all past, against what then sold. */
async function liveAccuracy(db: Queryable, shopId: string, asOf: string, demandLoc: string[]): Promise<ForecastOverview["liveAccuracy"]> {
  const snap = await db.query<{ runId: string; start: string }>(
    `SELECT s."runId", to_char(min(s.start), 'YYYY-MM-DD') AS start FROM "ForecastSnapshot" s
      WHERE s."shopId" = $1 AND s.start + 27 <= $2::date
      GROUP BY s."runId" ORDER BY min(s.start) DESC LIMIT 1`,
    [shopId, asOf],
  );
  const s = snap.rows[0];
  if (!s) return null;
  const { rows } = await db.query<{ totAbs: number | null; dayAbs: number | null; actual: number | null; days: number; variants: number }>(
    `WITH f AS (
       SELECT s."variantId", s.start + (u.o - 1)::int AS day, u.v::float8 AS f
         FROM "ForecastSnapshot" s, unnest(s.forecast) WITH ORDINALITY AS u(v, o)
        WHERE s."runId" = $1 AND s."shopId" = $2),
     a AS (
       SELECT "variantId", day, sum(units)::float8 AS a FROM "DailyDemand"
        WHERE "shopId" = $2 AND day BETWEEN $3::date AND $3::date + 27 AND ${demandLocationFilter("$5")}
          AND "variantId" IN (SELECT "variantId" FROM f) GROUP BY 1, 2),
     j AS (SELECT f."variantId", f.day, f.f, coalesce(a.a, 0) AS a FROM f LEFT JOIN a USING ("variantId", day) WHERE f.day <= $4::date),
     v AS (SELECT "variantId", sum(f) AS fs, sum(a) AS act FROM j GROUP BY 1)
     SELECT (SELECT sum(abs(fs - act)) FROM v) AS "totAbs", sum(abs(f - a)) AS "dayAbs", sum(a) AS actual,
            count(DISTINCT day)::int AS days, count(DISTINCT "variantId")::int AS variants
       FROM j`,
    [s.runId, shopId, s.start, asOf, demandLoc],
  );
  const r = rows[0];
  if (!r || !r.actual || r.actual <= 0) return null;
  return { accTotal: Math.max(-1, 1 - (r.totAbs ?? 0) / r.actual), wape: (r.dayAbs ?? 0) / r.actual, days: r.days, variants: r.variants };
}

/** A summary is valid for the run and version it was computed from; a day bounds late demand changes. */
const OVERVIEW_TTL_SECONDS = 86_400;

/**
 * The forecast summary of the overview page, cached per shop under the published run and its version
 * (docs/decisions/0034-read-cache.md): a new run or a settings change shows on the next read. Called by
 * the page, and by the jobs that publish a run or apply settings, so the merchant's next load is a hit.
 */
export async function cachedForecastOverview(shopId: string): Promise<ForecastOverview> {
  const db = pool();
  const run = await currentRun(shopId, db);
  return cachedForShop(
    db,
    {
      shopId,
      name: "overview.forecast",
      key: run ? `${run.runId}:${run.version}` : "no-run",
      ttlSeconds: OVERVIEW_TTL_SECONDS,
      parse: (value) => ForecastOverview.parse(value),
    },
    () => getForecastOverview(shopId),
  );
}

/** Warms the overview's cache after a change; a failure only costs the next page load its speed. */
export async function warmForecastOverview(shopId: string, log: (line: string) => void = () => {}): Promise<void> {
  try {
    await cachedForecastOverview(shopId);
    await cachedAnomalyOverview(shopId);
  } catch (error) {
    log(`overview cache not warmed for shop ${shopId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function getForecastOverview(shopId: string): Promise<ForecastOverview> {
  const db = pool();
  const run = await currentRun(shopId, db);
  if (!run)
    return {
      runId: null,
      asOf: null,
      publishedAt: null,
      outOfStock: { count: 0, lostRevenuePerDay: 0 },
      atRisk: 0,
      toReorder: 0,
      deadStockValue: { days90: 0, days180: 0, days365: 0 },
      liveAccuracy: null,
      backtestAccuracy: null,
    };
  const { rows } = await db.query<{
    outOfStock: number;
    lost: number;
    atRisk: number;
    toReorder: number;
    d90: number;
    d180: number;
    d365: number;
  }>(
    `SELECT count(*) FILTER (WHERE risk = 'out_of_stock')::int AS "outOfStock",
            coalesce(sum("lostRevenuePerDay") FILTER (WHERE risk = 'out_of_stock'), 0)::float8 AS lost,
            count(*) FILTER (WHERE risk = 'stockout')::int AS "atRisk", count(*) FILTER (WHERE risk = 'reorder')::int AS "toReorder",
            coalesce(sum("stockValue") FILTER (WHERE available > 0 AND ("lastSaleDay" IS NULL OR "lastSaleDay" < $3::date - 89)), 0)::float8 AS d90,
            coalesce(sum("stockValue") FILTER (WHERE available > 0 AND ("lastSaleDay" IS NULL OR "lastSaleDay" < $3::date - 179)), 0)::float8 AS d180,
            coalesce(sum("stockValue") FILTER (WHERE available > 0 AND ("lastSaleDay" IS NULL OR "lastSaleDay" < $3::date - 364)), 0)::float8 AS d365
       FROM "VariantAdvice" WHERE "runId" = $1 AND "shopId" = $2 AND "locationId" = 0`,
    [run.runId, shopId, run.asOf],
  );
  const acc = await db.query<{
    accuracy: { accTotal?: number | null; mase?: number | null; coverage80?: number | null; coverage95?: number | null };
  }>(`SELECT accuracy FROM "ForecastRun" WHERE id = $1`, [run.runId]);
  const a = acc.rows[0]?.accuracy;
  const settings = await readSettings(db, shopId);
  const locations = await countedLocations(db, shopId, settings);
  const c = rows[0]!;
  return {
    runId: run.runId,
    asOf: run.asOf,
    publishedAt: run.publishedAt ? new Date(run.publishedAt).toISOString() : null,
    outOfStock: { count: c.outOfStock, lostRevenuePerDay: c.lost },
    atRisk: c.atRisk,
    toReorder: c.toReorder,
    deadStockValue: { days90: c.d90, days180: c.d180, days365: c.d365 },
    liveAccuracy: await liveAccuracy(db, shopId, run.asOf, locations.demand),
    backtestAccuracy:
      a && typeof a.accTotal === "number"
        ? {
            accTotal: a.accTotal,
            mase: a.mase ?? null,
            coverage80: a.coverage80 ?? null,
            coverage95: a.coverage95 ?? null,
          }
        : null,
  };
}

export async function listFilterOptions(
  shopId: string,
): Promise<{ vendors: string[]; productTypes: string[]; locations: { id: string; name: string }[] }> {
  const db = pool();
  const [vendors, types, locations] = await Promise.all([
    db.query<{ v: string }>(`SELECT DISTINCT vendor AS v FROM "Product" WHERE "shopId" = $1 AND "deletedAt" IS NULL ORDER BY 1`, [shopId]),
    db.query<{ v: string }>(`SELECT DISTINCT "productType" AS v FROM "Product" WHERE "shopId" = $1 AND "deletedAt" IS NULL ORDER BY 1`, [
      shopId,
    ]),
    db.query<{ id: string; name: string }>(
      `SELECT id::text AS id, name FROM "Location" WHERE "shopId" = $1 AND "isActive" ORDER BY name, id`,
      [shopId],
    ),
  ]);
  return { vendors: vendors.rows.map((r) => r.v), productTypes: types.rows.map((r) => r.v), locations: locations.rows };
}

export type { Risk };
