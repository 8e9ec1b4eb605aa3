/**
 * Records → the JSON Stripe answers, field for field in the shape of the API version the SDK pins (2026-11-18):
 * e.g. `current_period_start/end` on subscription items (not on the subscription), invoices with `parent`,
 * `total_taxes` and line `pricing`/`taxes`, discounts with `source.coupon`, promotion codes with `promotion.coupon`.
 * Each view is checked against the SDK's own types (`Wire<Stripe.X>`: every field we send exists there, with its
 * type; decimals travel as strings as on the wire). `expand` replaces ids by objects.
 */
import type Stripe from "stripe";
import { invalidRequest } from "./errors";
import type { Ctx } from "./context";
import type {
  CheckoutSessionRec,
  CouponRec,
  CustomerRec,
  DiscountRec,
  EventRec,
  InvoiceLineRec,
  InvoiceRec,
  LineTax,
  PaymentMethodRec,
  PortalSessionRec,
  PriceRec,
  ProductRec,
  PromotionCodeRec,
  SubscriptionItemRec,
  SubscriptionRec,
  TaxIdRec,
  TaxRateRec,
  TestClockRec,
} from "./store";

/** The JSON form of an SDK type: any subset of its fields, decimals as strings. */
export type Wire<T> = T extends Stripe.Decimal
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]?: Wire<T[K]> }
      : T;

type Json = Record<string, unknown>;
const json = <T>(value: Wire<T>): Json => value as Json;

export const CHECKOUT_PATH = "/c/pay";
export const PORTAL_PATH = "/p/session";
export const INVOICE_PAGE_PATH = "/i";
export const INVOICE_PDF_PATH = "/invoice";

export function customerView(ctx: Ctx, c: CustomerRec): Json {
  if (c.deleted) return { id: c.id, object: "customer", deleted: true };
  const delinquent = ctx.store.invoices.all().some((i) => i.customer === c.id && i.status === "open" && i.attemptCount > 0);
  return json<Stripe.Customer>({
    id: c.id,
    object: "customer",
    address: c.address,
    balance: c.balance,
    business_name: c.businessName ?? undefined,
    created: c.created,
    currency: c.currency,
    default_source: null,
    delinquent,
    description: c.description,
    discount: null,
    email: c.email,
    invoice_prefix: c.invoicePrefix,
    invoice_settings: { custom_fields: null, default_payment_method: c.defaultPaymentMethod, footer: null, rendering_options: null },
    livemode: false,
    metadata: c.metadata,
    name: c.name,
    next_invoice_sequence: c.nextInvoiceSequence,
    phone: c.phone,
    preferred_locales: c.preferredLocales,
    shipping: null,
    tax_exempt: c.taxExempt,
    test_clock: c.testClock,
  });
}

/** `customer.tax`, only when expanded (`expand[]=tax`), as Stripe does. */
export function customerTaxView(c: CustomerRec): Json {
  const country = c.address?.country ?? null;
  return json<Stripe.Customer.Tax>({
    automatic_tax: country ? "supported" : "unrecognized_location",
    ip_address: null,
    location: country ? { country, source: "billing_address", state: c.address?.state ?? null } : null,
    provider: "stripe",
  });
}

export function taxIdView(t: TaxIdRec): Json {
  return json<Stripe.TaxId>({
    id: t.id,
    object: "tax_id",
    country: t.country,
    created: t.created,
    customer: t.customer,
    customer_account: null,
    livemode: false,
    owner: { customer: t.customer, customer_account: null, type: "customer" },
    type: t.type,
    value: t.value,
    verification: { status: t.verification, verified_address: null, verified_name: null },
  });
}

export function taxRateView(r: TaxRateRec): Json {
  return json<Stripe.TaxRate>({
    id: r.id,
    object: "tax_rate",
    active: true,
    country: r.country,
    created: r.created,
    description: `${r.displayName} ${r.country}`,
    display_name: r.displayName,
    effective_percentage: r.percentage,
    flat_amount: null,
    inclusive: false,
    jurisdiction: r.jurisdiction,
    jurisdiction_level: "country",
    livemode: false,
    metadata: {},
    percentage: r.percentage,
    rate_type: "percentage",
    state: null,
    tax_type: r.taxType,
  });
}

