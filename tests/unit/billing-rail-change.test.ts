/**
 * Moving an account to the other rail (app/billing/rail-change.ts): allowed only with no live subscription, refused
 * with what blocks it; the `rail_changed` ledger event, its schema, and that it changes no subscription state.
 */
import { describe, expect, it } from "vitest";
import { access } from "../../app/billing/dunning";
import { BillingEvent, deriveSubscription, subscriptionHistory } from "../../app/billing/ledger";
import { railChange, railChangedEvent } from "../../app/billing/rail-change";
import type { Rail } from "../../app/billing/plans";

const DAY = 86_400_000;
const BASE = Date.parse("2026-03-01T00:00:00.000Z");
const d = (n: number) => new Date(BASE + n * DAY).toISOString();
const at = (n: number) => new Date(BASE + n * DAY);

let counter = 0;
const ev = (fields: Record<string, unknown>): BillingEvent =>
  BillingEvent.parse({
    provider: "shopify",
    providerEventId: `evt_${++counter}`,
    subscriptionId: "gid://shopify/AppSubscription/1",
    ...fields,
  });
const trial = ev({ type: "trial_started", provider: "fluxor", occurredAt: d(0), subscriptionId: null, trialEndsAt: d(14) });
const terms = { plan: "pro", interval: "monthly", priceCents: 7900 };
const created = (n: number) => ev({ type: "subscription_created", occurredAt: d(n), ...terms });
const activated = (n: number, trialEndsAt: string | null = null) =>
  ev({ type: "activated", occurredAt: d(n), ...terms, currentPeriodStart: d(n), currentPeriodEnd: d(n + 30), trialEndsAt });
const simple = (type: string, n: number) => ev({ type, occurredAt: d(n) });
const failed = (n: number) => ev({ type: "payment_failed", occurredAt: d(n), invoiceId: null, amountCents: 7900 });

const STRIPE = { stripeConfigured: true };
/** The check for a Shopify-rail account with this ledger, at day n. */
const check = (events: BillingEvent[], n: number, to: Rail = "stripe", config = STRIPE) =>
  railChange({ rail: "shopify", state: deriveSubscription(events, at(n)) }, to, at(n), config);
const refusal = (status: string, plan: string | null = "pro") => ({
  allowed: false,
  reason: "live_subscription",
  provider: "shopify",
  status,
  plan,
});

describe("railChange: when an account may move", () => {
  it("allows a trial without a plan, a trial that ran out (read-only), and an account with no event yet", () => {
    expect(check([trial], 3)).toEqual({ allowed: true, from: "shopify", to: "stripe" });
    const ranOut = deriveSubscription([trial], at(20));
    expect(access(ranOut, at(20))).toMatchObject({ level: "read_only", reason: "trial_over" });
    expect(check([trial], 20)).toEqual({ allowed: true, from: "shopify", to: "stripe" });
    // An account opened again after an erasure has no trial of its own (the domain's trial was given): no event.
    expect(railChange({ rail: "stripe", state: null }, "shopify", at(0), STRIPE)).toEqual({ allowed: true, from: "stripe", to: "shopify" });
  });

  it("allows a cancelled or an expired subscription, and a request never approved", () => {
    expect(check([trial, activated(2, d(14)), simple("cancelled", 40)], 41)).toMatchObject({ allowed: true });
    expect(check([trial, created(2), simple("expired", 4)], 5)).toMatchObject({ allowed: true });
    expect(check([created(1), simple("expired", 3)], 20)).toMatchObject({ allowed: true });
  });

  it("refuses a live subscription with its status and plan: active, chosen in the trial, cancelling at period end", () => {
    expect(check([trial, activated(2)], 3)).toEqual(refusal("active"));
    expect(check([trial, activated(2, d(14))], 3)).toEqual(refusal("trialing"));
    expect(check([trial, activated(2), ev({ type: "cancel_requested", occurredAt: d(5), cancelAt: d(32) })], 6)).toEqual(refusal("active"));
  });

  it("refuses a subscription awaiting approval, also during the trial (which statusAt calls trialing)", () => {
    const pending = [trial, created(2)];
    expect(deriveSubscription(pending, at(3))?.status).toBe("trialing");
    expect(check(pending, 3)).toEqual(refusal("pending"));
    expect(check(pending, 20)).toEqual(refusal("pending"));
  });

  it("refuses past due, frozen, read-only after a failed payment, and paused", () => {
    expect(check([activated(0), failed(30)], 31)).toEqual(refusal("past_due"));
    expect(check([activated(0), simple("frozen", 30)], 31)).toEqual(refusal("frozen"));
    expect(check([activated(0), failed(30)], 40)).toEqual(refusal("read_only"));
    expect(check([activated(0), simple("paused", 30)], 31)).toEqual(refusal("paused"));
  });

  it("changes nothing for an account already on the rail, whatever its state", () => {
    expect(check([trial], 3, "shopify")).toEqual({ allowed: false, reason: "same_rail" });
    expect(check([trial, activated(2)], 3, "shopify")).toEqual({ allowed: false, reason: "same_rail" });
  });

  it("refuses Stripe when the deployment has no Stripe key, not Shopify", () => {
    const off = { stripeConfigured: false };
    expect(check([trial], 3, "stripe", off)).toEqual({ allowed: false, reason: "stripe_not_configured" });
    expect(railChange({ rail: "stripe", state: deriveSubscription([trial], at(3)) }, "shopify", at(3), off)).toMatchObject({
      allowed: true,
    });
  });
});

describe("the rail_changed event", () => {
  const moved = BillingEvent.parse(railChangedEvent("acc-1", "7", { from: "shopify", to: "stripe" }, at(3)));

  it("is Fluxor's, keyed by the account's ledger position", () => {
    expect(moved).toEqual({
      type: "rail_changed",
      provider: "fluxor",
      providerEventId: "rail:acc-1:7",
      occurredAt: d(3),
      from: "shopify",
      to: "stripe",
    });
    expect(railChangedEvent("acc-1", "8", { from: "stripe", to: "shopify" }, at(4)).providerEventId).toBe("rail:acc-1:8");
  });

  it("validates: a provider's own, or to the same rail, is refused", () => {
    expect(BillingEvent.safeParse({ ...moved, provider: "stripe" }).success).toBe(false);
    expect(BillingEvent.safeParse({ ...moved, to: "shopify" }).success).toBe(false);
    expect(BillingEvent.safeParse({ ...moved, to: "paypal" }).success).toBe(false);
  });

  it("changes no subscription state: the trial is not given again and its end stays", () => {
    const before = [trial];
    expect(deriveSubscription([...before, moved], at(5))).toEqual(deriveSubscription(before, at(5)));
    expect(deriveSubscription([...before, moved], at(20))?.status).toBe("expired");
    const cancelled = [trial, activated(1, d(14)), simple("cancelled", 2)];
    expect(deriveSubscription([...cancelled, moved], at(4))).toEqual(deriveSubscription(cancelled, at(4)));
    // The history keeps its states; the change adds no movement.
    expect(subscriptionHistory([...before, moved]).map((h) => h.state.status)).toEqual(["trialing", "trialing", "expired"]);
  });
});
