/** The plan catalogue: its numbers and invariants, the pricing calculator, the trial, overage, display prices. */
import { describe, expect, it } from "vitest";
import { ALERT_TYPES, FREQUENCIES } from "../../app/alerts/model";
import { AlertSettings } from "../../app/alerts/rules";
import { mulDivHalfEven } from "../../app/billing/money";
import {
  ALERT_FREQUENCIES,
  BILLED_ALERT_TYPES,
  CATALOGUE,
  Catalogue,
  ExchangeRates,
  PLAN_IDS,
  displayPrice,
  overageApplies,
  overageBlocks,
  overageCapCents,
  overageCharges,
  planCovers,
  planFor,
  priceCents,
  trialWindow,
  variantAllowance,
} from "../../app/billing/plans";

/** A deep copy of the catalogue as plain input, to break one number at a time. */
const input = (): Catalogue => structuredClone(CATALOGUE);

describe("catalogue", () => {
  it("holds the prices, limits and policy numbers of decision 0044", () => {
    expect(PLAN_IDS.map((id) => [id, priceCents(id, "monthly"), priceCents(id, "annual")])).toEqual([
      ["starter", 2900, 29000],
      ["pro", 7900, 79000],
      ["enterprise", 19900, 199000],
    ]);
    expect(PLAN_IDS.map((id) => CATALOGUE.plans[id].limits)).toEqual([
      { variants: 1000, locations: 2 },
      { variants: 10000, locations: 10 },
      { variants: 100000, locations: 200 },
    ]);
    expect(CATALOGUE.chargeCurrency).toBe("USD");
    expect(CATALOGUE.trial).toEqual({ days: 14, plan: "pro" });
    expect(CATALOGUE.graceDays).toBe(7);
    expect(CATALOGUE.dunningDays).toEqual({ payment_failed: 0, reminder: 3, read_only: 7 });
    expect(CATALOGUE.warnAtPercent).toBe(90);
  });

  it("gives two months free on annual plans", () => {
    for (const id of PLAN_IDS) expect(priceCents(id, "annual")).toBe(10 * priceCents(id, "monthly"));
  });

  it("reserves immediate alerts, dead stock and the API for Pro and up; CSV export for everyone", () => {
    const starter = CATALOGUE.plans.starter.features;
    expect(starter.alertFrequencies).toEqual(["daily", "weekly"]);
    expect(starter.alertTypes).not.toContain("dead_stock");
    expect(starter.apiAccess).toBe(false);
    for (const id of PLAN_IDS) expect(CATALOGUE.plans[id].features.csvExport).toBe(true);
    expect(PLAN_IDS.map((id) => CATALOGUE.plans[id].features.extraRecipients)).toEqual([1, 5, 20]);
  });

  it("speaks the alerts engine's vocabulary and stays within its settings' limits", () => {
    expect([...ALERT_FREQUENCIES]).toEqual([...FREQUENCIES]);
    expect([...BILLED_ALERT_TYPES]).toEqual([...ALERT_TYPES]);
    const emails = Array.from({ length: CATALOGUE.plans.enterprise.features.extraRecipients }, (_, i) => ({ email: `r${i}@example.com` }));
    expect(AlertSettings.safeParse({ recipients: emails }).success).toBe(true);
  });

  it("refuses a catalogue whose prices or limits do not rise with the plan", () => {
    const c = input();
    c.plans.pro.priceCents.monthly = 2900;
    expect(Catalogue.safeParse(c).error?.issues.map((i) => i.path.join("."))).toContain("plans.pro.priceCents");
    const d = input();
    d.plans.enterprise.limits.variants = 10000;
    expect(Catalogue.safeParse(d).error?.issues.map((i) => i.path.join("."))).toContain("plans.enterprise.limits");
  });

  it("refuses a higher plan that lacks a lower plan's feature", () => {
    const c = input();
    c.plans.enterprise.features.apiAccess = false;
    expect(Catalogue.safeParse(c).error?.issues[0]?.message).toMatch(/every feature/);
  });

  it("refuses overage that could cost as much as the next plan", () => {
    const c = input();
    c.plans.starter.overage.maxBlocks = 5; // 29 + 5 × 10 = 79 = Pro
    expect(Catalogue.safeParse(c).error?.issues.map((i) => i.path.join("."))).toEqual(["plans.starter.overage"]);
  });

  it("refuses an annual price that is no discount, a misfiled plan and dunning days that do not end with the grace period", () => {
    const c = input();
    c.plans.starter.priceCents.annual = 12 * 2900;
    expect(Catalogue.safeParse(c).success).toBe(false);
    const d = input();
    d.plans.pro.id = "starter";
    expect(Catalogue.safeParse(d).error?.issues.map((i) => i.path.join("."))).toContain("plans.pro.id");
    const e = input();
    e.dunningDays.read_only = 6;
    expect(Catalogue.safeParse(e).error?.issues.map((i) => i.path.join("."))).toEqual(["dunningDays"]);
  });
});

