/**
 * The Shopify rail (decision 0045): subscribe and change plans through `@shopify/shopify-app-remix`'s `billing`
 * API (the route passes it in: it throws the redirect to Shopify's approval page), read subscriptions back
 * through the Admin API (`node(id)`), and turn them into ledger events (shopify-events.ts). Usage charges go as
 * `appUsageRecordCreate` with the charge's idempotency key.
 */
import { z } from "zod";
import { inTransaction, pool, type Queryable } from "../db/pool.server";
import { shopByDomain, type Shop } from "../shops/lookup.server";
import { accountOfShop, openAccount, recordEvents, type BillingAccount } from "./ledger.server";
import type { BillingEventInput } from "./ledger";
import { planRank, trialWindow, type Interval, type PlanId } from "./plans";
import { APP_SUBSCRIPTION_FIELDS, AppSubscription, shopifyEvents, SHOPIFY_SUBSCRIPTION_STATUSES } from "./shopify-events";
import { shopifyPlanName } from "./shopify-plans";
import type { Coupon } from "./coupons";

/**
 * An Admin GraphQL client of one shop (`admin` of `authenticate.admin` or `unauthenticated.admin`). Passed in by
 * the caller, so this domain does not import app/shopify.server.ts, which imports the plans from here.
 */
export interface AdminGraphql {
  graphql(query: string, options?: { variables?: Record<string, unknown> }): Promise<Response>;
}
export type AdminFor = (shopDomain: string) => Promise<AdminGraphql>;

/** The part of the admin context's `billing` that Fluxor uses. */
export interface ShopifyBilling {
  request(options: {
    plan: string;
    isTest: boolean;
    returnUrl: string;
    trialDays?: number;
    replacementBehavior?: "APPLY_IMMEDIATELY" | "APPLY_ON_NEXT_BILLING_CYCLE" | "STANDARD";
    lineItems?: { interval?: never; discount?: { durationLimitInIntervals?: number; value: { percentage: number } } }[];
  }): Promise<never>;
}

/** Shopify did not serve a billing call of the merchant's (an outage, throttling, no answer): nothing was changed here. */
export class ShopifyUnavailable extends Error {
  constructor(cause: unknown) {
    super("Shopify could not serve the billing request", { cause });
    this.name = "ShopifyUnavailable";
  }
}

/**
 * Runs one call to Shopify for the billing page. The library throws its navigation as a Response (the redirect to the
 * approval page, re-authentication: 3xx or 401) and that goes on to Remix. Anything else thrown is Shopify failing:
 * `admin.graphql` throws Shopify's own 5xx or 429 answer as a Response of that status, and the billing calls throw the
 * library's errors (5xx, 429, THROTTLED, a dropped connection); that becomes ShopifyUnavailable, which the page turns
 * into a message rather than an error page. This folder takes Shopify's clients as arguments and does not sort the
 * library's error classes, so a mutation Shopify refuses with userErrors is told the same way: the page offers no call
 * Shopify refuses in normal use, and the audit trail keeps the cause.
 */
export async function callShopify<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (thrown) {
    if (thrown instanceof Response && (thrown.status < 400 || thrown.status === 401)) throw thrown;
    throw new ShopifyUnavailable(thrown);
  }
}

/** Shopify's plans of development and sandbox stores, which can only be charged with test charges. */
const TEST_PLANS = new Set(["development", "developer preview", "partner test", "staff", "plus sandbox", "trial"]);

export function chargesAreTests(shop: Pick<Shop, "planName">): boolean {
  return process.env.SHOPIFY_BILLING_TEST === "true" || TEST_PLANS.has((shop.planName ?? "").trim().toLowerCase());
}

/**
 * Sends the merchant to Shopify's approval page for `plan`/`interval` (throws the redirect). During Fluxor's
 * trial the days left are passed as `trialDays`; an upgrade replaces the current plan at once (Shopify credits
 * the unused part), a downgrade at the end of the current cycle.
 */
