/** Dunning after a failed payment (day 0, 3, 7), read-only mode, and what each state may do. */
import { describe, expect, it } from "vitest";
import { CAPABILITIES, access, dunningSchedule, dunningStep, readOnlyRefusal } from "../../app/billing/dunning";
import { BillingEvent, deriveSubscription } from "../../app/billing/ledger";

const DAY = 86_400_000;
const BASE = Date.parse("2026-03-01T00:00:00.000Z");
const d = (n: number) => new Date(BASE + n * DAY).toISOString();
const at = (n: number) => new Date(BASE + n * DAY);

let counter = 0;
const ev = (fields: Record<string, unknown>): BillingEvent =>
  BillingEvent.parse({ provider: "stripe", providerEventId: `evt_${++counter}`, subscriptionId: "sub_1", ...fields });
const activated = (n: number, trialEndsAt: string | null = null) =>
  ev({
    type: "activated",
    occurredAt: d(n),
    plan: "starter",
    interval: "monthly",
    priceCents: 2900,
    currentPeriodStart: d(n),
    currentPeriodEnd: d(n + 30),
    trialEndsAt,
  });
const failed = (n: number) => ev({ type: "payment_failed", occurredAt: d(n), invoiceId: "in_1", amountCents: 2900 });
const trial = ev({ type: "trial_started", provider: "fluxor", occurredAt: d(0), subscriptionId: null, trialEndsAt: d(14) });

describe("dunning", () => {
  const events = [activated(0), failed(30)];
  const state = deriveSubscription(events, at(30));

  it("schedules emails on day 0, 3 and 7 of the failure, keyed by subscription, failure and step", () => {
    expect(dunningSchedule(state)).toEqual([
      { step: "payment_failed", day: 0, dueAt: d(30), key: `dunning:sub_1:${d(30)}:payment_failed` },
      { step: "reminder", day: 3, dueAt: d(33), key: `dunning:sub_1:${d(30)}:reminder` },
      { step: "read_only", day: 7, dueAt: d(37), key: `dunning:sub_1:${d(30)}:read_only` },
    ]);
  });

  it("says which email is due: the same key until the next step (idempotent), the latest after a late tick", () => {
    const step = (n: number) => dunningStep(deriveSubscription(events, at(n)), at(n))?.step ?? null;
    expect([30, 31, 32.9, 33, 36, 37, 50].map(step)).toEqual([
      "payment_failed",
      "payment_failed",
      "payment_failed",
      "reminder",
      "reminder",
      "read_only",
      "read_only",
    ]);
    // A stored projection from the day of the failure gives the same answers later.
    expect(dunningStep(state, at(38))?.key).toBe(`dunning:sub_1:${d(30)}:read_only`);
    // A job that missed day 3 and runs on day 8 sends the read-only email only.
    expect(dunningStep(state, at(38))?.step).toBe("read_only");
  });

  it("counts from the first failure; retries that fail again do not restart it", () => {
    const retried = deriveSubscription([...events, failed(33), failed(35)], at(36));
    expect(dunningSchedule(retried)[0]?.dueAt).toBe(d(30));
  });

  it("stops when the payment succeeds, and a new failure is a new sequence with new keys", () => {
    const paid = [...events, ev({ type: "payment_succeeded", occurredAt: d(34), invoiceId: "in_1", amountCents: 2900 })];
    expect(dunningStep(deriveSubscription(paid, at(35)), at(35))).toBeNull();
    const again = deriveSubscription([...paid, failed(60)], at(60));
    expect(dunningStep(again, at(60))?.key).toBe(`dunning:sub_1:${d(60)}:payment_failed`);
  });

  it("treats Shopify's FROZEN as a failed payment", () => {
    const frozen = deriveSubscription([activated(0), ev({ type: "frozen", provider: "shopify", occurredAt: d(10) })], at(10));
    expect(dunningSchedule(frozen).map((e) => e.dueAt)).toEqual([d(10), d(13), d(17)]);
  });

  it("has nothing to send in good standing, during a trial, or without an account", () => {
    expect(dunningStep(deriveSubscription([activated(0)], at(5)), at(5))).toBeNull();
    expect(dunningStep(deriveSubscription([trial], at(5)), at(5))).toBeNull();
    expect(dunningStep(null, at(5))).toBeNull();
    expect(dunningSchedule(deriveSubscription([...events, ev({ type: "cancelled", occurredAt: d(40) })], at(41)))).toEqual([]);
  });
});

