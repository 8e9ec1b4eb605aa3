/**
 * The billing jobs' handlers (listed in app/server/jobs.server.ts): open an account at install, the hourly tick
 * (statuses moved on in time, each shop's finished day metered, Shopify periods read back, Stripe downgrades
 * applied at their period's end, dunning and trial-ending emails queued), and one shop's meter with its overage
 * charges. The Admin API client factory is passed in (`AdminFor`): this folder does not
 * import app/shopify.server.ts, which imports the plans from here.
 */
import type { CronItem } from "graphile-worker";
import { inTransaction, pool, shopTransaction, ShopGoneError } from "../db/pool.server";
import { billingMeterJob, billingOpenJob, billingTickJob } from "../jobs/contracts/billing";
import { handle, type JobHandler } from "../jobs/handler";
import { addJob } from "../jobs/queue.server";
import { shopByDomain, shopById } from "../shops/lookup.server";
import { accountOfShop, openAccount, refreshStatuses } from "./ledger.server";
import { overageApplies, overageCharges } from "./plans";
import { usageLineItemId } from "./shopify-events";
import { fetchShopifySubscription, recordShopifySubscription, sendUsageCharges, type AdminFor } from "./shopify-rail.server";
import { queueDunningEmails, queueTrialEndingEmails } from "./notices.server";
import { applyScheduledStripeChanges } from "./stripe-rail.server";
import { meterShop } from "./usage.server";

/** Installed shops whose last finished local day (yesterday in their time zone) has no usage row yet. */
async function shopsToMeter(now: Date): Promise<{ shopId: string; day: string }[]> {
  const { rows } = await pool().query<{ shopId: string; day: string }>(
    `SELECT s.id AS "shopId", to_char(($1::timestamptz AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date - 1, 'YYYY-MM-DD') AS day
       FROM "Shop" s
      WHERE s."installState" = 'INSTALLED'
        AND NOT EXISTS (SELECT 1 FROM "UsageDay" u WHERE u."shopId" = s.id
                          AND u.day = ($1::timestamptz AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date - 1)`,
    [now.toISOString()],
  );
  return rows;
}

/** Shopify subscriptions whose period ended: read them back (a new paid period, or a change Shopify made). */
async function shopifyPeriodsDue(now: Date): Promise<{ shopId: string; domain: string; subscriptionId: string }[]> {
  const { rows } = await pool().query<{ shopId: string; domain: string; subscriptionId: string }>(
    `SELECT s.id AS "shopId", s.domain, a.state->>'subscriptionId' AS "subscriptionId"
       FROM "BillingAccount" a JOIN "Shop" s ON s.id = a."shopId"
      WHERE s."installState" = 'INSTALLED' AND a.state->>'provider' = 'shopify' AND a.status IN ('active', 'trialing')
        AND (a.state->>'currentPeriodEnd')::timestamptz <= $1`,
    [now.toISOString()],
  );
  return rows;
}

/**
 * One shop's finished day: usage recorded, then on a Shopify 30-day plan the overage blocks of the cycle's peak
 * are written as usage charges (one row per key, before any request) and sent. A shop uninstalled since the job
 * was queued is not metered any more (null): its data waits for shop/redact, and nothing is billed for it.
 */
async function meterAndCharge(adminFor: AdminFor, shopId: string, day: string): Promise<{ variants: number; charged: number } | null> {
  const shop = await shopById(pool(), shopId);
  if (!shop?.installed) return null;
  const usage = await meterShop(shopId, day);
  const account = await accountOfShop(shopId);
  const state = account?.state;
  if (!account || !state?.subscriptionId || !state.plan || !state.interval || !state.currentPeriodStart) {
    return { variants: usage.variants, charged: 0 };
  }
  if (state.status !== "active" || !overageApplies(account.rail, state.interval)) return { variants: usage.variants, charged: 0 };
  const charges = overageCharges(state.plan, usage.variants, {
    subscriptionId: state.subscriptionId,
    periodStart: state.currentPeriodStart,
  });
  if (charges.length === 0) return { variants: usage.variants, charged: 0 };
  await inTransaction(async (tx) => {
    for (const c of charges)
      await tx.query(
        `INSERT INTO "UsageCharge" ("idempotencyKey", "accountId", period, "amountCents", description) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ("idempotencyKey") DO NOTHING`,
        [c.key, account.id, state.currentPeriodStart!.slice(0, 10), c.amountCents, `Variants above the plan: block ${c.block}`],
      );
  });
  const admin = await adminFor(shop.domain);
  const sub = await fetchShopifySubscription(admin, state.subscriptionId);
  const lineItem = sub ? usageLineItemId(sub) : null;
  const charged = lineItem ? await sendUsageCharges(admin, shop, lineItem) : 0;
  return { variants: usage.variants, charged };
}

export function billingHandlers(adminFor: AdminFor): readonly JobHandler[] {
  return [
    handle(billingOpenJob, async ({ shop: domain }, helpers) => {
      const shop = await shopByDomain(pool(), domain);
      if (!shop?.installed) return helpers.logger.info(`billing.open ${domain}: not installed`);
      // A shop write (decision 0035): an erasure in flight either waits for it or it finds the shop gone.
      try {
        const account = await shopTransaction(shop.id, (tx) => openAccount(tx, shop));
        helpers.logger.info(`billing.open ${domain}: ${account.state?.status ?? "no trial (given before)"}`);
      } catch (error) {
        if (!(error instanceof ShopGoneError)) throw error;
        helpers.logger.info(`billing.open ${domain}: the shop is gone`);
      }
    }),
    handle(billingTickJob, async ({ now }, helpers) => {
      const at = now ? new Date(now) : new Date();
      const moved = await refreshStatuses(pool(), at);
      const meters = await shopsToMeter(at);
      for (const m of meters) await addJob(pool(), billingMeterJob, m);
      for (const due of await shopifyPeriodsDue(at)) {
        const sub = await fetchShopifySubscription(await adminFor(due.domain), due.subscriptionId);
        if (sub) await recordShopifySubscription({ id: due.shopId, domain: due.domain }, sub, at);
      }
      const downgrades = await applyScheduledStripeChanges(at);
      const dunning = await queueDunningEmails(pool(), at);
      const trials = await queueTrialEndingEmails(pool(), at);
      helpers.logger.info(
        `billing.tick: ${moved} statuses moved on, ${meters.length} shops to meter, ${downgrades} Stripe downgrades applied, ` +
          `${dunning.queued} dunning and ${trials.queued} trial-ending emails queued`,
      );
    }),
    handle(billingMeterJob, async ({ shopId, day }, helpers) => {
      const out = await meterAndCharge(adminFor, shopId, day);
      if (!out) return helpers.logger.info(`billing.meter ${shopId} ${day}: not installed`);
      helpers.logger.info(`billing.meter ${shopId} ${day}: ${out.variants} variants, ${out.charged} usage charges sent`);
    }),
  ];
}

export const BILLING_CRON: CronItem[] = [{ task: billingTickJob.name, match: "5 * * * *", options: { backfillPeriod: 0, maxAttempts: 1 } }];