export async function requestShopifyPlan(
  billing: ShopifyBilling,
  shop: Shop,
  choice: { plan: PlanId; interval: Interval; coupon: Coupon | null; returnUrl: string },
  now: Date = new Date(),
): Promise<never> {
  const account = (await accountOfShop(shop.id)) ?? (await inTransaction((tx) => openAccount(tx, shop, now)));
  const current = account.state;
  const live = current?.subscriptionId && (current.status === "active" || current.status === "trialing" || current.status === "frozen");
  const downgrade =
    live && current.plan !== null && current.interval !== null
      ? planRank(choice.plan) < planRank(current.plan) || (current.interval === "annual" && choice.interval === "monthly")
      : false;
  const trialDays = account.trialStartedAt ? trialWindow(account.trialStartedAt, now).daysLeft : 0;
  return callShopify(() =>
    billing.request({
      plan: shopifyPlanName(choice.plan, choice.interval),
      isTest: chargesAreTests(shop),
      returnUrl: choice.returnUrl,
      ...(trialDays > 0 ? { trialDays } : {}),
      replacementBehavior: downgrade ? "APPLY_ON_NEXT_BILLING_CYCLE" : "APPLY_IMMEDIATELY",
      ...(choice.coupon
        ? {
            lineItems: [
              { discount: { durationLimitInIntervals: choice.coupon.months, value: { percentage: choice.coupon.percentOff / 100 } } },
            ],
          }
        : {}),
    }),
  );
}

const NodeAnswer = z.object({ data: z.object({ node: AppSubscription.nullable() }) });

/** Reads one subscription from the Admin API with the shop's offline token; null when Shopify does not know it. */
export async function fetchShopifySubscription(admin: AdminGraphql, subscriptionId: string): Promise<AppSubscription | null> {
  const response = await admin.graphql(
    `query FluxorSubscription($id: ID!) { node(id: $id) { ... on AppSubscription { ${APP_SUBSCRIPTION_FIELDS} } } }`,
    {
      variables: { id: subscriptionId },
    },
  );
  const parsed = NodeAnswer.safeParse(await response.json());
  if (!parsed.success) throw new Error(`unexpected AppSubscription answer: ${parsed.error.issues[0]?.message}`);
  return parsed.data.data.node;
}

/**
 * Records what a subscription says now (after the approval page, a webhook, or the periodic check). A
 * downgrade approved to start at the end of the cycle is recorded as scheduled on the current subscription.
 */
export async function recordShopifySubscription(
  shop: Pick<Shop, "id" | "domain">,
  sub: AppSubscription,
  seenAt: Date = new Date(),
  options: { approved?: boolean } = {},
) {
  return inTransaction(async (tx) => {
    const account = (await accountOfShop(shop.id, tx, seenAt)) ?? (await openAccount(tx, shop, seenAt));
    const events = shopifyEvents(sub, seenAt, account.state);
    if (options.approved) events.push(...scheduledChange(account, sub, seenAt));
    const result = await recordEvents(tx, account.id, events, seenAt);
    return { ...result, account };
  });
}

/** An approved replacement still PENDING (or ACCEPTED) waits for the end of the current cycle: a scheduled change. */
function scheduledChange(account: BillingAccount, sub: AppSubscription, seenAt: Date): BillingEventInput[] {
  const current = account.state;
  if (sub.status !== "ACCEPTED" && sub.status !== "PENDING") return [];
  if (!current?.subscriptionId || current.subscriptionId === sub.id || current.provider !== "shopify" || !current.currentPeriodEnd)
    return [];
  const [created] = shopifyEvents(sub, seenAt, current);
  if (created?.type !== "subscription_created") return [];
  return [
    {
      type: "plan_change_scheduled",
      provider: "shopify",
      providerEventId: `${sub.id}:scheduled`,
      subscriptionId: current.subscriptionId,
      occurredAt: seenAt.toISOString(),
      plan: created.plan,
      interval: created.interval,
      priceCents: created.priceCents,
      effectiveAt: current.currentPeriodEnd,
    },
  ];
}

