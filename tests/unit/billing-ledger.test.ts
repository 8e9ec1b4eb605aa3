/**
 * The billing ledger: the normalised event schema, the subscription state of both rails' lifecycles, and the
 * same state for any delivery order and duplicates (property-style, seeded shuffles).
 */
import { describe, expect, it } from "vitest";
import {
  BillingEvent,
  EVENT_TYPES,
  SUBSCRIPTION_STATUSES,
  deriveSubscription,
  orderEvents,
  statusAt,
  subscriptionHistory,
  type BillingEventType,
} from "../../app/billing/ledger";

const DAY = 86_400_000;
const BASE = Date.parse("2026-03-01T00:00:00.000Z");
/** Day n (and hours) after 2026-03-01, as an ISO instant. */
const d = (n: number, hours = 0) => new Date(BASE + n * DAY + hours * 3_600_000).toISOString();
const at = (n: number, hours = 0) => new Date(d(n, hours));

let counter = 0;
/** A parsed event; provider shopify and a fresh id unless given. */
function ev(fields: Record<string, unknown>): BillingEvent {
  counter += 1;
  return BillingEvent.parse({ provider: "shopify", providerEventId: `evt_${counter}`, ...fields });
}

const fluxorTrial = (n = 0) =>
  ev({
    type: "trial_started",
    provider: "fluxor",
    providerEventId: "trial:shop-1",
    occurredAt: d(n),
    subscriptionId: null,
    trialEndsAt: d(n + 14),
  });
const created = (sub: string, n: number, plan = "pro", interval = "monthly", priceCents = 7900) =>
  ev({ type: "subscription_created", subscriptionId: sub, occurredAt: d(n), plan, interval, priceCents });
const activated = (sub: string, n: number, fields: Record<string, unknown> = {}) =>
  ev({
    type: "activated",
    subscriptionId: sub,
    occurredAt: d(n),
    plan: "pro",
    interval: "monthly",
    priceCents: 7900,
    currentPeriodStart: d(n),
    currentPeriodEnd: d(n + 30),
    trialEndsAt: null,
    ...fields,
  });
const simple = (type: BillingEventType, sub: string, n: number, hours = 0, fields: Record<string, unknown> = {}) =>
  ev({ type, subscriptionId: sub, occurredAt: d(n, hours), ...fields });

describe("BillingEvent schema", () => {
  it("normalises instants to UTC and keeps the payload", () => {
    const e = BillingEvent.parse({
      type: "payment_failed",
      provider: "stripe",
      providerEventId: "evt_1",
      occurredAt: "2026-03-01T10:00:00+02:00",
      subscriptionId: "sub_1",
      invoiceId: "in_1",
      amountCents: 7900,
    });
    expect(e).toEqual({
      type: "payment_failed",
      provider: "stripe",
      providerEventId: "evt_1",
      occurredAt: "2026-03-01T08:00:00.000Z",
      subscriptionId: "sub_1",
      invoiceId: "in_1",
      amountCents: 7900,
    });
  });

  it("refuses unknown types and providers, missing ids, bad instants and amounts, and reversed service periods", () => {
    const ok = { provider: "stripe", providerEventId: "e", occurredAt: d(0), subscriptionId: "s" };
    expect(BillingEvent.safeParse({ ...ok, type: "refunded" }).success).toBe(false);
    expect(BillingEvent.safeParse({ ...ok, type: "frozen", provider: "paypal" }).success).toBe(false);
    expect(BillingEvent.safeParse({ ...ok, type: "frozen", providerEventId: "" }).success).toBe(false);
    expect(BillingEvent.safeParse({ ...ok, type: "frozen", occurredAt: "yesterday" }).success).toBe(false);
    expect(BillingEvent.safeParse({ ...ok, type: "frozen", subscriptionId: null }).success).toBe(false);
    expect(BillingEvent.safeParse({ ...ok, type: "payment_failed", invoiceId: null, amountCents: 1.5 }).success).toBe(false);
    const invoice = { ...ok, type: "invoice_paid", invoiceId: "in", amountCents: 100 };
    expect(BillingEvent.safeParse({ ...invoice, periodStart: d(1), periodEnd: d(31) }).success).toBe(true);
    expect(BillingEvent.safeParse({ ...invoice, periodStart: d(31), periodEnd: d(1) }).success).toBe(false);
  });

  it("orders the tiebreak by lifecycle: creation first, failure before success, cancellation last", () => {
    const rank = (t: BillingEventType) => EVENT_TYPES.indexOf(t);
    expect(rank("subscription_created")).toBeLessThan(rank("activated"));
    expect(rank("payment_failed")).toBeLessThan(rank("payment_succeeded"));
    expect(rank("frozen")).toBeLessThan(rank("unfrozen"));
    expect(EVENT_TYPES.slice(-2)).toEqual(["cancelled", "expired"]);
  });
});

