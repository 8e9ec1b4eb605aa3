/** The Shopify rail's pure parts: plan names both ways, the billing config, coupons, and the subscription normaliser. */
import { describe, expect, it } from "vitest";
import { configuredCoupons, findCoupon } from "../../app/billing/coupons";
import { BillingEvent, deriveSubscription } from "../../app/billing/ledger";
import { AppSubscription, shopifyEvents } from "../../app/billing/shopify-events";
import { parseShopifyPlanName, SHOPIFY_BILLING, shopifyPlanName } from "../../app/billing/shopify-plans";

const sub = (status: AppSubscription["status"], extra: Partial<AppSubscription> = {}): AppSubscription =>
  AppSubscription.parse({
    id: "gid://shopify/AppSubscription/7",
    name: shopifyPlanName("pro", "monthly"),
    status,
    test: false,
    trialDays: 10,
    createdAt: "2026-03-01T00:00:00Z",
    currentPeriodEnd: "2026-04-10T00:00:00Z",
    lineItems: [
      {
        id: "gid://shopify/AppSubscriptionLineItem/1",
        plan: {
          pricingDetails: { __typename: "AppRecurringPricing", interval: "EVERY_30_DAYS", price: { amount: "79.0", currencyCode: "USD" } },
        },
      },
      {
        id: "gid://shopify/AppSubscriptionLineItem/2",
        plan: {
          pricingDetails: {
            __typename: "AppUsagePricing",
            cappedAmount: { amount: "90.0", currencyCode: "USD" },
            balanceUsed: { amount: "0.0", currencyCode: "USD" },
          },
        },
      },
    ],
    ...extra,
  });

describe("Shopify plan config", () => {
  it("names every plan and interval, and reads the names back", () => {
    expect(Object.keys(SHOPIFY_BILLING)).toHaveLength(6);
    expect(parseShopifyPlanName("Fluxor Pro (annual)")).toEqual({ plan: "pro", interval: "annual" });
    expect(parseShopifyPlanName("Another app")).toBeNull();
    // Usage (overage) only on 30-day plans: Shopify refuses usage items on annual subscriptions.
    expect(SHOPIFY_BILLING[shopifyPlanName("starter", "annual")]!.lineItems).toHaveLength(1);
    expect(SHOPIFY_BILLING[shopifyPlanName("starter", "monthly")]!.lineItems).toHaveLength(2);
  });
});

describe("coupons", () => {
  const coupons = configuredCoupons('[{"code":"launch20","percentOff":20,"months":3,"expiresOn":"2026-12-31"}]');
  it("validates the configuration and finds a code case-insensitively until it expires", () => {
    expect(findCoupon(" Launch20 ", coupons, "2026-12-06")).toEqual({
      ok: true,
      coupon: { code: "LAUNCH20", percentOff: 20, months: 3, expiresOn: "2026-12-31" },
    });
    expect(findCoupon("LAUNCH20", coupons, "2027-01-01")).toEqual({ ok: false, reason: "expired" });
    expect(findCoupon("NOPE", coupons, "2026-12-06")).toEqual({ ok: false, reason: "unknown" });
    expect(() => configuredCoupons('[{"code":"x","percentOff":200,"months":1}]')).toThrow();
    expect(configuredCoupons(undefined)).toEqual([]);
  });
});

describe("the subscription normaliser", () => {
  it("an ACTIVE subscription: created, activated with its trial, and no paid period inside the trial", () => {
    const events = shopifyEvents(sub("ACTIVE"), new Date("2026-03-05T00:00:00Z"), null);
    expect(events.map((e) => e.type)).toEqual(["subscription_created", "activated"]);
    const state = deriveSubscription(
      events.map((e) => BillingEvent.parse(e)),
      new Date("2026-03-05T00:00:00Z"),
    );
    expect(state).toMatchObject({
      plan: "pro",
      interval: "monthly",
      priceCents: 7900,
      status: "trialing",
      trialEndsAt: "2026-03-11T00:00:00.000Z",
    });
  });

  it("past the trial, the current period is a paid invoice keyed by its start (seen twice, stored once)", () => {
    const seen = new Date("2026-03-20T00:00:00Z");
    const paid = shopifyEvents(sub("ACTIVE"), seen, null).filter((e) => e.type === "invoice_paid");
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({
      providerEventId: "gid://shopify/AppSubscription/7:period:2026-03-11T00:00:00.000Z",
      amountCents: 7900,
    });
    expect(shopifyEvents(sub("ACTIVE", { test: true }), seen, null).some((e) => e.type === "invoice_paid")).toBe(false);
  });

  it("terminal statuses, and a subscription Fluxor did not name gives nothing", () => {
    expect(shopifyEvents(sub("CANCELLED"), new Date(), null).map((e) => e.type)).toEqual(["subscription_created", "cancelled"]);
    expect(shopifyEvents(sub("DECLINED"), new Date(), null).map((e) => e.type)).toEqual(["subscription_created", "expired"]);
    expect(shopifyEvents(sub("ACTIVE", { name: "Someone else's plan" }), new Date(), null)).toEqual([]);
  });
});