/** `app_subscriptions/update`'s payload (the fields Fluxor reads). */
export const SubscriptionUpdatePayload = z.object({
  app_subscription: z.object({
    admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/AppSubscription\/\d{1,20}$/),
    name: z.string().max(255),
    status: z.enum(SHOPIFY_SUBSCRIPTION_STATUSES),
    updated_at: z.string().max(64).optional(),
  }),
});

/** Statuses after which a subscription's terms no longer matter: the status alone is recorded. */
const ENDED: ReadonlySet<AppSubscription["status"]> = new Set(["CANCELLED", "DECLINED", "EXPIRED"]);

/**
 * The webhook: the subscription is read back from the Admin API for its full terms. A subscription that ended, or
 * a shop without a token (uninstalled, or a frozen shop, whose Admin API answers 402), has its status alone
 * recorded: on uninstall Shopify revokes the token as it cancels the subscription, so its CANCELLED can arrive
 * before app/uninstalled, while the shop still looks installed and the token no longer works.
 */
export async function receiveShopifySubscriptionUpdate(
  adminFor: AdminFor,
  shopDomain: string,
  payload: z.infer<typeof SubscriptionUpdatePayload>,
  webhookId: string,
  now: Date = new Date(),
): Promise<number> {
  // An unknown shop (erased, never installed) is acknowledged: Shopify would otherwise retry for 48 h.
  const shop = await shopByDomain(pool(), shopDomain);
  if (!shop) return 0;
  const { admin_graphql_api_id: id, status, updated_at: updatedAt } = payload.app_subscription;
  const at = updatedAt && !Number.isNaN(Date.parse(updatedAt)) ? new Date(updatedAt) : now;
  if (shop.installed && status !== "FROZEN" && !ENDED.has(status)) {
    // Shopify not answering is an outage, not a bad delivery: the route answers 503 and Shopify delivers it again.
    const sub = await fetchShopifySubscription(await adminFor(shop.domain), id).catch((error: unknown) => {
      throw new ShopifyUnavailable(error);
    });
    if (sub) return (await recordShopifySubscription(shop, sub, at)).stored;
  }
  const bare = { provider: "shopify" as const, subscriptionId: id, occurredAt: at.toISOString() };
  const events: BillingEventInput[] =
    status === "CANCELLED"
      ? [{ ...bare, type: "cancelled", providerEventId: `${id}:cancelled` }]
      : status === "EXPIRED" || status === "DECLINED"
        ? [{ ...bare, type: "expired", providerEventId: `${id}:expired` }]
        : status === "FROZEN"
          ? [{ ...bare, type: "frozen", providerEventId: `${id}:frozen:${webhookId}` }]
          : [];
  if (events.length === 0) return 0;
  return inTransaction(async (tx) => {
    const account = await accountOfShop(shop.id, tx, now);
    return account ? (await recordEvents(tx, account.id, events, now)).stored : 0;
  });
}

/**
 * app/uninstalled: Shopify cancels the app's active (and frozen) subscriptions when the app is uninstalled. Its
 * app_subscriptions/update may come before this webhook, after it, or not at all (the uninstall also ends the
 * app's webhook subscriptions for the shop), so the cancellation of the shop's current Shopify subscription is
 * recorded here too, under the id that webhook's CANCELLED is recorded with: whichever comes first is stored, the
 * other is a duplicate. A subscription still awaiting approval is left to expire, as Shopify does; a direct
 * contract on the Stripe rail is not Shopify's to cancel.
 */
export async function recordShopifyUninstall(shopDomain: string, at: Date = new Date()): Promise<number> {
  const shop = await shopByDomain(pool(), shopDomain);
  if (!shop) return 0;
  return inTransaction(async (tx) => {
    const account = await accountOfShop(shop.id, tx, at);
    const state = account?.state;
    if (!account || state?.provider !== "shopify" || !state.subscriptionId) return 0;
    if (state.eventStatus !== "active" && state.eventStatus !== "frozen") return 0;
    return (await recordEvents(tx, account.id, [cancelledEvent(state.subscriptionId, at)], at)).stored;
  });
}

