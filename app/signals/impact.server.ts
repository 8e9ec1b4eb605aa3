/**
 * The impact page's read model (issue 17 item 5): the current forecast run's signal decisions (`SignalUse`) of one
 * shop, summarised per signal (./impact.ts), the products that use each, what the run recorded about its outside
 * signals, how fresh the shop's promotions are, and whether each source is on and its gateway answering. Every query
 * reads one shop's rows, except the gateway's circuits, which belong to the endpoints (shared by every shop) and hold
 * no shop data.
 */
import { csvLine } from "../csv/writer";
import { cursorBatches, pool, type Queryable } from "../db/pool.server";
import type { RegressorName } from "../forecasting";
import type { Shop } from "../shops/lookup.server";
import {
  CSV_HEADER,
  IMPACT_SIGNALS,
  PROMOTION_SOURCES,
  REGRESSOR_SOURCE,
  csvRow,
  regressorHealth,
  runSignalStatuses,
  summarise,
  TOP_ROWS,
  type ImpactRow,
  type ImpactSignal,
  type PromotionPeriod,
  type PromotionSource,
  type RegressorHealth,
  type RegressorOrigin,
  type SignalSummary,
  type UseRow,
} from "./impact";
import type { EndpointId, SourceId } from "./sources";

/** The endpoints behind each source, whose circuits say whether it answers now. */
const SOURCE_ENDPOINTS: Record<SourceId, readonly EndpointId[]> = {
  weather: ["open_meteo_forecast", "open_meteo_archive", "open_meteo_geocoding"],
  indicators: ["fred"],
};

export interface ImpactRun {
  id: string;
  trigger: string;
  asOf: string;
  finishedAt: string | null;
}

export interface PromotionFreshness {
  /** When the store's discounts and marketing activities were last read (initial sync or reconciliation); null: never. */
  syncedAt: string | null;
  /** The scopes the shop has not granted, whose source could not be read then. */
  unavailable: string[];
  counts: Record<PromotionSource, Record<PromotionPeriod, number>>;
}

export interface SourceState {
  enabled: boolean;
  /** A circuit of its gateway is open: the source failed repeatedly and is not asked for a while. */
  paused: boolean;
}

export interface RegressorImpact {
  health: RegressorHealth;
  source: RegressorOrigin;
}

export interface ImpactPage {
  run: ImpactRun | null;
  summaries: SignalSummary[];
  regressors: Record<RegressorName, RegressorImpact>;
  /** `upload`: on once the shop has uploaded competitor prices. */
  sources: Record<RegressorOrigin, SourceState>;
  promotions: PromotionFreshness;
  /** The signal the products table shows (all when null), and its rows, best lift first. */
  signal: ImpactSignal | null;
  rows: ImpactRow[];
}

const ROW_COLUMNS = `u.signal, u."variantId"::text AS "variantId", v."productId"::text AS "productId", p.title AS "productTitle",
       v.title AS "variantTitle", u.used, u.reason, u.effect, u."maeWith", u."maeWithout", u.windows, u."pastDays", u."futureDays",
       u."priorSource"`;
const ROW_JOINS = `LEFT JOIN "ProductVariant" v ON v."shopId" = u."shopId" AND v.id = u."variantId"
       LEFT JOIN "Product" p ON p."shopId" = v."shopId" AND p.id = v."productId"`;

async function currentRun(db: Queryable, shopId: string): Promise<(ImpactRun & { signals: unknown }) | null> {
  const { rows } = await db.query<ImpactRun & { signals: unknown }>(
    `SELECT r.id, r.trigger, to_char(r."asOf", 'YYYY-MM-DD') AS "asOf", to_char(r."finishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt",
            r.signals
       FROM "ShopForecastState" st JOIN "ForecastRun" r ON r.id = st."currentRunId" AND r."shopId" = st."shopId"
      WHERE st."shopId" = $1`,
    [shopId],
  );
  return rows[0] ?? null;
}

async function signalUseRows(db: Queryable, shopId: string, runId: string): Promise<UseRow[]> {
  const { rows } = await db.query<UseRow>(
    `SELECT u.signal, u."variantId"::text AS "variantId", v."productId"::text AS "productId", u.used, u.reason, u.effect,
            u."maeWith", u."maeWithout", u.windows
       FROM "SignalUse" u LEFT JOIN "ProductVariant" v ON v."shopId" = u."shopId" AND v.id = u."variantId"
      WHERE u."shopId" = $1 AND u."runId" = $2`,
    [shopId, runId],
  );
  return rows;
}

/** Per signal (or the one asked for): the used series first, best lift first, then the others. */
async function topRows(db: Queryable, shopId: string, runId: string, signal: ImpactSignal | null, limit: number): Promise<ImpactRow[]> {
  const { rows } = await db.query<ImpactRow>(
    `SELECT signal, "variantId", "productId", "productTitle", "variantTitle", used, reason, effect, "maeWith", "maeWithout", windows,
            "pastDays", "futureDays", "priorSource"
       FROM (
       SELECT ${ROW_COLUMNS},
              row_number() OVER (PARTITION BY u.signal
                                 ORDER BY u.used DESC,
                                          CASE WHEN u.windows > 0 AND u."maeWithout" > 0 THEN 1 - u."maeWith" / u."maeWithout" END DESC NULLS LAST,
                                          u."variantId") AS rank
         FROM "SignalUse" u ${ROW_JOINS}
        WHERE u."shopId" = $1 AND u."runId" = $2 AND ($3::text IS NULL OR u.signal = $3)
     ) ranked
     WHERE rank <= $4
     ORDER BY array_position($5::text[], signal::text), rank`,
    [shopId, runId, signal, limit, IMPACT_SIGNALS],
  );
  return rows;
}