describe("deriveSubscription: Shopify rail", () => {
  const trial = fluxorTrial();

  it("is null before the first event", () => {
    expect(deriveSubscription([], at(0))).toBeNull();
    expect(deriveSubscription([trial], at(-1))).toBeNull();
  });

  it("Fluxor's trial runs 14 days without a plan, then expires", () => {
    expect(deriveSubscription([trial], at(1))).toMatchObject({ status: "trialing", subscriptionId: null, plan: null, trialEndsAt: d(14) });
    expect(deriveSubscription([trial], at(14))?.status).toBe("expired");
  });

  it("a plan chosen during the trial stays trialing while awaiting approval, then while the trial lasts, then is active", () => {
    const events = [trial, created("A", 3), activated("A", 3.5, { trialEndsAt: d(14) })];
    expect(deriveSubscription(events.slice(0, 2), at(3, 1))).toMatchObject({
      status: "trialing",
      eventStatus: "pending",
      subscriptionId: "A",
    });
    expect(deriveSubscription(events.slice(0, 2), at(15))?.status).toBe("pending");
    expect(deriveSubscription(events, at(4))).toMatchObject({ status: "trialing", eventStatus: "active", plan: "pro", priceCents: 7900 });
    expect(deriveSubscription(events, at(14))).toMatchObject({
      status: "active",
      currentPeriodStart: d(3.5),
      currentPeriodEnd: d(33.5),
      cancelAtPeriodEnd: false,
      pendingDowngrade: null,
    });
  });

  it("an approval that never comes expires the subscription", () => {
    const events = [created("A", 1), simple("expired", "A", 3)];
    expect(deriveSubscription(events, at(4))?.status).toBe("expired");
  });

  it("frozen starts the grace period; read-only after 7 days; unfrozen cures it", () => {
    const events = [activated("A", 0), simple("frozen", "A", 10)];
    expect(deriveSubscription(events, at(10))).toMatchObject({ status: "frozen", delinquentSince: d(10), graceEndsAt: d(17) });
    expect(deriveSubscription(events, at(16, 23))?.status).toBe("frozen");
    expect(deriveSubscription(events, at(17))?.status).toBe("read_only");
    const cured = deriveSubscription([...events, simple("unfrozen", "A", 20)], at(21));
    expect(cured).toMatchObject({ status: "active", delinquentSince: null, graceEndsAt: null });
  });

  it("an upgrade is a new subscription: it becomes current when activated, and the old one's events change nothing", () => {
    const events = [
      activated("A", 0, { plan: "starter", priceCents: 2900 }),
      created("B", 10, "enterprise", "monthly", 19900),
      activated("B", 10.1, { plan: "enterprise", priceCents: 19900 }),
      simple("cancelled", "A", 10.2),
    ];
    expect(deriveSubscription(events.slice(0, 2), at(10, 1))).toMatchObject({ subscriptionId: "A", plan: "starter", status: "active" });
    expect(deriveSubscription(events, at(11))).toMatchObject({ subscriptionId: "B", plan: "enterprise", status: "active" });
    // A stale activation of the replaced subscription, even with a later timestamp, does not roll back.
    const stale = activated("A", 12, { plan: "starter", priceCents: 2900 });
    expect(deriveSubscription([...events, stale], at(13))).toMatchObject({ subscriptionId: "B", plan: "enterprise" });
  });

  it("a downgrade waits for the next cycle and clears when the new subscription takes over", () => {
    const events = [
      activated("A", 0),
      simple("plan_change_scheduled", "A", 5, 0, { plan: "starter", interval: "monthly", priceCents: 2900, effectiveAt: d(30) }),
    ];
    expect(deriveSubscription(events, at(6))?.pendingDowngrade).toEqual({
      plan: "starter",
      interval: "monthly",
      priceCents: 2900,
      effectiveAt: d(30),
    });
    const after = deriveSubscription([...events, activated("B", 30, { plan: "starter", priceCents: 2900 })], at(31));
    expect(after).toMatchObject({ subscriptionId: "B", plan: "starter", pendingDowngrade: null });
  });

  it("sums usage charges of the current period and starts again with a new one", () => {
    const events = [
      activated("A", 0, { plan: "starter", priceCents: 2900 }),
      simple("usage_recorded", "A", 3, 0, { amountCents: 1000, variants: 1500 }),
      simple("usage_recorded", "A", 9, 0, { amountCents: 1000, variants: 2100 }),
    ];
    expect(deriveSubscription(events, at(10))?.usageCents).toBe(2000);
    const renewed = [
      ...events,
      simple("invoice_paid", "A", 30, 0, { invoiceId: "c2", amountCents: 2900, periodStart: d(30), periodEnd: d(60) }),
    ];
    expect(deriveSubscription(renewed, at(31))).toMatchObject({ usageCents: 0, currentPeriodStart: d(30), currentPeriodEnd: d(60) });
  });
});

