/**
 * What the stand-in remembers: one in-memory account (test mode). Records hold what Stripe would store, in the
 * stand-in's own shape; `views.ts` turns them into the JSON the API answers. Times are Unix seconds.
 */
import type { CardBehavior, CardDetails } from "./cards";
import { invalidRequest, resourceMissing } from "./errors";
import type { Params } from "./form";

export type Metadata = Record<string, string>;
export type Interval = "day" | "week" | "month" | "year";
export type SubscriptionStatus =
  "incomplete" | "incomplete_expired" | "trialing" | "active" | "past_due" | "unpaid" | "canceled" | "paused";
export type InvoiceStatus = "draft" | "open" | "paid" | "uncollectible" | "void";
export type TaxabilityReason = "standard_rated" | "reverse_charge" | "customer_exempt" | "not_collecting" | "zero_rated";

export interface Address {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
}

export interface CustomerRec {
  id: string;
  created: number;
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  businessName: string | null;
  address: Address | null;
  metadata: Metadata;
  /** Negative: credit the customer has (Stripe's sign). */
  balance: number;
  currency: string | null;
  invoicePrefix: string;
  nextInvoiceSequence: number;
  defaultPaymentMethod: string | null;
  testClock: string | null;
  taxExempt: "none" | "exempt" | "reverse";
  preferredLocales: string[];
  deleted: boolean;
}

export interface TaxIdRec {
  id: string;
  created: number;
  customer: string;
  type: string;
  value: string;
  country: string | null;
  verification: "verified" | "unverified" | "unavailable" | "pending";
}

export interface TaxRateRec {
  id: string;
  created: number;
  country: string;
  percentage: number;
  displayName: string;
  taxType: "vat" | "gst" | "jct" | "sales_tax";
  jurisdiction: string;
}

export interface ProductRec {
  id: string;
  created: number;
  updated: number;
  name: string;
  description: string | null;
  active: boolean;
  metadata: Metadata;
  defaultPrice: string | null;
  taxCode: string | null;
  images: string[];
  deleted: boolean;
}

export interface PriceRec {
  id: string;
  created: number;
  product: string;
  currency: string;
  unitAmount: number;
  recurring: { interval: Interval; intervalCount: number; trialPeriodDays: number | null } | null;
  lookupKey: string | null;
  nickname: string | null;
  active: boolean;
  metadata: Metadata;
  taxBehavior: "exclusive" | "inclusive" | "unspecified";
}

export interface CouponRec {
  id: string;
  created: number;
  name: string | null;
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  duration: "once" | "repeating" | "forever";
  durationInMonths: number | null;
  maxRedemptions: number | null;
  redeemBy: number | null;
  timesRedeemed: number;
  metadata: Metadata;
  deleted: boolean;
}

export interface PromotionCodeRec {
  id: string;
  created: number;
  code: string;
  coupon: string;
  active: boolean;
  customer: string | null;
  expiresAt: number | null;
  maxRedemptions: number | null;
  timesRedeemed: number;
  firstTimeTransaction: boolean;
  minimumAmount: number | null;
  minimumAmountCurrency: string | null;
  metadata: Metadata;
}

export interface DiscountRec {
  id: string;
  created: number;
  coupon: string;
  promotionCode: string | null;
  customer: string;
  subscription: string | null;
  checkoutSession: string | null;
  start: number;
  end: number | null;
  /** A `once` coupon is used up by the first invoice it discounts. */
  usedUp: boolean;
}

export interface PaymentMethodRec {
  id: string;
  created: number;
  customer: string | null;
  card: CardDetails;
  behavior: CardBehavior;
  /** It completed 3-D Secure once (4000 0025 0000 3155 then pays off session). */
  authenticated: boolean;
  billingDetails: { name: string | null; email: string | null; address: Address | null };
  metadata: Metadata;
}

export interface SubscriptionItemRec {
  id: string;
  created: number;
  price: string;
  quantity: number;
  metadata: Metadata;
}

/** A pending invoice item (a proration) waiting for the subscription's next invoice. */
export interface PendingItemRec {
  id: string;
  created: number;
  amount: number;
  description: string;
  periodStart: number;
  periodEnd: number;
  price: string;
  quantity: number;
  subscriptionItem: string;
  proration: boolean;
}

