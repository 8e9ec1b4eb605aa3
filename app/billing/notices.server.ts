/**
 * Billing notices by email (issue 15; decisions 0042, 0044, 0045): the dunning series of a failed payment (day 0
 * `payment_failed`, day 3 `reminder`, day 7 `read_only`) and the trial's end (3 days before Fluxor's trial ends
 * with no plan chosen). Called by the billing tick; each run queues what is due at `now` and nothing twice:
 *
 * - dunning: `dunningStep(state, now)` (./dunning.ts) gives the latest step due, so a late tick sends the
 *   latest step only. Key `dunning:<account>:<delinquentSince>:<step>`: a re-run queues nothing more, and a
 *   second failure later (a new `delinquentSince`) gets its own series. A resolved payment clears
 *   `delinquentSince`, which stops the series.
 * - trial ending: key `trial_ending:<account>` (the trial is given once per shop).
 *
 * Emails go to the shop owner's address (Shop.email; none → skipped) in the shop's email language and branding,
 * as the alert emails (`noticeEnvelope`), at the immediate priority, as kind `billing`:
 * transactional, so no unsubscribe link or List-Unsubscribe header, and an unsubscribe from alerts does not stop
 * them; hard bounces and complaints do (app/email/send.server.ts).
 */
import { z } from "zod";
import { pool, shopTransaction, ShopGoneError, type Queryable } from "../db/pool.server";
import { fluxorAdminUrl, shopifyAdminUrl, storeHandle } from "../email/admin-urls.server";
import { queueMessage } from "../email/log.server";
import { AccentColor, TEMPLATE_VERSIONS, type EmailContentInput } from "../email/model";
import { SUPPORTED_LOCALES } from "../i18n/i18n";
import { EMAIL_PRIORITY } from "../jobs/contracts/email";
import { shopById, type Shop } from "../shops/lookup.server";
import { dunningStep } from "./dunning";
import { statusAt, type SubscriptionState } from "./ledger";
import { MS_PER_DAY } from "./money";
import { CATALOGUE, type PlanId, type Rail } from "./plans";

/** The trial-ending email goes this many days (or fewer, for a late tick) before the trial ends. */
export const TRIAL_ENDING_NOTICE_DAYS = 3;

/**
 * A dunning step is sent only this long after it fell due. `dunningStep` keeps answering `read_only` for as long
 * as the payment stays unsettled, and the email log (whose keys make a notice once) is pruned after 90 days:
 * without this bound a shop read-only for months would be told again every 90 days.
 */
export const DUNNING_STALE_AFTER_DAYS = CATALOGUE.graceDays;

const PLAN_NAMES: Record<PlanId, string> = { starter: "Starter", pro: "Pro", enterprise: "Enterprise" };

export interface NoticeCounts {
  /** Accounts with a notice due at `now`. */
  due: number;
  /** Emails queued by this run (a notice queued before is not counted again). */
  queued: number;
  /** Due but not sent: no owner address, shop uninstalled, or the step is stale. */
  skipped: number;
}

export interface NoticeAccount {
  id: string;
  shopId: string;
  rail: Rail;
  stripeCustomerId: string | null;
}

export interface NoticeOptions {
  /**
   * Where a Stripe-rail merchant fixes the payment (the dunning CTA "Update your payment method"). The content is
   * stored and may be sent hours later, so give a stable link (e.g. a Fluxor route that opens a Customer Portal
   * session when clicked), not a short-lived portal session URL. Default: Fluxor's billing page.
   */
  stripeActionUrl?: (account: NoticeAccount, shop: Shop) => string | Promise<string>;
}

interface AccountRow extends NoticeAccount {
  state: SubscriptionState;
}

/** The shop's Fluxor billing page inside the Shopify admin (`…/apps/<app>/app/billing`). */
export function fluxorBillingUrl(shopDomain: string): string {
  return `${fluxorAdminUrl(shopDomain)}/app/billing`;
}

/** The Shopify admin's billing page of the shop, where its Shopify bill is paid (`…/store/<handle>/settings/billing`). */
export function shopifyBillingUrl(shopDomain: string): string {
  return `${shopifyAdminUrl()}/store/${storeHandle(shopDomain)}/settings/billing`;
}

type Common = Pick<Extract<EmailContentInput, { template: "dunning" }>, "shop" | "branding" | "recipient" | "generatedAt">;

