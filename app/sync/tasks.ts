/** The sync's Graphile Worker tasks (registered in app/jobs/tasks/index.ts). */
import { z } from "zod";
import type { CronItem, TaskList } from "graphile-worker";
import { defineTask, toGraphileTask } from "../jobs/define-task";
import { ShopDomain } from "../shops/shop-domain";
import { unauthenticated } from "../shopify.server";
import { createAdminClient, fetchTransport, type AdminClient } from "./admin-client.server";
import { postgresCircuit } from "./circuit.server";
import { ShopGoneError, shopByDomain, syncPool, type ShopRow } from "./db.server";
import { advance, recordError, startOrResumeRun } from "./initial-sync.server";
import { addJob, shopQueue } from "./jobs.server";
import { reconcileShop } from "./reconcile.server";
import { loadEvent, processEvent, recordFailure, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_TASK } from "./webhooks.server";

export async function adminClientFor(shop: ShopRow): Promise<AdminClient> {
  const { session } = await unauthenticated.admin(shop.domain);
  if (!session.accessToken) throw new Error(`no offline token for ${shop.domain}`);
  return createAdminClient({ transport: fetchTransport(shop.domain, session.accessToken), breaker: postgresCircuit(syncPool(), shop.id) });
}

export const syncInitial = defineTask({
  name: "sync.initial",
  payload: z.object({ shop: ShopDomain, restart: z.boolean().optional() }),
  jobKey: ({ shop }) => `sync.initial:${shop}`,
  maxAttempts: 12,
  run: async ({ shop, restart }, helpers) => {
    const db = syncPool();
    const row = await shopByDomain(db, shop);
    if (!row || row.installState !== "INSTALLED") return;
    if (!restart) {
      const done = await db.query(`SELECT 1 FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' AND status = 'completed' LIMIT 1`, [
        row.id,
      ]);
      if (done.rowCount) return;
    }
    if (!row.detailsReady) {
      // Order days are counted in the shop's time zone, which the shop-info job fetches: wait for it.
      await addJob(db, syncInitial, { shop, restart }, { queueName: shopQueue(shop), runAt: new Date(Date.now() + 2000) });
      return;
    }
    const run = await startOrResumeRun(db, row);
    const ctx = { db, shop: row, client: await adminClientFor(row), log: (line: string) => helpers.logger.info(line) };
    const deadline = Date.now() + 60_000;
    try {
      for (;;) {
        const step = await advance(ctx, run.id);
        if (step.kind === "done") return;
        if (step.kind === "wait" || Date.now() > deadline) {
          const runAt = new Date(Date.now() + (step.kind === "wait" ? step.ms : 0));
          await addJob(db, syncInitial, { shop }, { queueName: shopQueue(shop), runAt });
          return;
        }
      }
    } catch (error) {
      if (error instanceof ShopGoneError) return; // uninstalled or erased meanwhile: nothing left to sync
      await recordError(db, run.id, "job", error instanceof Error ? error.message : String(error));
      if (helpers.job.attempts >= helpers.job.max_attempts) {
        await db.query(`UPDATE "SyncRun" SET status = 'failed', "finishedAt" = now(), "updatedAt" = now() WHERE id = $1`, [run.id]);
      }
      throw error;
    }
  },
});

/** Kick-off after install (app/shopify.server.ts afterAuth). */
export async function startInitialSync(shop: string, restart = false): Promise<void> {
  await addJob(syncPool(), syncInitial, { shop, restart }, { queueName: shopQueue(shop) });
}

export const syncWebhook = defineTask({
  name: WEBHOOK_TASK,
  payload: z.object({ eventId: z.string().regex(/^\d+$/) }),
  maxAttempts: WEBHOOK_MAX_ATTEMPTS,
  run: async ({ eventId }, helpers) => {
    const db = syncPool();
    const event = await loadEvent(db, eventId);
    if (!event || event.status === "processed" || event.status === "skipped") return;
    try {
      const outcome = await processEvent(db, event);
      if (outcome.wakeSync) await addJob(db, syncInitial, { shop: outcome.wakeSync }, { queueName: shopQueue(outcome.wakeSync) });
    } catch (error) {
      if (error instanceof ShopGoneError) {
        await db.query(`UPDATE "WebhookEvent" SET status = 'skipped', "lastError" = $2, "processedAt" = now() WHERE id = $1`, [
          eventId,
          error.message,
        ]);
        return;
      }
      await recordFailure(db, eventId, error, helpers.job.attempts, helpers.job.max_attempts);
      throw error;
    }
  },
});

export const syncReconcile = defineTask({
  name: "sync.reconcile",
  payload: z.object({ shop: ShopDomain.optional() }),
  maxAttempts: 3,
  run: async ({ shop }) => {
    const db = syncPool();
    if (!shop) {
      // The nightly cron: one job per installed shop that finished its initial sync.
      const { rows } = await db.query<{ domain: string }>(
        `SELECT s.domain FROM "Shop" s WHERE s."installState" = 'INSTALLED'
            AND EXISTS (SELECT 1 FROM "SyncRun" r WHERE r."shopId" = s.id AND r.kind = 'initial' AND r.status = 'completed')`,
      );
      for (const { domain } of rows)
        await addJob(db, syncReconcile, { shop: domain }, { queueName: shopQueue(domain), jobKey: `sync.reconcile:${domain}` });
      return;
    }
    const row = await shopByDomain(db, shop);
    if (!row || row.installState !== "INSTALLED") return;
    const repairs = await reconcileShop({ db, shop: row, client: await adminClientFor(row) }).catch((error: unknown) => {
      if (error instanceof ShopGoneError) return null;
      throw error;
    });
    if (repairs?.resync) await startInitialSync(shop, true);
  },
});

/** The sync's tasks for Graphile Worker's task list (app/jobs/tasks/index.ts). */
export function syncTaskList(): TaskList {
  return {
    [syncInitial.name]: toGraphileTask(syncInitial),
    [syncWebhook.name]: toGraphileTask(syncWebhook),
    [syncReconcile.name]: toGraphileTask(syncReconcile),
  };
}

/** The sync's schedule (UTC): reconciliation every night at 03:15, never backfilled. */
export const SYNC_CRON: CronItem[] = [{ task: syncReconcile.name, match: "15 3 * * *", options: { backfillPeriod: 0, maxAttempts: 1 } }];
