/** The store sync's jobs (handlers: app/sync/tasks.server.ts). A shop's sync steps share one named queue. */
import { z } from "zod";
import { ShopDomain } from "../../db/shop-domain";
import { defineJob } from "../contract";

/** The named queue a shop's sync steps run in, one at a time. */
export function shopSyncQueue(shopDomain: string): string {
  return `sync:${shopDomain}`;
}

/**
 * The named queue (and job key) of a shop's webhook processing: one job at a time per shop applies its
 * pending events in batches. The webhook receipt builds the same name in SQL from this prefix.
 */
export const SHOP_WEBHOOKS_PREFIX = "webhooks:";
export function shopWebhookQueue(shopId: string): string {
  return `${SHOP_WEBHOOKS_PREFIX}${shopId}`;
}

export const syncInitialJob = defineJob({
  name: "sync.initial",
  payload: z.object({ shop: ShopDomain, restart: z.boolean().optional() }),
  jobKey: ({ shop }) => `sync.initial:${shop}`,
  queue: ({ shop }) => shopSyncQueue(shop),
  maxAttempts: 12,
});

/**
 * Applies a shop's pending webhook events, many per transaction (docs/decisions/0050). Queued by every
 * receipt that stored an event (one queued job per shop: the key replaces it); `retry` is the job that
 * waits for failed events' back-off, under its own key so that it never postpones the next receipt's job.
 */
export const syncWebhookJob = defineJob({
  name: "sync.webhook",
  payload: z.object({ shopId: z.uuid(), retry: z.boolean().optional() }),
  jobKey: ({ shopId, retry }) => (retry ? `${shopWebhookQueue(shopId)}:retry` : shopWebhookQueue(shopId)),
  queue: ({ shopId }) => shopWebhookQueue(shopId),
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
