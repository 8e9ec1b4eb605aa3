import { pingDatabase } from "../db/health.server";
import { loadSyncHealth, prometheusText } from "../sync/status.server";
import { EMPTY_FORECAST_HEALTH, forecastPrometheusText, loadForecastHealth } from "../forecasts/metrics.server";
import { EMPTY_EMAIL_HEALTH, emailPrometheusText, loadEmailHealth } from "../email/metrics.server";

/** Prometheus metrics (text format 0.0.4): queue and webhook lag, backlog, dead letters, last sync; forecast runs; email. */
export const loader = async () => {
  const up = await pingDatabase();
  const health = up
    ? await loadSyncHealth()
    : {
        queueLagSeconds: 0,
        jobsWaiting: 0,
        jobsDead: 0,
        webhookLagSeconds: 0,
        webhooksPending: 0,
        webhooksDead: 0,
        webhooksTotal: {},
        lastSyncAt: null,
        runsRunning: 0,
      };
  const forecasts = up ? await loadForecastHealth() : EMPTY_FORECAST_HEALTH;
  const email = up ? await loadEmailHealth() : EMPTY_EMAIL_HEALTH;
  return new Response(prometheusText(health, up) + forecastPrometheusText(forecasts) + emailPrometheusText(email), {
    headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" },
  });
};
