/**
 * The billing engine: subscriptions, their periods and renewals, invoices (lines, discounts, tax, customer
 * balance), payments with the test cards, prorations, dunning, and the passing of time (test clocks, or the
 * stand-in's own clock for objects without one). Every function takes the time it happens at (`at`, Unix seconds)
 * and raises its events into the context's outbox.
 *
 * Stated simplifications: all items of a subscription share one interval (Stripe's classic billing mode);
 * renewal invoices are drafts for one hour, then finalized and charged (as Stripe does); a change of interval or
 * `billing_cycle_anchor: now` invoices at once (credit for unused time + the new full period); prorations are by
 * the second: `amount × quantity × (period_end − proration_date) / (period_end − period_start)`, rounded per line.
 */
import { charge, type ChargeOutcome } from "./cards";
import { changedFields, emit, emitIfChanged, nowFor, type Ctx } from "./context";
import { cardError, invalidRequest, resourceMissing } from "./errors";
import { newId } from "./ids";
import { formatAmount, formatDate, roundHalf } from "./money";
import type {
  CouponRec,
  CustomerRec,
  DiscountRec,
  Interval,
  InvoiceLineRec,
  InvoiceRec,
  LineTax,
  Metadata,
  PendingItemRec,
  PriceRec,
  PromotionCodeRec,
  SubscriptionItemRec,
  SubscriptionRec,
  TaxRateRec,
} from "./store";
import { taxFor } from "./tax";
import { couponValid, customerView, invoiceView, subscriptionView } from "./views";

const HOUR = 3600;
const DAY = 24 * HOUR;
/** Renewal invoices stay drafts this long before Stripe finalizes and charges them. */
export const FINALIZE_DELAY = HOUR;
/** An incomplete subscription whose first invoice is not paid expires after 23 hours. */
const INCOMPLETE_EXPIRY = 23 * HOUR;
/** `customer.subscription.trial_will_end` comes this long before the trial ends. */
const TRIAL_WILL_END = 3 * DAY;

// ---------------------------------------------------------------------------------------------- periods