describe("deriveSubscription: Stripe rail", () => {
  const stripe = (fields: Record<string, unknown>) => ev({ provider: "stripe", ...fields });

  it("a trialing subscription created with a payment method", () => {
    const events = [
      stripe({
        type: "subscription_created",
        subscriptionId: "sub_1",
        occurredAt: d(0),
        plan: "pro",
        interval: "annual",
        priceCents: 79000,
      }),
      stripe({ type: "trial_started", subscriptionId: "sub_1", occurredAt: d(0), trialEndsAt: d(14) }),
    ];
    expect(deriveSubscription(events, at(1))).toMatchObject({ status: "trialing", interval: "annual", provider: "stripe" });
    expect(deriveSubscription(events, at(14))?.status).toBe("active");
  });

  it("past_due after a failed payment, read-only after the grace period, active again when paid", () => {
    const events = [
      activated("sub_1", 0),
      stripe({ type: "payment_failed", subscriptionId: "sub_1", occurredAt: d(30), invoiceId: "in_2", amountCents: 7900 }),
      stripe({ type: "payment_failed", subscriptionId: "sub_1", occurredAt: d(33), invoiceId: "in_2", amountCents: 7900 }),
    ];
    expect(deriveSubscription(events, at(34))).toMatchObject({ status: "past_due", delinquentSince: d(30), graceEndsAt: d(37) });
    expect(deriveSubscription(events, at(37))?.status).toBe("read_only");
    const paid = stripe({
      type: "invoice_paid",
      subscriptionId: "sub_1",
      occurredAt: d(40),
      invoiceId: "in_2",
      amountCents: 7900,
      periodStart: d(30),
      periodEnd: d(61),
    });
    expect(deriveSubscription([...events, paid], at(40))).toMatchObject({
      status: "active",
      delinquentSince: null,
      currentPeriodEnd: d(61),
    });
    const succeeded = stripe({
      type: "payment_succeeded",
      subscriptionId: "sub_1",
      occurredAt: d(35),
      invoiceId: "in_2",
      amountCents: 7900,
    });
    expect(deriveSubscription([...events, succeeded], at(36))?.status).toBe("active");
  });

  it("a plan change takes effect with its period; an older invoice never moves the period back", () => {
    const events = [
      activated("sub_1", 0),
      simple("plan_changed", "sub_1", 10, 0, {
        plan: "enterprise",
        interval: "monthly",
        priceCents: 19900,
        currentPeriodStart: d(0),
        currentPeriodEnd: d(30),
      }),
      simple("invoice_paid", "sub_1", 10, 1, { invoiceId: "proration", amountCents: 8000, periodStart: d(10), periodEnd: d(30) }),
    ];
    expect(deriveSubscription(events, at(11))).toMatchObject({
      plan: "enterprise",
      priceCents: 19900,
      currentPeriodStart: d(0),
      currentPeriodEnd: d(30),
    });
  });

  it("pause and resume (Stripe only), cancel at period end and its withdrawal", () => {
    const events = [activated("sub_1", 0), simple("paused", "sub_1", 5), simple("resumed", "sub_1", 8)];
    expect(deriveSubscription(events, at(6))?.status).toBe("paused");
    expect(deriveSubscription(events, at(9))?.status).toBe("active");
    const cancel = simple("cancel_requested", "sub_1", 10, 0, { cancelAt: d(30) });
    expect(deriveSubscription([...events, cancel], at(11))).toMatchObject({ status: "active", cancelAtPeriodEnd: true });
    expect(deriveSubscription([...events, cancel, simple("cancel_withdrawn", "sub_1", 12)], at(13))?.cancelAtPeriodEnd).toBe(false);
  });

  it("cancelled is final for that subscription; a new one starts afresh", () => {
    const events = [activated("sub_1", 0), simple("cancelled", "sub_1", 30)];
    expect(deriveSubscription(events, at(31))?.status).toBe("cancelled");
    const late = [simple("payment_succeeded", "sub_1", 32, 0, { invoiceId: null, amountCents: 7900 }), activated("sub_1", 33)];
    expect(deriveSubscription([...events, ...late], at(34))?.status).toBe("cancelled");
    const again = [...events, created("sub_2", 40, "starter", "monthly", 2900)];
    expect(deriveSubscription(again, at(41))).toMatchObject({ subscriptionId: "sub_2", status: "pending", plan: "starter", usageCents: 0 });
  });

  it("ignores events about a subscription that is not current", () => {
    const events = [activated("sub_1", 0), simple("frozen", "sub_9", 3), simple("cancelled", "sub_9", 4)];
    expect(deriveSubscription(events, at(5))).toMatchObject({ subscriptionId: "sub_1", status: "active", lastEventAt: d(0) });
  });
});

