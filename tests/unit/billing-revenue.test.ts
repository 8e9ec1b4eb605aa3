/**
 * Operator metrics: MRR/ARR, committed MRR in trial, MRR movements, logo churn, trial conversion, and ratable
 * revenue recognition.
 */
import { describe, expect, it } from "vitest";
import { BillingEvent, deriveSubscription } from "../../app/billing/ledger";
import {
  PaidInvoice,
  accountMrrCents,
  committedInTrial,
  logoChurn,
  mrrMovements,
  paidInvoices,
  recognitionSchedule,
  recurringRevenue,
  revenueByMonth,
  trialConversion,
  type AccountLedger,
} from "../../app/billing/revenue";

const DAY = 86_400_000;
const BASE = Date.parse("2026-03-01T00:00:00.000Z");
const d = (n: number) => new Date(BASE + n * DAY).toISOString();
const at = (n: number) => new Date(BASE + n * DAY);

let counter = 0;
const ev = (fields: Record<string, unknown>): BillingEvent =>
  BillingEvent.parse({ provider: "shopify", providerEventId: `evt_${++counter}`, ...fields });
const activated = (sub: string, n: number, plan: string, priceCents: number, interval = "monthly", trialEndsAt: string | null = null) =>
  ev({
    type: "activated",
    subscriptionId: sub,
    occurredAt: d(n),
    plan,
    interval,
    priceCents,
    currentPeriodStart: d(n),
    currentPeriodEnd: d(n + 30),
    trialEndsAt,
  });
const changed = (sub: string, n: number, plan: string, priceCents: number) =>
  ev({
    type: "plan_changed",
    subscriptionId: sub,
    occurredAt: d(n),
    plan,
    interval: "monthly",
    priceCents,
    currentPeriodStart: d(n),
    currentPeriodEnd: d(n + 30),
  });
const simple = (type: string, sub: string, n: number, fields: Record<string, unknown> = {}) =>
  ev({ type, subscriptionId: sub, occurredAt: d(n), ...fields });
const trial = (n: number) =>
  ev({ type: "trial_started", provider: "fluxor", occurredAt: d(n), subscriptionId: null, trialEndsAt: d(n + 14) });

const LEDGERS: AccountLedger[] = [
  { accountId: "steady", events: [activated("s1", 10, "starter", 2900)] },
  { accountId: "annual", events: [activated("a1", 0, "pro", 79000, "annual")] },
  { accountId: "expands", events: [activated("e1", 0, "starter", 2900), changed("e1", 40, "pro", 7900)] },
  { accountId: "contracts", events: [activated("c1", 0, "enterprise", 19900), changed("c1", 40, "pro", 7900)] },
  { accountId: "churns", events: [activated("x1", 0, "pro", 7900), simple("cancelled", "x1", 45)] },
  {
    accountId: "returns",
    events: [activated("r1", -60, "starter", 2900), simple("cancelled", "r1", -20), activated("r2", 50, "pro", 7900)],
  },
  { accountId: "fresh", events: [activated("f1", 50, "pro", 7900)] },
  { accountId: "converts", events: [trial(20), activated("t1", 25, "starter", 2900, "monthly", d(34))] },
  { accountId: "trial-lost", events: [trial(25)] },
  {
    accountId: "stops-paying",
    events: [activated("p1", 0, "starter", 2900), simple("payment_failed", "p1", 30, { invoiceId: null, amountCents: 2900 })],
  },
];

