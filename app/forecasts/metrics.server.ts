/** Forecast-run metrics for /metrics (Prometheus text format 0.0.4, same layout as app/sync/status.server.ts). */
import { pool, type Queryable } from "../db/pool.server";

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
  const lines: string[] = [];
  const metric = (name: string, help: string, samples: [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`);
      lines.push(`${name}${l.length ? `{${l.join(",")}}` : ""} ${Number.isFinite(value) ? value : 0}`);
    }
  };
  metric("fluxor_forecast_runs_running", "Forecast runs in progress", [[{}, h.runsRunning]]);
  metric(
    "fluxor_forecast_runs_24h",
    "Forecast runs started in the last 24 hours, by status",
    Object.entries(h.runs24h).map(([status, n]) => [{ status }, n]),
  );
  metric("fluxor_forecast_last_run_duration_seconds", "Wall time of the last completed forecast run", [[{}, h.lastRunSeconds]]);
  metric("fluxor_forecast_last_run_series_per_second", "Series forecast per second by the last completed run", [
    [{}, h.lastRunSeriesPerSecond],
  ]);
  metric("fluxor_forecast_last_run_timestamp_seconds", "When a forecast run last completed", [
    [{}, h.lastRunAt ? Date.parse(h.lastRunAt) / 1000 : 0],
  ]);
  metric("fluxor_forecast_series_errors_24h", "Series whose model failed (flat fallback) in runs of the last 24 hours", [
    [{}, h.seriesErrors24h],
  ]);
  metric(
    "fluxor_forecast_backtest_accuracy",
    "Backtest accuracy of each shop's latest run (mean over shops): acc_total, mase, wape, bias, coverage80, coverage95",
    Object.entries(h.accuracy).map(([m, v]) => [{ metric: m }, v]),
  );
  metric(
    "fluxor_forecast_recomputes_24h",
    "On-demand variant recomputes of the last 24 hours, by status",
    Object.entries(h.recomputes24h).map(([status, n]) => [{ status }, n]),
  );
  return `${lines.join("\n")}\n`;
}
