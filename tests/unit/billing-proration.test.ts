/** Plan and interval changes: Stripe's proration arithmetic to the second, half-even cents, timing rules, periods. */
import { describe, expect, it } from "vitest";
import { periodEnd, prorate, quoteChange, type CurrentTerms } from "../../app/billing/proration";

const JAN = { start: "2026-01-01T00:00:00.000Z", end: "2026-01-31T00:00:00.000Z" }; // 30 days
const AT_TWO_THIRDS = new Date("2026-01-21T00:00:00.000Z"); // 10 of 30 days left

const current = (over: Partial<CurrentTerms> = {}): CurrentTerms => ({
  rail: "stripe",
  plan: "starter",
  interval: "monthly",
  priceCents: 2900,
  periodStart: JAN.start,
  periodEnd: JAN.end,
  ...over,
});

describe("prorate", () => {
  it("charges the share of the period left, to the second", () => {
    expect(prorate(3000, JAN, new Date(JAN.start))).toBe(3000);
    expect(prorate(3000, JAN, AT_TWO_THIRDS)).toBe(1000);
    expect(prorate(3000, JAN, new Date(JAN.end))).toBe(0);
    // One second later than a third left: 3000 × 863 999 / 2 592 000 = 999.9988…
    expect(prorate(3000, JAN, new Date("2026-01-21T00:00:01.000Z"))).toBe(1000);
    expect(prorate(2_592_000, JAN, new Date("2026-01-21T00:00:01.000Z"))).toBe(863_999);
  });

  it("counts whole seconds, as Stripe's Unix timestamps do", () => {
    const p = { start: "2026-01-01T00:00:00Z", end: "2026-01-01T00:00:10Z" };
    expect(prorate(1000, p, new Date("2026-01-01T00:00:01.999Z"))).toBe(900);
  });

  it("rounds ties half to even", () => {
    const p = { start: "2026-01-01T00:00:00Z", end: "2026-01-01T00:00:02Z" };
    const mid = new Date("2026-01-01T00:00:01Z");
    expect([1, 3, 5, 7].map((price) => prorate(price, p, mid))).toEqual([0, 2, 2, 4]);
  });

  it("refuses a time outside the period", () => {
    expect(() => prorate(100, JAN, new Date("2025-12-31T23:59:59Z"))).toThrow(RangeError);
    expect(() => prorate(100, JAN, new Date("2026-02-01T00:00:00Z"))).toThrow(RangeError);
  });
});