describe("MRR and ARR", () => {
  it("counts paying accounts at their monthly price, annual plans divided by 12 and rounded half-even", () => {
    const state = (events: BillingEvent[], n: number) => deriveSubscription(events, at(n));
    expect(accountMrrCents(state([activated("a", 0, "pro", 7900)], 1))).toBe(7900);
    expect(accountMrrCents(state([activated("a", 0, "pro", 79000, "annual")], 1))).toBe(6583);
    expect(accountMrrCents(state([activated("a", 0, "starter", 29000, "annual")], 1))).toBe(2417);
    expect(accountMrrCents(state([activated("a", 0, "pro", 7900, "monthly", d(14))], 1))).toBe(0); // trialing
    expect(accountMrrCents(null)).toBe(0);
  });

  it("keeps accounts in grace in MRR, and drops them once read-only", () => {
    const events = LEDGERS.find((l) => l.accountId === "stops-paying")!.events;
    expect(accountMrrCents(deriveSubscription(events, at(36)))).toBe(2900);
    expect(accountMrrCents(deriveSubscription(events, at(37)))).toBe(0);
  });

  it("sums to MRR and ARR at an instant", () => {
    expect(recurringRevenue(LEDGERS, at(35))).toEqual({
      at: d(35),
      mrrCents: 45983,
      arrCents: 12 * 45983,
      payingAccounts: 7,
      byAccount: { steady: 2900, annual: 6583, expands: 2900, contracts: 19900, churns: 7900, converts: 2900, "stops-paying": 2900 },
    });
  });

  it("refuses an account given twice", () => {
    expect(() => recurringRevenue([LEDGERS[0]!, LEDGERS[0]!], at(1))).toThrow(/twice/);
  });
});

describe("committed MRR in trial", () => {
  const TRIALS: AccountLedger[] = [
    { accountId: "chose", events: [trial(0), activated("c1", 3, "pro", 7900, "monthly", d(14))] },
    { accountId: "chose-annual", events: [trial(2), activated("c2", 4, "pro", 79000, "annual", d(16))] },
    {
      accountId: "downgrades",
      events: [
        trial(0),
        activated("g1", 2, "enterprise", 19900, "monthly", d(14)),
        simple("plan_change_scheduled", "g1", 4, { plan: "starter", interval: "monthly", priceCents: 2900, effectiveAt: d(14) }),
        changed("g1", 14, "starter", 2900),
      ],
    },
    { accountId: "no-plan", events: [trial(1)] },
    {
      accountId: "awaiting-approval",
      events: [trial(0), simple("subscription_created", "p1", 2, { plan: "starter", interval: "monthly", priceCents: 2900 })],
    },
    {
      accountId: "declined",
      events: [
        trial(0),
        simple("subscription_created", "p2", 2, { plan: "pro", interval: "monthly", priceCents: 7900 }),
        simple("expired", "p2", 3),
      ],
    },
    {
      accountId: "cancels-at-trial-end",
      events: [
        trial(0),
        activated("x1", 2, "starter", 2900, "monthly", d(14)),
        simple("cancel_requested", "x1", 3, { cancelAt: d(14) }),
        simple("cancelled", "x1", 14),
      ],
    },
    { accountId: "paying", events: [activated("a1", 0, "pro", 7900)] },
  ];

  it("counts the trials with a plan chosen at what they will pay per month: annual ÷ 12, a downgrade due by the trial's end at its price", () => {
    expect(committedInTrial(TRIALS, at(5))).toEqual({ mrrCents: 7900 + 6583 + 2900, accounts: 3, firstPaysAt: d(14) });
  });

  it("leaves out trials without a plan, awaiting approval, declined, or set to cancel at their end, and paying accounts", () => {
    const state = (id: string) => deriveSubscription(TRIALS.find((l) => l.accountId === id)!.events, at(5))!;
    // Awaiting approval is a trial with the plan's terms, told apart by the subscription's own status.
    expect(state("awaiting-approval")).toMatchObject({ status: "trialing", eventStatus: "pending", plan: "starter", priceCents: 2900 });
    expect(state("chose")).toMatchObject({ status: "trialing", eventStatus: "active" });
    expect(state("declined")).toMatchObject({ status: "trialing", subscriptionId: null });
    const alone = (id: string) => committedInTrial([TRIALS.find((l) => l.accountId === id)!], at(5));
    for (const id of ["no-plan", "awaiting-approval", "declined", "cancels-at-trial-end", "paying"])
      expect(alone(id), id).toEqual({ mrrCents: 0, accounts: 0, firstPaysAt: null });
  });

  it("moves to MRR as the trials end, the first on the earliest trial end", () => {
    expect(committedInTrial(TRIALS, at(15))).toEqual({ mrrCents: 6583, accounts: 1, firstPaysAt: d(16) });
    expect(committedInTrial(TRIALS, at(16))).toEqual({ mrrCents: 0, accounts: 0, firstPaysAt: null });
    const committed = committedInTrial(TRIALS, at(5)).mrrCents;
    const paying = recurringRevenue(TRIALS, at(17));
    expect(paying.byAccount).toEqual({ chose: 7900, "chose-annual": 6583, downgrades: 2900, paying: 7900 });
    expect(paying.mrrCents - recurringRevenue(TRIALS, at(5)).mrrCents).toBe(committed);
  });

  it("is empty without accounts, and refuses an account given twice", () => {
    expect(committedInTrial([], at(0))).toEqual({ mrrCents: 0, accounts: 0, firstPaysAt: null });
    expect(() => committedInTrial([TRIALS[0]!, TRIALS[0]!], at(5))).toThrow(/twice/);
  });
});