describe("order and duplicates", () => {
  it("applies events of one instant in lifecycle order, whatever the delivery", () => {
    const failed = simple("payment_failed", "A", 10, 0, { invoiceId: "i", amountCents: 1 });
    const succeeded = simple("payment_succeeded", "A", 10, 0, { invoiceId: "i", amountCents: 1 });
    const base = activated("A", 0);
    expect(deriveSubscription([base, succeeded, failed], at(11))?.status).toBe("active");
    expect(deriveSubscription([base, failed, succeeded], at(11))?.status).toBe("active");
  });

  it("dedupes by (provider, providerEventId) and keeps the same copy whichever arrives first", () => {
    const a = activated("A", 0);
    const copyA = simple("frozen", "A", 5, 0, { providerEventId: "dup" });
    const copyB = simple("paused", "A", 5, 0, { providerEventId: "dup" });
    const one = deriveSubscription([a, copyA, copyB], at(6));
    expect(deriveSubscription([copyB, a, copyA], at(6))).toEqual(one);
    expect(orderEvents([a, copyA, copyB, copyA])).toHaveLength(2);
    // The same id from another provider is another event.
    expect(orderEvents([copyA, { ...copyA, provider: "stripe" }])).toHaveLength(2);
  });

  it("a stale event delivered late lands in its place", () => {
    const events = [activated("A", 0), simple("payment_failed", "A", 30, 0, { invoiceId: "i", amountCents: 7900 })];
    const healed = simple("payment_succeeded", "A", 31, 0, { invoiceId: "i", amountCents: 7900 });
    const staleFailure = simple("payment_failed", "A", 29, 0, { invoiceId: "i0", amountCents: 7900 });
    expect(deriveSubscription([...events, healed, staleFailure], at(32))).toMatchObject({ status: "active", delinquentSince: null });
  });
});

