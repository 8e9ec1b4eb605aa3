/**
 * The Stripe rail's normaliser (decision 0045): a verified Stripe event → ledger events. Pure. One Stripe event may
 * stand for several ledger events (a subscription snapshot that is both created and active); each gets the Stripe
 * event id with a suffix, so a redelivered event is stored once. Plans are read from the price's `lookup_key`
 * (`fluxor_<plan>_<interval>`), amounts net of tax in cents.
 */
import type Stripe from "stripe";
import { z } from "zod";
import type { BillingEventInput } from "./ledger";
import { INTERVALS, PLAN_IDS, type Interval, type PlanId } from "./plans";

export function priceLookupKey(plan: PlanId, interval: Interval): string {
  return `fluxor_${plan}_${interval}`;
}

export function parseLookupKey(key: string | null | undefined): { plan: PlanId; interval: Interval } | null {
  for (const plan of PLAN_IDS) for (const interval of INTERVALS) if (priceLookupKey(plan, interval) === key) return { plan, interval };
  return null;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function idOf(x: string | { id: string } | null | undefined): string | null {
  return x == null ? null : typeof x === "string" ? x : x.id;
}

/** The subscription's plan, price (net, after a percent or amount coupon) and current period. */
function termsOf(sub: Stripe.Subscription) {
  const item = sub.items.data[0];
  const terms = parseLookupKey(item?.price.lookup_key);
  if (!item || !terms) return null;
  const unit = item.price.unit_amount ?? 0;
  const coupon = sub.discounts?.map((d) => (typeof d === "string" ? null : d.source?.coupon)).find((c) => c && typeof c !== "string");
  const off =
    coupon && typeof coupon !== "string"
      ? coupon.percent_off
        ? Math.round((unit * coupon.percent_off) / 100)
        : (coupon.amount_off ?? 0)
      : 0;
  return {
    ...terms,
    priceCents: Math.max(0, unit * (item.quantity ?? 1) - off),
    currentPeriodStart: iso(item.current_period_start),
    currentPeriodEnd: iso(item.current_period_end),
  };
}

/** The ledger events of a subscription snapshot (`customer.subscription.*`). */
function subscriptionEvents(event: Stripe.Event, sub: Stripe.Subscription): BillingEventInput[] {
  const terms = termsOf(sub);
  if (!terms) return [];
  const at = iso(event.created);
  const base = { provider: "stripe" as const, subscriptionId: sub.id, occurredAt: at };
  const key = (suffix: string) => `${event.id}:${suffix}`;
  const { plan, interval, priceCents, currentPeriodStart, currentPeriodEnd } = terms;
  const out: BillingEventInput[] = [
    {
      ...base,
      type: "subscription_created",
      providerEventId: `${sub.id}:created`,
      occurredAt: iso(sub.created),
      plan,
      interval,
      priceCents,
    },
  ];
  const trialEndsAt = sub.trial_end && sub.status === "trialing" ? iso(sub.trial_end) : null;
  switch (sub.status) {
    case "trialing":
    case "active":
    case "past_due":
    case "unpaid":
    case "paused":
      out.push({
        ...base,
        type: "activated",
        providerEventId: `${sub.id}:activated`,
        occurredAt: iso(sub.start_date),
        plan,
        interval,
        priceCents,
        currentPeriodStart,
        currentPeriodEnd,
        trialEndsAt,
      });
      if (event.type === "customer.subscription.updated") {
        const previous = (event.data.previous_attributes ?? {}) as Partial<Stripe.Subscription>;
        if (previous.items)
          out.push({
            ...base,
            type: "plan_changed",
            providerEventId: key("plan"),
            plan,
            interval,
            priceCents,
            currentPeriodStart,
            currentPeriodEnd,
          });
        if ("cancel_at_period_end" in previous)
          out.push(
            sub.cancel_at_period_end
              ? { ...base, type: "cancel_requested", providerEventId: key("cancel"), cancelAt: currentPeriodEnd }
              : { ...base, type: "cancel_withdrawn", providerEventId: key("cancel") },
          );
        if ("pause_collection" in previous)
          out.push({ ...base, type: sub.pause_collection ? "paused" : "resumed", providerEventId: key("pause") });
      }
      if (sub.status === "paused" && event.type === "customer.subscription.paused")
        out.push({ ...base, type: "paused", providerEventId: key("pause") });
      if (event.type === "customer.subscription.resumed") out.push({ ...base, type: "resumed", providerEventId: key("pause") });
      return out;
    case "canceled":
      out.push({
        ...base,
        type: "cancelled",
        providerEventId: `${sub.id}:cancelled`,
        occurredAt: iso(sub.ended_at ?? sub.canceled_at ?? event.created),
      });
      return out;
    case "incomplete_expired":
      out.push({ ...base, type: "expired", providerEventId: `${sub.id}:expired` });
      return out;
    default:
      // incomplete (awaiting the first payment), or a status this version does not know: created only.
      return out;
  }
}

/** The subscription an invoice bills (null for one-off invoices). */
function invoiceSubscription(invoice: Stripe.Invoice): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription);
}