describe("planFor (pricing calculator)", () => {
  it("picks the cheapest plan whose included limits fit", () => {
    expect(planFor(0, 0)?.plan).toBe("starter");
    expect(planFor(1000, 2)?.plan).toBe("starter");
    expect(planFor(1001, 1)?.plan).toBe("pro");
    expect(planFor(10, 3)?.plan).toBe("pro");
    expect(planFor(10000, 10)?.plan).toBe("pro");
    expect(planFor(10001, 1)?.plan).toBe("enterprise");
    expect(planFor(100000, 200)?.plan).toBe("enterprise");
  });

  it("answers null beyond the largest plan (a direct contract)", () => {
    expect(planFor(100001, 1)).toBeNull();
    expect(planFor(10, 201)).toBeNull();
  });

  it("respects required features", () => {
    expect(planFor(10, 1, { alertFrequencies: ["immediate"] })?.plan).toBe("pro");
    expect(planFor(10, 1, { alertTypes: ["dead_stock"] })?.plan).toBe("pro");
    expect(planFor(10, 1, { apiAccess: true })?.plan).toBe("pro");
    expect(planFor(10, 1, { csvExport: true })?.plan).toBe("starter");
    expect(planFor(10, 1, { extraRecipients: 6 })?.plan).toBe("enterprise");
    expect(planCovers("starter", 10, 1, { alertFrequencies: ["daily", "weekly"] })).toBe(true);
  });

  it("quotes monthly and annual prices, the annual price per month rounded half-even, and the saving", () => {
    expect(planFor(500, 1)).toEqual({
      plan: "starter",
      monthlyCents: 2900,
      annualCents: 29000,
      annualPerMonthCents: 2417,
      annualSavingsCents: 5800,
    });
    expect(planFor(5000, 1)).toMatchObject({ plan: "pro", annualPerMonthCents: 6583, annualSavingsCents: 15800 });
    expect(planFor(50000, 1)).toMatchObject({ plan: "enterprise", annualPerMonthCents: 16583, annualSavingsCents: 39800 });
  });

  it("refuses counts that are not whole and non-negative, and unknown requirements' values", () => {
    expect(() => planFor(-1, 0)).toThrow();
    expect(() => planFor(1.5, 0)).toThrow();
    expect(() => planFor(1, 0, { extraRecipients: 21 })).toThrow();
  });
});

describe("trial", () => {
  const now = new Date("2026-03-10T12:00:00.000Z");

  it("starts now when the shop never had one", () => {
    expect(trialWindow(null, now)).toEqual({ startedAt: "2026-03-10T12:00:00.000Z", endsAt: "2026-03-24T12:00:00.000Z", daysLeft: 14 });
  });

  it("passes the days left, rounded up, to a plan chosen during the trial", () => {
    expect(trialWindow("2026-03-07T00:00:00Z", now)).toMatchObject({ endsAt: "2026-03-21T00:00:00.000Z", daysLeft: 11 });
    expect(trialWindow("2026-03-06T12:00:00+00:00", now).daysLeft).toBe(10);
  });

  it("gives nothing once the trial is over", () => {
    expect(trialWindow("2026-02-24T12:00:00Z", now).daysLeft).toBe(0);
    expect(trialWindow("2025-01-01T00:00:00Z", now).daysLeft).toBe(0);
  });
});