export function productView(p: ProductRec): Json {
  if (p.deleted) return { id: p.id, object: "product", deleted: true };
  return json<Stripe.Product>({
    id: p.id,
    object: "product",
    active: p.active,
    created: p.created,
    default_price: p.defaultPrice,
    description: p.description,
    images: p.images,
    livemode: false,
    marketing_features: [],
    metadata: p.metadata,
    name: p.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: p.taxCode,
    type: "service",
    unit_label: null,
    updated: p.updated,
    url: null,
  });
}

export function priceView(p: PriceRec): Json {
  return json<Stripe.Price>({
    id: p.id,
    object: "price",
    active: p.active,
    billing_scheme: "per_unit",
    created: p.created,
    currency: p.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: p.lookupKey,
    metadata: p.metadata,
    nickname: p.nickname,
    product: p.product,
    recurring: p.recurring && {
      interval: p.recurring.interval,
      interval_count: p.recurring.intervalCount,
      meter: null,
      trial_period_days: p.recurring.trialPeriodDays,
      usage_type: "licensed",
    },
    tax_behavior: p.taxBehavior,
    tiers_mode: null,
    transform_quantity: null,
    type: p.recurring ? "recurring" : "one_time",
    unit_amount: p.unitAmount,
    unit_amount_decimal: String(p.unitAmount),
  });
}

/** The legacy `plan` view of a recurring price, still on subscription items. */
export function planView(p: PriceRec): Json {
  return json<Stripe.Plan>({
    id: p.id,
    object: "plan",
    active: p.active,
    amount: p.unitAmount,
    amount_decimal: String(p.unitAmount),
    billing_scheme: "per_unit",
    created: p.created,
    currency: p.currency,
    interval: p.recurring?.interval ?? "month",
    interval_count: p.recurring?.intervalCount ?? 1,
    livemode: false,
    metadata: p.metadata,
    meter: null,
    nickname: p.nickname,
    product: p.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: p.recurring?.trialPeriodDays ?? null,
    usage_type: "licensed",
  });
}

export function couponView(c: CouponRec, now: number): Json {
  if (c.deleted) return { id: c.id, object: "coupon", deleted: true };
  return json<Stripe.Coupon>({
    id: c.id,
    object: "coupon",
    amount_off: c.amountOff,
    created: c.created,
    currency: c.currency,
    duration: c.duration,
    duration_in_months: c.durationInMonths,
    livemode: false,
    max_redemptions: c.maxRedemptions,
    metadata: c.metadata,
    name: c.name,
    percent_off: c.percentOff,
    redeem_by: c.redeemBy,
    times_redeemed: c.timesRedeemed,
    valid: couponValid(c, now),
  });
}

export function couponValid(c: CouponRec, now: number): boolean {
  return !c.deleted && (c.redeemBy === null || c.redeemBy > now) && (c.maxRedemptions === null || c.timesRedeemed < c.maxRedemptions);
}

export function promotionCodeView(p: PromotionCodeRec): Json {
  return json<Stripe.PromotionCode>({
    id: p.id,
    object: "promotion_code",
    active: p.active,
    code: p.code,
    created: p.created,
    customer: p.customer,
    customer_account: null,
    expires_at: p.expiresAt,
    livemode: false,
    max_redemptions: p.maxRedemptions,
    metadata: p.metadata,
    promotion: { coupon: p.coupon, type: "coupon" },
    restrictions: {
      first_time_transaction: p.firstTimeTransaction,
      minimum_amount: p.minimumAmount,
      minimum_amount_currency: p.minimumAmountCurrency,
    },
    times_redeemed: p.timesRedeemed,
  });
}

export function discountView(ctx: Ctx, d: DiscountRec): Json {
  const coupon = ctx.store.coupons.find(d.coupon);
  return json<Stripe.Discount>({
    id: d.id,
    object: "discount",
    checkout_session: d.checkoutSession,
    customer: d.customer,
    customer_account: null,
    end: d.end,
    invoice: null,
    invoice_item: null,
    promotion_code: d.promotionCode,
    source: { coupon: coupon ? (couponView(coupon, ctx.wallSeconds()) as Wire<Stripe.Coupon>) : d.coupon, type: "coupon" },
    start: d.start,
    subscription: d.subscription,
    subscription_item: null,
  });
}