describe("quoteChange", () => {
  it("reproduces Stripe's documented example: 10 → 20 USD halfway through the month bills 5 USD", () => {
    const q = quoteChange(
      current({ plan: "pro", priceCents: 1000 }),
      { plan: "enterprise", interval: "monthly", priceCents: 2000 },
      new Date("2026-01-16T00:00:00Z"),
    );
    expect(q.lines.map((l) => l.amountCents)).toEqual([-500, 1000]);
    expect(q.totalCents).toBe(500);
  });

  it("upgrades now: credit for the unused time, charge for the remaining time, same period", () => {
    expect(quoteChange(current(), { plan: "pro", interval: "monthly" }, AT_TWO_THIRDS)).toEqual({
      kind: "upgrade",
      timing: "now",
      effectiveAt: "2026-01-21T00:00:00.000Z",
      lines: [
        { kind: "unused_time", plan: "starter", interval: "monthly", amountCents: -967, from: "2026-01-21T00:00:00.000Z", to: JAN.end },
        { kind: "remaining_time", plan: "pro", interval: "monthly", amountCents: 2633, from: "2026-01-21T00:00:00.000Z", to: JAN.end },
      ],
      totalCents: 1666,
      period: JAN,
    });
  });

  it("switches monthly → annual now: the unused month is credited against a full year that starts now", () => {
    const q = quoteChange(current({ plan: "pro", priceCents: 7900 }), { plan: "pro", interval: "annual" }, AT_TWO_THIRDS);
    expect(q).toMatchObject({ kind: "interval_change", timing: "now", totalCents: -2633 + 79000 });
    expect(q.lines[1]).toEqual({
      kind: "new_period",
      plan: "pro",
      interval: "annual",
      amountCents: 79000,
      from: "2026-01-21T00:00:00.000Z",
      to: "2027-01-21T00:00:00.000Z",
    });
    expect(q.period).toEqual({ start: "2026-01-21T00:00:00.000Z", end: "2027-01-21T00:00:00.000Z" });
    const up = quoteChange(current(), { plan: "pro", interval: "annual" }, AT_TWO_THIRDS);
    expect(up).toMatchObject({ kind: "upgrade", timing: "now", totalCents: -967 + 79000 });
  });

  it("downgrades at the end of the period, charging nothing now", () => {
    expect(quoteChange(current({ plan: "pro", priceCents: 7900 }), { plan: "starter", interval: "monthly" }, AT_TWO_THIRDS)).toEqual({
      kind: "downgrade",
      timing: "period_end",
      effectiveAt: JAN.end,
      lines: [],
      totalCents: 0,
      period: { start: JAN.end, end: "2026-02-28T00:00:00.000Z" },
    });
  });

  it("honours an annual commitment: annual → monthly waits for the period's end, even with a higher plan", () => {
    const annual = current({
      plan: "pro",
      interval: "annual",
      priceCents: 79000,
      periodStart: "2026-01-01T00:00:00Z",
      periodEnd: "2027-01-01T00:00:00Z",
    });
    const at = new Date("2026-06-01T00:00:00Z");
    expect(quoteChange(annual, { plan: "pro", interval: "monthly" }, at)).toMatchObject({
      kind: "interval_change",
      timing: "period_end",
      effectiveAt: "2027-01-01T00:00:00.000Z",
    });
    expect(quoteChange(annual, { plan: "enterprise", interval: "monthly" }, at)).toMatchObject({
      kind: "upgrade",
      timing: "period_end",
      totalCents: 0,
    });
    expect(quoteChange(annual, { plan: "enterprise", interval: "annual" }, at)).toMatchObject({ kind: "upgrade", timing: "now" });
  });

  it("changes nothing when nothing changes", () => {
    expect(quoteChange(current(), { plan: "starter", interval: "monthly" }, AT_TWO_THIRDS)).toMatchObject({
      kind: "none",
      lines: [],
      totalCents: 0,
      period: JAN,
    });
  });

  it("estimates Shopify's 30-day cycles on the Shopify rail", () => {
    const q = quoteChange(
      current({ rail: "shopify", plan: "pro", priceCents: 7900 }),
      { plan: "starter", interval: "monthly" },
      AT_TWO_THIRDS,
    );
    expect(q.period).toEqual({ start: JAN.end, end: "2026-03-02T00:00:00.000Z" });
  });

  it("refuses invalid terms and a time outside the current period", () => {
    expect(() => quoteChange(current({ periodEnd: JAN.start }), { plan: "pro", interval: "monthly" }, AT_TWO_THIRDS)).toThrow();
    expect(() => quoteChange(current({ priceCents: -1 }), { plan: "pro", interval: "monthly" }, AT_TWO_THIRDS)).toThrow();
    expect(() => quoteChange(current(), { plan: "pro", interval: "monthly" }, new Date("2026-02-10T00:00:00Z"))).toThrow(RangeError);
  });

  it("nets to within a cent of the price difference over the time left, for any prices and times", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const span = Date.parse(JAN.end) - Date.parse(JAN.start);
    for (let i = 0; i < 500; i++) {
      const [oldPrice, newPrice] = [1 + Math.floor(rand() * 100_000), 1 + Math.floor(rand() * 100_000)];
      const at = new Date(Date.parse(JAN.start) + Math.floor((rand() * span) / 1000) * 1000);
      const q = quoteChange(
        current({ plan: "starter", priceCents: oldPrice }),
        { plan: "pro", interval: "monthly", priceCents: newPrice },
        at,
      );
      const exact = ((newPrice - oldPrice) * (Date.parse(JAN.end) - at.getTime())) / span;
      expect(Math.abs(q.totalCents - exact)).toBeLessThanOrEqual(1);
    }
  });
});

describe("periodEnd", () => {
  it("Stripe: a calendar month or year later, clamped to the month's end", () => {
    expect(periodEnd("2026-01-15T10:30:00.000Z", "monthly", "stripe")).toBe("2026-02-15T10:30:00.000Z");
    expect(periodEnd("2026-01-31T00:00:00.000Z", "monthly", "stripe")).toBe("2026-02-28T00:00:00.000Z");
    expect(periodEnd("2028-01-31T00:00:00.000Z", "monthly", "stripe")).toBe("2028-02-29T00:00:00.000Z");
    expect(periodEnd("2026-12-31T00:00:00.000Z", "monthly", "stripe")).toBe("2027-01-31T00:00:00.000Z");
    expect(periodEnd("2028-02-29T00:00:00.000Z", "annual", "stripe")).toBe("2029-02-28T00:00:00.000Z");
  });

  it("Shopify: 30 days for monthly, a calendar year for annual", () => {
    expect(periodEnd("2026-02-01T00:00:00.000Z", "monthly", "shopify")).toBe("2026-03-03T00:00:00.000Z");
    expect(periodEnd("2026-02-01T00:00:00.000Z", "annual", "shopify")).toBe("2027-02-01T00:00:00.000Z");
  });
});
