/**
 * The Billing API's state for one shop: app subscriptions (recurring and usage line items), usage
 * records, a small charge ledger, and their lifecycle as Shopify documents it (API 2025-10):
 *
 *   PENDING ──approve──▶ ACTIVE ──cancel / replaced / uninstall──▶ CANCELLED
 *      │  └──decline──▶ DECLINED          │  ▲
 *      └──2 days unapproved──▶ EXPIRED    ▼  │ store pays Shopify again
 *                                        FROZEN (store's payment to Shopify failed)
 *
 * Time is the shop's clock (store state) plus an offset that `advance(days)` moves; everything that
 * depends on time (expiry, billing periods, deferred replacements) happens lazily in `tick()`, in time
 * order. Every status change (and an approved capped-amount change) sends `app_subscriptions/update`;
 * crossing 90 % of a usage cap sends `app_subscriptions/approaching_capped_amount` once per period.
 *
 * Modelled rules (Shopify's own are not all public; these are the stand-in's, stated):
 * - Billing periods: 30 days (EVERY_30_DAYS, and any usage-only plan) or 365 days (ANNUAL), from
 *   approval; with `trialDays` the first window is the trial and the first recurring charge falls at
 *   its end. Usage balance resets at every period boundary (the trial is a window of its own).
 * - Credit: cancelling with `prorate: true`, or replacing an ACTIVE subscription immediately, credits
 *   the last recurring charge × the unused share of its period (rounded to cents); none in a trial.
 * - A recurring charge with a discount costs `priceAfterDiscount` for `durationLimitInIntervals`
 *   periods (every period when there is no limit).
 */

import { restTime } from "../store/rest";

export type SubscriptionStatus = "PENDING" | "ACTIVE" | "DECLINED" | "EXPIRED" | "FROZEN" | "CANCELLED";
export type PricingInterval = "EVERY_30_DAYS" | "ANNUAL";
export type ReplacementBehavior = "STANDARD" | "APPLY_IMMEDIATELY" | "APPLY_ON_NEXT_BILLING_CYCLE";

export const DAY_MS = 86_400_000;
/** Unapproved subscriptions expire after two days. */
export const PENDING_TTL_MS = 2 * DAY_MS;
export const APPROACHING_SHARE = 0.9;

export interface Money {
  amount: number;
  currencyCode: string;
}

export interface DiscountRecord {
  percentage: number | null;
  amount: number | null;
  durationLimitInIntervals: number | null;
  /** Billing periods already charged at the discounted price. */
  appliedIntervals: number;
}

export interface RecurringLine {
  kind: "recurring";
  index: number;
  price: Money;
  interval: PricingInterval;
  discount: DiscountRecord | null;
  planHandle: string | null;
}

export interface UsageLine {
  kind: "usage";
  index: number;
  cappedAmount: Money;
  terms: string;
  /** Usage charged in the current period. */
  balanceUsed: number;
  /** approaching_capped_amount already sent in this period (for this cap). */
  warned: boolean;
  /** A capped amount waiting for the merchant's approval (appSubscriptionLineItemUpdate). */
  pendingCap: { amount: number; requestId: number } | null;
}

export type LineRecord = RecurringLine | UsageLine;

export interface SubscriptionRecord {
  id: number;
  shop: string;
  name: string;
  status: SubscriptionStatus;
  test: boolean;
  trialDays: number;
  returnUrl: string;
  replacementBehavior: ReplacementBehavior;
  lineItems: LineRecord[];
  currency: string;
  createdAt: number;
  updatedAt: number;
  activatedAt: number | null;
  /** -1 = the trial window, then 0, 1, … */
  periodIndex: number;
  periodStart: number | null;
  periodEnd: number | null;
  /** Approved but deferred to the end of the replaced subscription's cycle. */
  deferred: { replaces: number; activateAt: number; approvedAt: number } | null;
  cancelledAt: number | null;
}

export interface UsageRecordEntry {
  id: number;
  subscriptionId: number;
  lineIndex: number;
  description: string;
  price: Money;
  idempotencyKey: string | null;
  createdAt: number;
  periodIndex: number;
}

