/**
 * The Shopify rail's plans, as `shopifyApp({ billing })` takes them (app/shopify.server.ts): one entry per plan
 * and interval, named as the merchant sees it on Shopify's approval page and bill. Monthly plans carry a usage
 * line item for the overage (Shopify allows usage items on 30-day subscriptions only); annual plans do not.
 */
import { BillingInterval } from "@shopify/shopify-app-remix/server";
import { CATALOGUE, INTERVALS, overageCapCents, PLAN_IDS, type Interval, type PlanId } from "./plans";

const LABEL: Record<PlanId, string> = { starter: "Starter", pro: "Pro", enterprise: "Enterprise" };
const INTERVAL_LABEL: Record<Interval, string> = { monthly: "monthly", annual: "annual" };

/** "Fluxor Pro (monthly)": the subscription's name at Shopify, and the key of `SHOPIFY_BILLING`. */
export function shopifyPlanName(plan: PlanId, interval: Interval): string {
  return `Fluxor ${LABEL[plan]} (${INTERVAL_LABEL[interval]})`;
}

/** The plan and interval of a subscription name Fluxor gave; null for anything else. */
export function parseShopifyPlanName(name: string): { plan: PlanId; interval: Interval } | null {
  for (const plan of PLAN_IDS) for (const interval of INTERVALS) if (shopifyPlanName(plan, interval) === name) return { plan, interval };
  return null;
}

function dollars(cents: number): number {
  return cents / 100;
}

function overageTerms(plan: PlanId): string {
  const o = CATALOGUE.plans[plan].overage;
  return `$${dollars(o.blockPriceCents)} per started block of ${o.blockVariants.toLocaleString("en-US")} variants above ${CATALOGUE.plans[plan].limits.variants.toLocaleString("en-US")}, per 30 days`;
}

type RecurringItem = { amount: number; currencyCode: string; interval: BillingInterval.Every30Days | BillingInterval.Annual };
type UsageItem = { amount: number; currencyCode: string; interval: BillingInterval.Usage; terms: string };

function entry(plan: PlanId, interval: Interval): { lineItems: (RecurringItem | UsageItem)[] } {
  const price = { amount: dollars(CATALOGUE.plans[plan].priceCents[interval]), currencyCode: CATALOGUE.chargeCurrency };
  if (interval === "annual") return { lineItems: [{ ...price, interval: BillingInterval.Annual }] };
  return {
    lineItems: [
      { ...price, interval: BillingInterval.Every30Days },
      {
        amount: dollars(overageCapCents(plan)),
        currencyCode: CATALOGUE.chargeCurrency,
        interval: BillingInterval.Usage,
        terms: overageTerms(plan),
      },
    ],
  };
}

/** Every plan × interval, keyed by `shopifyPlanName`. */
export const SHOPIFY_BILLING = Object.fromEntries(
  PLAN_IDS.flatMap((plan) => INTERVALS.map((interval) => [shopifyPlanName(plan, interval), entry(plan, interval)] as const)),
);
