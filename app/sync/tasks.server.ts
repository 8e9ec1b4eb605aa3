/** The store sync's job handlers and schedule (listed in app/server/jobs.server.ts; contracts in app/jobs/contracts/). */
import type { CronItem } from "graphile-worker";
import { pool, ShopGoneError } from "../db/pool.server";
import { shopSyncInfoJob } from "../jobs/contracts/shops";
import { syncInitialJob, syncReconcileJob, syncWebhookJob } from "../jobs/contracts/sync";
import { handle, type JobHandler } from "../jobs/handler";
import { addJob } from "../jobs/queue.server";
import { unauthenticated } from "../shopify.server";
import { saveShopDetails } from "../shops/lifecycle.server";
import { installedShops, shopByDomain, type Shop } from "../shops/lookup.server";
import { ShopInfoResponse, SHOP_INFO_QUERY, toShopDetails } from "../shops/shop-info";
import { createAdminClient, fetchTransport, type AdminClient } from "./admin-client.server";
import { postgresCircuit } from "./circuit.server";
import { advance, recordError, startOrResumeRun } from "./initial-sync.server";
import { reconcileShop } from "./reconcile.server";
import { drainShopEvents, shopsWithPendingEvents } from "./webhooks.server";

async function adminClientFor(shop: Shop): Promise<AdminClient> {
  const { session } = await unauthenticated.admin(shop.domain);
  if (!session.accessToken) throw new Error(`no offline token for ${shop.domain}`);
  return createAdminClient({ transport: fetchTransport(shop.domain, session.accessToken), breaker: postgresCircuit(pool(), shop.id) });
}

const syncShopInfo = handle(shopSyncInfoJob, async ({ shop }, helpers) => {
  const row = await shopByDomain(pool(), shop);
  if (!row?.installed) {
    helpers.logger.info(`skipping shop info for ${shop}: not installed`);
    return;
  }
  const { admin } = await unauthenticated.admin(shop);
  const response = await admin.graphql(SHOP_INFO_QUERY);
  const body: unknown = await response.json();
  const parsed = ShopInfoResponse.safeParse(body);
  if (!parsed.success) throw new Error(`unexpected shop info answer for ${shop}: ${parsed.error.message}`);
  // Writing the same details twice is harmless: the task is idempotent.
  await saveShopDetails(shop, toShopDetails(parsed.data));
});

const syncInitial = handle(syncInitialJob, async ({ shop, restart }, helpers) => {
  const db = pool();
  const row = await shopByDomain(db, shop);
  if (!row?.installed) return;
  if (!restart) {
    // Done when the shop's latest import completed; a re-import (restart) that is running goes on.
    const latest = await db.query<{ status: string }>(
      `SELECT status FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' ORDER BY "startedAt" DESC LIMIT 1`,
      [row.id],
    );
    if (latest.rows[0]?.status === "completed") return;
  }
  if (!row.detailsReady) {
    // Order days are counted in the shop's time zone, which the shop-info job fetches: wait for it.
    await addJob(db, syncInitialJob, { shop, restart }, { runAt: new Date(Date.now() + 2000) });
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
        await addJob(db, syncInitialJob, { shop }, { runAt });
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
});

const syncWebhook = handle(syncWebhookJob, async ({ shopId }) => {
  const db = pool();
  const drained = await drainShopEvents(shopId);
  // Its time was up with events left: a fresh job goes on, behind other shops' jobs that are due.
  if (drained.more) await addJob(db, syncWebhookJob, { shopId });
  // A failed event waits for its back-off, under the retry key: a new webhook's job is never postponed.
  else if (drained.retryAt) await addJob(db, syncWebhookJob, { shopId, retry: true }, { runAt: drained.retryAt });
});

const syncReconcile = handle(syncReconcileJob, async ({ shop }) => {
  const db = pool();
  if (!shop) {
    // The nightly cron: one job per installed shop that finished its initial sync.
    for (const { domain } of await installedShops(db, { synced: true })) await addJob(db, syncReconcileJob, { shop: domain });
    // Pending webhook events whose job is gone (queued by a release before decision 0050, or out of attempts
    // while the database was down): a fresh job per shop drains them.
    for (const shopId of await shopsWithPendingEvents(db)) await addJob(db, syncWebhookJob, { shopId });
    return;
  }
  const row = await shopByDomain(db, shop);
  if (!row?.installed) return;
  const repairs = await reconcileShop({ db, shop: row, client: await adminClientFor(row) }).catch((error: unknown) => {
    if (error instanceof ShopGoneError) return null;
    throw error;
  });
  if (repairs?.resync) await addJob(db, syncInitialJob, { shop, restart: true });
});

export const syncHandlers: readonly JobHandler[] = [syncShopInfo, syncInitial, syncWebhook, syncReconcile];

/** The sync's schedule (UTC): reconciliation every night at 03:15, never backfilled. */
export const SYNC_CRON: CronItem[] = [{ task: syncReconcileJob.name, match: "15 3 * * *", options: { backfillPeriod: 0, maxAttempts: 1 } }];
