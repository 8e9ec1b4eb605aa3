/** Forecast-run metrics for /metrics (Prometheus text format 0.0.4, written by app/metrics/prometheus.ts). */
import { pool, type Queryable } from "../db/pool.server";
import { byLabel, prometheusText, single } from "../metrics/prometheus";

export interface ForecastHealth {
  runsRunning: number;
  /** Runs started in the last 24 h, by status. */
  runs24h: Record<string, number>;
  lastRunSeconds: number;
  lastRunSeriesPerSecond: number;
  lastRunAt: string | null;
  seriesErrors24h: number;
  /** Mean over shops of their latest completed run's backtest metrics (last 7 days). */
  accuracy: Record<string, number>;
  recomputes24h: Record<string, number>;
}

export async function loadForecastHealth(db: Queryable = pool()): Promise<ForecastHealth> {
  const runs = await db.query<{ status: string; n: number; errors: number }>(
    `SELECT status, count(*)::int AS n, coalesce(sum("errorCount"), 0)::int AS errors FROM "ForecastRun"
      WHERE "startedAt" > now() - interval '24 hours' GROUP BY 1`,
  );
  const running = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "ForecastRun" WHERE status = 'running'`);
  const last = await db.query<{ seconds: number; sps: number; at: string }>(
    `SELECT "durationMs" / 1000.0 AS seconds, CASE WHEN "durationMs" > 0 THEN "seriesCount" * 1000.0 / "durationMs" ELSE 0 END AS sps,
            "finishedAt"::text AS at
       FROM "ForecastRun" WHERE status = 'completed' ORDER BY "finishedAt" DESC LIMIT 1`,
  );
  const acc = await db.query<{ metric: string; value: number }>(
    `WITH latest AS (
       SELECT DISTINCT ON ("shopId") accuracy FROM "ForecastRun"
        WHERE status = 'completed' AND "finishedAt" > now() - interval '7 days' ORDER BY "shopId", "finishedAt" DESC)
     SELECT k AS metric, avg((accuracy->>k)::float8) AS value FROM latest,
            unnest(ARRAY['accTotal', 'mase', 'wape', 'bias', 'coverage80', 'coverage95']) AS k
      WHERE jsonb_typeof(accuracy->k) = 'number' GROUP BY k`,
  );
  const recomputes = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM "ForecastRecompute" WHERE "createdAt" > now() - interval '24 hours' GROUP BY 1`,
  );
  const l = last.rows[0];
  return {
    runsRunning: running.rows[0]?.n ?? 0,
    runs24h: Object.fromEntries(runs.rows.map((r) => [r.status, r.n])),
    lastRunSeconds: Number(l?.seconds ?? 0),
    lastRunSeriesPerSecond: Number(l?.sps ?? 0),
    lastRunAt: l?.at ?? null,
    seriesErrors24h: runs.rows.reduce((a, r) => a + r.errors, 0),
    accuracy: Object.fromEntries(acc.rows.map((r) => [r.metric, Number(r.value)])),
    recomputes24h: Object.fromEntries(recomputes.rows.map((r) => [r.status, r.n])),
  };
}

export const EMPTY_FORECAST_HEALTH: ForecastHealth = {
  runsRunning: 0,
  runs24h: {},
  lastRunSeconds: 0,
  lastRunSeriesPerSecond: 0,
  lastRunAt: null,
  seriesErrors24h: 0,
  accuracy: {},
  recomputes24h: {},
};

export function forecastPrometheusText(h: ForecastHealth): string {
  return prometheusText([
    single("fluxor_forecast_runs_running", "Forecast runs in progress", "gauge", h.runsRunning),
    byLabel("fluxor_forecast_runs_24h", "Forecast runs started in the last 24 hours, by status", "gauge", "status", h.runs24h),
    single("fluxor_forecast_last_run_duration_seconds", "Wall time of the last completed forecast run", "gauge", h.lastRunSeconds),
    single(
      "fluxor_forecast_last_run_series_per_second",
      "Series forecast per second by the last completed run",
      "gauge",
      h.lastRunSeriesPerSecond,
    ),
    single(
      "fluxor_forecast_last_run_timestamp_seconds",
      "When a forecast run last completed",
      "gauge",
      h.lastRunAt ? Date.parse(h.lastRunAt) / 1000 : 0,
    ),
    single(
      "fluxor_forecast_series_errors_24h",
      "Series whose model failed (flat fallback) in runs of the last 24 hours",
      "gauge",
      h.seriesErrors24h,
    ),
    byLabel(
      "fluxor_forecast_backtest_accuracy",
      "Backtest accuracy of each shop's latest run (mean over shops): acc_total, mase, wape, bias, coverage80, coverage95",
      "gauge",
      "metric",
      h.accuracy,
    ),
    byLabel(
      "fluxor_forecast_recomputes_24h",
      "On-demand variant recomputes of the last 24 hours, by status",
      "gauge",
      "status",
      h.recomputes24h,
    ),
  ]);
}
