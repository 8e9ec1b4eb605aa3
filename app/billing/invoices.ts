/**
 * The billing page's invoices, pure: Stripe's invoices as the page and its export show them, the charges Fluxor
 * recorded from Shopify (the ledger's paid periods), and both as CSV cells for the one CSV writer (app/csv/writer.ts).
 * Amounts in the CSV are numbers in the currency's major unit (79.5, -12): a number is never taken for a formula, as
 * a text "-12.00" would be. Dates are the shop's local days (YYYY-MM-DD), as the page shows them.
 */
import type Stripe from "stripe";
import type { CsvValue } from "../csv/writer";
import { orderEvents, type BillingEvent } from "./ledger";
import { CATALOGUE, type Interval, type PlanId } from "./plans";

export interface InvoiceRow {
  id: string;
  number: string | null;
  createdAt: string;
  /** The service period of its lines (a subscription invoice's month or year), else Stripe's invoice period. */
  periodStart: string;
  periodEnd: string;
  /** Before discounts and tax. */
  subtotalCents: number;
  discountCents: number;
  taxCents: number;
  totalCents: number;
  amountPaidCents: number;
  currency: string;
  status: string;
  pdfUrl: string | null;
  hostedUrl: string | null;
}

/** The fields of a Stripe invoice the rows are made of. */
export type StripeInvoiceFields = Pick<
  Stripe.Invoice,
  | "id"
  | "number"
  | "created"
  | "period_start"
  | "period_end"
  | "subtotal"
  | "total_discount_amounts"
  | "total_taxes"
  | "total"
  | "amount_paid"
  | "currency"
  | "status"
  | "invoice_pdf"
  | "hosted_invoice_url"
> & { lines: { data: readonly Pick<Stripe.InvoiceLineItem, "period">[] } };

const instant = (seconds: number) => new Date(seconds * 1000).toISOString();

export function stripeInvoiceRow(inv: StripeInvoiceFields): InvoiceRow {
  // As the ledger reads a paid invoice's service period (stripe-events.ts): Stripe's own `period_*` look back one
  // period on a subscription invoice.
  const periods = inv.lines.data.map((l) => l.period).filter((p) => p.end > p.start);
  return {
    id: inv.id,
    number: inv.number,
    createdAt: instant(inv.created),
    periodStart: instant(periods.length > 0 ? Math.min(...periods.map((p) => p.start)) : inv.period_start),
    periodEnd: instant(periods.length > 0 ? Math.max(...periods.map((p) => p.end)) : inv.period_end),
    subtotalCents: inv.subtotal,
    discountCents: (inv.total_discount_amounts ?? []).reduce((sum, d) => sum + d.amount, 0),
    taxCents: (inv.total_taxes ?? []).reduce((sum, t) => sum + t.amount, 0),
    totalCents: inv.total,
    amountPaidCents: inv.amount_paid,
    currency: inv.currency.toUpperCase(),
    status: inv.status ?? "draft",
    pdfUrl: inv.invoice_pdf ?? null,
    hostedUrl: inv.hosted_invoice_url ?? null,
  };
}

/** A 30-day or annual charge Shopify put on the shop's Shopify bill, as Fluxor recorded it. */
export interface ShopifyCharge {
  /** When the paid period began (the day Shopify charges it). */
  chargedAt: string;
  periodStart: string;
  periodEnd: string;
  plan: PlanId | null;
  interval: Interval | null;
  amountCents: number;
  currency: string;
}

/**
 * The Shopify rail's charges in a ledger, newest first: its paid periods (`invoice_paid`), one per invoice id, read as
 * revenue recognition reads them (`paidInvoices` in revenue.ts), with the plan of the subscription they were for.
 */
export function shopifyCharges(events: readonly BillingEvent[]): ShopifyCharge[] {
  const terms = new Map<string, { plan: PlanId; interval: Interval }>();
  const seen = new Set<string>();
  const out: ShopifyCharge[] = [];
  for (const e of orderEvents(events)) {
    if (e.provider !== "shopify") continue;
    if (e.type === "subscription_created" || e.type === "activated" || e.type === "plan_changed")
      terms.set(e.subscriptionId, { plan: e.plan, interval: e.interval });
    if (e.type !== "invoice_paid" || seen.has(e.invoiceId)) continue;
    seen.add(e.invoiceId);
    const plan = terms.get(e.subscriptionId);
    out.push({
      chargedAt: e.occurredAt,
      periodStart: e.periodStart,
      periodEnd: e.periodEnd,
      plan: plan?.plan ?? null,
      interval: plan?.interval ?? null,
      amountCents: e.amountCents,
      currency: CATALOGUE.chargeCurrency,
    });
  }
  return out.reverse();
}

/** An instant's day in a time zone (YYYY-MM-DD). */
export function dayIn(instant: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(instant));
}

/** Minor units → the currency's major unit (cents → dollars; JPY has no minor unit). */
export function majorUnits(minor: number, currency: string): number {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return minor / 10 ** digits;
}

export const STRIPE_INVOICES_CSV_HEADER = [
  "number",
  "date",
  "period_start",
  "period_end",
  "status",
  "subtotal",
  "discount",
  "tax",
  "total",
  "currency",
  "amount_paid",
  "pdf_url",
] as const;

/** One Stripe invoice as a CSV line's cells (a draft has no number yet: its id stands in, as on the page). */
export function stripeInvoiceCells(row: InvoiceRow, timeZone: string): CsvValue[] {
  const amount = (cents: number) => majorUnits(cents, row.currency);
  return [
    row.number ?? row.id,
    dayIn(row.createdAt, timeZone),
    dayIn(row.periodStart, timeZone),
    dayIn(row.periodEnd, timeZone),
    row.status,
    amount(row.subtotalCents),
    amount(row.discountCents),
    amount(row.taxCents),
    amount(row.totalCents),
    row.currency,
    amount(row.amountPaidCents),
    row.pdfUrl,
  ];
}

export const SHOPIFY_CHARGES_CSV_HEADER = ["date", "period_start", "period_end", "plan", "interval", "amount", "currency"] as const;

export function shopifyChargeCells(charge: ShopifyCharge, timeZone: string): CsvValue[] {
  return [
    dayIn(charge.chargedAt, timeZone),
    dayIn(charge.periodStart, timeZone),
    dayIn(charge.periodEnd, timeZone),
    charge.plan,
    charge.interval,
    majorUnits(charge.amountCents, charge.currency),
    charge.currency,
  ];
}