describe("MRR movements", () => {
  it("splits the change into new, reactivation, expansion, contraction and churn, adding up exactly", () => {
    const m = mrrMovements(LEDGERS, at(35), at(60));
    expect(m).toEqual({
      startCents: 45983,
      newCents: 7900,
      reactivationCents: 7900,
      expansionCents: 5000,
      contractionCents: 12000,
      churnedCents: 7900 + 2900,
      endCents: 43983,
    });
    expect(m.startCents + m.newCents + m.reactivationCents + m.expansionCents - m.contractionCents - m.churnedCents).toBe(m.endCents);
  });

  it("adds up for any window", () => {
    for (const [from, to] of [
      [-70, -10],
      [0, 30],
      [20, 40],
      [36, 38],
      [-100, 100],
    ] as const) {
      const m = mrrMovements(LEDGERS, at(from), at(to));
      expect(m.startCents + m.newCents + m.reactivationCents + m.expansionCents - m.contractionCents - m.churnedCents).toBe(m.endCents);
      expect(m.startCents).toBe(recurringRevenue(LEDGERS, at(from)).mrrCents);
      expect(m.endCents).toBe(recurringRevenue(LEDGERS, at(to)).mrrCents);
    }
  });

  it("refuses a window that ends before it starts", () => {
    expect(() => mrrMovements(LEDGERS, at(10), at(10))).toThrow(RangeError);
  });
});

describe("logo churn and trial conversion", () => {
  it("logo churn: of the accounts paying at the start, the share not paying at the end", () => {
    expect(logoChurn(LEDGERS, at(35), at(60))).toEqual({ numerator: 2, denominator: 7, rate: 2 / 7 });
    expect(logoChurn([], at(0), at(1))).toEqual({ numerator: 0, denominator: 0, rate: null });
  });

  it("trial conversion: of the trials that ended in the window, the share paying at their end", () => {
    expect(trialConversion(LEDGERS, at(30), at(45))).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(trialConversion(LEDGERS, at(30), at(35))).toEqual({ numerator: 1, denominator: 1, rate: 1 });
    expect(trialConversion(LEDGERS, at(0), at(30))).toEqual({ numerator: 0, denominator: 0, rate: null });
  });
});

