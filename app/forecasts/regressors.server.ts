/**
 * Outside signals for the forecast run (issue 17, decision 0056): the shop's weather and economic indicators, offered
 * to the variants of the product types the merchant opted in per source. Each offered series uses a regressor only where
 * its own backtest gains (app/forecasting/regressors.ts). A source that is off, down or gives bad data is left out of the
 * run, and the run records why (ForecastRun.signals): the forecast goes on without it.
 */
import type { RegressorInput, RegressorName } from "../forecasting/index";
import { addDays, toDay } from "../forecasting/index";
import type { Queryable } from "../db/pool.server";
import { competitorRegressors } from "../signals/competitors.server";
import { loadSignals } from "../signals/sources.server";
import { IndicatorsConfig, WeatherConfig, type SignalKey, type SourceId } from "../signals/sources";

/** Which loaded signal feeds which regressor, and from which source. */
const REGRESSORS: readonly (Pick<RegressorInput, "name" | "knownAhead" | "beyond"> & { key: SignalKey; source: SourceId })[] = [
  // Open-Meteo forecasts 16 days; a monthly index is published after its month, its last value holds meanwhile.
  { name: "temperature", key: "temperature_mean", source: "weather", knownAhead: 16, beyond: "unknown" },
  { name: "cpi", key: "cpi", source: "indicators", knownAhead: 0, beyond: "carry" },
  { name: "consumer_confidence", key: "consumer_confidence", source: "indicators", knownAhead: 0, beyond: "carry" },
];

/** Per regressor of an enabled source: whether the run had it, and why not. */
export type SignalStatuses = Partial<Record<RegressorName, { status: "ok" | "unavailable" | "bad_data" | "disabled"; reason?: string }>>;

/** A run's statuses after one more batch: a signal that one batch lacked stays reported as lacking (the worst wins). */
export function mergeSignalStatuses(before: SignalStatuses, batch: SignalStatuses): SignalStatuses {
  const out: SignalStatuses = { ...before };
  for (const [name, status] of Object.entries(batch) as [RegressorName, NonNullable<SignalStatuses[RegressorName]>][]) {
    const earlier = out[name];
    if (!earlier || earlier.status === "ok") out[name] = status;
  }
  return out;
}

export interface RegressorVariant {
  id: string;
  productType: string;
  /** Day index of the series' first value relative to the run's history start, and the history's length. */
  offset: number;
  n: number;
}

/**
 * The regressors of every variant offered one, and the status of each enabled source's signals. No enabled source, or no
 * variant of an opted-in product type in `variants`: nothing is fetched.
 */
export async function loadRegressorInputs(
  db: Queryable,
  shopId: string,
  from: string,
  asOf: string,
  horizon: number,
  variants: readonly RegressorVariant[],
): Promise<{ inputs: Map<string, RegressorInput[]>; statuses: SignalStatuses }> {
  const inputs = new Map<string, RegressorInput[]>();
  const { rows } = await db.query<{ source: string; config: unknown }>(
    `SELECT source, config FROM "SignalSourceSetting" WHERE "shopId" = $1 AND enabled`,
    [shopId],
  );
  const offered = new Map<SourceId, Set<string>>();
  for (const row of rows) {
    const parsed = (row.source === "weather" ? WeatherConfig : IndicatorsConfig).safeParse(row.config);
    if (parsed.success && (row.source === "weather" || row.source === "indicators"))
      offered.set(row.source, new Set(parsed.data.productTypes));
  }
  const statuses: SignalStatuses = {};
  if (offered.size === 0 || !variants.some((v) => [...offered.values()].some((types) => types.has(v.productType))))
    return withCompetitorPrices(db, shopId, from, asOf, horizon, variants, { inputs, statuses });

  const to = addDays(asOf, horizon);
  const loaded = await loadSignals(shopId, { from, to });
  const first = toDay(from);
  for (const regressor of REGRESSORS) {
    const types = offered.get(regressor.source);
    if (!types) continue;
    const result = loaded[regressor.key];
    if (result.status !== "ok") {
      statuses[regressor.name] = { status: result.status, reason: result.reason };
      continue;
    }
    statuses[regressor.name] = { status: "ok" };
    const byDay = new Map(result.daily.map((d) => [toDay(d.day) - first, d.value]));
    for (const v of variants) {
      if (!types.has(v.productType)) continue;
      const values = new Float64Array(v.n + horizon);
      for (let i = 0; i < values.length; i++) values[i] = byDay.get(v.offset + i) ?? NaN;
      inputs.set(v.id, [
        ...(inputs.get(v.id) ?? []),
        { name: regressor.name, values, knownAhead: regressor.knownAhead, beyond: regressor.beyond },
      ]);
    }
  }
  return withCompetitorPrices(db, shopId, from, asOf, horizon, variants, { inputs, statuses });
}

/**
 * Competitor prices (issue 17 item 3): every variant whose SKU has uploaded prices in the history is offered its daily
 * relative price index (mean competitor price ÷ its own price; NaN on days without one). A price is known once it is
 * observed, and the last one holds over the horizon. No upload source to enable: the upload is the opt-in.
 */
async function withCompetitorPrices(
  db: Queryable,
  shopId: string,
  from: string,
  asOf: string,
  horizon: number,
  variants: readonly RegressorVariant[],
  loaded: { inputs: Map<string, RegressorInput[]>; statuses: SignalStatuses },
): Promise<{ inputs: Map<string, RegressorInput[]>; statuses: SignalStatuses }> {
  const prices = await competitorRegressors(
    db,
    shopId,
    from,
    asOf,
    variants.map((v) => v.id),
  );
  const first = toDay(from);
  for (const v of variants) {
    const days = prices.get(v.id);
    if (!days) continue;
    const values = new Float64Array(v.n + horizon).fill(NaN);
    for (const { day, value } of days) {
      const i = toDay(day) - first - v.offset;
      if (i >= 0 && i < values.length) values[i] = value;
    }
    if (!values.some(Number.isFinite)) continue;
    loaded.inputs.set(v.id, [...(loaded.inputs.get(v.id) ?? []), { name: "competitor_price", values, knownAhead: 0, beyond: "carry" }]);
    loaded.statuses.competitor_price = { status: "ok" };
  }
  return loaded;
}