export interface ChargeEntry {
  id: number;
  subscriptionId: number;
  kind: "recurring" | "credit";
  /** Positive for a charge, negative for a credit. */
  amount: number;
  currency: string;
  at: number;
  periodIndex: number;
  description: string;
}

export interface UserError {
  field: string[] | null;
  message: string;
}

export interface CreateInput {
  name: string;
  returnUrl: string;
  test?: boolean | null;
  trialDays?: number | null;
  replacementBehavior?: ReplacementBehavior | null;
  lineItems: LineItemInput[];
}

export interface LineItemInput {
  plan: {
    appRecurringPricingDetails?: {
      price: { amount: unknown; currencyCode: string };
      interval?: PricingInterval | null;
      discount?: { value?: { amount?: unknown; percentage?: number | null } | null; durationLimitInIntervals?: number | null } | null;
      planHandle?: string | null;
    } | null;
    appUsagePricingDetails?: { cappedAmount: { amount: unknown; currencyCode: string }; terms: string } | null;
  };
}

/** What the model needs from the stand-in around it. */
export interface BillingEnvironment {
  domain: string;
  shopId: number;
  timeZone: string;
  /** The shop's clock (ms). */
  clock: () => number;
  emit: (topic: string, payload: unknown) => void;
}

/** Ids are global across shops, like Shopify's. */
const ids = { subscription: 28_000_000_000, usage: 7_000_000_000, charge: 90_000_000, request: 1 };

export const round2 = (value: number) => Math.round(value * 100) / 100;

/** A Decimal as Shopify prints billing amounts: "10.0", "19.99", "0.5". */
export function decimal(value: number): string {
  const text = String(round2(value));
  return text.includes(".") ? text : `${text}.0`;
}

export function periodLength(subscription: SubscriptionRecord): number {
  const recurring = subscription.lineItems.find((line): line is RecurringLine => line.kind === "recurring");
  return (recurring?.interval === "ANNUAL" ? 365 : 30) * DAY_MS;
}

export function recurringLine(subscription: SubscriptionRecord): RecurringLine | undefined {
  return subscription.lineItems.find((line): line is RecurringLine => line.kind === "recurring");
}

export function usageLine(subscription: SubscriptionRecord): UsageLine | undefined {
  return subscription.lineItems.find((line): line is UsageLine => line.kind === "usage");
}

export function priceAfterDiscount(line: RecurringLine): number {
  const discount = line.discount;
  if (!discount) return line.price.amount;
  if (discount.percentage !== null) return round2(line.price.amount * (1 - discount.percentage));
  return round2(Math.max(0, line.price.amount - (discount.amount ?? 0)));
}

export function remainingDiscountIntervals(line: RecurringLine): number | null {
  const limit = line.discount?.durationLimitInIntervals;
  if (limit === null || limit === undefined) return null;
  return Math.max(0, limit - (line.discount?.appliedIntervals ?? 0));
}