// ---- Property-style: any order, any duplicates, same state ------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomLedger(r: () => number): BillingEvent[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Few distinct instants, so that ties are common.
  const day = () => Math.floor(r() * 12) * 5;
  const terms = () => ({
    plan: pick(["starter", "pro", "enterprise"]),
    interval: pick(["monthly", "annual"]),
    priceCents: pick([2900, 7900, 19900]),
  });
  const events: BillingEvent[] = [fluxorTrial(0)];
  const length = 5 + Math.floor(r() * 25);
  for (let i = 0; i < length; i++) {
    const type = pick(EVENT_TYPES);
    const n = day();
    const sub = pick(["A", "B", "C"]);
    const provider = pick(["shopify", "stripe"]);
    const id = r() < 0.1 && events.length > 1 ? events[events.length - 1]!.providerEventId : `p${i}`;
    const head = { type, provider, providerEventId: id, occurredAt: d(n), subscriptionId: sub };
    const fields: Record<string, Record<string, unknown>> = {
      subscription_created: terms(),
      trial_started: { trialEndsAt: d(n + 14) },
      rail_changed: { provider: "fluxor", from: provider, to: provider === "shopify" ? "stripe" : "shopify" },
      activated: { ...terms(), currentPeriodStart: d(n), currentPeriodEnd: d(n + 30), trialEndsAt: r() < 0.3 ? d(n + 7) : null },
      plan_change_scheduled: { ...terms(), effectiveAt: d(n + 30) },
      plan_changed: { ...terms(), currentPeriodStart: d(n), currentPeriodEnd: d(n + 30) },
      usage_recorded: { amountCents: 1000, variants: 1500 },
      payment_failed: { invoiceId: null, amountCents: 7900 },
      payment_succeeded: { invoiceId: "in", amountCents: 7900 },
      invoice_paid: { invoiceId: `in${i}`, amountCents: 7900, periodStart: d(n), periodEnd: d(n + 30) },
      cancel_requested: { cancelAt: d(n + 30) },
    };
    events.push(BillingEvent.parse({ ...head, ...fields[type] }));
  }
  return events;
}

function shuffleWithDuplicates(events: readonly BillingEvent[], r: () => number): BillingEvent[] {
  const out = [...events, ...events.filter(() => r() < 0.3)];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("property: delivery order and duplicates never change the state", () => {
  const probes = [0, 7, 13, 20, 26, 41, 57, 90].map((n) => at(n, 1));

  it("derives the same state for 100 random ledgers under 10 shuffles with duplicates each", () => {
    const reached = new Set<string>();
    for (let seed = 1; seed <= 100; seed++) {
      const r = mulberry32(seed);
      const events = randomLedger(r);
      const expected = probes.map((p) => deriveSubscription(events, p));
      for (const state of expected) if (state !== null) reached.add(state.status);
      for (let k = 0; k < 10; k++) {
        const delivered = shuffleWithDuplicates(events, r);
        expect(
          probes.map((p) => deriveSubscription(delivered, p)),
          `seed ${seed}, shuffle ${k}`,
        ).toEqual(expected);
      }
    }
    // The random ledgers exercise every status.
    expect([...reached].sort()).toEqual([...SUBSCRIPTION_STATUSES].sort());
  }, 30_000);

  it("the history is a step function that agrees with deriveSubscription at every instant", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = mulberry32(seed * 7919);
      const events = randomLedger(r);
      const history = subscriptionHistory(shuffleWithDuplicates(events, r));
      const instants = history.map((h) => Date.parse(h.at));
      expect(instants, `seed ${seed}`).toEqual([...instants].sort((a, b) => a - b));
      expect(new Set(instants).size).toBe(instants.length);
      for (let k = 0; k < 30; k++) {
        const t = BASE + Math.floor(r() * 90 * DAY);
        const expected = deriveSubscription(events, new Date(t));
        const entry = history.findLast((h) => Date.parse(h.at) <= t);
        expect(entry?.state ?? null, `seed ${seed}, t ${new Date(t).toISOString()}`).toEqual(expected);
      }
    }
  }, 30_000);
});

describe("statusAt: a stored projection moves on in time", () => {
  it("turns trialing into expired or active, and past_due into read_only, without a new event", () => {
    const trialOnly = deriveSubscription([fluxorTrial()], at(0))!;
    expect(statusAt(trialOnly, at(13))).toBe("trialing");
    expect(statusAt(trialOnly, at(14))).toBe("expired");
    const inTrial = deriveSubscription([activated("A", 0, { trialEndsAt: d(14) })], at(0))!;
    expect(statusAt(inTrial, at(20))).toBe("active");
    const failed = deriveSubscription(
      [activated("A", 0), simple("payment_failed", "A", 30, 0, { invoiceId: null, amountCents: 1 })],
      at(30),
    )!;
    expect(failed.status).toBe("past_due");
    expect(statusAt(failed, at(37))).toBe("read_only");
  });
});
