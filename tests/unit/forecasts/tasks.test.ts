/** The forecast tasks and the nightly cron (parsable; 02:00 UTC unless FORECAST_CRON says otherwise). */
import { parseCronItems } from "graphile-worker";
import { describe, expect, it } from "vitest";
import { forecastCron, forecastHandlers } from "../../../app/forecasts/tasks.server";

describe("forecast tasks", () => {
  it("lists the tasks and a parsable nightly cron", () => {
    expect(forecastHandlers.map((h) => h.name)).toEqual([
      "forecast.nightly",
      "forecast.plan",
      "forecast.batch",
      "forecast.recompute",
      "forecast.advice",
    ]);
    expect(forecastCron()).toEqual([{ task: "forecast.nightly", match: "0 2 * * *", options: { backfillPeriod: 0, maxAttempts: 3 } }]);
    expect(() => parseCronItems(forecastCron())).not.toThrow();
    process.env.FORECAST_CRON = "30 1 * * *";
    try {
      expect(forecastCron()[0]!.match).toBe("30 1 * * *");
    } finally {
      delete process.env.FORECAST_CRON;
    }
  });
});