function invoiceEvents(event: Stripe.Event, invoice: Stripe.Invoice): BillingEventInput[] {
  const subscriptionId = invoiceSubscription(invoice);
  if (!subscriptionId || !invoice.id) return [];
  const base = { provider: "stripe" as const, subscriptionId, occurredAt: iso(event.created) };
  const net = invoice.total_excluding_tax ?? invoice.total;
  if (event.type === "invoice.payment_failed")
    return [
      { ...base, type: "payment_failed", providerEventId: `${event.id}:failed`, invoiceId: invoice.id, amountCents: invoice.amount_due },
    ];
  if (event.type !== "invoice.paid") return [];
  const out: BillingEventInput[] = [
    { ...base, type: "payment_succeeded", providerEventId: `${event.id}:paid`, invoiceId: invoice.id, amountCents: invoice.amount_paid },
  ];
  // Revenue: the invoice's recurring lines' service period (a $0 trial invoice recognises nothing).
  const periods = invoice.lines.data.map((l) => l.period).filter((p) => p.end > p.start);
  if (net > 0 && periods.length > 0)
    out.push({
      ...base,
      type: "invoice_paid",
      providerEventId: `${invoice.id}:paid`,
      invoiceId: invoice.id,
      amountCents: net,
      periodStart: iso(Math.min(...periods.map((p) => p.start))),
      periodEnd: iso(Math.max(...periods.map((p) => p.end))),
    });
  return out;
}

/** The Stripe event types Fluxor records (the webhook endpoint subscribes to these). */
export const STRIPE_EVENT_TYPES = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "invoice.paid",
  "invoice.payment_failed",
] as const;

/** A verified event → ledger events (none for types Fluxor does not record). */
export function stripeEvents(event: Stripe.Event): BillingEventInput[] {
  switch (event.type) {
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
    case "customer.subscription.paused":
    case "customer.subscription.resumed":
      return subscriptionEvents(event, event.data.object);
    case "invoice.paid":
    case "invoice.payment_failed":
      return invoiceEvents(event, event.data.object);
    default:
      return [];
  }
}

const StripeId = z.string().min(1).max(255);

/**
 * What the webhook reads of a correctly signed event before it knows the event's type: a signature proves who sent
 * the bytes, not their shape, so an event without `data.object` (or with one of another shape) is refused with 400
 * rather than read as one (issue 16).
 */
export const StripeEnvelope = z.looseObject({
  id: StripeId,
  type: z.string().min(1).max(255),
  created: z.number().int().nonnegative(),
  data: z.looseObject({
    object: z.looseObject({
      metadata: z.record(z.string(), z.string()).nullish(),
      customer: z.union([StripeId, z.looseObject({ id: StripeId })]).nullish(),
      client_reference_id: StripeId.nullish(),
    }),
  }),
});
export type StripeEnvelope = z.infer<typeof StripeEnvelope>;

/** Which billing account an event is about: the account id Fluxor put in metadata, else the Stripe customer. */
export function eventOwner(event: StripeEnvelope): { accountId: string | null; customerId: string | null } {
  const object = event.data.object;
  const accountId = object.client_reference_id ?? object.metadata?.fluxor_account ?? null;
  return { accountId, customerId: idOf(object.customer ?? null) };
}