function toAmount(value: unknown): number {
  const amount = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(amount) ? amount : NaN;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

export class ShopBilling {
  readonly subscriptions: SubscriptionRecord[] = [];
  readonly usageRecords: UsageRecordEntry[] = [];
  readonly charges: ChargeEntry[] = [];
  /** idempotencyKey → usage record id (per shop and app, as Shopify scopes it). */
  private readonly idempotency = new Map<string, number>();
  private offsetMs = 0;
  /** The store's payment to Shopify failed: subscriptions FROZEN (and, by default, the Admin API answers 402). */
  frozen: { blockAdminApi: boolean } | null = null;

  constructor(private readonly env: BillingEnvironment) {}

  get domain(): string {
    return this.env.domain;
  }

  nowMs(): number {
    return this.env.clock() + this.offsetMs;
  }

  get(id: number): SubscriptionRecord | undefined {
    return this.subscriptions.find((subscription) => subscription.id === id);
  }

  usageRecord(id: number): UsageRecordEntry | undefined {
    return this.usageRecords.find((record) => record.id === id);
  }

  /** ACTIVE subscriptions: what `currentAppInstallation.activeSubscriptions` lists (FROZEN ones are not billed, so not listed). */
  active(): SubscriptionRecord[] {
    return this.subscriptions.filter((subscription) => subscription.status === "ACTIVE");
  }

  // --- the Admin API's mutations ----------------------------------------------------------------------

  create(input: CreateInput): { subscription: SubscriptionRecord | null; userErrors: UserError[] } {
    this.tick();
    const errors: UserError[] = [];
    if (!input.name?.trim()) errors.push({ field: ["name"], message: "Name can't be blank" });
    if (!isHttpUrl(input.returnUrl)) errors.push({ field: ["returnUrl"], message: "Return url is invalid" });
    const trialDays = input.trialDays ?? 0;
    if (!Number.isInteger(trialDays) || trialDays < 0)
      errors.push({ field: ["trialDays"], message: "Trial days must be greater than or equal to 0" });
    if (!input.lineItems.length) errors.push({ field: ["lineItems"], message: "Line items can't be blank" });

    const lines: LineRecord[] = [];
    input.lineItems.forEach((item, index) => {
      const field = (...rest: string[]) => ["lineItems", String(index), "plan", ...rest];
      const recurring = item.plan.appRecurringPricingDetails;
      const usage = item.plan.appUsagePricingDetails;
      if (Boolean(recurring) === Boolean(usage)) {
        errors.push({
          field: field(),
          message: "A line item must have exactly one of appRecurringPricingDetails or appUsagePricingDetails",
        });
        return;
      }
      if (recurring) {
        if (lines.some((line) => line.kind === "recurring")) {
          errors.push({ field: field(), message: "Only one pricing plan can be defined for each available type" });
          return;
        }
        const amount = toAmount(recurring.price.amount);
        if (!(amount >= 0)) errors.push({ field: field("appRecurringPricingDetails", "price"), message: "Price must be at least 0" });
        let discount: DiscountRecord | null = null;
        const value = recurring.discount?.value;
        if (recurring.discount && value) {
          const percentage = value.percentage ?? null;
          const off = value.amount === undefined || value.amount === null ? null : toAmount(value.amount);
          const limit = recurring.discount.durationLimitInIntervals ?? null;
          const discountField = field("appRecurringPricingDetails", "discount");
          if ((percentage === null) === (off === null))
            errors.push({ field: discountField, message: "Discount must have exactly one of amount or percentage" });
          else if (percentage !== null && !(percentage > 0 && percentage <= 1))
            errors.push({ field: discountField, message: "Percentage must be greater than 0 and at most 1" });
          else if (off !== null && !(off > 0 && off <= amount))
            errors.push({ field: discountField, message: "Amount must be greater than 0 and at most the price" });
          if (limit !== null && !(Number.isInteger(limit) && limit > 0))
            errors.push({ field: [...discountField, "durationLimitInIntervals"], message: "Duration limit must be greater than 0" });
          discount = { percentage, amount: off, durationLimitInIntervals: limit, appliedIntervals: 0 };
        }
        lines.push({
          kind: "recurring",
          index: lines.length + 1,
          price: { amount, currencyCode: recurring.price.currencyCode },
          interval: recurring.interval ?? "EVERY_30_DAYS",
          discount,
          planHandle: recurring.planHandle ?? null,
        });
      } else if (usage) {
        if (lines.some((line) => line.kind === "usage")) {
          errors.push({ field: field(), message: "Only one pricing plan can be defined for each available type" });
          return;
        }
        const cap = toAmount(usage.cappedAmount.amount);
        if (!(cap > 0))
          errors.push({ field: field("appUsagePricingDetails", "cappedAmount"), message: "Capped amount must be greater than 0" });
        if (!usage.terms?.trim()) errors.push({ field: field("appUsagePricingDetails", "terms"), message: "Terms can't be blank" });
        lines.push({
          kind: "usage",
          index: lines.length + 1,
          cappedAmount: { amount: cap, currencyCode: usage.cappedAmount.currencyCode },
          terms: usage.terms,
          balanceUsed: 0,
          warned: false,
          pendingCap: null,
        });
      }
    });
    const currencies = new Set(lines.map((line) => (line.kind === "recurring" ? line.price.currencyCode : line.cappedAmount.currencyCode)));
    if (currencies.size > 1) errors.push({ field: ["lineItems"], message: "All line items must use the same currency" });
    const annual = lines.some((line) => line.kind === "recurring" && line.interval === "ANNUAL");
    if (annual && lines.some((line) => line.kind === "usage"))
      errors.push({ field: ["lineItems"], message: "Annual subscriptions can't have usage-based pricing" });
    if (errors.length) return { subscription: null, userErrors: errors };

    const now = this.nowMs();
    const subscription: SubscriptionRecord = {
      id: ids.subscription++,
      shop: this.env.domain,
      name: input.name,
      status: "PENDING",
      test: Boolean(input.test),
      trialDays,
      returnUrl: input.returnUrl,
      replacementBehavior: input.replacementBehavior ?? "STANDARD",
      lineItems: lines,
      currency: [...currencies][0] ?? "USD",
      createdAt: now,
      updatedAt: now,
      activatedAt: null,
      periodIndex: 0,
      periodStart: null,
      periodEnd: null,
      deferred: null,
      cancelledAt: null,
    };
    this.subscriptions.push(subscription);
    return { subscription, userErrors: [] };
  }

  cancel(id: number, prorate: boolean): { subscription: SubscriptionRecord | null; userErrors: UserError[] } {
    this.tick();
    const subscription = this.get(id);
    if (!subscription) return { subscription: null, userErrors: [{ field: ["id"], message: "Couldn't find app subscription" }] };
    if (subscription.status !== "ACTIVE" && subscription.status !== "FROZEN")
      return {
        subscription: null,
        userErrors: [{ field: ["id"], message: `Cannot cancel a subscription with status ${subscription.status.toLowerCase()}` }],
      };
    this.end(subscription, this.nowMs(), prorate, "cancelled by the app");
    return { subscription, userErrors: [] };
  }

  /** appUsageRecordCreate. `lineId` is `gid://shopify/AppSubscriptionLineItem/{subscription}?v=1&index={n}`. */
  createUsageRecord(input: {
    lineId: string;
    price: { amount: unknown; currencyCode: string };
    description: string;
    idempotencyKey?: string | null;
  }): { record: UsageRecordEntry | null; userErrors: UserError[] } {
    this.tick();
    const key = input.idempotencyKey ?? null;
    if (key !== null) {
      if (key.length > 255)
        return {
          record: null,
          userErrors: [{ field: ["idempotencyKey"], message: "Idempotency key is too long (maximum is 255 characters)" }],
        };
      // The same key returns the earlier record: no second charge (even if the price differs).
      const earlier = this.idempotency.get(key);
      const record = earlier === undefined ? undefined : this.usageRecord(earlier);
      if (record) return { record, userErrors: [] };
    }
    const fail = (field: string, message: string) => ({ record: null, userErrors: [{ field: [field], message }] });
    const located = this.lineById(input.lineId);
    if (!located) return fail("subscriptionLineItemId", "Subscription line item not found");
    const { subscription, line } = located;
    if (line.kind !== "usage") return fail("subscriptionLineItemId", "The subscription line item doesn't have a usage pricing plan");
    if (subscription.status !== "ACTIVE")
      return fail("subscriptionLineItemId", `The app subscription is ${subscription.status.toLowerCase()}: usage can't be charged`);
    if (!input.description?.trim()) return fail("description", "Description can't be blank");
    const amount = toAmount(input.price.amount);
    if (!(amount > 0)) return fail("price", "Price must be greater than 0");
    if (input.price.currencyCode !== line.cappedAmount.currencyCode)
      return fail("price", `Currency must be ${line.cappedAmount.currencyCode}, the capped amount's currency`);
    if (round2(line.balanceUsed + amount) > line.cappedAmount.amount) return fail("price", "Total price exceeds balance remaining");

    const record: UsageRecordEntry = {
      id: ids.usage++,
      subscriptionId: subscription.id,
      lineIndex: line.index,
      description: input.description,
      price: { amount: round2(amount), currencyCode: input.price.currencyCode },
      idempotencyKey: key,
      createdAt: this.nowMs(),
      periodIndex: subscription.periodIndex,
    };
    this.usageRecords.push(record);
    if (key !== null) this.idempotency.set(key, record.id);
    line.balanceUsed = round2(line.balanceUsed + amount);
    if (!line.warned && line.balanceUsed >= APPROACHING_SHARE * line.cappedAmount.amount) {
      line.warned = true;
      this.env.emit("app_subscriptions/approaching_capped_amount", this.approachingPayload(subscription, line));
    }
    return { record, userErrors: [] };
  }

  /** appSubscriptionLineItemUpdate: a higher cap, effective once the merchant approves it. */
  requestCappedAmount(
    lineId: string,
    capped: { amount: unknown; currencyCode: string },
  ): { subscription: SubscriptionRecord | null; requestId: number | null; userErrors: UserError[] } {
    this.tick();
    const fail = (field: string, message: string) => ({ subscription: null, requestId: null, userErrors: [{ field: [field], message }] });
    const located = this.lineById(lineId);
    if (!located) return fail("id", "Subscription line item not found");
    const { subscription, line } = located;
    if (line.kind !== "usage") return fail("id", "The subscription line item doesn't have a usage pricing plan");
    if (subscription.status !== "ACTIVE") return fail("id", `The app subscription is ${subscription.status.toLowerCase()}`);
    const amount = toAmount(capped.amount);
    if (capped.currencyCode !== line.cappedAmount.currencyCode)
      return fail("cappedAmount", `Currency must be ${line.cappedAmount.currencyCode}, the capped amount's currency`);
    if (!(amount > line.cappedAmount.amount))
      return fail("cappedAmount", "The capped amount must be greater than the current capped amount");
    line.pendingCap = { amount: round2(amount), requestId: ids.request++ };
    return { subscription, requestId: line.pendingCap.requestId, userErrors: [] };
  }

  /** appSubscriptionTrialExtend. */
  extendTrial(id: number, days: number): { subscription: SubscriptionRecord | null; userErrors: (UserError & { code: string | null })[] } {
    this.tick();
    const subscription = this.get(id);
    const fail = (code: string | null, field: string, message: string) => ({
      subscription: null,
      userErrors: [{ code, field: [field], message }],
    });
    if (!subscription) return fail("SUBSCRIPTION_NOT_FOUND", "id", "The app subscription wasn't found.");
    if (!Number.isInteger(days) || days < 1 || days > 1000)
      return fail(null, "days", "The number of days must be greater than 0 and at most 1000.");
    if (subscription.status !== "ACTIVE") return fail("SUBSCRIPTION_NOT_ACTIVE", "id", "The app subscription isn't active.");
    if (subscription.periodIndex !== -1 || subscription.periodEnd === null)
      return fail("TRIAL_NOT_ACTIVE", "id", "The trial isn't active.");
    subscription.trialDays += days;
    subscription.periodEnd += days * DAY_MS;
    subscription.updatedAt = this.nowMs();
    return { subscription, userErrors: [] };
  }

  // --- the merchant (approval page) -------------------------------------------------------------------

  /** The subscription a new one would replace, and whether the replacement waits for the end of its cycle. */
  replacementPlan(subscription: SubscriptionRecord): { current: SubscriptionRecord; deferred: boolean } | null {
    const current = this.subscriptions.find(
      (other) => other.id !== subscription.id && (other.status === "ACTIVE" || other.status === "FROZEN"),
    );
    if (!current) return null;
    return { current, deferred: current.status === "ACTIVE" && this.defers(current, subscription) };
  }

  approve(id: number): { ok: boolean; message?: string } {
    this.tick();
    const subscription = this.get(id);
    if (!subscription) return { ok: false, message: "no such subscription" };
    if (subscription.status !== "PENDING" || subscription.deferred)
      return { ok: false, message: `the subscription is ${subscription.deferred ? "already approved" : subscription.status}` };
    const now = this.nowMs();
    const plan = this.replacementPlan(subscription);
    if (plan?.deferred && plan.current.periodEnd !== null) {
      // Deferred: stays PENDING (approved) until the current one's cycle ends; a later deferred approval wins.
      for (const other of this.subscriptions)
        if (other.deferred && other.deferred.replaces === plan.current.id) this.setStatus(other, "CANCELLED", now);
      subscription.deferred = { replaces: plan.current.id, activateAt: plan.current.periodEnd, approvedAt: now };
      subscription.updatedAt = now;
      return { ok: true };
    }
    if (plan) this.end(plan.current, now, plan.current.status === "ACTIVE", "replaced");
    this.activate(subscription, now);
    return { ok: true };
  }

  decline(id: number): { ok: boolean; message?: string } {
    this.tick();
    const subscription = this.get(id);
    if (!subscription) return { ok: false, message: "no such subscription" };
    if (subscription.status !== "PENDING" || subscription.deferred)
      return { ok: false, message: `the subscription is ${subscription.deferred ? "already approved" : subscription.status}` };
    this.setStatus(subscription, "DECLINED", this.nowMs());
    return { ok: true };
  }

  pendingCapRequest(id: number, requestId: number): { subscription: SubscriptionRecord; line: UsageLine } | null {
    const subscription = this.get(id);
    const line = subscription && usageLine(subscription);
    return subscription && line?.pendingCap?.requestId === requestId ? { subscription, line } : null;
  }

  decideCap(id: number, requestId: number, approve: boolean): { ok: boolean; message?: string } {
    this.tick();
    const found = this.pendingCapRequest(id, requestId);
    if (!found) return { ok: false, message: "this request is no longer pending" };
    const { subscription, line } = found;
    const pending = line.pendingCap;
    line.pendingCap = null;
    if (approve && pending && subscription.status === "ACTIVE") {
      line.cappedAmount = { ...line.cappedAmount, amount: pending.amount };
      line.warned = line.balanceUsed >= APPROACHING_SHARE * line.cappedAmount.amount;
      subscription.updatedAt = this.nowMs();
      this.env.emit("app_subscriptions/update", this.updatePayload(subscription));
    }
    return { ok: true };
  }

  // --- Shopify's side: time, the store's payments, uninstall ------------------------------------------

  advance(days: number): void {
    this.offsetMs += days * DAY_MS;
    this.tick();
  }

  /** Every PENDING subscription not yet approved becomes EXPIRED now (as if two days had passed). */
  expirePending(): SubscriptionRecord[] {
    this.tick();
    const now = this.nowMs();
    const expired = this.subscriptions.filter((subscription) => subscription.status === "PENDING" && !subscription.deferred);
    for (const subscription of expired) this.setStatus(subscription, "EXPIRED", now);
    return expired;
  }

  freeze(options: { blockAdminApi?: boolean } = {}): void {
    this.tick();
    this.frozen = { blockAdminApi: options.blockAdminApi ?? true };
    const now = this.nowMs();
    for (const subscription of this.active()) this.setStatus(subscription, "FROZEN", now);
  }

  unfreeze(): void {
    this.frozen = null;
    const now = this.nowMs();
    for (const subscription of this.subscriptions.filter((s) => s.status === "FROZEN")) this.setStatus(subscription, "ACTIVE", now);
    this.tick();
  }

  /** The app was uninstalled: Shopify cancels its active (and frozen, and approved-but-deferred) subscriptions. */
  uninstalled(): void {
    this.tick();
    const now = this.nowMs();
    for (const subscription of this.subscriptions) {
      if (subscription.status === "ACTIVE" || subscription.status === "FROZEN") this.end(subscription, now, false, "app uninstalled");
      else if (subscription.deferred) this.setStatus(subscription, "CANCELLED", now);
    }
  }

  /** Runs what time has made due, in time order: pending expiry, deferred replacements, period boundaries. */
  tick(): void {
    const now = this.nowMs();
    for (let guard = 0; guard < 100_000; guard++) {
      let next: { at: number; rank: number; run: () => void } | null = null;
      const consider = (at: number, rank: number, run: () => void) => {
        if (at <= now && (!next || at < next.at || (at === next.at && rank < next.rank))) next = { at, rank, run };
      };
      for (const subscription of this.subscriptions) {
        if (subscription.status === "PENDING" && !subscription.deferred)
          consider(subscription.createdAt + PENDING_TTL_MS, 2, () =>
            this.setStatus(subscription, "EXPIRED", subscription.createdAt + PENDING_TTL_MS),
          );
        if (subscription.status === "PENDING" && subscription.deferred) {
          const { activateAt, replaces } = subscription.deferred;
          consider(activateAt, 0, () => {
            const current = this.get(replaces);
            if (current && (current.status === "ACTIVE" || current.status === "FROZEN")) this.end(current, activateAt, false, "replaced");
            subscription.deferred = null;
            this.activate(subscription, activateAt);
          });
        }
        if (subscription.status === "ACTIVE" && subscription.periodEnd !== null) {
          const boundary = subscription.periodEnd;
          consider(boundary, 1, () => this.roll(subscription, boundary));
        }
      }
      const due = next as { run: () => void } | null;
      if (!due) return;
      due.run();
    }
  }

  // --- payloads -----------------------------------------------------------------------------------------

  /** app_subscriptions/update, as Shopify's webhook reference shows it. */
  updatePayload(subscription: SubscriptionRecord): Record<string, unknown> {
    const recurring = recurringLine(subscription);
    const usage = usageLine(subscription);
    return {
      app_subscription: {
        admin_graphql_api_id: `gid://shopify/AppSubscription/${subscription.id}`,
        name: subscription.name,
        status: subscription.status,
        admin_graphql_api_shop_id: `gid://shopify/Shop/${this.env.shopId}`,
        created_at: this.restTime(subscription.createdAt),
        updated_at: this.restTime(subscription.updatedAt),
        currency: subscription.currency,
        capped_amount: usage ? decimal(usage.cappedAmount.amount) : null,
        price: recurring ? recurring.price.amount.toFixed(2) : null,
        interval: recurring ? recurring.interval.toLowerCase() : usage ? "every_30_days" : null,
        plan_handle: recurring?.planHandle ?? null,
      },
    };
  }

  approachingPayload(subscription: SubscriptionRecord, line: UsageLine): Record<string, unknown> {
    return {
      app_subscription: {
        admin_graphql_api_id: `gid://shopify/AppSubscription/${subscription.id}`,
        name: subscription.name,
        balance_used: line.balanceUsed,
        capped_amount: decimal(line.cappedAmount.amount),
        currency_code: line.cappedAmount.currencyCode,
        admin_graphql_api_shop_id: `gid://shopify/Shop/${this.env.shopId}`,
        created_at: this.restTime(subscription.createdAt),
        updated_at: this.restTime(this.nowMs()),
      },
    };
  }

  // --- internals ----------------------------------------------------------------------------------------

  lineById(lineId: string): { subscription: SubscriptionRecord; line: LineRecord } | null {
    const match = /^gid:\/\/shopify\/AppSubscriptionLineItem\/(\d+)\?v=1&index=(\d+)$/.exec(lineId);
    if (!match) return null;
    const subscription = this.get(Number(match[1]));
    const line = subscription?.lineItems.find((candidate) => candidate.index === Number(match[2]));
    return subscription && line ? { subscription, line } : null;
  }

  private restTime(ms: number): string {
    return restTime(new Date(ms).toISOString(), this.env.timeZone) ?? "";
  }

  private setStatus(subscription: SubscriptionRecord, status: SubscriptionStatus, at: number): void {
    if (subscription.status === status) return;
    subscription.status = status;
    subscription.updatedAt = at;
    if (status === "CANCELLED") {
      subscription.cancelledAt = at;
      subscription.deferred = null;
    }
    this.env.emit("app_subscriptions/update", this.updatePayload(subscription));
  }

  private activate(subscription: SubscriptionRecord, at: number): void {
    subscription.activatedAt = at;
    subscription.periodStart = at;
    if (subscription.trialDays > 0) {
      subscription.periodIndex = -1;
      subscription.periodEnd = at + subscription.trialDays * DAY_MS;
    } else {
      subscription.periodIndex = 0;
      subscription.periodEnd = at + periodLength(subscription);
    }
    this.setStatus(subscription, "ACTIVE", at);
    if (subscription.periodIndex === 0) this.bill(subscription, at);
  }

  /** A period boundary: the next period starts, its recurring charge is made, usage starts again from 0. */
  private roll(subscription: SubscriptionRecord, boundary: number): void {
    subscription.periodIndex += 1;
    subscription.periodStart = boundary;
    subscription.periodEnd = boundary + periodLength(subscription);
    const usage = usageLine(subscription);
    if (usage) {
      usage.balanceUsed = 0;
      usage.warned = false;
    }
    this.bill(subscription, boundary);
  }

  private bill(subscription: SubscriptionRecord, at: number): void {
    const line = recurringLine(subscription);
    if (!line) return;
    const discounted = line.discount !== null && (remainingDiscountIntervals(line) ?? 1) > 0;
    const amount = discounted ? priceAfterDiscount(line) : line.price.amount;
    if (discounted && line.discount) line.discount.appliedIntervals += 1;
    this.charges.push({
      id: ids.charge++,
      subscriptionId: subscription.id,
      kind: "recurring",
      amount,
      currency: line.price.currencyCode,
      at,
      periodIndex: subscription.periodIndex,
      description: `${subscription.name} (${line.interval === "ANNUAL" ? "annual" : "30 days"}${discounted ? ", discounted" : ""})`,
    });
  }

  /** CANCELLED, with the stated credit rule when `prorate`. */
  private end(subscription: SubscriptionRecord, at: number, prorate: boolean, reason: string): void {
    if (prorate && subscription.periodIndex >= 0 && subscription.periodStart !== null && subscription.periodEnd !== null) {
      const last = [...this.charges].reverse().find((charge) => charge.subscriptionId === subscription.id && charge.kind === "recurring");
      const unused = (subscription.periodEnd - at) / (subscription.periodEnd - subscription.periodStart);
      const credit = last ? round2(last.amount * Math.min(1, Math.max(0, unused))) : 0;
      if (credit > 0)
        this.charges.push({
          id: ids.charge++,
          subscriptionId: subscription.id,
          kind: "credit",
          amount: -credit,
          currency: last?.currency ?? subscription.currency,
          at,
          periodIndex: subscription.periodIndex,
          description: `Prorated credit: ${subscription.name} ${reason}`,
        });
    }
    this.setStatus(subscription, "CANCELLED", at);
  }

  /** Does replacing `current` with `next` wait for the end of current's cycle? (AppSubscriptionReplacementBehavior) */
  private defers(current: SubscriptionRecord, next: SubscriptionRecord): boolean {
    if (current.currency !== next.currency) return false;
    if (next.replacementBehavior === "APPLY_IMMEDIATELY") return false;
    if (next.replacementBehavior === "APPLY_ON_NEXT_BILLING_CYCLE") return true;
    const a = recurringLine(current);
    const b = recurringLine(next);
    if (a?.interval === "ANNUAL" && b?.interval === "ANNUAL" && b.price.amount < a.price.amount) return true;
    if (a?.interval === "ANNUAL" && b?.interval === "EVERY_30_DAYS") return true;
    // Identical except for the discount.
    const shape = (s: SubscriptionRecord) =>
      JSON.stringify(
        s.lineItems.map((line) =>
          line.kind === "recurring"
            ? { k: line.kind, p: line.price, i: line.interval }
            : { k: line.kind, c: line.cappedAmount, t: line.terms },
        ),
      );
    const discount = (s: SubscriptionRecord) => {
      const d = recurringLine(s)?.discount;
      return JSON.stringify(d ? [d.percentage, d.amount, d.durationLimitInIntervals] : null);
    };
    return shape(current) === shape(next) && discount(current) !== discount(next);
  }
}