async function promotionFreshness(db: Queryable, shopId: string): Promise<PromotionFreshness> {
  const [synced, counted] = await Promise.all([
    db.query<{ syncedAt: string | null; unavailable: unknown }>(
      `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "syncedAt", unavailable FROM (
         SELECT (phases -> 'promotions' ->> 'finishedAt')::timestamptz AS at, phases -> 'promotions' -> 'unavailable' AS unavailable
           FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' AND phases -> 'promotions' ->> 'state' = 'done'
         UNION ALL
         SELECT "finishedAt", repairs -> 'promotions' -> 'unavailable'
           FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'reconcile' AND status = 'completed' AND repairs ? 'promotions'
       ) s WHERE at IS NOT NULL ORDER BY at DESC LIMIT 1`,
      [shopId],
    ),
    db.query<{ source: string; past: number; running: number; upcoming: number }>(
      `SELECT p.source,
              count(*) FILTER (WHERE p."endDay" < t.today)::int AS past,
              count(*) FILTER (WHERE p."deletedAt" IS NULL AND p."startDay" <= t.today AND (p."endDay" IS NULL OR p."endDay" >= t.today))::int AS running,
              count(*) FILTER (WHERE p."deletedAt" IS NULL AND p."startDay" > t.today)::int AS upcoming
         FROM "Promotion" p
         CROSS JOIN (SELECT (now() AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date AS today FROM "Shop" s WHERE s.id = $1) t
        WHERE p."shopId" = $1
        GROUP BY p.source`,
      [shopId],
    ),
  ]);
  const counts = Object.fromEntries(PROMOTION_SOURCES.map((source) => [source, { past: 0, running: 0, upcoming: 0 }])) as Record<
    PromotionSource,
    Record<PromotionPeriod, number>
  >;
  for (const row of counted.rows)
    if ((PROMOTION_SOURCES as readonly string[]).includes(row.source))
      counts[row.source as PromotionSource] = { past: row.past, running: row.running, upcoming: row.upcoming };
  const last = synced.rows[0];
  const unavailable = Array.isArray(last?.unavailable) ? last.unavailable.filter((s): s is string => typeof s === "string") : [];
  return { syncedAt: last?.syncedAt ?? null, unavailable, counts };
}

async function sourceStates(db: Queryable, shopId: string): Promise<Record<RegressorOrigin, SourceState>> {
  const [settings, uploaded, circuits] = await Promise.all([
    db.query<{ source: string; enabled: boolean }>(`SELECT source, enabled FROM "SignalSourceSetting" WHERE "shopId" = $1`, [shopId]),
    db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM "CompetitorPrice" WHERE "shopId" = $1) AS any`, [shopId]),
    // The gateway's circuits are per endpoint, shared by every shop: no shop's data is read here.
    db.query<{ endpoint: string }>(`SELECT endpoint FROM "SignalCircuit" WHERE state = 'open'`),
  ]);
  const open = new Set(circuits.rows.map((row) => row.endpoint));
  const state = (source: SourceId): SourceState => ({
    enabled: settings.rows.some((row) => row.source === source && row.enabled),
    paused: SOURCE_ENDPOINTS[source].some((endpoint) => open.has(endpoint)),
  });
  return {
    weather: state("weather"),
    indicators: state("indicators"),
    upload: { enabled: uploaded.rows[0]?.any ?? false, paused: false },
  };
}

export async function loadImpactPage(shop: Shop, signal: ImpactSignal | null, db: Queryable = pool()): Promise<ImpactPage> {
  const [run, promotions, sources] = await Promise.all([
    currentRun(db, shop.id),
    promotionFreshness(db, shop.id),
    sourceStates(db, shop.id),
  ]);
  const [uses, rows] = run
    ? await Promise.all([signalUseRows(db, shop.id, run.id), topRows(db, shop.id, run.id, signal, TOP_ROWS)])
    : [[], []];
  const statuses = runSignalStatuses(run?.signals);
  const regressors = Object.fromEntries(
    (Object.keys(REGRESSOR_SOURCE) as RegressorName[]).map((name) => {
      const source = REGRESSOR_SOURCE[name];
      return [name, { source, health: regressorHealth(sources[source].enabled, statuses[name]) }];
    }),
  ) as Record<RegressorName, RegressorImpact>;
  return {
    run: run ? { id: run.id, trigger: run.trigger, asOf: run.asOf, finishedAt: run.finishedAt } : null,
    summaries: summarise(uses),
    regressors,
    sources,
    promotions,
    signal,
    rows,
  };
}

/** Every decision of the current run (one signal, or all), streamed from a cursor: the header, then one line per row. */
export async function* impactCsv(shop: Shop, signal: ImpactSignal | null): AsyncGenerator<string> {
  let header = csvLine([...CSV_HEADER]);
  const batches = cursorBatches<ImpactRow>(
    async () => ({
      sql: `SELECT ${ROW_COLUMNS}
              FROM "ShopForecastState" st JOIN "SignalUse" u ON u."runId" = st."currentRunId" AND u."shopId" = st."shopId"
              ${ROW_JOINS}
             WHERE st."shopId" = $1 AND ($2::text IS NULL OR u.signal = $2)
             ORDER BY array_position($3::text[], u.signal::text), u."variantId"`,
      params: [shop.id, signal, IMPACT_SIGNALS],
    }),
    1000,
  );
  for await (const batch of batches) {
    // The header goes out with the first batch, so a failing query fails before anything is sent.
    yield header + batch.map((row) => csvLine(csvRow(row))).join("");
    header = "";
  }
  if (header) yield header;
}
