/**
 * The billing page's invoices, pure (app/billing/invoices.ts): a Stripe invoice → the page's row (service period from
 * its lines, discounts and taxes summed) → the export's cells (the shop's local days, amounts as numbers so a credit
 * is never taken for a formula); the Shopify rail's charges read from a ledger as revenue recognition reads them (one
 * per invoice id, Shopify's only, with the plan of their subscription, newest first).
 */
import { describe, expect, it } from "vitest";
import { csvLine } from "../../../app/csv/writer";
import {
  dayIn,
  majorUnits,
  SHOPIFY_CHARGES_CSV_HEADER,
  shopifyChargeCells,
  shopifyCharges,
  STRIPE_INVOICES_CSV_HEADER,
  stripeInvoiceCells,
  stripeInvoiceRow,
  type StripeInvoiceFields,
} from "../../../app/billing/invoices";
import { BillingEvent, type BillingEventInput } from "../../../app/billing/ledger";
import { paidInvoices } from "../../../app/billing/revenue";

const at = (iso: string) => Date.parse(iso) / 1000;

function invoice(extra: Partial<StripeInvoiceFields> = {}): StripeInvoiceFields {
  return {
    id: "in_1",
    number: "FLX-0001",
    created: at("2026-03-01T23:30:00Z"),
    // Stripe's own period of a subscription invoice looks back one period.
    period_start: at("2026-02-01T23:30:00Z"),
    period_end: at("2026-03-01T23:30:00Z"),
    subtotal: 7900,
    total_discount_amounts: [{ amount: 1580, discount: "di_1" }],
    total_taxes: [
      {
        amount: 1000,
        tax_behavior: "exclusive",
        tax_rate_details: null,
        taxability_reason: "standard_rated",
        taxable_amount: 6320,
        type: "tax_rate_details",
      },
      {
        amount: 264,
        tax_behavior: "exclusive",
        tax_rate_details: null,
        taxability_reason: "standard_rated",
        taxable_amount: 6320,
        type: "tax_rate_details",
      },
    ],
    total: 7584,
    amount_paid: 7584,
    currency: "usd",
    status: "paid",
    invoice_pdf: "https://stripe.test/invoice/in_1/pdf",
    hosted_invoice_url: "https://stripe.test/i/in_1",
    lines: { data: [{ period: { start: at("2026-03-01T23:30:00Z"), end: at("2026-04-01T23:30:00Z") } }] },
    ...extra,
  };
}

describe("a Stripe invoice as the page's row", () => {
  it("takes the service period from its lines, and sums its discounts and taxes", () => {
    expect(stripeInvoiceRow(invoice())).toEqual({
      id: "in_1",
      number: "FLX-0001",
      createdAt: "2026-03-01T23:30:00.000Z",
      periodStart: "2026-03-01T23:30:00.000Z",
      periodEnd: "2026-04-01T23:30:00.000Z",
      subtotalCents: 7900,
      discountCents: 1580,
      taxCents: 1264,
      totalCents: 7584,
      amountPaidCents: 7584,
      currency: "USD",
      status: "paid",
      pdfUrl: "https://stripe.test/invoice/in_1/pdf",
      hostedUrl: "https://stripe.test/i/in_1",
    });
  });

  it("spans every line's period (a proration and the new period), and falls back to Stripe's period without one", () => {
    const prorated = stripeInvoiceRow(
      invoice({
        lines: {
          data: [
            { period: { start: at("2026-03-10T00:00:00Z"), end: at("2026-04-01T23:30:00Z") } },
            { period: { start: at("2026-04-01T23:30:00Z"), end: at("2026-05-01T23:30:00Z") } },
            // A one-off line at an instant has no period.
            { period: { start: at("2026-03-10T00:00:00Z"), end: at("2026-03-10T00:00:00Z") } },
          ],
        },
      }),
    );
    expect([prorated.periodStart, prorated.periodEnd]).toEqual(["2026-03-10T00:00:00.000Z", "2026-05-01T23:30:00.000Z"]);
    const bare = stripeInvoiceRow(invoice({ lines: { data: [] }, total_discount_amounts: null, total_taxes: null, status: null }));
    expect(bare).toMatchObject({
      periodStart: "2026-02-01T23:30:00.000Z",
      periodEnd: "2026-03-01T23:30:00.000Z",
      discountCents: 0,
      taxCents: 0,
      status: "draft",
    });
  });
});

describe("the Stripe rail's export", () => {
  it("writes the shop's local days and amounts in the currency's major unit", () => {
    const row = stripeInvoiceRow(invoice());
    expect(csvLine(STRIPE_INVOICES_CSV_HEADER)).toBe(
      "number,date,period_start,period_end,status,subtotal,discount,tax,total,currency,amount_paid,pdf_url\r\n",
    );
    // 23:30 UTC is the next day in Berlin, the same day in New York.
    expect(csvLine(stripeInvoiceCells(row, "Europe/Berlin"))).toBe(
      "FLX-0001,2026-03-02,2026-03-02,2026-04-02,paid,79,15.8,12.64,75.84,USD,75.84,https://stripe.test/invoice/in_1/pdf\r\n",
    );
    expect(stripeInvoiceCells(row, "America/New_York").slice(1, 4)).toEqual(["2026-03-01", "2026-03-01", "2026-04-01"]);
  });

  it("names a draft by its id, and writes a credit as a negative number, not a text a spreadsheet would run", () => {
    const credit = stripeInvoiceRow(
      invoice({
        number: null,
        status: "draft",
        subtotal: -1200,
        total: -1200,
        amount_paid: 0,
        total_discount_amounts: [],
        total_taxes: [],
        invoice_pdf: null,
      }),
    );
    expect(csvLine(stripeInvoiceCells(credit, "UTC"))).toBe("in_1,2026-03-01,2026-03-01,2026-04-01,draft,-12,0,0,-12,USD,0,\r\n");
  });

  it("knows currencies without a minor unit", () => {
    expect(majorUnits(7900, "USD")).toBe(79);
    expect(majorUnits(7900, "JPY")).toBe(7900);
    expect(majorUnits(7905, "KWD")).toBe(7.905);
    expect(dayIn("2026-12-31T23:00:00Z", "Pacific/Auckland")).toBe("2027-01-01");
  });
});