describe("revenue recognition", () => {
  const invoice = (fields: Partial<PaidInvoice>): PaidInvoice =>
    PaidInvoice.parse({
      accountId: "acc",
      invoiceId: "in_1",
      amountCents: 7900,
      periodStart: "2026-01-15T10:00:00Z",
      periodEnd: "2026-02-15T10:00:00Z",
      paidAt: "2026-01-15T10:00:00Z",
      ...fields,
    });

  it("recognises an invoice ratably by UTC day; the last day takes the remainder", () => {
    const schedule = recognitionSchedule(invoice({}));
    expect(schedule).toHaveLength(31);
    expect(schedule[0]).toEqual({ day: "2026-01-15", cents: 254 });
    expect(schedule.at(-1)).toEqual({ day: "2026-02-14", cents: 280 });
    expect(schedule.reduce((s, x) => s + x.cents, 0)).toBe(7900);
  });

  it("a service period within one day is one day", () => {
    expect(recognitionSchedule(invoice({ periodStart: "2026-01-15T10:00:00Z", periodEnd: "2026-01-15T12:00:00Z" }))).toEqual([
      { day: "2026-01-15", cents: 7900 },
    ]);
  });

  it("gives recognised revenue per calendar month and deferred revenue at each month's end", () => {
    expect(revenueByMonth([invoice({})], "2025-12", "2026-03")).toEqual([
      { month: "2025-12", recognizedCents: 0, deferredCents: 0 },
      { month: "2026-01", recognizedCents: 17 * 254, deferredCents: 7900 - 17 * 254 },
      { month: "2026-02", recognizedCents: 13 * 254 + 280, deferredCents: 0 },
      { month: "2026-03", recognizedCents: 0, deferredCents: 0 },
    ]);
  });

  it("releases an annual plan paid upfront day by day, to the cent", () => {
    const annual = invoice({ amountCents: 199000, periodStart: "2026-01-15T00:00:00Z", periodEnd: "2027-01-15T00:00:00Z" });
    const months = revenueByMonth([annual], "2026-01", "2027-01");
    expect(months[0]).toEqual({ month: "2026-01", recognizedCents: 17 * 545, deferredCents: 199000 - 17 * 545 });
    expect(months[1]).toEqual({ month: "2026-02", recognizedCents: 28 * 545, deferredCents: 199000 - 45 * 545 });
    expect(months.reduce((s, m) => s + m.recognizedCents, 0)).toBe(199000);
    expect(months.at(-1)).toEqual({ month: "2027-01", recognizedCents: 13 * 545 + 620, deferredCents: 0 });
  });

  it("defers only what was paid: a late payment is a receivable, a prepayment is deferred before the service starts", () => {
    const late = invoice({
      amountCents: 3100,
      periodStart: "2026-03-01T00:00:00Z",
      periodEnd: "2026-04-01T00:00:00Z",
      paidAt: "2026-04-10T00:00:00Z",
    });
    expect(revenueByMonth([late], "2026-03", "2026-04")).toEqual([
      { month: "2026-03", recognizedCents: 3100, deferredCents: 0 },
      { month: "2026-04", recognizedCents: 0, deferredCents: 0 },
    ]);
    const early = { ...late, paidAt: "2026-02-20T00:00:00.000Z" };
    expect(revenueByMonth([early], "2026-02", "2026-03")).toEqual([
      { month: "2026-02", recognizedCents: 0, deferredCents: 3100 },
      { month: "2026-03", recognizedCents: 3100, deferredCents: 0 },
    ]);
  });

  it("adds up exactly for any invoices", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const invoices = Array.from({ length: 200 }, (_, i) => {
      const start = Date.parse("2026-01-01T00:00:00Z") + Math.floor(rand() * 300 * DAY);
      const length = Math.floor(1 + rand() * 400 * DAY);
      return invoice({
        invoiceId: `in_${i}`,
        amountCents: Math.floor(rand() * 500_000),
        periodStart: new Date(start).toISOString(),
        periodEnd: new Date(start + length).toISOString(),
        paidAt: new Date(start).toISOString(),
      });
    });
    for (const i of invoices) expect(recognitionSchedule(i).reduce((s, x) => s + x.cents, 0)).toBe(i.amountCents);
    const months = revenueByMonth(invoices, "2025-12", "2028-01");
    expect(months.reduce((s, m) => s + m.recognizedCents, 0)).toBe(invoices.reduce((s, i) => s + i.amountCents, 0));
    expect(months.at(-1)?.deferredCents).toBe(0);
    for (const m of months) expect(m.deferredCents).toBeGreaterThanOrEqual(0);
  });

  it("reads the paid invoices from the ledgers, once per invoice", () => {
    const paid = (id: string, n: number) =>
      simple("invoice_paid", "s1", n, { providerEventId: id, invoiceId: "in_9", amountCents: 2900, periodStart: d(0), periodEnd: d(30) });
    const ledgers = [
      { accountId: "acc", events: [activated("s1", 0, "starter", 2900), paid("evt_a", 1), paid("evt_b", 2), paid("evt_a", 1)] },
    ];
    expect(paidInvoices(ledgers)).toEqual([
      { accountId: "acc", invoiceId: "in_9", amountCents: 2900, periodStart: d(0), periodEnd: d(30), paidAt: d(1) },
    ]);
  });

  it("refuses a reversed month range or a malformed month", () => {
    expect(() => revenueByMonth([], "2026-03", "2026-02")).toThrow(RangeError);
    expect(() => revenueByMonth([], "2026-13", "2027-01")).toThrow();
  });
});