export function paymentMethodView(pm: PaymentMethodRec): Json {
  return json<Stripe.PaymentMethod>({
    id: pm.id,
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: {
      address: pm.billingDetails.address,
      email: pm.billingDetails.email,
      name: pm.billingDetails.name,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: pm.card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: pm.card.country,
      display_brand: pm.card.brand,
      exp_month: pm.card.expMonth,
      exp_year: pm.card.expYear,
      fingerprint: pm.card.fingerprint,
      funding: pm.card.funding,
      generated_from: null,
      last4: pm.card.last4,
      networks: { available: [pm.card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: pm.created,
    customer: pm.customer,
    customer_account: null,
    livemode: false,
    metadata: pm.metadata,
    type: "card",
  });
}

export function subscriptionItemView(ctx: Ctx, item: SubscriptionItemRec, sub: SubscriptionRec): Json {
  const price = ctx.store.prices.get(item.price);
  return json<Stripe.SubscriptionItem>({
    id: item.id,
    object: "subscription_item",
    billing_thresholds: null,
    created: item.created,
    current_period_end: sub.periodEnd,
    current_period_start: sub.periodStart,
    discounts: [],
    metadata: item.metadata,
    plan: planView(price) as Wire<Stripe.Plan>,
    price: priceView(price) as Wire<Stripe.Price>,
    quantity: item.quantity,
    subscription: sub.id,
    tax_rates: [],
  });
}

export function subscriptionView(ctx: Ctx, s: SubscriptionRec): Json {
  return json<Stripe.Subscription>({
    id: s.id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: s.automaticTax, liability: s.automaticTax ? { type: "self" } : null },
    billing_cycle_anchor: s.billingCycleAnchor,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: "classic" },
    billing_thresholds: null,
    cancel_at: s.cancelAtPeriodEnd ? s.periodEnd : s.cancelAt,
    cancel_at_period_end: s.cancelAtPeriodEnd,
    canceled_at: s.canceledAt,
    cancellation_details: {
      comment: s.cancellation?.comment ?? null,
      feedback: (s.cancellation?.feedback ?? null) as Stripe.Subscription.CancellationDetails.Feedback | null,
      feedback_option: null,
      reason: (s.cancellation?.reason ?? null) as Stripe.Subscription.CancellationDetails.Reason | null,
    },
    collection_method: "charge_automatically",
    created: s.created,
    currency: s.currency,
    customer: s.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: s.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: s.description,
    discounts: s.discounts,
    ended_at: s.endedAt,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
    items: {
      object: "list",
      data: s.items.map((item) => subscriptionItemView(ctx, item, s) as Wire<Stripe.SubscriptionItem>),
      has_more: false,
      url: `/v1/subscription_items?subscription=${s.id}`,
    },
    latest_invoice: s.latestInvoice,
    livemode: false,
    metadata: s.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: s.pauseCollection && { behavior: s.pauseCollection.behavior, resumes_at: s.pauseCollection.resumesAt },
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: s.startDate,
    status: s.status,
    test_clock: s.testClock,
    transfer_data: null,
    trial_end: s.trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: s.trialEndBehavior } },
    trial_start: s.trialStart,
  });
}

const taxView = (t: LineTax) => ({
  amount: t.amount,
  tax_behavior: t.behavior,
  tax_rate_details: t.taxRate ? { tax_rate: t.taxRate } : null,
  taxability_reason: t.reason,
  taxable_amount: t.taxableAmount,
  type: "tax_rate_details" as const,
});