describe("overage (Shopify rail, monthly)", () => {
  it("applies to Shopify 30-day subscriptions only", () => {
    expect(overageApplies("shopify", "monthly")).toBe(true);
    expect(overageApplies("shopify", "annual")).toBe(false);
    expect(overageApplies("stripe", "monthly")).toBe(false);
  });

  it("caps the usage line item below the next plan's price", () => {
    expect(PLAN_IDS.map(overageCapCents)).toEqual([4000, 9000, 30000]);
    expect(variantAllowance("starter", true)).toBe(5000);
    expect(variantAllowance("starter", false)).toBe(1000);
    expect(variantAllowance("pro", true)).toBe(25000);
  });

  it("counts started blocks of 1 000 variants above the included ones, up to the cap", () => {
    expect([0, 1000, 1001, 2000, 2001, 5000, 9000].map((v) => overageBlocks("starter", v))).toEqual([0, 0, 1, 1, 2, 4, 4]);
    expect(overageBlocks("pro", 12500)).toBe(3);
  });

  it("keys one charge per block and cycle, so charging daily charges each block once", () => {
    const cycle = { subscriptionId: "gid://shopify/AppSubscription/7", periodStart: "2026-03-01T00:00:00Z" };
    const day1 = overageCharges("starter", 1500, cycle);
    const day9 = overageCharges("starter", 3200, cycle);
    expect(day1).toEqual([{ key: "overage:gid://shopify/AppSubscription/7:2026-03-01T00:00:00.000Z:1", block: 1, amountCents: 1000 }]);
    expect(day9.map((c) => c.block)).toEqual([1, 2, 3]);
    expect(day9[0]).toEqual(day1[0]);
    const total = overageCharges("starter", 99999, cycle).reduce((s, c) => s + c.amountCents, 0);
    expect(total).toBe(overageCapCents("starter"));
  });
});

describe("displayPrice", () => {
  const rates = ExchangeRates.parse({ base: "USD", asOf: "2026-03-10T00:00:00Z", rates: { EUR: 0.92, JPY: 151.5, KWD: 0.307, XTS: 0.5 } });

  it("keeps USD as it is", () => {
    expect(displayPrice(2900, "USD", rates)).toEqual({
      currency: "USD",
      amountMinor: 2900,
      fractionDigits: 2,
      approximate: false,
      ratesAsOf: null,
    });
  });

  it("converts to the currency's minor unit, approximately, with the rates' date", () => {
    expect(displayPrice(2900, "EUR", rates)).toEqual({
      currency: "EUR",
      amountMinor: 2668,
      fractionDigits: 2,
      approximate: true,
      ratesAsOf: "2026-03-10T00:00:00.000Z",
    });
    expect(displayPrice(7900, "KWD", rates)).toMatchObject({ amountMinor: 24253, fractionDigits: 3 });
  });

  it("rounds half to even", () => {
    expect(displayPrice(2900, "JPY", rates)).toMatchObject({ amountMinor: 4394, fractionDigits: 0 }); // 4393.5
    expect(displayPrice(1, "XTS", rates).amountMinor).toBe(0); // 0.5
    expect(displayPrice(3, "XTS", rates).amountMinor).toBe(2); // 1.5
  });

  it("falls back to USD for a currency the table lacks, and refuses malformed codes", () => {
    expect(displayPrice(2900, "CHF", rates)).toMatchObject({ currency: "USD", amountMinor: 2900, approximate: false });
    expect(() => displayPrice(2900, "eur", rates)).toThrow();
    expect(() => ExchangeRates.parse({ base: "EUR", asOf: "2026-03-10T00:00:00Z", rates: {} })).toThrow();
  });
});

describe("mulDivHalfEven", () => {
  it("rounds ties to even, exactly, in both signs", () => {
    expect([1, 3, 5, 7].map((a) => mulDivHalfEven(a, 1, 2))).toEqual([0, 2, 2, 4]);
    expect([-3, -5].map((a) => mulDivHalfEven(a, 1, 2))).toEqual([-2, -2]);
    expect(mulDivHalfEven(2900, 1, 3)).toBe(967);
    expect(mulDivHalfEven(199000, 31_535_000, 31_536_000)).toBe(198994); // 198993.69
    expect(mulDivHalfEven(Number.MAX_SAFE_INTEGER, 2, 2)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("refuses non-integers, a non-positive divisor and an unsafe result", () => {
    expect(() => mulDivHalfEven(1.5, 1, 1)).toThrow(RangeError);
    expect(() => mulDivHalfEven(1, 1, 0)).toThrow(RangeError);
    expect(() => mulDivHalfEven(Number.MAX_SAFE_INTEGER, 2, 1)).toThrow(RangeError);
  });
});