export function addInterval(from: number, interval: Interval, count: number): number {
  if (interval === "day") return from + count * DAY;
  if (interval === "week") return from + count * 7 * DAY;
  const months = (interval === "year" ? 12 : 1) * count;
  const d = new Date(from * 1000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

/** The first billing date after `after` on the anchor's cycle (Jan 31 → Feb 28 → Mar 31, as Stripe does). */
export function periodEndAfter(anchor: number, interval: Interval, count: number, after: number): number {
  if (anchor > after) return anchor;
  for (let k = 1; k < 100_000; k += 1) {
    const end = addInterval(anchor, interval, count * k);
    if (end > after) return end;
  }
  throw new Error("period out of range");
}

export function intervalOf(ctx: Ctx, items: { price: string }[]): { interval: Interval; count: number } {
  const first = items[0];
  const price = first ? ctx.store.prices.get(first.price) : undefined;
  return { interval: price?.recurring?.interval ?? "month", count: price?.recurring?.intervalCount ?? 1 };
}

// ---------------------------------------------------------------------------------------------- helpers

export const productName = (ctx: Ctx, price: PriceRec) => ctx.store.products.find(price.product)?.name ?? price.nickname ?? price.id;

const itemLabel = (ctx: Ctx, price: PriceRec, quantity: number) =>
  quantity === 1 ? productName(ctx, price) : `${quantity} × ${productName(ctx, price)}`;

function periodLineDescription(ctx: Ctx, price: PriceRec, quantity: number): string {
  const every = price.recurring
    ? price.recurring.intervalCount === 1
      ? price.recurring.interval
      : `${price.recurring.intervalCount} ${price.recurring.interval}s`
    : "";
  return `${quantity} × ${productName(ctx, price)} (at ${formatAmount(price.unitAmount, price.currency)}${every ? ` / ${every}` : ""})`;
}

export function paymentMethodFor(ctx: Ctx, sub: SubscriptionRec | null, customer: CustomerRec): string | null {
  return sub?.defaultPaymentMethod ?? customer.defaultPaymentMethod ?? null;
}

export function customerTaxContext(ctx: Ctx, customer: CustomerRec) {
  const taxIds = ctx.store.taxIds.all().filter((t) => t.customer === customer.id);
  return { country: customer.address?.country ?? null, taxExempt: customer.taxExempt, taxIds };
}

function ensureTaxRate(ctx: Ctx, country: string, percentage: number, displayName: string, taxType: TaxRateRec["taxType"]): string {
  const existing = ctx.store.taxRates.all().find((r) => r.country === country && r.percentage === percentage);
  if (existing) return existing.id;
  return ctx.store.taxRates.add({
    id: newId("taxRate"),
    created: ctx.wallSeconds(),
    country,
    percentage,
    displayName,
    taxType,
    jurisdiction: country,
  }).id;
}

// ---------------------------------------------------------------------------------------------- discounts

/** Whether a promotion code can be redeemed now by this customer for this amount; throws Stripe-like messages. */
export function checkPromotionCode(
  ctx: Ctx,
  promo: PromotionCodeRec,
  customer: CustomerRec | null,
  amount: number,
  currency: string,
  at: number,
  param: string,
): CouponRec {
  const coupon = ctx.store.coupons.get(promo.coupon);
  if (!promo.active) throw invalidRequest(`This promotion code is inactive: ${promo.code}`, param);
  if (promo.expiresAt !== null && promo.expiresAt <= at) throw invalidRequest(`This promotion code has expired: ${promo.code}`, param);
  if (promo.maxRedemptions !== null && promo.timesRedeemed >= promo.maxRedemptions)
    throw invalidRequest(`This promotion code has been fully redeemed: ${promo.code}`, param);
  if (!couponValid(coupon, at)) throw invalidRequest(`Coupon ${coupon.id} is no longer valid.`, param);
  if (promo.customer && promo.customer !== customer?.id)
    throw invalidRequest(`This promotion code cannot be redeemed by this customer: ${promo.code}`, param);
  if (
    promo.firstTimeTransaction &&
    customer &&
    ctx.store.invoices.all().some((i) => i.customer === customer.id && i.status === "paid" && i.amountPaid > 0)
  )
    throw invalidRequest(
      `This promotion code cannot be redeemed because the associated customer has prior transactions: ${promo.code}`,
      param,
    );
  if (promo.minimumAmount !== null && (promo.minimumAmountCurrency ?? currency) === currency && amount < promo.minimumAmount)
    throw invalidRequest(
      `This promotion code requires a minimum amount of ${formatAmount(promo.minimumAmount, currency)}: ${promo.code}`,
      param,
    );
  if (coupon.amountOff !== null && coupon.currency !== currency)
    throw invalidRequest(`Coupon ${coupon.id} is in ${coupon.currency ?? "?"} and cannot discount ${currency}.`, param);
  return coupon;
}

export interface DiscountSpec {
  coupon: string | null;
  promotionCode: string | null;
}

/** Redeems a coupon or promotion code for a customer (and subscription): a `di_` discount with its end date. */
export function redeem(
  ctx: Ctx,
  spec: DiscountSpec,
  customer: CustomerRec,
  at: number,
  opts: { subscription: string | null; checkoutSession?: string | null; amount: number; currency: string; param: string },
): DiscountRec {
  let coupon: CouponRec;
  let promotionCode: string | null = null;
  if (spec.promotionCode) {
    const promo = ctx.store.promotionCodes.get(spec.promotionCode, `${opts.param}[promotion_code]`);
    coupon = checkPromotionCode(ctx, promo, customer, opts.amount, opts.currency, at, `${opts.param}[promotion_code]`);
    promo.timesRedeemed += 1;
    promotionCode = promo.id;
  } else {
    coupon = ctx.store.coupons.get(spec.coupon ?? "", `${opts.param}[coupon]`);
    if (!couponValid(coupon, at)) throw invalidRequest(`Coupon ${coupon.id} is no longer valid.`, `${opts.param}[coupon]`);
    if (coupon.amountOff !== null && coupon.currency !== opts.currency)
      throw invalidRequest(
        `Coupon ${coupon.id} is in ${coupon.currency ?? "?"} and cannot discount ${opts.currency}.`,
        `${opts.param}[coupon]`,
      );
  }
  coupon.timesRedeemed += 1;
  const end = coupon.duration === "repeating" ? addInterval(at, "month", coupon.durationInMonths ?? 1) : null;
  return ctx.store.discounts.add({
    id: newId("discount"),
    created: at,
    coupon: coupon.id,
    promotionCode,
    customer: customer.id,
    subscription: opts.subscription,
    checkoutSession: opts.checkoutSession ?? null,
    start: at,
    end,
    usedUp: false,
  });
}

/** Whether an invoice is open (a function, so that TypeScript does not keep an earlier narrowing after a finalize). */
export const isOpen = (inv: InvoiceRec): boolean => inv.status === "open";

const discountActive = (d: DiscountRec, at: number) => !d.usedUp && d.start <= at && (d.end === null || d.end > at);

// ---------------------------------------------------------------------------------------------- invoices

export interface LineDraft {
  amount: number;
  description: string;
  periodStart: number;
  periodEnd: number;
  price: PriceRec;
  quantity: number;
  proration: boolean;
  subscriptionItem: string | null;
  invoiceItem: string | null;
}

export function periodLines(ctx: Ctx, items: SubscriptionItemRec[], start: number, end: number, subscription: string | null): LineDraft[] {
  void subscription;
  return items.map((item) => {
    const price = ctx.store.prices.get(item.price);
    return {
      amount: price.unitAmount * item.quantity,
      description: periodLineDescription(ctx, price, item.quantity),
      periodStart: start,
      periodEnd: end,
      price,
      quantity: item.quantity,
      proration: false,
      subscriptionItem: item.id,
      invoiceItem: null,
    };
  });
}

const pendingLines = (ctx: Ctx, pending: PendingItemRec[]): LineDraft[] =>
  pending.map((p) => ({
    amount: p.amount,
    description: p.description,
    periodStart: p.periodStart,
    periodEnd: p.periodEnd,
    price: ctx.store.prices.get(p.price),
    quantity: p.quantity,
    proration: p.proration,
    subscriptionItem: p.subscriptionItem,
    invoiceItem: p.id,
  }));

/** Discounts, tax and totals of an invoice from its lines (and the customer's balance). */
function computeTotals(ctx: Ctx, inv: InvoiceRec, customer: CustomerRec, discounts: DiscountRec[], at: number): void {
  const active = discounts.filter((d) => discountActive(d, at));
  inv.discounts = active.map((d) => d.id);
  for (const line of inv.lines) {
    line.discountAmounts = [];
    line.taxes = [];
  }
  for (const d of active) {
    const coupon = ctx.store.coupons.find(d.coupon);
    if (!coupon) continue;
    const lines = inv.lines.filter((line) => line.discountable);
    if (coupon.percentOff !== null) {
      for (const line of lines) line.discountAmounts.push({ amount: roundHalf((line.amount * coupon.percentOff) / 100), discount: d.id });
    } else if (coupon.amountOff !== null && coupon.currency === inv.currency) {
      const bases = lines.map((line) => Math.max(0, line.amount - line.discountAmounts.reduce((s, x) => s + x.amount, 0)));
      const base = bases.reduce((s, x) => s + x, 0);
      const off = Math.min(coupon.amountOff, base);
      let left = off;
      lines.forEach((line, i) => {
        const share = i === lines.length - 1 ? left : Math.floor((off * (bases[i] ?? 0)) / (base || 1));
        left -= share;
        if (share) line.discountAmounts.push({ amount: share, discount: d.id });
      });
    }
  }
  const tax = inv.automaticTax.enabled ? taxFor(customerTaxContext(ctx, customer), ctx.account.country) : null;
  inv.automaticTax.status = inv.automaticTax.enabled ? (tax ? "complete" : "requires_location_inputs") : null;
  if (tax)
    for (const line of inv.lines) {
      const taxable = line.amount - line.discountAmounts.reduce((s, x) => s + x.amount, 0);
      const price = line.price ? ctx.store.prices.find(line.price) : undefined;
      const behavior = price?.taxBehavior === "inclusive" ? "inclusive" : "exclusive";
      if (tax.rate) {
        const pct = tax.rate.percentage;
        const amount = behavior === "exclusive" ? roundHalf((taxable * pct) / 100) : taxable - roundHalf(taxable / (1 + pct / 100));
        line.taxes.push({
          amount,
          behavior,
          reason: tax.reason,
          taxRate: ensureTaxRate(ctx, tax.rate.country, pct, tax.rate.displayName, tax.rate.taxType),
          taxableAmount: behavior === "exclusive" ? taxable : taxable - amount,
        });
      } else line.taxes.push({ amount: 0, behavior, reason: tax.reason, taxRate: null, taxableAmount: taxable });
    }
  const sum = (values: number[]) => values.reduce((s, x) => s + x, 0);
  const allTaxes = inv.lines.flatMap((line) => line.taxes);
  const inclusive = sum(allTaxes.filter((t) => t.behavior === "inclusive").map((t) => t.amount));
  const exclusive = sum(allTaxes.filter((t) => t.behavior === "exclusive").map((t) => t.amount));
  const discount = sum(inv.lines.flatMap((line) => line.discountAmounts.map((x) => x.amount)));
  inv.subtotal = sum(inv.lines.map((line) => line.amount));
  inv.subtotalExcludingTax = inv.subtotal - inclusive;
  inv.totalDiscounts = active.map((d) => ({
    amount: sum(inv.lines.flatMap((line) => line.discountAmounts.filter((x) => x.discount === d.id).map((x) => x.amount))),
    discount: d.id,
  }));
  inv.totalExcludingTax = inv.subtotal - discount - inclusive;
  inv.total = inv.subtotal - discount + exclusive;
  const grouped = new Map<string, LineTax>();
  for (const t of allTaxes) {
    const key = `${t.taxRate}|${t.reason}|${t.behavior}`;
    const g = grouped.get(key);
    if (g) {
      g.amount += t.amount;
      g.taxableAmount += t.taxableAmount;
    } else grouped.set(key, { ...t });
  }
  inv.totalTaxes = [...grouped.values()];
  applyBalance(inv, customer.balance);
}

function applyBalance(inv: InvoiceRec, balance: number): void {
  inv.startingBalance = balance;
  const net = inv.total + balance;
  inv.amountDue = Math.max(0, net);
  inv.amountRemaining = Math.max(0, inv.amountDue - inv.amountPaid);
  if (inv.status !== "draft") inv.endingBalance = net - inv.amountDue;
}

export interface DraftOptions {
  customer: CustomerRec;
  sub: SubscriptionRec | null;
  billingReason: InvoiceRec["billingReason"];
  lines: LineDraft[];
  at: number;
  periodStart: number;
  periodEnd: number;
  automaticTax: boolean;
  discounts: DiscountRec[];
  currency: string;
  preview?: boolean;
  prorationDate?: number | null;
}

/** A draft invoice with its totals (stored unless it is a preview). */
export function draftInvoice(ctx: Ctx, o: DraftOptions): InvoiceRec {
  const id = o.preview ? `upcoming_${newId("invoice")}` : newId("invoice");
  const taxIds = ctx.store.taxIds.all().filter((t) => t.customer === o.customer.id);
  const lines: InvoiceLineRec[] = o.lines.map((l) => ({
    id: newId("invoiceLine"),
    amount: l.amount,
    currency: o.currency,
    description: l.description,
    periodStart: l.periodStart,
    periodEnd: l.periodEnd,
    price: l.price.id,
    quantity: l.quantity,
    proration: l.proration,
    subscription: o.sub?.id ?? null,
    subscriptionItem: l.subscriptionItem,
    invoiceItem: l.invoiceItem,
    discountable: true,
    discountAmounts: [],
    taxes: [],
    metadata: {},
  }));
  const inv: InvoiceRec = {
    id,
    number: null,
    created: o.at,
    customer: o.customer.id,
    subscription: o.sub?.id ?? null,
    status: "draft",
    billingReason: o.billingReason,
    currency: o.currency,
    periodStart: o.periodStart,
    periodEnd: o.periodEnd,
    lines,
    discounts: [],
    subtotal: 0,
    subtotalExcludingTax: 0,
    totalDiscounts: [],
    totalTaxes: [],
    totalExcludingTax: 0,
    total: 0,
    startingBalance: 0,
    endingBalance: null,
    amountDue: 0,
    amountPaid: 0,
    amountRemaining: 0,
    attemptCount: 0,
    attempted: false,
    nextPaymentAttempt: null,
    autoAdvance: !o.preview,
    automaticallyFinalizesAt: null,
    finalizedAt: null,
    paidAt: null,
    voidedAt: null,
    markedUncollectibleAt: null,
    customerEmail: o.customer.email,
    customerName: o.customer.businessName ?? o.customer.name,
    customerAddress: o.customer.address,
    customerTaxIds: taxIds.map((t) => ({ type: t.type, value: t.value })),
    customerTaxExempt: o.customer.taxExempt,
    automaticTax: { enabled: o.automaticTax, status: null },
    testClock: o.customer.testClock,
    metadata: {},
    subscriptionMetadata: o.sub ? { ...o.sub.metadata } : null,
    defaultPaymentMethod: null,
    lastPaymentError: null,
    prorationDate: o.prorationDate ?? null,
    requiresAction: false,
    firstFailedAt: null,
  };
  computeTotals(ctx, inv, o.customer, o.discounts, o.at);
  if (!o.preview) ctx.store.invoices.add(inv);
  return inv;
}

const subscriptionDiscounts = (ctx: Ctx, sub: SubscriptionRec) =>
  sub.discounts.map((id) => ctx.store.discounts.find(id)).filter((d): d is DiscountRec => d !== undefined);

/** Finalizes a draft: number, balance applied, `invoice.finalized`; a zero amount due is paid at once. */
export function finalizeInvoice(ctx: Ctx, inv: InvoiceRec, at: number): void {
  const customer = ctx.store.customers.get(inv.customer);
  const sub = inv.subscription ? ctx.store.subscriptions.find(inv.subscription) : undefined;
  computeTotals(ctx, inv, customer, sub ? subscriptionDiscounts(ctx, sub) : [], inv.created);
  inv.status = "open";
  inv.finalizedAt = at;
  inv.automaticallyFinalizesAt = null;
  inv.number = `${customer.invoicePrefix}-${String(customer.nextInvoiceSequence).padStart(4, "0")}`;
  applyBalance(inv, customer.balance);
  customer.nextInvoiceSequence += 1;
  emitIfChanged(
    ctx,
    "customer.updated",
    () => customerView(ctx, customer),
    at,
    () => {
      customer.balance = inv.endingBalance ?? customer.balance;
    },
  );
  for (const d of inv.discounts) {
    const discount = ctx.store.discounts.find(d);
    const coupon = discount && ctx.store.coupons.find(discount.coupon);
    if (discount && coupon?.duration === "once" && inv.totalDiscounts.some((x) => x.discount === d && x.amount !== 0)) {
      discount.usedUp = true;
      discount.end = at;
    }
  }
  emit(ctx, "invoice.finalized", invoiceView(ctx, inv), at);
  if (inv.amountDue === 0) markPaid(ctx, inv, at, { quiet: false });
}

/** The invoice is paid: `invoice.paid`, `invoice.payment_succeeded`; a past-due subscription becomes active. */
export function markPaid(ctx: Ctx, inv: InvoiceRec, at: number, opts: { quiet: boolean }): void {
  inv.status = "paid";
  inv.amountPaid = inv.amountDue;
  inv.amountRemaining = 0;
  inv.paidAt = at;
  inv.nextPaymentAttempt = null;
  inv.requiresAction = false;
  inv.attempted = true;
  emit(ctx, "invoice.paid", invoiceView(ctx, inv), at);
  emit(ctx, "invoice.payment_succeeded", invoiceView(ctx, inv), at);
  const sub = inv.subscription ? ctx.store.subscriptions.find(inv.subscription) : undefined;
  if (!sub || opts.quiet) return;
  const unpaidLeft = ctx.store.invoices
    .all()
    .some((i) => i.subscription === sub.id && i.status === "open" && i.attemptCount > 0 && i.id !== inv.id);
  if (["past_due", "unpaid", "incomplete"].includes(sub.status) && !unpaidLeft)
    emitIfChanged(
      ctx,
      "customer.subscription.updated",
      () => subscriptionView(ctx, sub),
      at,
      () => {
        sub.status = sub.trialEnd !== null && sub.trialEnd > at ? "trialing" : "active";
      },
    );
}

export interface AttemptOptions {
  /** Nobody is there (renewals, retries): a card that needs 3-D Secure fails with `authentication_required`. */
  offSession: boolean;
  /** Pay with this payment method instead of the subscription's or customer's default. */
  paymentMethod?: string;
  /** The customer just completed 3-D Secure for this payment. */
  authenticated?: boolean;
  /** A scheduled attempt (the first automatic one or a smart retry): counts toward the retry schedule. */
  automatic?: boolean;
  /** Do not move the subscription's status (used while creating one). */
  quiet?: boolean;
}

/** Charges an open invoice with a card; on failure records the error, schedules retries and moves the subscription. */
export function attemptPayment(ctx: Ctx, inv: InvoiceRec, at: number, opts: AttemptOptions): ChargeOutcome {
  const customer = ctx.store.customers.get(inv.customer);
  const sub = inv.subscription ? ctx.store.subscriptions.find(inv.subscription) : undefined;
  const pmId = opts.paymentMethod ?? paymentMethodFor(ctx, sub ?? null, customer);
  const pm = pmId ? ctx.store.paymentMethods.find(pmId) : undefined;
  const outcome: ChargeOutcome = pm
    ? charge(pm.behavior, { offSession: opts.offSession, authenticated: opts.authenticated, setUp: pm.authenticated })
    : { kind: "declined", code: "payment_method_missing", declineCode: null, message: "The customer has no default payment method." };
  if (outcome.kind === "requires_action" && !opts.offSession && !opts.automatic) {
    inv.requiresAction = true;
    emit(ctx, "invoice.payment_action_required", invoiceView(ctx, inv), at);
    return outcome;
  }
  inv.attempted = true;
  inv.attemptCount += 1;
  if (outcome.kind === "succeeded") {
    if (pm && opts.authenticated) pm.authenticated = true;
    inv.lastPaymentError = null;
    markPaid(ctx, inv, at, { quiet: opts.quiet ?? false });
    return outcome;
  }
  const failure =
    outcome.kind === "declined"
      ? outcome
      : { code: "authentication_required", declineCode: "authentication_required", message: "This payment requires authentication." };
  inv.lastPaymentError = { code: failure.code, declineCode: failure.declineCode, message: failure.message };
  inv.requiresAction = failure.code === "authentication_required";
  const creating = inv.billingReason === "subscription_create" && sub?.status === "incomplete";
  if (opts.automatic || inv.firstFailedAt === null) {
    inv.firstFailedAt ??= at;
    const retryDay = creating ? undefined : ctx.dunning.retryDays[inv.attemptCount - 1];
    inv.nextPaymentAttempt = retryDay === undefined ? null : inv.firstFailedAt + retryDay * DAY;
  }
  emit(ctx, "invoice.payment_failed", invoiceView(ctx, inv), at);
  if (inv.requiresAction) emit(ctx, "invoice.payment_action_required", invoiceView(ctx, inv), at);
  if (!sub || opts.quiet || creating) return outcome;
  if (sub.status === "active" || sub.status === "trialing")
    emitIfChanged(
      ctx,
      "customer.subscription.updated",
      () => subscriptionView(ctx, sub),
      at,
      () => {
        sub.status = "past_due";
      },
    );
  if (opts.automatic && inv.nextPaymentAttempt === null) finalFailure(ctx, sub, inv, at);
  return outcome;
}

function finalFailure(ctx: Ctx, sub: SubscriptionRec, inv: InvoiceRec, at: number): void {
  if (ctx.dunning.markInvoiceUncollectible) {
    inv.status = "uncollectible";
    inv.markedUncollectibleAt = at;
    emit(ctx, "invoice.marked_uncollectible", invoiceView(ctx, inv), at);
  }
  const action = ctx.dunning.subscriptionAfterFinalFailure;
  if (action === "cancel") endSubscription(ctx, sub, at, "payment_failed");
  else if (action === "unpaid")
    emitIfChanged(
      ctx,
      "customer.subscription.updated",
      () => subscriptionView(ctx, sub),
      at,
      () => {
        sub.status = "unpaid";
      },
    );
}

export function voidInvoice(ctx: Ctx, inv: InvoiceRec, at: number): void {
  inv.status = "void";
  inv.voidedAt = at;
  inv.amountRemaining = 0;
  inv.nextPaymentAttempt = null;
  inv.autoAdvance = false;
  emit(ctx, "invoice.voided", invoiceView(ctx, inv), at);
}

export function markUncollectible(ctx: Ctx, inv: InvoiceRec, at: number): void {
  inv.status = "uncollectible";
  inv.markedUncollectibleAt = at;
  inv.nextPaymentAttempt = null;
  emit(ctx, "invoice.marked_uncollectible", invoiceView(ctx, inv), at);
}

// ---------------------------------------------------------------------------------------------- subscriptions

export interface NewSubscription {
  customer: CustomerRec;
  items: { price: PriceRec; quantity: number; metadata: Metadata }[];
  at: number;
  trialEnd: number | null;
  trialEndBehavior: SubscriptionRec["trialEndBehavior"];
  defaultPaymentMethod: string | null;
  discounts: DiscountSpec[];
  metadata: Metadata;
  description: string | null;
  automaticTax: boolean;
  cancelAtPeriodEnd: boolean;
  paymentBehavior: "allow_incomplete" | "default_incomplete" | "error_if_incomplete" | "pending_if_incomplete";
  /** Checkout confirmed the payment on its page (3-D Secure done there). */
  authenticated?: boolean;
  checkoutSession?: string;
  param?: string;
}

/**
 * Creates a subscription and its first invoice (a $0 one for a trial), charges it, and raises
 * `customer.subscription.created` (with its final status) before the invoice events.
 */
export function createSubscription(
  ctx: Ctx,
  o: NewSubscription,
): { sub: SubscriptionRec; invoice: InvoiceRec; outcome: ChargeOutcome | null } {
  const first = o.items[0];
  if (!first) throw invalidRequest("Missing required param: items.", "items", "parameter_missing");
  const currency = first.price.currency;
  const { interval, count } = { interval: first.price.recurring?.interval ?? "month", count: first.price.recurring?.intervalCount ?? 1 };
  const trialing = o.trialEnd !== null && o.trialEnd > o.at;
  const anchor = trialing ? (o.trialEnd as number) : o.at;
  const sub: SubscriptionRec = {
    id: newId("subscription"),
    created: o.at,
    customer: o.customer.id,
    status: trialing ? "trialing" : "incomplete",
    items: o.items.map((item) => ({
      id: newId("subscriptionItem"),
      created: o.at,
      price: item.price.id,
      quantity: item.quantity,
      metadata: item.metadata,
    })),
    currency,
    startDate: o.at,
    billingCycleAnchor: anchor,
    periodStart: o.at,
    periodEnd: trialing ? anchor : periodEndAfter(anchor, interval, count, o.at),
    trialStart: trialing ? o.at : null,
    trialEnd: trialing ? o.trialEnd : null,
    trialEndBehavior: o.trialEndBehavior,
    trialWillEndSent: false,
    cancelAtPeriodEnd: o.cancelAtPeriodEnd,
    cancelAt: null,
    canceledAt: o.cancelAtPeriodEnd ? o.at : null,
    endedAt: null,
    cancellation: o.cancelAtPeriodEnd ? { reason: "cancellation_requested", feedback: null, comment: null } : null,
    defaultPaymentMethod: o.defaultPaymentMethod,
    discounts: [],
    metadata: o.metadata,
    description: o.description,
    latestInvoice: null,
    pauseCollection: null,
    pausedAt: null,
    automaticTax: o.automaticTax,
    testClock: o.customer.testClock,
    pendingItems: [],
  };
  const customerBefore = structuredClone(o.customer);
  const fullAmount = o.items.reduce((s, item) => s + item.price.unitAmount * item.quantity, 0);
  const discounts = o.discounts.map((spec, i) =>
    redeem(ctx, spec, o.customer, o.at, {
      subscription: sub.id,
      checkoutSession: o.checkoutSession ?? null,
      amount: fullAmount,
      currency,
      param: `${o.param ?? "discounts"}[${i}]`,
    }),
  );
  sub.discounts = discounts.map((d) => d.id);
  ctx.store.subscriptions.add(sub);
  const lines = trialing
    ? sub.items.map((item) => {
        const price = ctx.store.prices.get(item.price);
        return {
          amount: 0,
          description: `Trial period for ${productName(ctx, price)}`,
          periodStart: sub.periodStart,
          periodEnd: sub.periodEnd,
          price,
          quantity: item.quantity,
          proration: false,
          subscriptionItem: item.id,
          invoiceItem: null,
        };
      })
    : periodLines(ctx, sub.items, sub.periodStart, sub.periodEnd, sub.id);
  const mark = ctx.outbox.length;
  const invoice = draftInvoice(ctx, {
    customer: o.customer,
    sub,
    billingReason: "subscription_create",
    lines,
    at: o.at,
    periodStart: o.at,
    periodEnd: o.at,
    automaticTax: o.automaticTax,
    discounts,
    currency,
  });
  sub.latestInvoice = invoice.id;
  emit(ctx, "invoice.created", invoiceView(ctx, invoice), o.at);
  finalizeInvoice(ctx, invoice, o.at);
  let outcome: ChargeOutcome | null = null;
  if (invoice.status === "open" && o.paymentBehavior !== "default_incomplete")
    outcome = attemptPayment(ctx, invoice, o.at, { offSession: false, authenticated: o.authenticated, quiet: true });
  if (!trialing) sub.status = invoice.status === "paid" ? "active" : "incomplete";
  if (sub.status === "incomplete" && o.paymentBehavior === "error_if_incomplete") {
    ctx.outbox.length = mark;
    ctx.store.subscriptions.remove(sub.id);
    ctx.store.invoices.remove(invoice.id);
    for (const d of discounts) ctx.store.discounts.remove(d.id);
    Object.assign(o.customer, customerBefore);
    const error = outcome?.kind === "declined" ? outcome : null;
    throw cardError(
      error?.message ?? "This payment requires additional user action.",
      error?.code ?? "subscription_payment_intent_requires_action",
      error?.declineCode ?? undefined,
    );
  }
  ctx.outbox.splice(mark, 0, { type: "customer.subscription.created", object: subscriptionView(ctx, sub), previous: null, created: o.at });
  return { sub, invoice, outcome };
}

export function endSubscription(
  ctx: Ctx,
  sub: SubscriptionRec,
  at: number,
  reason: "cancellation_requested" | "payment_failed" | "payment_disputed",
): void {
  sub.status = "canceled";
  sub.endedAt = at;
  sub.canceledAt ??= at;
  sub.cancelAtPeriodEnd = false;
  sub.cancellation = { reason, feedback: sub.cancellation?.feedback ?? null, comment: sub.cancellation?.comment ?? null };
  // By default Stripe stops collecting a canceled subscription's open invoices.
  for (const inv of ctx.store.invoices.all())
    if (inv.subscription === sub.id && inv.status === "open") {
      inv.autoAdvance = false;
      inv.nextPaymentAttempt = null;
    }
  emit(ctx, "customer.subscription.deleted", subscriptionView(ctx, sub), at);
}

export interface ItemChange {
  id?: string;
  price?: string;
  quantity?: number;
  deleted?: boolean;
  metadata?: Metadata | null;
  param: string;
}

export interface ChangePlan {
  items: SubscriptionItemRec[];
  prorations: LineDraft[];
  resetAnchor: boolean;
  invoiceNow: boolean;
}

type ProrationBehavior = "create_prorations" | "none" | "always_invoice";

/** What a change of items would do: the new items, the proration lines, and whether it invoices now. */
export function planChange(
  ctx: Ctx,
  sub: SubscriptionRec,
  changes: ItemChange[],
  opts: { prorationBehavior: ProrationBehavior; prorationDate: number; billingCycleAnchor?: "now" | "unchanged"; at: number },
): ChangePlan {
  const items = sub.items.map((item) => ({ ...item }));
  for (const change of changes) {
    if (change.id) {
      const index = items.findIndex((item) => item.id === change.id);
      if (index < 0) throw resourceMissing("subscription item", change.id, `${change.param}[id]`);
      if (change.deleted) {
        items.splice(index, 1);
        continue;
      }
      const item = items[index] as SubscriptionItemRec;
      if (change.price) item.price = checkRecurring(ctx, change.price, `${change.param}[price]`, sub.currency).id;
      if (change.quantity !== undefined) item.quantity = change.quantity;
      if (change.metadata !== undefined) item.metadata = change.metadata ?? {};
    } else {
      if (!change.price)
        throw invalidRequest(`Missing required param: ${change.param}[price].`, `${change.param}[price]`, "parameter_missing");
      const price = checkRecurring(ctx, change.price, `${change.param}[price]`, sub.currency);
      if (items.some((item) => item.price === price.id))
        throw invalidRequest(`Cannot add multiple subscription items with the same price: ${price.id}`, `${change.param}[price]`);
      items.push({
        id: newId("subscriptionItem"),
        created: opts.at,
        price: price.id,
        quantity: change.quantity ?? 1,
        metadata: change.metadata ?? {},
      });
    }
  }
  if (items.length === 0) throw invalidRequest("A subscription must have at least one item. To end it, cancel the subscription.", "items");
  const intervals = new Set(items.map((item) => JSON.stringify(intervalOf(ctx, [item]))));
  if (intervals.size > 1)
    throw invalidRequest(
      "Currency and interval fields must match across all plans on this subscription. Found mismatch in interval field.",
      "items",
    );
  const before = intervalOf(ctx, sub.items);
  const after = intervalOf(ctx, items);
  const trialing = sub.status === "trialing";
  const resetAnchor =
    !trialing && (before.interval !== after.interval || before.count !== after.count || opts.billingCycleAnchor === "now");
  const prorations: LineDraft[] = [];
  const pd = opts.prorationDate;
  const fraction = Math.min(1, Math.max(0, (sub.periodEnd - pd) / (sub.periodEnd - sub.periodStart || 1)));
  if (!trialing && opts.prorationBehavior !== "none") {
    const date = formatDate(pd);
    for (const old of sub.items) {
      const next = items.find((item) => item.id === old.id);
      if (!resetAnchor && next && next.price === old.price && next.quantity === old.quantity) continue;
      const price = ctx.store.prices.get(old.price);
      prorations.push({
        amount: -roundHalf(price.unitAmount * old.quantity * fraction),
        description: `Unused time on ${itemLabel(ctx, price, old.quantity)} after ${date}`,
        periodStart: pd,
        periodEnd: sub.periodEnd,
        price,
        quantity: old.quantity,
        proration: true,
        subscriptionItem: old.id,
        invoiceItem: newId("invoiceItem"),
      });
    }
    if (!resetAnchor)
      for (const next of items) {
        const old = sub.items.find((item) => item.id === next.id);
        if (old && old.price === next.price && old.quantity === next.quantity) continue;
        const price = ctx.store.prices.get(next.price);
        prorations.push({
          amount: roundHalf(price.unitAmount * next.quantity * fraction),
          description: `Remaining time on ${itemLabel(ctx, price, next.quantity)} after ${date}`,
          periodStart: pd,
          periodEnd: sub.periodEnd,
          price,
          quantity: next.quantity,
          proration: true,
          subscriptionItem: next.id,
          invoiceItem: newId("invoiceItem"),
        });
      }
  }
  return {
    items,
    prorations,
    resetAnchor,
    invoiceNow: resetAnchor || (opts.prorationBehavior === "always_invoice" && prorations.length > 0),
  };
}

export function checkRecurring(ctx: Ctx, priceId: string, param: string, currency?: string): PriceRec {
  const price = ctx.store.prices.get(priceId, param);
  if (!price.recurring)
    throw invalidRequest(
      `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
      param,
    );
  if (!price.active) throw invalidRequest(`The price specified is inactive. This field only accepts active prices.`, param);
  if (currency && price.currency !== currency)
    throw invalidRequest(
      `Currency and interval fields must match across all plans on this subscription. Found mismatch in currency field.`,
      param,
    );
  return price;
}

export interface SubscriptionUpdate {
  items: ItemChange[];
  prorationBehavior: ProrationBehavior;
  prorationDate?: number;
  billingCycleAnchor?: "now" | "unchanged";
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number | null;
  pauseCollection?: SubscriptionRec["pauseCollection"];
  defaultPaymentMethod?: string | null;
  metadata?: Metadata;
  description?: string | null;
  discounts?: DiscountSpec[] | null;
  trialEnd?: number | "now";
  cancellation?: { feedback: string | null; comment: string | null };
  paymentBehavior: "allow_incomplete" | "default_incomplete" | "error_if_incomplete" | "pending_if_incomplete";
}

/**
 * `POST /v1/subscriptions/:id`: items (with prorations), cancellation at period end, pause_collection, trial end,
 * payment method, discounts, metadata. With `error_if_incomplete`, a failed immediate payment undoes it all (402).
 */
export function updateSubscription(ctx: Ctx, sub: SubscriptionRec, u: SubscriptionUpdate, at: number): void {
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    const onlyMeta =
      u.items.length === 0 &&
      Object.keys(u).every((k) => ["items", "metadata", "prorationBehavior", "paymentBehavior", "cancellation"].includes(k));
    if (!onlyMeta)
      throw invalidRequest(
        "A canceled subscription can only update its cancellation_details and metadata.",
        undefined,
        "invalid_canceled_subscription_fields",
      );
  }
  const customer = ctx.store.customers.get(sub.customer);
  const snapshot = {
    sub: structuredClone(sub),
    customer: structuredClone(customer),
    outbox: ctx.outbox.length,
    invoices: ctx.store.invoices.all().length,
  };
  const before = subscriptionView(ctx, sub);
  let invoice: InvoiceRec | undefined;
  let outcome: ChargeOutcome | null = null;

  if (u.metadata !== undefined) sub.metadata = u.metadata;
  if (u.description !== undefined) sub.description = u.description;
  if (u.cancellation) sub.cancellation = { reason: sub.cancellation?.reason ?? null, ...u.cancellation };
  if (u.defaultPaymentMethod !== undefined) {
    if (u.defaultPaymentMethod !== null) {
      const pm = ctx.store.paymentMethods.find(u.defaultPaymentMethod);
      if (!pm || pm.customer !== sub.customer)
        throw invalidRequest(
          `The customer does not have a payment method with the ID ${u.defaultPaymentMethod}. The payment method must be attached to the customer.`,
          "default_payment_method",
          "resource_missing",
        );
    }
    sub.defaultPaymentMethod = u.defaultPaymentMethod;
  }
  if (u.discounts !== undefined) {
    const amount = sub.items.reduce((s, item) => s + ctx.store.prices.get(item.price).unitAmount * item.quantity, 0);
    sub.discounts = (u.discounts ?? []).map(
      (spec, i) => redeem(ctx, spec, customer, at, { subscription: sub.id, amount, currency: sub.currency, param: `discounts[${i}]` }).id,
    );
  }
  if (u.cancelAtPeriodEnd !== undefined) {
    sub.cancelAtPeriodEnd = u.cancelAtPeriodEnd;
    sub.cancelAt = null;
    sub.canceledAt = u.cancelAtPeriodEnd ? at : null;
    sub.cancellation = u.cancelAtPeriodEnd
      ? { reason: "cancellation_requested", feedback: sub.cancellation?.feedback ?? null, comment: sub.cancellation?.comment ?? null }
      : null;
  }
  if (u.cancelAt !== undefined) {
    if (u.cancelAt !== null && u.cancelAt <= at) throw invalidRequest("cancel_at must be in the future.", "cancel_at");
    sub.cancelAt = u.cancelAt;
    sub.cancelAtPeriodEnd = false;
    sub.canceledAt = u.cancelAt === null ? null : at;
  }
  if (u.pauseCollection !== undefined) sub.pauseCollection = u.pauseCollection;
  if (u.trialEnd !== undefined) {
    if (u.trialEnd === "now") {
      if (sub.status === "trialing") {
        sub.trialEnd = at;
        sub.periodEnd = at;
        sub.billingCycleAnchor = at;
      }
    } else {
      if (u.trialEnd <= at) throw invalidRequest("Invalid timestamp: must be in the future", "trial_end");
      sub.trialEnd = u.trialEnd;
      sub.trialStart ??= at;
      sub.periodEnd = u.trialEnd;
      sub.billingCycleAnchor = u.trialEnd;
      if (sub.status === "active") sub.status = "trialing";
      sub.trialWillEndSent = false;
    }
  }

  if (u.items.length > 0 || (u.billingCycleAnchor === "now" && sub.status !== "trialing")) {
    const pd = u.prorationDate ?? at;
    const plan = planChange(ctx, sub, u.items, {
      prorationBehavior: u.prorationBehavior,
      prorationDate: pd,
      billingCycleAnchor: u.billingCycleAnchor,
      at,
    });
    sub.items = plan.items;
    if (plan.resetAnchor) {
      const { interval, count } = intervalOf(ctx, sub.items);
      sub.billingCycleAnchor = at;
      sub.periodStart = at;
      sub.periodEnd = periodEndAfter(at, interval, count, at);
    }
    if (plan.invoiceNow) {
      const lines = [
        ...plan.prorations,
        ...pendingLines(ctx, sub.pendingItems),
        ...(plan.resetAnchor ? periodLines(ctx, sub.items, sub.periodStart, sub.periodEnd, sub.id) : []),
      ];
      sub.pendingItems = [];
      invoice = draftInvoice(ctx, {
        customer,
        sub,
        billingReason: "subscription_update",
        lines,
        at,
        periodStart: at,
        periodEnd: at,
        automaticTax: sub.automaticTax,
        discounts: subscriptionDiscounts(ctx, sub),
        currency: sub.currency,
      });
      sub.latestInvoice = invoice.id;
    } else
      for (const p of plan.prorations)
        sub.pendingItems.push({
          id: p.invoiceItem ?? newId("invoiceItem"),
          created: at,
          amount: p.amount,
          description: p.description,
          periodStart: p.periodStart,
          periodEnd: p.periodEnd,
          price: p.price.id,
          quantity: p.quantity,
          subscriptionItem: p.subscriptionItem ?? "",
          proration: true,
        });
  }

  const previous = changedFields(before, subscriptionView(ctx, sub));
  const mark = ctx.outbox.length;
  if (invoice) {
    emit(ctx, "invoice.created", invoiceView(ctx, invoice), at);
    finalizeInvoice(ctx, invoice, at);
    if (invoice.status === "open" && u.paymentBehavior !== "default_incomplete")
      outcome = attemptPayment(ctx, invoice, at, { offSession: true, quiet: true });
    if (invoice.status !== "paid" && u.paymentBehavior === "error_if_incomplete") {
      Object.assign(sub, snapshot.sub);
      Object.assign(customer, snapshot.customer);
      ctx.outbox.length = snapshot.outbox;
      ctx.store.invoices.remove(invoice.id);
      const error = outcome?.kind === "declined" ? outcome : null;
      throw cardError(error?.message ?? "Your card was declined.", error?.code ?? "card_declined", error?.declineCode ?? undefined);
    }
    if (invoice.status === "open" && invoice.attemptCount > 0 && (sub.status === "active" || sub.status === "trialing"))
      sub.status = "past_due";
  }
  const after = subscriptionView(ctx, sub);
  const changed = changedFields(before, after) ?? previous;
  if (changed) ctx.outbox.splice(mark, 0, { type: "customer.subscription.updated", object: after, previous: changed, created: at });
  if (u.trialEnd === "now" && sub.status === "trialing") {
    // Ending a trial now invoices and charges at once (no hour as a draft).
    cycle(ctx, sub, at);
    const renewal = sub.latestInvoice ? ctx.store.invoices.find(sub.latestInvoice) : undefined;
    if (renewal?.status === "draft" && renewal.automaticallyFinalizesAt !== null) {
      finalizeInvoice(ctx, renewal, at);
      if (isOpen(renewal)) attemptPayment(ctx, renewal, at, { offSession: true, automatic: true });
    }
  }
}

/** `DELETE /v1/subscriptions/:id`: ends it now; `prorate` credits unused time; `invoice_now` bills what is pending. */
export function cancelSubscription(
  ctx: Ctx,
  sub: SubscriptionRec,
  at: number,
  opts: { prorate: boolean; invoiceNow: boolean; feedback?: string | null; comment?: string | null },
): void {
  if (sub.status === "canceled" || sub.status === "incomplete_expired")
    throw invalidRequest(`This subscription has already been canceled: ${sub.id}`, undefined, "resource_missing", 404);
  if (opts.feedback !== undefined || opts.comment !== undefined)
    sub.cancellation = { reason: null, feedback: opts.feedback ?? null, comment: opts.comment ?? null };
  if (opts.prorate && sub.status !== "trialing") {
    const fraction = Math.min(1, Math.max(0, (sub.periodEnd - at) / (sub.periodEnd - sub.periodStart || 1)));
    for (const item of sub.items) {
      const price = ctx.store.prices.get(item.price);
      sub.pendingItems.push({
        id: newId("invoiceItem"),
        created: at,
        amount: -roundHalf(price.unitAmount * item.quantity * fraction),
        description: `Unused time on ${itemLabel(ctx, price, item.quantity)} after ${formatDate(at)}`,
        periodStart: at,
        periodEnd: sub.periodEnd,
        price: price.id,
        quantity: item.quantity,
        subscriptionItem: item.id,
        proration: true,
      });
    }
  }
  const customer = ctx.store.customers.get(sub.customer);
  let finalInvoice: InvoiceRec | undefined;
  if (opts.invoiceNow && sub.pendingItems.length > 0) {
    finalInvoice = draftInvoice(ctx, {
      customer,
      sub,
      billingReason: "subscription_update",
      lines: pendingLines(ctx, sub.pendingItems),
      at,
      periodStart: at,
      periodEnd: at,
      automaticTax: sub.automaticTax,
      discounts: subscriptionDiscounts(ctx, sub),
      currency: sub.currency,
    });
    sub.pendingItems = [];
    sub.latestInvoice = finalInvoice.id;
  }
  endSubscription(ctx, sub, at, "cancellation_requested");
  if (finalInvoice) {
    emit(ctx, "invoice.created", invoiceView(ctx, finalInvoice), at);
    finalizeInvoice(ctx, finalInvoice, at);
    if (finalInvoice.status === "open") attemptPayment(ctx, finalInvoice, at, { offSession: true, quiet: true });
  }
}

/** `POST /v1/subscriptions/:id/pause`: status `paused`, no invoices until resumed. */
export function pauseSubscription(ctx: Ctx, sub: SubscriptionRec, at: number): void {
  if (!["active", "trialing", "past_due"].includes(sub.status))
    throw invalidRequest(
      `Only active or trialing subscriptions can be paused; this one is ${sub.status}.`,
      undefined,
      "status_transition_invalid",
    );
  const before = subscriptionView(ctx, sub);
  sub.status = "paused";
  sub.pausedAt = at;
  const after = subscriptionView(ctx, sub);
  emit(ctx, "customer.subscription.paused", after, at);
  emit(ctx, "customer.subscription.updated", after, at, changedFields(before, after));
}

/**
 * `POST /v1/subscriptions/:id/resume`: `billing_cycle_anchor: now` (default) starts a new period now and invoices
 * it; `unchanged` keeps the old cycle and bills the rest of the current period (prorated unless `none`).
 */
export function resumeSubscription(
  ctx: Ctx,
  sub: SubscriptionRec,
  at: number,
  opts: {
    billingCycleAnchor: "now" | "unchanged";
    prorationBehavior: ProrationBehavior;
    /** `resume_on_payment_success`: it stays paused (and the invoice is voided) unless the payment succeeds. */
    paymentBehavior: "resume_on_payment_attempt" | "resume_on_payment_success";
  },
): void {
  if (sub.status !== "paused") throw invalidRequest("Only paused subscriptions can be resumed.", undefined, "status_transition_invalid");
  const customer = ctx.store.customers.get(sub.customer);
  const snapshot = structuredClone(sub);
  const before = subscriptionView(ctx, sub);
  const { interval, count } = intervalOf(ctx, sub.items);
  sub.status = "active";
  sub.pausedAt = null;
  let lines: LineDraft[];
  if (opts.billingCycleAnchor === "now") {
    sub.billingCycleAnchor = at;
    sub.periodStart = at;
    sub.periodEnd = periodEndAfter(at, interval, count, at);
    lines = periodLines(ctx, sub.items, sub.periodStart, sub.periodEnd, sub.id);
  } else {
    const end = periodEndAfter(sub.billingCycleAnchor, interval, count, at);
    const start = periodStartBefore(sub.billingCycleAnchor, interval, count, at);
    sub.periodStart = at;
    sub.periodEnd = end;
    const fraction = (end - at) / (end - start || 1);
    lines =
      opts.prorationBehavior === "none"
        ? []
        : sub.items.map((item) => {
            const price = ctx.store.prices.get(item.price);
            return {
              amount: roundHalf(price.unitAmount * item.quantity * Math.min(1, fraction)),
              description: `Remaining time on ${itemLabel(ctx, price, item.quantity)} after ${formatDate(at)}`,
              periodStart: at,
              periodEnd: end,
              price,
              quantity: item.quantity,
              proration: true,
              subscriptionItem: item.id,
              invoiceItem: newId("invoiceItem"),
            };
          });
  }
  const mark = ctx.outbox.length;
  const announce = () => {
    const after = subscriptionView(ctx, sub);
    ctx.outbox.splice(
      mark,
      0,
      { type: "customer.subscription.resumed", object: after, previous: null, created: at },
      { type: "customer.subscription.updated", object: after, previous: changedFields(before, after), created: at },
    );
  };
  if (lines.length === 0) return announce();
  const invoice = draftInvoice(ctx, {
    customer,
    sub,
    billingReason: "subscription_update",
    lines,
    at,
    periodStart: at,
    periodEnd: at,
    automaticTax: sub.automaticTax,
    discounts: subscriptionDiscounts(ctx, sub),
    currency: sub.currency,
  });
  sub.latestInvoice = invoice.id;
  emit(ctx, "invoice.created", invoiceView(ctx, invoice), at);
  finalizeInvoice(ctx, invoice, at);
  if (isOpen(invoice)) attemptPayment(ctx, invoice, at, { offSession: true, quiet: true });
  if (isOpen(invoice) && opts.paymentBehavior === "resume_on_payment_success") {
    voidInvoice(ctx, invoice, at);
    Object.assign(sub, snapshot, { latestInvoice: invoice.id });
    return;
  }
  if (isOpen(invoice)) sub.status = "past_due";
  announce();
}

/** The last billing date at or before `at` on the anchor's cycle. */
function periodStartBefore(anchor: number, interval: Interval, count: number, at: number): number {
  if (anchor > at) return at;
  let start = anchor;
  for (let k = 1; k < 100_000; k += 1) {
    const next = addInterval(anchor, interval, count * k);
    if (next > at) return start;
    start = next;
  }
  return start;
}

/** A period ended: renew (draft invoice, finalized an hour later), end a trial, or end the subscription. */
export function cycle(ctx: Ctx, sub: SubscriptionRec, at: number): void {
  const customer = ctx.store.customers.get(sub.customer);
  if (sub.cancelAtPeriodEnd || (sub.cancelAt !== null && sub.cancelAt <= sub.periodEnd)) {
    endSubscription(ctx, sub, at, "cancellation_requested");
    return;
  }
  const trialEnding = sub.status === "trialing";
  if (trialEnding && !paymentMethodFor(ctx, sub, customer)) {
    if (sub.trialEndBehavior === "cancel") {
      endSubscription(ctx, sub, at, "cancellation_requested");
      return;
    }
    if (sub.trialEndBehavior === "pause") {
      const before = subscriptionView(ctx, sub);
      sub.status = "paused";
      sub.pausedAt = at;
      const after = subscriptionView(ctx, sub);
      emit(ctx, "customer.subscription.paused", after, at);
      emit(ctx, "customer.subscription.updated", after, at, changedFields(before, after));
      return;
    }
  }
  const before = subscriptionView(ctx, sub);
  const { interval, count } = intervalOf(ctx, sub.items);
  const previousStart = sub.periodStart;
  sub.periodStart = sub.periodEnd;
  sub.periodEnd = periodEndAfter(sub.billingCycleAnchor, interval, count, sub.periodStart);
  if (trialEnding) sub.status = "active";
  const lines = [...pendingLines(ctx, sub.pendingItems), ...periodLines(ctx, sub.items, sub.periodStart, sub.periodEnd, sub.id)];
  sub.pendingItems = [];
  const invoice = draftInvoice(ctx, {
    customer,
    sub,
    billingReason: "subscription_cycle",
    lines,
    at,
    periodStart: previousStart,
    periodEnd: sub.periodStart,
    automaticTax: sub.automaticTax,
    discounts: subscriptionDiscounts(ctx, sub),
    currency: sub.currency,
  });
  sub.latestInvoice = invoice.id;
  const after = subscriptionView(ctx, sub);
  emit(ctx, "customer.subscription.updated", after, at, changedFields(before, after));
  emit(ctx, "invoice.created", invoiceView(ctx, invoice), at);
  const pause = sub.pauseCollection;
  if (pause?.behavior === "void") {
    finalizeInvoiceQuietly(ctx, invoice, at);
    voidInvoice(ctx, invoice, at);
  } else if (pause?.behavior === "keep_as_draft" || sub.status === "unpaid") {
    invoice.autoAdvance = false;
  } else if (pause?.behavior === "mark_uncollectible") {
    finalizeInvoice(ctx, invoice, at);
    if (invoice.status === "open") markUncollectible(ctx, invoice, at);
  } else {
    invoice.automaticallyFinalizesAt = at + FINALIZE_DELAY;
  }
}

/** Voided renewals (pause_collection: void) get a number but no charge and no `invoice.finalized` event. */
function finalizeInvoiceQuietly(ctx: Ctx, inv: InvoiceRec, at: number): void {
  const customer = ctx.store.customers.get(inv.customer);
  inv.status = "open";
  inv.finalizedAt = at;
  inv.number = `${customer.invoicePrefix}-${String(customer.nextInvoiceSequence).padStart(4, "0")}`;
  customer.nextInvoiceSequence += 1;
}

// ---------------------------------------------------------------------------------------------- previews

export interface PreviewRequest {
  customer: CustomerRec;
  sub: SubscriptionRec | null;
  newItems: { price: PriceRec; quantity: number }[];
  changes: ItemChange[];
  prorationBehavior: ProrationBehavior;
  prorationDate: number | null;
  billingCycleAnchor?: "now" | "unchanged";
  automaticTax: boolean | null;
  at: number;
}

/**
 * `POST /v1/invoices/create_preview`: the invoice a change would produce now (interval change, `always_invoice`,
 * `billing_cycle_anchor: now`), or the subscription's next invoice (with pending and new prorations), or a new
 * subscription's first invoice. Nothing is stored.
 */
export function previewInvoice(ctx: Ctx, r: PreviewRequest): InvoiceRec {
  const { customer, sub } = r;
  if (!sub) {
    const items = r.newItems.map((item) => ({
      id: newId("subscriptionItem"),
      created: r.at,
      price: item.price.id,
      quantity: item.quantity,
      metadata: {},
    }));
    if (items.length === 0)
      throw invalidRequest("Missing required param: subscription_details[items].", "subscription_details[items]", "parameter_missing");
    const { interval, count } = intervalOf(ctx, items);
    const end = periodEndAfter(r.at, interval, count, r.at);
    return draftInvoice(ctx, {
      customer,
      sub: null,
      billingReason: "upcoming",
      lines: periodLines(ctx, items, r.at, end, null),
      at: r.at,
      periodStart: r.at,
      periodEnd: r.at,
      automaticTax: r.automaticTax ?? false,
      discounts: [],
      currency: r.newItems[0]?.price.currency ?? "usd",
      preview: true,
    });
  }
  if (sub.status === "canceled" || sub.status === "incomplete_expired" || sub.cancelAtPeriodEnd)
    throw invalidRequest(`No upcoming invoices for customer: ${customer.id}`, undefined, "invoice_upcoming_none", 404);
  const pd = r.prorationDate ?? r.at;
  const discounts = subscriptionDiscounts(ctx, sub);
  const automaticTax = r.automaticTax ?? sub.automaticTax;
  if (r.changes.length > 0) {
    const plan = planChange(ctx, sub, r.changes, {
      prorationBehavior: r.prorationBehavior,
      prorationDate: pd,
      billingCycleAnchor: r.billingCycleAnchor,
      at: r.at,
    });
    if (plan.invoiceNow) {
      const { interval, count } = intervalOf(ctx, plan.items);
      const end = periodEndAfter(pd, interval, count, pd);
      const lines = [
        ...plan.prorations,
        ...pendingLines(ctx, sub.pendingItems),
        ...(plan.resetAnchor ? periodLines(ctx, plan.items, pd, end, sub.id) : []),
      ];
      return draftInvoice(ctx, {
        customer,
        sub,
        billingReason: "upcoming",
        lines,
        at: pd,
        periodStart: pd,
        periodEnd: pd,
        automaticTax,
        discounts,
        currency: sub.currency,
        preview: true,
        prorationDate: pd,
      });
    }
    const { interval, count } = intervalOf(ctx, plan.items);
    const start = sub.periodEnd;
    const end = periodEndAfter(sub.billingCycleAnchor, interval, count, start);
    const lines = [...pendingLines(ctx, sub.pendingItems), ...plan.prorations, ...periodLines(ctx, plan.items, start, end, sub.id)];
    return draftInvoice(ctx, {
      customer,
      sub,
      billingReason: "upcoming",
      lines,
      at: start,
      periodStart: sub.periodStart,
      periodEnd: start,
      automaticTax,
      discounts,
      currency: sub.currency,
      preview: true,
      prorationDate: pd,
    });
  }
  const { interval, count } = intervalOf(ctx, sub.items);
  const start = sub.periodEnd;
  const end = periodEndAfter(sub.billingCycleAnchor, interval, count, start);
  const lines = [...pendingLines(ctx, sub.pendingItems), ...periodLines(ctx, sub.items, start, end, sub.id)];
  return draftInvoice(ctx, {
    customer,
    sub,
    billingReason: "upcoming",
    lines,
    at: start,
    periodStart: sub.periodStart,
    periodEnd: start,
    automaticTax,
    discounts,
    currency: sub.currency,
    preview: true,
  });
}

// ---------------------------------------------------------------------------------------------- time

interface Due {
  at: number;
  rank: number;
  run: (at: number) => void;
}

function nextDue(ctx: Ctx, scope: string | null): Due | undefined {
  let best: Due | undefined;
  const consider = (due: Due) => {
    if (!best || due.at < best.at || (due.at === best.at && due.rank < best.rank)) best = due;
  };
  const live = (customerId: string) => ctx.store.customers.find(customerId)?.deleted === false;
  for (const sub of ctx.store.subscriptions.all()) {
    if (sub.testClock !== scope || !live(sub.customer)) continue;
    if (sub.status === "incomplete")
      consider({
        at: sub.created + INCOMPLETE_EXPIRY,
        rank: 3,
        run: (at) => {
          const before = subscriptionView(ctx, sub);
          sub.status = "incomplete_expired";
          sub.endedAt = at;
          const after = subscriptionView(ctx, sub);
          emit(ctx, "customer.subscription.updated", after, at, changedFields(before, after));
          const inv = sub.latestInvoice ? ctx.store.invoices.find(sub.latestInvoice) : undefined;
          if (inv?.status === "open") voidInvoice(ctx, inv, at);
        },
      });
    if (sub.status === "trialing" && !sub.trialWillEndSent && sub.trialEnd !== null)
      consider({
        at: Math.max(sub.created, sub.trialEnd - TRIAL_WILL_END),
        rank: 0,
        run: (at) => {
          sub.trialWillEndSent = true;
          emit(ctx, "customer.subscription.trial_will_end", subscriptionView(ctx, sub), at);
        },
      });
    if (["trialing", "active", "past_due", "unpaid"].includes(sub.status)) {
      if (sub.cancelAt !== null && sub.cancelAt < sub.periodEnd)
        consider({ at: sub.cancelAt, rank: 2, run: (at) => endSubscription(ctx, sub, at, "cancellation_requested") });
      else consider({ at: sub.periodEnd, rank: 2, run: (at) => cycle(ctx, sub, at) });
    }
    const resumesAt = sub.pauseCollection?.resumesAt;
    if (resumesAt !== undefined && resumesAt !== null)
      consider({
        at: resumesAt,
        rank: 1,
        run: (at) =>
          emitIfChanged(
            ctx,
            "customer.subscription.updated",
            () => subscriptionView(ctx, sub),
            at,
            () => {
              sub.pauseCollection = null;
            },
          ),
      });
  }
  for (const inv of ctx.store.invoices.all()) {
    if (inv.testClock !== scope || !inv.autoAdvance || !live(inv.customer)) continue;
    if (inv.status === "draft" && inv.automaticallyFinalizesAt !== null)
      consider({
        at: inv.automaticallyFinalizesAt,
        rank: 1,
        run: (at) => {
          finalizeInvoice(ctx, inv, at);
          if (inv.status === "open") attemptPayment(ctx, inv, at, { offSession: true, automatic: true });
        },
      });
    if (inv.status === "open" && inv.nextPaymentAttempt !== null)
      consider({ at: inv.nextPaymentAttempt, rank: 1, run: (at) => attemptPayment(ctx, inv, at, { offSession: true, automatic: true }) });
  }
  return best;
}

/**
 * Lets time pass up to `to` for the objects on one test clock (or, with `scope` null, on none): every renewal,
 * trial end, finalization, retry and scheduled cancellation in between happens in order, at its own time.
 * `step(at)` runs after each (to record the events raised).
 */
export function advanceTime(ctx: Ctx, scope: string | null, to: number, step: (at: number) => void): void {
  const clock = scope ? ctx.store.testClocks.get(scope) : undefined;
  for (let guard = 0; guard < 50_000; guard += 1) {
    const due = nextDue(ctx, scope);
    if (!due || due.at > to) break;
    if (clock) clock.frozenTime = Math.max(clock.frozenTime, due.at);
    due.run(due.at);
    step(due.at);
  }
  if (clock) clock.frozenTime = to;
}

/** The shortest interval of the clock's live subscriptions, in seconds (test clocks advance two at most). */
export function shortestInterval(ctx: Ctx, clockId: string, from: number): number | null {
  let shortest: number | null = null;
  for (const sub of ctx.store.subscriptions.all()) {
    if (sub.testClock !== clockId || sub.status === "canceled" || sub.status === "incomplete_expired") continue;
    const { interval, count } = intervalOf(ctx, sub.items);
    const span = addInterval(from, interval, 2 * count) - from;
    if (shortest === null || span < shortest) shortest = span;
  }
  return shortest;
}

export { nowFor };