export function invoiceLineView(ctx: Ctx, line: InvoiceLineRec, invoiceId: string | null): Json {
  const price = line.price ? ctx.store.prices.find(line.price) : undefined;
  return json<Stripe.InvoiceLineItem>({
    id: line.id,
    object: "line_item",
    amount: line.amount,
    currency: line.currency,
    description: line.description,
    discount_amounts: line.discountAmounts,
    discountable: line.discountable,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: line.metadata,
    parent: line.subscriptionItem
      ? {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: line.invoiceItem,
            proration: line.proration,
            proration_details: { credited_items: null },
            subscription: line.subscription,
            subscription_item: line.subscriptionItem,
          },
          type: "subscription_item_details",
        }
      : null,
    period: { end: line.periodEnd, start: line.periodStart },
    pretax_credit_amounts: [],
    pricing: price
      ? { price_details: { price: price.id, product: price.product }, type: "price_details", unit_amount_decimal: String(price.unitAmount) }
      : null,
    quantity: line.quantity,
    subscription: line.subscription,
    subtotal: line.amount,
    taxes: line.taxes.map(taxView),
  });
}

export function invoiceUrls(ctx: Ctx, inv: InvoiceRec): { hosted: string | null; pdf: string | null } {
  if (inv.status === "draft" || inv.id.startsWith("upcoming_")) return { hosted: null, pdf: null };
  return { hosted: `${ctx.baseUrl()}${INVOICE_PAGE_PATH}/${inv.id}`, pdf: `${ctx.baseUrl()}${INVOICE_PDF_PATH}/${inv.id}/pdf` };
}

export function invoiceView(ctx: Ctx, inv: InvoiceRec): Json {
  const urls = invoiceUrls(ctx, inv);
  const preview = inv.id.startsWith("upcoming_");
  return json<Stripe.Invoice>({
    id: inv.id,
    object: "invoice",
    account_country: ctx.account.country,
    account_name: ctx.account.name,
    account_tax_ids: null,
    amount_due: inv.amountDue,
    amount_overpaid: 0,
    amount_paid: inv.amountPaid,
    amount_remaining: inv.amountRemaining,
    amount_shipping: 0,
    application: null,
    attempt_count: inv.attemptCount,
    attempted: inv.attempted,
    auto_advance: inv.autoAdvance,
    automatic_tax: {
      disabled_reason: null,
      enabled: inv.automaticTax.enabled,
      liability: inv.automaticTax.enabled ? { type: "self" } : null,
      provider: inv.automaticTax.enabled ? "stripe" : null,
      status: inv.automaticTax.status,
    },
    automatically_finalizes_at: inv.automaticallyFinalizesAt,
    billing_reason: inv.billingReason,
    collection_method: "charge_automatically",
    created: inv.created,
    currency: inv.currency,
    custom_fields: null,
    customer: inv.customer,
    customer_account: null,
    customer_address: inv.customerAddress,
    customer_email: inv.customerEmail,
    customer_name: inv.customerName,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: inv.customerTaxExempt,
    customer_tax_ids: inv.customerTaxIds.map((t) => ({ type: t.type as Stripe.Invoice.CustomerTaxId.Type, value: t.value })),
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: inv.discounts,
    due_date: null,
    effective_at: inv.finalizedAt,
    ending_balance: inv.endingBalance,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: urls.hosted,
    invoice_pdf: urls.pdf,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: "list",
      data: inv.lines.map((line) => invoiceLineView(ctx, line, preview ? null : inv.id) as Wire<Stripe.InvoiceLineItem>),
      has_more: false,
      url: preview ? "/v1/invoices/create_preview/lines" : `/v1/invoices/${inv.id}/lines`,
    },
    livemode: false,
    metadata: inv.metadata,
    next_payment_attempt: inv.nextPaymentAttempt,
    number: inv.number,
    on_behalf_of: null,
    parent: inv.subscription
      ? {
          quote_details: null,
          subscription_details: {
            metadata: inv.subscriptionMetadata,
            subscription: inv.subscription,
            ...(inv.prorationDate !== null ? { subscription_proration_date: inv.prorationDate } : {}),
          },
          type: "subscription_details",
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: inv.periodEnd,
    period_start: inv.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: inv.startingBalance,
    statement_descriptor: null,
    status: inv.status,
    status_transitions: {
      finalized_at: inv.finalizedAt,
      marked_uncollectible_at: inv.markedUncollectibleAt,
      paid_at: inv.paidAt,
      voided_at: inv.voidedAt,
    },
    subtotal: inv.subtotal,
    subtotal_excluding_tax: inv.subtotalExcludingTax,
    test_clock: inv.testClock,
    total: inv.total,
    total_discount_amounts: inv.totalDiscounts,
    total_excluding_tax: inv.totalExcludingTax,
    total_pretax_credit_amounts: [],
    total_taxes: inv.totalTaxes.map(taxView),
    webhooks_delivered_at: inv.finalizedAt,
  });
}