/** A field of the stored settings that does not validate reads as not set. */
const orNull = <T extends z.ZodType>(schema: T) => schema.nullable().catch(null).default(null);

/**
 * The email language and branding of the shop's alert settings (`AlertSettings.config`; app/alerts/rules.ts):
 * read here with their own small schema, because app/billing cannot import app/alerts (app/shopify.server.ts
 * imports app/billing, and app/alerts reaches it through app/forecasts: an import cycle).
 */
export const EmailPreferences = z.object({
  locale: orNull(z.enum(SUPPORTED_LOCALES)),
  branding: z
    .object({
      senderName: orNull(z.string().trim().min(1).max(100)),
      logoUrl: orNull(z.url({ protocol: /^https$/ }).max(2048)),
      accentColor: orNull(AccentColor),
    })
    .catch({ senderName: null, logoUrl: null, accentColor: null })
    .prefault({}),
});
export type EmailPreferences = z.infer<typeof EmailPreferences>;

/**
 * The shop, branding and language of the alert emails (app/alerts/envelope.server.ts `envelope`), without their
 * unsubscribe links: the settings' language, else the one the merchant uses Fluxor in, else English.
 */
export function noticeEnvelope(shop: Shop, preferences: EmailPreferences, recipient: string, now: Date): Common {
  return {
    shop: {
      name: shop.name ?? shop.domain,
      domain: shop.domain,
      currency: shop.currency ?? "USD",
      locale: preferences.locale ?? shop.adminLocale ?? "en",
      countryCode: shop.country,
      timezone: shop.timezone,
    },
    branding: {
      senderName: preferences.branding.senderName ?? shop.name ?? "Fluxor",
      logoUrl: preferences.branding.logoUrl,
      accentColor: preferences.branding.accentColor,
    },
    recipient,
    generatedAt: now.toISOString(),
  };
}

async function loadEmailPreferences(db: Queryable, shopId: string): Promise<EmailPreferences> {
  const { rows } = await db.query<{ config: unknown }>(`SELECT config FROM "AlertSettings" WHERE "shopId" = $1`, [shopId]);
  const parsed = EmailPreferences.safeParse(rows[0]?.config ?? {});
  return parsed.success ? parsed.data : EmailPreferences.parse({});
}

/** The amount of the latest failed payment of the current delinquency, in major units (null: none, e.g. a Shopify freeze). */
async function amountDue(db: Queryable, accountId: string, state: SubscriptionState): Promise<{ amount: number; currency: string } | null> {
  const { rows } = await db.query<{ amountCents: string | null }>(
    `SELECT payload->>'amountCents' AS "amountCents" FROM "BillingEvent"
      WHERE "accountId" = $1 AND type = 'payment_failed' AND payload->>'subscriptionId' = $2 AND "occurredAt" >= $3
      ORDER BY "occurredAt" DESC, seq DESC LIMIT 1`,
    [accountId, state.subscriptionId, state.delinquentSince],
  );
  const cents = Number(rows[0]?.amountCents ?? 0);
  return cents > 0 ? { amount: cents / 100, currency: CATALOGUE.chargeCurrency } : null;
}

/**
 * Queues one notice in the shop's own transaction (message and send job commit together). The content is built
 * only when the key is new. Returns whether an email was queued, or "skipped" (no owner address, shop gone).
 */
async function queueNotice(
  shopId: string,
  key: string,
  templateVersion: string,
  build: (tx: Queryable, shop: Shop, common: Common) => Promise<EmailContentInput>,
  now: Date,
): Promise<boolean | "skipped"> {
  try {
    return await shopTransaction(shopId, async (tx) => {
      const shop = await shopById(tx, shopId);
      if (!shop?.email) return "skipped" as const;
      const taken = await tx.query(`SELECT 1 FROM "EmailMessage" WHERE "idempotencyKey" = $1`, [key]);
      if (taken.rowCount) return false;
      const preferences = await loadEmailPreferences(tx, shopId);
      const content = await build(tx, shop, noticeEnvelope(shop, preferences, shop.email, now));
      const queued = await queueMessage(tx, {
        shopId,
        kind: "billing",
        alertType: null,
        templateVersion,
        recipient: shop.email,
        idempotencyKey: key,
        priority: EMAIL_PRIORITY.immediate,
        content,
      });
      return queued.created;
    });
  } catch (error) {
    if (error instanceof ShopGoneError) return "skipped";
    throw error;
  }
}