describe("the Shopify rail's charges", () => {
  const ev = (e: BillingEventInput) => BillingEvent.parse(e);
  const OLD = "gid://shopify/AppSubscription/1";
  const NEW = "gid://shopify/AppSubscription/2";
  const paid = (sub: string, start: string, end: string, cents: number) =>
    ev({
      type: "invoice_paid",
      provider: "shopify",
      providerEventId: `${sub}:period:${start}`,
      subscriptionId: sub,
      occurredAt: start,
      invoiceId: `${sub}:period:${start}`,
      amountCents: cents,
      periodStart: start,
      periodEnd: end,
    });
  const terms = (sub: string, plan: "starter" | "pro", interval: "monthly" | "annual", priceCents: number, when: string) => [
    ev({
      type: "subscription_created",
      provider: "shopify",
      providerEventId: `${sub}:created`,
      subscriptionId: sub,
      occurredAt: when,
      plan,
      interval,
      priceCents,
    }),
    ev({
      type: "activated",
      provider: "shopify",
      providerEventId: `${sub}:activated`,
      subscriptionId: sub,
      occurredAt: when,
      plan,
      interval,
      priceCents,
      currentPeriodStart: when,
      currentPeriodEnd: when,
      trialEndsAt: null,
    }),
  ];
  const ledger = [
    ev({
      type: "trial_started",
      provider: "fluxor",
      providerEventId: "trial:x",
      subscriptionId: null,
      occurredAt: "2026-01-01T00:00:00Z",
      trialEndsAt: "2026-01-15T00:00:00Z",
    }),
    ...terms(OLD, "starter", "monthly", 2900, "2026-01-10T00:00:00Z"),
    paid(OLD, "2026-02-09T00:00:00Z", "2026-03-11T00:00:00Z", 2900),
    paid(OLD, "2026-01-15T00:00:00Z", "2026-02-09T00:00:00Z", 2900),
    // The same paid period seen again (the webhook and a poll): one charge.
    paid(OLD, "2026-01-15T00:00:00Z", "2026-02-09T00:00:00Z", 2900),
    ...terms(NEW, "pro", "annual", 79000, "2026-03-01T00:00:00Z"),
    paid(NEW, "2026-03-01T00:00:00Z", "2027-03-01T00:00:00Z", 79000),
    // Not Shopify's: a Stripe invoice in the same ledger (an account that moved rails) is not a Shopify charge.
    ev({
      type: "invoice_paid",
      provider: "stripe",
      providerEventId: "in_9:paid",
      subscriptionId: "sub_9",
      occurredAt: "2026-04-01T00:00:00Z",
      invoiceId: "in_9",
      amountCents: 7900,
      periodStart: "2026-04-01T00:00:00Z",
      periodEnd: "2026-05-01T00:00:00Z",
    }),
  ];

  it("are the ledger's paid periods, one per invoice, with their subscription's plan, newest first", () => {
    const charges = shopifyCharges(ledger);
    expect(charges.map((c) => [c.periodStart.slice(0, 10), c.periodEnd.slice(0, 10), c.plan, c.interval, c.amountCents])).toEqual([
      ["2026-03-01", "2027-03-01", "pro", "annual", 79000],
      ["2026-02-09", "2026-03-11", "starter", "monthly", 2900],
      ["2026-01-15", "2026-02-09", "starter", "monthly", 2900],
    ]);
    // The same charges revenue recognition recognises, bar the Stripe invoice.
    expect(charges.map((c) => c.amountCents).reduce((a, b) => a + b)).toBe(
      paidInvoices([{ accountId: "a", events: ledger }])
        .filter((i) => i.invoiceId.startsWith("gid://shopify/"))
        .reduce((sum, i) => sum + i.amountCents, 0),
    );
  });

  it("export as the shop's local days, plan, interval and USD", () => {
    expect(csvLine(SHOPIFY_CHARGES_CSV_HEADER)).toBe("date,period_start,period_end,plan,interval,amount,currency\r\n");
    const [annual] = shopifyCharges(ledger);
    expect(csvLine(shopifyChargeCells(annual!, "America/Los_Angeles"))).toBe("2026-02-28,2026-02-28,2027-02-28,pro,annual,790,USD\r\n");
  });

  it("are none for a ledger without a paid period", () => {
    expect(shopifyCharges(ledger.filter((e) => e.type !== "invoice_paid"))).toEqual([]);
  });
});