export function checkoutLineItemsView(ctx: Ctx, cs: CheckoutSessionRec): Json[] {
  const subtotal = cs.amountSubtotal || 1;
  return cs.lineItems.map((line) => {
    const price = ctx.store.prices.get(line.price);
    const product = ctx.store.products.find(price.product);
    const amount = price.unitAmount * line.quantity;
    const share = (value: number) => Math.round((value * amount) / subtotal);
    const discount = share(cs.amountDiscount);
    const tax = share(cs.amountTax);
    return json<Stripe.LineItem>({
      id: line.id,
      object: "item",
      adjustable_quantity: null,
      amount_discount: discount,
      amount_subtotal: amount,
      amount_tax: tax,
      amount_total: amount - discount + tax,
      currency: price.currency,
      description: product?.name ?? null,
      metadata: {},
      price: priceView(price) as Wire<Stripe.Price>,
      quantity: line.quantity,
    });
  });
}

export function checkoutSessionView(ctx: Ctx, cs: CheckoutSessionRec): Json {
  const details = cs.customerDetails;
  return json<Stripe.Checkout.Session>({
    id: cs.id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: cs.allowPromotionCodes,
    amount_subtotal: cs.amountSubtotal,
    amount_total: cs.amountTotal,
    automatic_tax: {
      enabled: cs.automaticTax,
      liability: cs.automaticTax ? { type: "self" } : null,
      provider: cs.automaticTax ? "stripe" : null,
      status: cs.automaticTax ? (details?.address?.country ? "complete" : "requires_location_inputs") : null,
    },
    billing_address_collection: cs.billingAddressCollection,
    cancel_url: cs.cancelUrl,
    client_reference_id: cs.clientReferenceId,
    client_secret: null,
    collected_information: details ? { business_name: details.businessName, individual_name: null, shipping_details: null } : null,
    consent: null,
    consent_collection: null,
    created: cs.created,
    currency: cs.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: cs.customer,
    customer_account: null,
    customer_creation: cs.customer ? null : "always",
    customer_details: details && {
      address: details.address,
      business_name: details.businessName,
      email: details.email,
      individual_name: null,
      name: details.name,
      phone: null,
      tax_exempt: details.taxExempt,
      tax_ids: details.taxIds.map((t) => ({ type: t.type as Stripe.Checkout.Session.CustomerDetails.TaxId.Type, value: t.value })),
    },
    customer_email: cs.customerEmail,
    discounts: cs.discounts.map((d) => ({ coupon: d.coupon, promotion_code: d.promotionCode })),
    expires_at: cs.expiresAt,
    integration_identifier: null,
    invoice: cs.invoice,
    invoice_creation: null,
    livemode: false,
    locale: cs.locale as Stripe.Checkout.Session.Locale | null,
    metadata: cs.metadata,
    mode: "subscription",
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: cs.paymentMethodCollection,
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    payment_status: cs.paymentStatus,
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: cs.status,
    submit_type: null,
    subscription: cs.subscription,
    success_url: cs.successUrl,
    tax_id_collection: { enabled: cs.taxIdCollection, required: cs.taxIdRequired },
    total_details: { amount_discount: cs.amountDiscount, amount_shipping: 0, amount_tax: cs.amountTax },
    ui_mode: "hosted_page",
    url: cs.status === "open" ? `${ctx.baseUrl()}${CHECKOUT_PATH}/${cs.id}` : null,
    wallet_options: null,
  });
}

export function portalSessionView(ctx: Ctx, p: PortalSessionRec): Json {
  return json<Stripe.BillingPortal.Session>({
    id: p.id,
    object: "billing_portal.session",
    configuration: "bpc_1FluxorStandInDefault00",
    created: p.created,
    customer: p.customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: p.locale as Stripe.BillingPortal.Session.Locale | null,
    on_behalf_of: null,
    return_url: p.returnUrl,
    url: `${ctx.baseUrl()}${PORTAL_PATH}/${p.id}`,
  });
}