export interface SubscriptionRec {
  id: string;
  created: number;
  customer: string;
  status: SubscriptionStatus;
  items: SubscriptionItemRec[];
  currency: string;
  startDate: number;
  billingCycleAnchor: number;
  periodStart: number;
  periodEnd: number;
  trialStart: number | null;
  trialEnd: number | null;
  trialEndBehavior: "cancel" | "pause" | "create_invoice";
  trialWillEndSent: boolean;
  cancelAtPeriodEnd: boolean;
  cancelAt: number | null;
  canceledAt: number | null;
  endedAt: number | null;
  cancellation: { reason: string | null; feedback: string | null; comment: string | null } | null;
  defaultPaymentMethod: string | null;
  discounts: string[];
  metadata: Metadata;
  description: string | null;
  latestInvoice: string | null;
  pauseCollection: { behavior: "keep_as_draft" | "mark_uncollectible" | "void"; resumesAt: number | null } | null;
  pausedAt: number | null;
  automaticTax: boolean;
  testClock: string | null;
  pendingItems: PendingItemRec[];
}

export interface LineTax {
  amount: number;
  taxRate: string | null;
  taxableAmount: number;
  reason: TaxabilityReason;
  behavior: "exclusive" | "inclusive";
}

export interface InvoiceLineRec {
  id: string;
  amount: number;
  currency: string;
  description: string;
  periodStart: number;
  periodEnd: number;
  price: string | null;
  quantity: number | null;
  proration: boolean;
  subscription: string | null;
  subscriptionItem: string | null;
  invoiceItem: string | null;
  discountable: boolean;
  discountAmounts: { amount: number; discount: string }[];
  taxes: LineTax[];
  metadata: Metadata;
}

export type BillingReason = "subscription_create" | "subscription_cycle" | "subscription_update" | "manual" | "upcoming";

export interface InvoiceRec {
  id: string;
  number: string | null;
  created: number;
  customer: string;
  subscription: string | null;
  status: InvoiceStatus;
  billingReason: BillingReason;
  currency: string;
  periodStart: number;
  periodEnd: number;
  lines: InvoiceLineRec[];
  discounts: string[];
  subtotal: number;
  subtotalExcludingTax: number;
  totalDiscounts: { amount: number; discount: string }[];
  totalTaxes: LineTax[];
  totalExcludingTax: number;
  total: number;
  startingBalance: number;
  endingBalance: number | null;
  amountDue: number;
  amountPaid: number;
  amountRemaining: number;
  attemptCount: number;
  attempted: boolean;
  nextPaymentAttempt: number | null;
  autoAdvance: boolean;
  automaticallyFinalizesAt: number | null;
  finalizedAt: number | null;
  paidAt: number | null;
  voidedAt: number | null;
  markedUncollectibleAt: number | null;
  customerEmail: string | null;
  customerName: string | null;
  customerAddress: Address | null;
  customerTaxIds: { type: string; value: string }[];
  customerTaxExempt: "none" | "exempt" | "reverse";
  automaticTax: { enabled: boolean; status: "complete" | "requires_location_inputs" | null };
  testClock: string | null;
  metadata: Metadata;
  subscriptionMetadata: Metadata | null;
  defaultPaymentMethod: string | null;
  lastPaymentError: { code: string; declineCode: string | null; message: string } | null;
  /** Previews: the time prorations were computed for. */
  prorationDate: number | null;
  /** The payment needs the customer (3-D Secure) before it can complete. */
  requiresAction: boolean;
  /** Smart-retry bookkeeping: when the first attempt failed. */
  firstFailedAt: number | null;
}

export interface CheckoutLineRec {
  id: string;
  price: string;
  quantity: number;
}

export interface CheckoutSessionRec {
  id: string;
  created: number;
  expiresAt: number;
  status: "open" | "complete" | "expired";
  paymentStatus: "paid" | "unpaid" | "no_payment_required";
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  metadata: Metadata;
  successUrl: string | null;
  cancelUrl: string | null;
  lineItems: CheckoutLineRec[];
  currency: string;
  trialPeriodDays: number | null;
  trialEnd: number | null;
  trialEndBehavior: "cancel" | "pause" | "create_invoice";
  subscriptionMetadata: Metadata;
  subscriptionDescription: string | null;
  automaticTax: boolean;
  taxIdCollection: boolean;
  taxIdRequired: "never" | "if_supported";
  allowPromotionCodes: boolean;
  discounts: { coupon: string | null; promotionCode: string | null }[];
  paymentMethodCollection: "always" | "if_required";
  billingAddressCollection: "auto" | "required";
  customerUpdate: { address: "auto" | "never"; name: "auto" | "never" };
  locale: string | null;
  subscription: string | null;
  invoice: string | null;
  customerDetails: {
    email: string | null;
    name: string | null;
    businessName: string | null;
    address: Address | null;
    taxIds: { type: string; value: string }[];
    taxExempt: "none" | "exempt" | "reverse";
  } | null;
  amountSubtotal: number;
  amountTotal: number;
  amountDiscount: number;
  amountTax: number;
  /** A card that awaits its 3-D Secure challenge, and the form it came with. */
  pending: { paymentMethod: string; form: Record<string, string> } | null;
}

