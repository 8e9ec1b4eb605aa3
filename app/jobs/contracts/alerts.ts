/** The alerts' jobs (handlers: app/alerts/tasks.server.ts). */
import { z } from "zod";
import { defineJob } from "../contract";

const Uuid = z.uuid();

/**
 * After a forecast run is published (or fails): evaluate the shop's rules on it, move the episodes, record
 * the notifications owed and queue the immediate alerts. One named queue per shop, so two evaluations of a
 * shop never interleave; a repeated evaluation of the same run changes nothing.
 */
export const alertsEvaluateJob = defineJob({
  name: "alerts.evaluate",
  payload: z.object({ shopId: Uuid, runId: Uuid }),
  jobKey: ({ shopId, runId }) => `alerts.evaluate:${shopId}:${runId}`,
  queue: ({ shopId }) => `alerts:${shopId}`,
  maxAttempts: 10,
});

/** Every 15 minutes: queue the digests and weekly summaries that are due in each shop's time zone. */
export const alertsDigestTickJob = defineJob({
  name: "alerts.digest-tick",
  payload: z.object({ now: z.iso.datetime().optional() }).loose(),
  maxAttempts: 3,
});

/** One shop's digest (or weekly summary) of one period; its key makes it once per period. */
export const alertsDigestJob = defineJob({
  name: "alerts.digest",
  payload: z.object({
    shopId: Uuid,
    kind: z.enum(["daily", "weekly", "summary"]),
    /** "daily:2026-12-07", "weekly:2026-W50": the period in the shop's time zone. */
    periodKey: z.string().regex(/^(daily|weekly):[0-9W-]{7,10}$/),
    /** The scheduled instant (the shop's local delivery hour). */
    dueAt: z.iso.datetime(),
  }),
  jobKey: ({ shopId, kind, periodKey }) => `alerts.digest:${shopId}:${kind}:${periodKey}`,
  queue: ({ shopId }) => `alerts:${shopId}`,
  maxAttempts: 10,
});