function tally(counts: NoticeCounts, outcome: boolean | "skipped"): void {
  counts.due++;
  if (outcome === "skipped") counts.skipped++;
  else if (outcome) counts.queued++;
}

/**
 * Queues the dunning email due at `now` for every billing account with a shop. `db` reads the accounts; each
 * email is queued in its shop's own transaction.
 */
export async function queueDunningEmails(
  db: Queryable = pool(),
  now: Date = new Date(),
  options: NoticeOptions = {},
): Promise<NoticeCounts> {
  const { rows } = await db.query<AccountRow>(
    `SELECT id, "shopId", rail, "stripeCustomerId", state FROM "BillingAccount"
      WHERE "shopId" IS NOT NULL AND state->>'delinquentSince' IS NOT NULL ORDER BY id`,
  );
  const counts: NoticeCounts = { due: 0, queued: 0, skipped: 0 };
  for (const account of rows) {
    const { state } = account;
    const step = dunningStep(state, now);
    if (!step || state.delinquentSince === null) continue;
    if (now.getTime() - Date.parse(step.dueAt) > DUNNING_STALE_AFTER_DAYS * MS_PER_DAY) {
      tally(counts, "skipped");
      continue;
    }
    const delinquentSince = state.delinquentSince;
    const key = `dunning:${account.id}:${delinquentSince}:${step.step}`;
    const outcome = await queueNotice(
      account.shopId,
      key,
      `dunning@${TEMPLATE_VERSIONS.dunning[0]}`,
      async (tx, shop, envelope) => ({
        template: "dunning",
        ...envelope,
        step: step.step,
        rail: account.rail,
        planName: state.plan ? PLAN_NAMES[state.plan] : null,
        amountDue: await amountDue(tx, account.id, state),
        failedAt: delinquentSince,
        graceEndsAt: state.graceEndsAt ?? new Date(Date.parse(delinquentSince) + CATALOGUE.graceDays * MS_PER_DAY).toISOString(),
        actionUrl:
          account.rail === "shopify"
            ? shopifyBillingUrl(shop.domain)
            : ((await options.stripeActionUrl?.(account, shop)) ?? fluxorBillingUrl(shop.domain)),
        billingUrl: fluxorBillingUrl(shop.domain),
      }),
      now,
    );
    tally(counts, outcome);
  }
  return counts;
}

/**
 * Queues the trial-ending email for every account with a shop whose Fluxor trial ends within
 * `TRIAL_ENDING_NOTICE_DAYS` of `now` with no plan chosen (no subscription, or one still awaiting approval).
 */
export async function queueTrialEndingEmails(db: Queryable = pool(), now: Date = new Date()): Promise<NoticeCounts> {
  const { rows } = await db.query<AccountRow>(
    `SELECT id, "shopId", rail, "stripeCustomerId", state FROM "BillingAccount"
      WHERE "shopId" IS NOT NULL AND (state->>'trialEndsAt')::timestamptz > $1 AND (state->>'trialEndsAt')::timestamptz <= $2
      ORDER BY id`,
    [now, new Date(now.getTime() + TRIAL_ENDING_NOTICE_DAYS * MS_PER_DAY)],
  );
  const counts: NoticeCounts = { due: 0, queued: 0, skipped: 0 };
  const starter = CATALOGUE.plans.starter.priceCents.monthly;
  for (const account of rows) {
    const { state } = account;
    const noPlan = state.subscriptionId === null || state.eventStatus === "pending";
    if (!noPlan || state.trialEndsAt === null || statusAt(state, now) !== "trialing") continue;
    const trialEndsAt = state.trialEndsAt;
    const outcome = await queueNotice(
      account.shopId,
      `trial_ending:${account.id}`,
      `trial_ending@${TEMPLATE_VERSIONS.trial_ending[0]}`,
      async (_tx, shop, envelope) => ({
        template: "trial_ending",
        ...envelope,
        trialEndsAt,
        trialPlanName: PLAN_NAMES[CATALOGUE.trial.plan],
        startingPrice: { amount: starter / 100, currency: CATALOGUE.chargeCurrency },
        actionUrl: fluxorBillingUrl(shop.domain),
      }),
      now,
    );
    tally(counts, outcome);
  }
  return counts;
}
