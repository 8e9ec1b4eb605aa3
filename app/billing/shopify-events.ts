/**
 * The Shopify rail's normaliser: an `AppSubscription` as the Admin API returns it (after the merchant's approval,
 * from the `app_subscriptions/update` webhook, or polled) → ledger events. Pure. Event ids are derived from the
 * subscription and the transition, so the same transition seen twice (the return URL and the webhook, or a
 * webhook retried) is stored once.
 *
 * Shopify sends no event per paid 30-day charge, so a paid period is recorded when Fluxor sees an ACTIVE
 * subscription past its trial in a new period (`invoice_paid` keyed by the period's start).
 */
import { z } from "zod";
import type { BillingEventInput, SubscriptionState } from "./ledger";
import { addDaysToInstant, ms } from "./money";
import { parseShopifyPlanName } from "./shopify-plans";

export const SHOPIFY_SUBSCRIPTION_STATUSES = ["PENDING", "ACCEPTED", "ACTIVE", "DECLINED", "EXPIRED", "FROZEN", "CANCELLED"] as const;

const Money = z.object({ amount: z.union([z.string(), z.number()]).transform(Number), currencyCode: z.string() });

export const AppSubscription = z.object({
  id: z.string().regex(/^gid:\/\/shopify\/AppSubscription\/\d{1,20}$/),
  name: z.string().max(255),
  status: z.enum(SHOPIFY_SUBSCRIPTION_STATUSES),
  test: z.boolean(),
  trialDays: z.int().min(0).max(1000),
  createdAt: z.iso.datetime({ offset: true }),
  currentPeriodEnd: z.iso.datetime({ offset: true }).nullable(),
  lineItems: z.array(
    z.object({
      id: z.string(),
      plan: z.object({
        pricingDetails: z.union([
          z.object({
            __typename: z.literal("AppRecurringPricing"),
            interval: z.enum(["EVERY_30_DAYS", "ANNUAL"]),
            price: Money,
            discount: z
              .object({ remainingDurationInIntervals: z.int().nullable().optional(), priceAfterDiscount: Money })
              .nullable()
              .optional(),
          }),
          z.object({ __typename: z.literal("AppUsagePricing"), cappedAmount: Money, balanceUsed: Money }),
        ]),
      }),
    }),
  ),
});
export type AppSubscription = z.infer<typeof AppSubscription>;

/** What Fluxor asks for, and the webhook's and the approval's answer are read with. */
export const APP_SUBSCRIPTION_FIELDS = `id name status test trialDays createdAt currentPeriodEnd
  lineItems { id plan { pricingDetails { __typename
    ... on AppRecurringPricing { interval price { amount currencyCode } discount { remainingDurationInIntervals priceAfterDiscount { amount currencyCode } } }
    ... on AppUsagePricing { cappedAmount { amount currencyCode } balanceUsed { amount currencyCode } } } } }`;

function cents(amount: number): number {
  return Math.round(amount * 100);
}

/** The usage line item's id (usage records are created on it); null for annual plans. */
export function usageLineItemId(sub: AppSubscription): string | null {
  return sub.lineItems.find((li) => li.plan.pricingDetails.__typename === "AppUsagePricing")?.id ?? null;
}

/**
 * The ledger events a subscription in its current status stands for, seen at `seenAt`. `current` is the
 * account's state, to tell a return from FROZEN (unfrozen) from a first activation. Subscriptions Fluxor did not
 * name (another app's, or a hand-made test) give none.
 */
export function shopifyEvents(sub: AppSubscription, seenAt: Date, current: SubscriptionState | null): BillingEventInput[] {
  const terms = parseShopifyPlanName(sub.name);
  if (!terms) return [];
  const recurring = sub.lineItems.map((li) => li.plan.pricingDetails).find((p) => p.__typename === "AppRecurringPricing");
  if (!recurring) return [];
  const discounted =
    recurring.discount && (recurring.discount.remainingDurationInIntervals ?? 1) > 0 ? recurring.discount.priceAfterDiscount : null;
  const priceCents = cents((discounted ?? recurring.price).amount);
  const base = { provider: "shopify" as const, subscriptionId: sub.id };
  const createdAt = new Date(sub.createdAt).toISOString();
  const at = seenAt.toISOString();
  const created: BillingEventInput = {
    ...base,
    type: "subscription_created",
    providerEventId: `${sub.id}:created`,
    occurredAt: createdAt,
    ...terms,
    priceCents,
  };
  const days = terms.interval === "annual" ? 365 : 30;
  const trialEndsAt = sub.trialDays > 0 ? addDaysToInstant(createdAt, sub.trialDays) : null;
  switch (sub.status) {
    case "PENDING":
    case "ACCEPTED":
      return [created];
    case "ACTIVE": {
      const periodEnd = sub.currentPeriodEnd
        ? new Date(sub.currentPeriodEnd).toISOString()
        : addDaysToInstant(trialEndsAt ?? createdAt, days);
      const periodStart = addDaysToInstant(periodEnd, -days);
      const events: BillingEventInput[] = [
        created,
        {
          ...base,
          type: "activated",
          providerEventId: `${sub.id}:activated`,
          occurredAt: at < createdAt ? createdAt : at,
          ...terms,
          priceCents,
          currentPeriodStart: periodStart,
          currentPeriodEnd: periodEnd,
          trialEndsAt,
        },
      ];
      if (current?.subscriptionId === sub.id && current.eventStatus === "frozen")
        events.push({ ...base, type: "unfrozen", providerEventId: `${sub.id}:unfrozen:${at}`, occurredAt: at });
      // A paid period: the part of the current period after the trial, once it has begun.
      const paidFrom = trialEndsAt && ms(trialEndsAt) > ms(periodStart) ? trialEndsAt : periodStart;
      if (ms(paidFrom) <= seenAt.getTime() && ms(paidFrom) < ms(periodEnd) && !sub.test)
        events.push({
          ...base,
          type: "invoice_paid",
          providerEventId: `${sub.id}:period:${periodStart}`,
          occurredAt: paidFrom,
          invoiceId: `${sub.id}:period:${periodStart}`,
          amountCents: priceCents,
          periodStart: paidFrom,
          periodEnd,
        });
      return events;
    }
    case "FROZEN":
      return [created, { ...base, type: "frozen", providerEventId: `${sub.id}:frozen:${at}`, occurredAt: at }];
    case "CANCELLED":
      return [created, { ...base, type: "cancelled", providerEventId: `${sub.id}:cancelled`, occurredAt: at }];
    case "DECLINED":
    case "EXPIRED":
      return [created, { ...base, type: "expired", providerEventId: `${sub.id}:expired`, occurredAt: at }];
  }
}