/**
 * The billing page's cancel, confirmed by Shopify, when the subscription could not be read back: the cancellation
 * alone, under the same id as above (its app_subscriptions/update adds nothing more).
 */
export async function recordShopifyCancellation(shop: Pick<Shop, "id">, subscriptionId: string, at: Date = new Date()): Promise<number> {
  return inTransaction(async (tx) => {
    const account = await accountOfShop(shop.id, tx, at);
    return account ? (await recordEvents(tx, account.id, [cancelledEvent(subscriptionId, at)], at)).stored : 0;
  });
}

/** A Shopify subscription's cancellation, keyed as the CANCELLED of its app_subscriptions/update is. */
function cancelledEvent(subscriptionId: string, at: Date): BillingEventInput {
  return {
    type: "cancelled",
    provider: "shopify",
    providerEventId: `${subscriptionId}:cancelled`,
    subscriptionId,
    occurredAt: at.toISOString(),
  };
}

const UsageAnswer = z.object({
  data: z.object({
    appUsageRecordCreate: z.object({
      appUsageRecord: z.object({ id: z.string() }).nullable(),
      userErrors: z.array(z.object({ field: z.array(z.string()).nullable().optional(), message: z.string() })),
    }),
  }),
});

/**
 * Sends the account's pending usage charges (UsageCharge rows written before, one per idempotency key) as
 * usage records. A retry sends the same key, and Shopify answers with the first record: never charged twice.
 */
export async function sendUsageCharges(
  admin: AdminGraphql,
  shop: Pick<Shop, "id" | "domain">,
  lineItemId: string,
  db: Queryable = pool(),
): Promise<number> {
  const account = await accountOfShop(shop.id, db);
  if (!account?.state?.subscriptionId) return 0;
  const { rows } = await db.query<{ key: string; amountCents: number; description: string }>(
    `SELECT "idempotencyKey" AS key, "amountCents", description FROM "UsageCharge" WHERE "accountId" = $1 AND status = 'pending' ORDER BY "createdAt"`,
    [account.id],
  );
  if (rows.length === 0) return 0;
  let sent = 0;
  for (const charge of rows) {
    const response = await admin.graphql(
      `mutation FluxorUsage($id: ID!, $price: MoneyInput!, $description: String!, $key: String!) {
         appUsageRecordCreate(subscriptionLineItemId: $id, price: $price, description: $description, idempotencyKey: $key) {
           appUsageRecord { id } userErrors { field message } } }`,
      {
        variables: {
          id: lineItemId,
          price: { amount: (charge.amountCents / 100).toFixed(2), currencyCode: "USD" },
          description: charge.description,
          key: charge.key,
        },
      },
    );
    const answer = UsageAnswer.parse(await response.json()).data.appUsageRecordCreate;
    await inTransaction(async (tx) => {
      if (answer.appUsageRecord) {
        await tx.query(`UPDATE "UsageCharge" SET status = 'recorded', "providerId" = $2, "updatedAt" = now() WHERE "idempotencyKey" = $1`, [
          charge.key,
          answer.appUsageRecord.id,
        ]);
        await recordEvents(tx, account.id, [
          {
            type: "usage_recorded",
            provider: "shopify",
            providerEventId: answer.appUsageRecord.id,
            subscriptionId: account.state!.subscriptionId!,
            occurredAt: new Date().toISOString(),
            amountCents: charge.amountCents,
            variants: 0,
          },
        ]);
        sent++;
      } else {
        await tx.query(`UPDATE "UsageCharge" SET status = 'refused', error = $2, "updatedAt" = now() WHERE "idempotencyKey" = $1`, [
          charge.key,
          answer.userErrors
            .map((e) => e.message)
            .join("; ")
            .slice(0, 500),
        ]);
      }
    });
  }
  return sent;
}
