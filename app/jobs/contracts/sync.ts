/** The store sync's jobs (handlers: app/sync/tasks.server.ts). A shop's sync steps share one named queue. */
import { z } from "zod";
import { ShopDomain } from "../../db/shop-domain";
import { defineJob } from "../contract";

/** The named queue a shop's sync steps run in, one at a time. */
export function shopSyncQueue(shopDomain: string): string {
  return `sync:${shopDomain}`;
}

export const syncInitialJob = defineJob({
  name: "sync.initial",
  payload: z.object({ shop: ShopDomain, restart: z.boolean().optional() }),
  jobKey: ({ shop }) => `sync.initial:${shop}`,
  queue: ({ shop }) => shopSyncQueue(shop),
  maxAttempts: 12,
});

/** One stored webhook event, applied idempotently. */
export const syncWebhookJob = defineJob({
  name: "sync.webhook",
  payload: z.object({ eventId: z.string().regex(/^\d+$/) }),
  jobKey: ({ eventId }) => `webhook:${eventId}`,
  maxAttempts: 10,
});

/** Without a shop: the nightly fan-out; with one: that shop's reconciliation, in its sync queue. */
export const syncReconcileJob = defineJob({
  name: "sync.reconcile",
  payload: z.object({ shop: ShopDomain.optional() }),
  jobKey: ({ shop }) => (shop ? `sync.reconcile:${shop}` : undefined),
  queue: ({ shop }) => (shop ? shopSyncQueue(shop) : undefined),
  maxAttempts: 3,
});
