/** The console's figures from accounts' ledgers: both rails together and split, by month, as revenue.ts computes them. */
import { describe, expect, it } from "vitest";
import { BillingEvent } from "../../../app/billing/ledger";
import { lastMonths, overview, recognition, type LedgerAccount } from "../../../app/ops/metrics";

let n = 0;
const ev = (fields: Record<string, unknown>): BillingEvent => BillingEvent.parse({ providerEventId: `e${++n}`, ...fields });
const activated = (provider: string, sub: string, at: string, plan: string, priceCents: number, interval = "monthly") =>
  ev({
    provider,
    type: "activated",
    subscriptionId: sub,
    occurredAt: at,
    plan,
    interval,
    priceCents,
    currentPeriodStart: at,
    currentPeriodEnd: at,
    trialEndsAt: null,
  });
const cancelled = (provider: string, sub: string, at: string) => ev({ provider, type: "cancelled", subscriptionId: sub, occurredAt: at });
const paid = (provider: string, sub: string, id: string, amountCents: number, periodStart: string, periodEnd: string) =>
  ev({ provider, type: "invoice_paid", subscriptionId: sub, invoiceId: id, amountCents, periodStart, periodEnd, occurredAt: periodStart });

const NOW = new Date("2026-06-15T12:00:00Z");
const ACCOUNTS: LedgerAccount[] = [
  { accountId: "s1", rail: "shopify", events: [activated("shopify", "g1", "2026-01-10T00:00:00Z", "starter", 2900)] },
  {
    accountId: "s2",
    rail: "shopify",
    events: [activated("shopify", "g2", "2026-02-01T00:00:00Z", "pro", 7900), cancelled("shopify", "g2", "2026-05-20T00:00:00Z")],
  },
  {
    accountId: "t1",
    rail: "stripe",
    events: [
      activated("stripe", "sub_1", "2026-03-02T00:00:00Z", "pro", 79000, "annual"),
      paid("stripe", "sub_1", "in_1", 79000, "2026-03-02T00:00:00Z", "2027-03-02T00:00:00Z"),
    ],
  },
];

describe("operator overview", () => {
  const o = overview(ACCOUNTS, NOW);

  it("gives MRR and ARR now, per rail and together (annual ÷ 12, half-even)", () => {
    expect(o.recurring.shopify).toEqual({ mrrCents: 2900, arrCents: 34800, payingAccounts: 1 });
    expect(o.recurring.stripe).toEqual({ mrrCents: 6583, arrCents: 78996, payingAccounts: 1 });
    expect(o.recurring.all).toEqual({ mrrCents: 9483, arrCents: 113796, payingAccounts: 2 });
    expect(o.accounts).toEqual({ all: 3, shopify: 2, stripe: 1 });
  });

  it("gives 12 months of movements that add up, both rails being the sum of each", () => {
    expect(o.months.all.map((m) => m.month)).toEqual(lastMonths(NOW, 12));
    expect(o.months.all.at(-1)!.month).toBe("2026-06");
    const may = o.months.all.find((m) => m.month === "2026-05")!;
    expect(may).toMatchObject({ startCents: 2900 + 7900 + 6583, churnedCents: 7900, endCents: 2900 + 6583 });
    expect(may.logoChurn).toEqual({ numerator: 1, denominator: 3, rate: 1 / 3 });
    const march = o.months.stripe.find((m) => m.month === "2026-03")!;
    expect(march).toMatchObject({ startCents: 0, newCents: 6583, endCents: 6583 });
    for (const m of o.months.all) {
      expect(m.endCents).toBe(m.startCents + m.newCents + m.expansionCents + m.reactivationCents - m.contractionCents - m.churnedCents);
    }
  });

  it("counts accounts by status and paying accounts by plan", () => {
    expect(o.byStatus).toEqual([
      { status: "active", accounts: { all: 2, shopify: 1, stripe: 1 } },
      { status: "cancelled", accounts: { all: 1, shopify: 1, stripe: 0 } },
    ]);
    expect(o.byPlan).toEqual([
      { plan: "starter", accounts: { all: 1, shopify: 1, stripe: 0 }, mrrCents: { all: 2900, shopify: 2900, stripe: 0 } },
      { plan: "pro", accounts: { all: 1, shopify: 0, stripe: 1 }, mrrCents: { all: 6583, shopify: 0, stripe: 6583 } },
    ]);
  });

  it("gives committed MRR in trial per rail and together, the first to pay being the earlier trial end", () => {
    const trial = (provider: string, sub: string, plan: string, priceCents: number, interval: string, trialEndsAt: string) => [
      ev({ provider: "fluxor", type: "trial_started", subscriptionId: null, occurredAt: "2026-06-10T00:00:00Z", trialEndsAt }),
      ev({
        provider,
        type: "activated",
        subscriptionId: sub,
        occurredAt: "2026-06-12T00:00:00Z",
        plan,
        interval,
        priceCents,
        currentPeriodStart: "2026-06-12T00:00:00Z",
        currentPeriodEnd: trialEndsAt,
        trialEndsAt,
      }),
    ];
    const trials: LedgerAccount[] = [
      ...ACCOUNTS,
      { accountId: "s3", rail: "shopify", events: trial("shopify", "g3", "pro", 7900, "monthly", "2026-06-24T00:00:00Z") },
      { accountId: "t2", rail: "stripe", events: trial("stripe", "sub_2", "enterprise", 199000, "annual", "2026-06-20T00:00:00Z") },
    ];
    const o = overview(trials, NOW);
    expect(o.committed.shopify).toEqual({ mrrCents: 7900, accounts: 1, firstPaysAt: "2026-06-24T00:00:00.000Z" });
    expect(o.committed.stripe).toEqual({ mrrCents: 16583, accounts: 1, firstPaysAt: "2026-06-20T00:00:00.000Z" });
    expect(o.committed.all).toEqual({ mrrCents: 7900 + 16583, accounts: 2, firstPaysAt: "2026-06-20T00:00:00.000Z" });
    // Not in MRR yet.
    expect(o.recurring.all.mrrCents).toBe(overview(ACCOUNTS, NOW).recurring.all.mrrCents);
  });

  it("is empty, not broken, without accounts", () => {
    const empty = overview([], NOW);
    expect(empty.recurring.all.mrrCents).toBe(0);
    expect(empty.committed.all).toEqual({ mrrCents: 0, accounts: 0, firstPaysAt: null });
    expect(empty.logoChurn.all.rate).toBeNull();
    expect(empty.months.all).toHaveLength(12);
  });
});

describe("operator revenue recognition", () => {
  it("recognises the annual invoice day by day and defers the rest at each month end", () => {
    const rows = recognition(ACCOUNTS, NOW, 12);
    const march = rows.find((r) => r.month === "2026-03")!;
    // 79 000 over 365 days: 216 a day; March has 30 of them (from the 2nd).
    expect(march.recognizedCents).toEqual({ all: 30 * 216, shopify: 0, stripe: 30 * 216 });
    expect(march.deferredCents.all).toBe(79000 - 30 * 216);
    const total = rows.reduce((sum, r) => sum + r.recognizedCents.all, 0);
    expect(total + rows.at(-1)!.deferredCents.all).toBe(79000);
  });
});