export interface PortalSessionRec {
  id: string;
  created: number;
  customer: string;
  returnUrl: string | null;
  locale: string | null;
  flow: { type: string; subscription: string | null } | null;
  /** A card awaiting 3-D Secure in the portal. */
  pending: { paymentMethod: string; invoice: string | null } | null;
  notice: string | null;
}

export interface TestClockRec {
  id: string;
  created: number;
  name: string | null;
  frozenTime: number;
  status: "ready" | "advancing" | "internal_failure";
  target: number | null;
  deletesAfter: number;
  deleted: boolean;
}

export interface EventRec {
  id: string;
  type: string;
  created: number;
  object: Record<string, unknown>;
  previousAttributes: Record<string, unknown> | null;
  requestId: string | null;
  idempotencyKey: string | null;
  pendingWebhooks: number;
  apiVersion: string;
}

export interface Listable {
  id: string;
  created: number;
}

/** A collection of records in creation order, found by id. */
export class Table<T extends Listable> {
  private readonly byId = new Map<string, T>();
  private readonly order: T[] = [];

  constructor(readonly kind: string) {}

  add(record: T): T {
    this.byId.set(record.id, record);
    this.order.push(record);
    return record;
  }

  find(id: string): T | undefined {
    return this.byId.get(id);
  }

  /** The record, or Stripe's 404 `No such <kind>: '<id>'`. */
  get(id: string, param = "id"): T {
    const record = this.byId.get(id);
    if (!record || (record as { deleted?: boolean }).deleted) throw resourceMissing(this.kind, id, param);
    return record;
  }

  remove(id: string): void {
    const record = this.byId.get(id);
    if (!record) return;
    this.byId.delete(id);
    this.order.splice(this.order.indexOf(record), 1);
  }

  all(): T[] {
    return [...this.order];
  }

  /** Newest first, as Stripe lists (ties: the later-created first). */
  newestFirst(): T[] {
    return this.order
      .map((record, index) => ({ record, index }))
      .sort((a, b) => b.record.created - a.record.created || b.index - a.index)
      .map(({ record }) => record);
  }
}

export class Store {
  readonly customers = new Table<CustomerRec>("customer");
  readonly taxIds = new Table<TaxIdRec>("tax_id");
  readonly taxRates = new Table<TaxRateRec>("tax_rate");
  readonly products = new Table<ProductRec>("product");
  readonly prices = new Table<PriceRec>("price");
  readonly coupons = new Table<CouponRec>("coupon");
  readonly promotionCodes = new Table<PromotionCodeRec>("promotion code");
  readonly discounts = new Table<DiscountRec>("discount");
  readonly paymentMethods = new Table<PaymentMethodRec>("PaymentMethod");
  readonly subscriptions = new Table<SubscriptionRec>("subscription");
  readonly invoices = new Table<InvoiceRec>("invoice");
  readonly checkoutSessions = new Table<CheckoutSessionRec>("checkout.session");
  readonly portalSessions = new Table<PortalSessionRec>("billing_portal.session");
  readonly testClocks = new Table<TestClockRec>("test_helpers.test_clock");
  readonly events = new Table<EventRec>("event");
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

/** Stripe's cursor pagination: `limit` (1–100, default 10), `starting_after` / `ending_before` an object id. */
export function paginate<T extends Listable>(items: T[], params: Params, kind: string): Page<T> {
  const limit = params.int("limit") ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest("Invalid limit: must be between 1 and 100", "limit");
  const after = params.str("starting_after");
  const before = params.str("ending_before");
  if (after && before)
    throw invalidRequest("You may only specify one of these parameters: ending_before, starting_after.", "ending_before");
  if (after) {
    const index = items.findIndex((item) => item.id === after);
    if (index < 0) throw resourceMissing(kind, after, "starting_after");
    const rest = items.slice(index + 1);
    return { data: rest.slice(0, limit), has_more: rest.length > limit };
  }
  if (before) {
    const index = items.findIndex((item) => item.id === before);
    if (index < 0) throw resourceMissing(kind, before, "ending_before");
    const head = items.slice(0, index);
    return { data: head.slice(Math.max(0, head.length - limit)), has_more: head.length > limit };
  }
  return { data: items.slice(0, limit), has_more: items.length > limit };
}

/** `created` filters on lists: `created=ts` or `created[gte]=…&created[lt]=…`. */
export function createdFilter(params: Params, key = "created"): (created: number) => boolean {
  if (!params.has(key)) return () => true;
  const exact = typeof params.raw[key] === "string" ? params.int(key) : undefined;
  if (exact !== undefined) return (created) => created === exact;
  const range = params.obj(key)?.only(["gt", "gte", "lt", "lte"]);
  const gt = range?.int("gt");
  const gte = range?.int("gte");
  const lt = range?.int("lt");
  const lte = range?.int("lte");
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}
