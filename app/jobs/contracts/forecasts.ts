/** The forecast runs' jobs (handlers: app/forecasts/tasks.server.ts). */
import { z } from "zod";
import { defineJob } from "../contract";

export const FORECAST_TRIGGERS = ["nightly", "data_change", "settings", "manual"] as const;
export type ForecastTrigger = (typeof FORECAST_TRIGGERS)[number];

const Uuid = z.uuid();
/** A request's correlation id, carried into the job's log lines. */
const RequestId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/)
  .optional();

/** The nightly fan-out: one forecast.plan per installed shop. */
export const forecastNightlyJob = defineJob({
  name: "forecast.nightly",
  payload: z.object({}).passthrough(),
  maxAttempts: 3,
});

export const forecastPlanJob = defineJob({
  name: "forecast.plan",
  payload: z.object({ shopId: Uuid, trigger: z.enum(FORECAST_TRIGGERS), requestId: RequestId }),
  jobKey: ({ shopId }) => `forecast.plan:${shopId}`,
  maxAttempts: 5,
});

/** The shop context measured once per run (app/forecasting ShopContext), passed to every batch. */
const ShopContextSchema = z.object({
  weekdayProfile: z.array(z.number()).length(7),
  closedDates: z.array(z.iso.date()).max(800),
  holidayFactor: z.number(),
});

/**
 * Rounds beyond this share one priority (Graphile's priority is a smallint; past a thousand rounds the order among
 * one giant shop's own batches does not matter).
 */
const LAST_ROUND = 1000;

/**
 * A run's batches take turns with every other shop's (decision 0051): batch k runs at priority k, and among jobs that
 * are due Graphile Worker runs the lowest priority first, so every shop's first batch (a small shop's whole run) goes
 * before any shop's second, and a 50 000-variant shop's hundred batches never hold the small shops up. Everything
 * else (webhooks, plans, alerts) stays at priority 0.
 */
export const forecastBatchJob = defineJob({
  name: "forecast.batch",
  priority: ({ batch }) => Math.min(batch, LAST_ROUND),
  payload: z.object({
    runId: Uuid,
    batch: z.number().int().min(0),
    variantIds: z.array(z.string().regex(/^\d{1,20}$/)).max(100_000),
    context: ShopContextSchema,
    requestId: RequestId,
  }),
  jobKey: ({ runId, batch }) => `forecast.batch:${runId}:${batch}`,
  maxAttempts: 4,
});

export const forecastRecomputeJob = defineJob({
  name: "forecast.recompute",
  payload: z.object({ recomputeId: Uuid, requestId: RequestId }),
  jobKey: ({ recomputeId }) => `forecast.recompute:${recomputeId}`,
  maxAttempts: 1,
});

/** Re-derives the published run's advice under the shop's current settings (coalesced per shop). */
export const forecastAdviceJob = defineJob({
  name: "forecast.advice",
  payload: z.object({ shopId: Uuid, requestId: RequestId }),
  jobKey: ({ shopId }) => `forecast.advice:${shopId}`,
  maxAttempts: 10,
});