export function testClockView(c: TestClockRec): Json {
  if (c.deleted) return { id: c.id, object: "test_helpers.test_clock", deleted: true };
  return json<Stripe.TestHelpers.TestClock>({
    id: c.id,
    object: "test_helpers.test_clock",
    created: c.created,
    deletes_after: c.deletesAfter,
    frozen_time: c.frozenTime,
    livemode: false,
    name: c.name,
    status: c.status,
    status_details: c.status === "advancing" && c.target !== null ? { advancing: { target_frozen_time: c.target } } : {},
  });
}

export function eventView(e: EventRec): Json {
  return json<Stripe.EventBase>({
    id: e.id,
    object: "event",
    api_version: e.apiVersion,
    created: e.created,
    data: { object: e.object, ...(e.previousAttributes ? { previous_attributes: e.previousAttributes } : {}) },
    livemode: false,
    pending_webhooks: e.pendingWebhooks,
    request: { id: e.requestId, idempotency_key: e.idempotencyKey },
    type: e.type as Stripe.Event.Type,
  });
}

/** The object an id names, as its view (for `expand`). */
export function viewById(ctx: Ctx, id: string): Json | undefined {
  const { store } = ctx;
  const prefix = id.slice(0, id.indexOf("_") + 1);
  switch (prefix) {
    case "cus_": {
      const c = store.customers.find(id);
      return c && customerView(ctx, c);
    }
    case "sub_": {
      const s = store.subscriptions.find(id);
      return s && subscriptionView(ctx, s);
    }
    case "in_": {
      const i = store.invoices.find(id);
      return i && invoiceView(ctx, i);
    }
    case "pm_": {
      const p = store.paymentMethods.find(id);
      return p && paymentMethodView(p);
    }
    case "price_": {
      const p = store.prices.find(id);
      return p && priceView(p);
    }
    case "prod_": {
      const p = store.products.find(id);
      return p && productView(p);
    }
    case "di_": {
      const d = store.discounts.find(id);
      return d && discountView(ctx, d);
    }
    case "promo_": {
      const p = store.promotionCodes.find(id);
      return p && promotionCodeView(p);
    }
    case "txi_": {
      const t = store.taxIds.find(id);
      return t && taxIdView(t);
    }
    case "txr_": {
      const r = store.taxRates.find(id);
      return r && taxRateView(r);
    }
    case "clock_": {
      const c = store.testClocks.find(id);
      return c && testClockView(c);
    }
    case "cs_": {
      const s = store.checkoutSessions.find(id);
      return s && checkoutSessionView(ctx, s);
    }
    default: {
      const coupon = store.coupons.find(id);
      return coupon && couponView(coupon, ctx.wallSeconds());
    }
  }
}

/**
 * Applies `expand[]` paths (dot-separated, up to 4 levels; lists through `data.`): each id on the path becomes its
 * object; an array of ids (`discounts`) is expanded element by element. A path that names no expandable id is
 * Stripe's 400 "This property cannot be expanded".
 */
export function expand(ctx: Ctx, view: Json, paths: string[]): Json {
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, "expand");
    const walk = (node: Json, index: number): void => {
      const key = segments[index] as string;
      const value = node[key];
      const last = index === segments.length - 1;
      const open = (item: unknown): unknown => {
        if (typeof item === "string") {
          const object = viewById(ctx, item);
          if (!object) throw invalidRequest(`This property cannot be expanded (${segments.slice(0, index + 1).join(".")}).`, "expand");
          if (!last) walk(object, index + 1);
          return object;
        }
        if (item && typeof item === "object" && !last) {
          walk(item as Json, index + 1);
          return item;
        }
        if (item === null) return null;
        if (last && item && typeof item === "object") return item;
        throw invalidRequest(`This property cannot be expanded (${segments.slice(0, index + 1).join(".")}).`, "expand");
      };
      if (value === undefined)
        throw invalidRequest(`This property cannot be expanded (${segments.slice(0, index + 1).join(".")}).`, "expand");
      node[key] = Array.isArray(value) ? value.map(open) : open(value);
    };
    walk(view, 0);
  }
  return view;
}