describe("access", () => {
  const full = Object.fromEntries(CAPABILITIES.map((c) => [c, true]));
  const readOnly = {
    view: true,
    export: true,
    manage_billing: true,
    edit_settings: false,
    run_forecasts: false,
    send_alerts: false,
    api: false,
  };

  it("gives full access during the trial, with the trial plan until a subscription is approved", () => {
    const onTrial = deriveSubscription([trial], at(1));
    expect(access(onTrial, at(1))).toEqual({ level: "full", reason: "trial", plan: "pro", capabilities: full });
    const awaiting = deriveSubscription(
      [trial, ev({ type: "subscription_created", occurredAt: d(2), plan: "starter", interval: "monthly", priceCents: 2900 })],
      at(2),
    );
    expect(access(awaiting, at(3))).toMatchObject({ level: "full", reason: "trial", plan: "pro" });
    expect(access(awaiting, at(15))).toMatchObject({ level: "read_only", reason: "pending_approval", plan: null, capabilities: readOnly });
  });

  it("keeps full access while subscribed and during the grace period, read-only after it", () => {
    const events = [activated(0), failed(30)];
    expect(access(deriveSubscription([activated(0)], at(1)), at(1))).toEqual({
      level: "full",
      reason: "subscribed",
      plan: "starter",
      capabilities: full,
    });
    expect(access(deriveSubscription(events, at(30)), at(36))).toMatchObject({ level: "full", reason: "grace", plan: "starter" });
    // The projection stored at the failure turns read-only when its time comes, without a new event.
    expect(access(deriveSubscription(events, at(30)), at(37))).toEqual({
      level: "read_only",
      reason: "grace_over",
      plan: "starter",
      capabilities: readOnly,
    });
  });

  it("is read-only after a trial without a plan, a cancellation, a pause, an expired approval and without an account", () => {
    expect(access(deriveSubscription([trial], at(1)), at(14))).toMatchObject({ level: "read_only", reason: "trial_over", plan: null });
    const cancelled = deriveSubscription([activated(0), ev({ type: "cancelled", occurredAt: d(5) })], at(5));
    expect(access(cancelled, at(6))).toMatchObject({ level: "read_only", reason: "ended" });
    const paused = deriveSubscription([activated(0), ev({ type: "paused", occurredAt: d(5) })], at(5));
    expect(access(paused, at(6))).toMatchObject({ level: "read_only", reason: "paused" });
    const expired = deriveSubscription(
      [
        ev({ type: "subscription_created", occurredAt: d(0), plan: "pro", interval: "monthly", priceCents: 7900 }),
        ev({ type: "expired", occurredAt: d(2) }),
      ],
      at(2),
    );
    // Never approved: the shop is where it was before it asked (here, no trial left), not "ended".
    expect(access(expired, at(3))).toMatchObject({ level: "read_only", reason: "trial_over" });
    // Declined during Fluxor's trial: the trial goes on.
    const declined = deriveSubscription(
      [
        trial,
        ev({ type: "subscription_created", occurredAt: d(2), plan: "pro", interval: "monthly", priceCents: 7900 }),
        ev({ type: "expired", occurredAt: d(3) }),
      ],
      at(3),
    );
    expect(access(declined, at(4))).toMatchObject({ level: "full", reason: "trial" });
    expect(access(null, at(0))).toEqual({ level: "read_only", reason: "no_account", plan: null, capabilities: readOnly });
  });

  it("a subscription's own trial reads as the trial, with the subscription's plan", () => {
    expect(access(deriveSubscription([activated(0, d(14))], at(1)), at(2))).toMatchObject({
      level: "full",
      reason: "trial",
      plan: "starter",
    });
  });
});

describe("readOnlyRefusal", () => {
  it("refuses what read-only mode stops with its reason, and lets through what it keeps", () => {
    const cancelled = access(deriveSubscription([activated(0), ev({ type: "cancelled", occurredAt: d(5) })], at(5)), at(6));
    expect(readOnlyRefusal(cancelled, "api")).toEqual({ error: "read_only", reason: "ended" });
    expect(readOnlyRefusal(cancelled, "edit_settings")).toEqual({ error: "read_only", reason: "ended" });
    expect(readOnlyRefusal(access(deriveSubscription([trial], at(1)), at(14)), "send_alerts")).toEqual({
      error: "read_only",
      reason: "trial_over",
    });
    for (const kept of ["view", "export", "manage_billing"] as const) expect(readOnlyRefusal(cancelled, kept)).toBeNull();
  });

  it("refuses nothing with full access, the grace period included", () => {
    const grace = access(deriveSubscription([activated(0), failed(30)], at(30)), at(36));
    for (const capability of CAPABILITIES) expect(readOnlyRefusal(grace, capability)).toBeNull();
  });
});
