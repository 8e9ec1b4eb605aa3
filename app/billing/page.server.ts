/**
 * The merchant's billing page (issue 15 item 5): its read model and its actions, the same for both rails where
 * they agree. The route passes in what the admin request authenticated (`admin`, `billing`), so this folder does
 * not import app/shopify.server.ts.
 */
import { z } from "zod";
import { fluxorAdminUrl, shopifyAdminUrl } from "../email/admin-urls.server";
import { audit } from "../auth/audit.server";
import { csvLine } from "../csv/writer";
import { inTransaction, pool } from "../db/pool.server";
import type { Shop } from "../shops/lookup.server";
import { configuredCoupons, findCoupon } from "./coupons";
import { access, type Access } from "./dunning";
import { displayPrice, type DisplayPrice } from "./plans";
import { FX_RATES } from "./fx-rates";
import type { BillingDetails } from "./billing-details";
import {
  shopifyChargeCells,
  shopifyCharges,
  SHOPIFY_CHARGES_CSV_HEADER,
  stripeInvoiceCells,
  STRIPE_INVOICES_CSV_HEADER,
  type InvoiceRow,
} from "./invoices";
import { accountOfShop, ledgerOf, openAccount, type BillingAccount } from "./ledger.server";
import { canCancel, type SubscriptionState } from "./ledger";
import { checkLimits, type LimitCheck } from "./limits";
import { CATALOGUE, INTERVALS, overageApplies, PLAN_IDS, planFor, trialWindow, type Interval, type PlanId, type PlanQuote } from "./plans";
import type { AppSubscription } from "./shopify-events";
import { parseShopifyPlanName } from "./shopify-plans";
import {
  callShopify,
  chargesAreTests,
  fetchShopifySubscription,
  recordShopifyCancellation,
  recordShopifySubscription,
  requestShopifyPlan,
  ShopifyUnavailable,
  type AdminGraphql,
  type ShopifyBilling,
} from "./shopify-rail.server";
import {
  chooseStripePlan,
  portalUrl,
  stripeBillingDetails,
  stripeInvoices,
  stripeSubscriptionAction,
  stripeUnavailable,
  stripeUpcoming,
} from "./stripe-rail.server";
import { countUsage, localDay, usageHistory, type UsageCounts } from "./usage.server";

export interface PlanOffer {
  id: PlanId;
  priceCents: Record<Interval, number>;
  /** The same prices in the shop's currency, for display (charged in USD). */
  display: Record<Interval, DisplayPrice>;
  limits: { variants: number; locations: number };
  features: (typeof CATALOGUE.plans)[PlanId]["features"];
  overage: { blockVariants: number; blockPriceCents: number; capCents: number } | null;
}

export interface BillingPage {
  rail: BillingAccount["rail"];
  state: SubscriptionState | null;
  access: Access;
  trial: { endsAt: string; daysLeft: number } | null;
  /** The next recurring charge, as far as Fluxor knows it (Shopify bills it; Stripe's invoice preview on that rail). */
  nextCharge: { at: string; amountCents: number; display: DisplayPrice } | null;
  /** The current subscription's price (`state.priceCents`) in the shop's currency, for display. */
  priceDisplay: DisplayPrice | null;
  currency: string;
  today: string;
  usage: UsageCounts;
  history: (UsageCounts & { day: string })[];
  limits: LimitCheck | null;
  plans: PlanOffer[];
  recommended: PlanQuote | null;
  /** Where the merchant sees what Shopify charged (the Shopify rail's invoices are Shopify's). */
  shopifyChargesUrl: string;
  testCharges: boolean;
  /** The Stripe rail's invoices, newest first (null on the Shopify rail, whose charges are on the Shopify bill). */
  invoices: InvoiceRow[] | null;
  /** Stripe could not be reached: invoices and the next invoice's preview are missing for now. */
  stripeUnavailable: boolean;
  /** What Stripe holds for the customer, on its own card (null on the Shopify rail, whose billing details are Shopify's). */
  billingDetails: BillingDetailsView | null;
}

/** The Stripe rail's billing details: `none` before the first Checkout; `unavailable` while Stripe cannot be reached. */
export type BillingDetailsView = { status: "ok"; details: BillingDetails } | { status: "none" | "unavailable" };

function offers(currency: string): PlanOffer[] {
  return PLAN_IDS.map((id) => {
    const p = CATALOGUE.plans[id];
    return {
      id,
      priceCents: p.priceCents,
      display: {
        monthly: displayPrice(p.priceCents.monthly, currency, FX_RATES),
        annual: displayPrice(p.priceCents.annual, currency, FX_RATES),
      },
      limits: p.limits,
      features: p.features,
      overage: {
        blockVariants: p.overage.blockVariants,
        blockPriceCents: p.overage.blockPriceCents,
        capCents: p.overage.blockPriceCents * p.overage.maxBlocks,
      },
    };
  });
}

async function ensureAccount(shop: Shop, now: Date): Promise<BillingAccount> {
  return (await accountOfShop(shop.id, pool(), now)) ?? (await inTransaction((tx) => openAccount(tx, shop, now)));
}

export async function loadBillingPage(shop: Shop, now: Date = new Date()): Promise<BillingPage> {
  const account = await ensureAccount(shop, now);
  const state = account.state;
  const db = pool();
  const today = (await localDay(db, shop.id, now)) ?? now.toISOString().slice(0, 10);
  const usage = await countUsage(db, shop.id, today);
  const from = new Date(Date.parse(`${today}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
  const history = await usageHistory(shop.id, from, today);
  const granted = access(state, now);
  const limitPlan = granted.plan;
  const limits = limitPlan
    ? checkLimits(
        limitPlan,
        { variants: usage.variants, locations: usage.locations },
        { overage: state?.interval ? overageApplies(account.rail, state.interval) : false },
      )
    : null;
  const trial = account.trialStartedAt ? trialWindow(account.trialStartedAt, now) : null;
  const live = state && (state.status === "active" || state.status === "trialing") && state.subscriptionId && state.priceCents !== null;
  const nextAt = state?.trialEndsAt && Date.parse(state.trialEndsAt) > now.getTime() ? state.trialEndsAt : state?.currentPeriodEnd;
  const currency = shop.currency ?? "USD";
  // The Stripe rail: Stripe's invoices (with their PDFs), its preview of the next invoice (prorations included), and
  // the billing details it holds for the customer.
  const [stripe, billingDetails] =
    account.rail === "stripe" ? await Promise.all([stripeView(account), detailsView(account)]) : [null, null];
  const nextAmount = stripe?.upcoming?.amountCents ?? (live ? (state.pendingDowngrade?.priceCents ?? state.priceCents!) : 0);
  return {
    rail: account.rail,
    state,
    access: granted,
    trial: trial && trial.daysLeft > 0 ? { endsAt: trial.endsAt, daysLeft: trial.daysLeft } : null,
    nextCharge:
      live && nextAt && !state.cancelAtPeriodEnd
        ? { at: stripe?.upcoming?.at ?? nextAt, amountCents: nextAmount, display: displayPrice(nextAmount, currency, FX_RATES) }
        : null,
    invoices: stripe?.invoices ?? null,
    stripeUnavailable: stripe?.unavailable ?? false,
    billingDetails,
    priceDisplay: state && state.priceCents !== null ? displayPrice(state.priceCents, currency, FX_RATES) : null,
    currency,
    today,
    usage,
    history,
    limits,
    plans: offers(currency),
    recommended: planFor(usage.variants, usage.locations),
    shopifyChargesUrl: `${shopifyAdminUrl()}/store/${shop.domain.replace(/\.myshopify\.com$/, "")}/settings/billing`,
    testCharges: chargesAreTests(shop),
  };
}

/** What Stripe says about the account; a Stripe outage leaves the page working without it (and says so). */
async function stripeView(
  account: BillingAccount,
): Promise<{ invoices: InvoiceRow[]; upcoming: { at: string; amountCents: number } | null; unavailable: boolean }> {
  try {
    const [invoices, upcoming] = await Promise.all([stripeInvoices(account), stripeUpcoming(account)]);
    return { invoices, upcoming, unavailable: false };
  } catch {
    return { invoices: [], upcoming: null, unavailable: true };
  }
}

/** What Stripe holds for the customer; a Stripe outage leaves the card saying so and the page working. */
async function detailsView(account: BillingAccount): Promise<BillingDetailsView> {
  try {
    const details = await stripeBillingDetails(account);
    return details ? { status: "ok", details } : { status: "none" };
  } catch {
    return { status: "unavailable" };
  }
}

/** The plan form, the cancel form, the Stripe rail's subscription actions, and the approval's return. */
export const BillingForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("choose"),
    plan: z.enum(PLAN_IDS),
    interval: z.enum(INTERVALS),
    coupon: z.string().trim().max(32).optional().default(""),
  }),
  z.object({
    intent: z.literal("cancel"),
    reason: z.enum(["too_expensive", "missing_feature", "not_accurate", "switching", "closing_store", "other"]),
    feedback: z.string().trim().max(1000).optional().default(""),
  }),
  /** The Stripe rail: the customer portal (payment method, tax ids, billing contacts), pause and resume, undo a cancel. */
  z.object({ intent: z.enum(["portal", "pause", "resume", "withdraw_cancel"]) }),
]);
export type BillingForm = z.infer<typeof BillingForm>;

export type BillingActionResult =
  | { ok: true; message: "cancelled" | "unchanged" | "changed" | "scheduled" | "paused" | "resumed" | "cancel_withdrawn" }
  /** Leave the admin for Stripe's hosted Checkout or portal (the route redirects the top window). */
  | { ok: true; message: "redirect"; redirectTo: string }
  | { ok: false; errors: Partial<Record<"plan" | "interval" | "coupon" | "reason" | "form", string>> };

/** The subscription id of Shopify's `charge_id` (the approval page's return). */
const ChargeId = z.string().regex(/^\d{1,20}$/);

/**
 * What the approval page's return recorded: the subscription's status at Shopify and its plan (null: not Fluxor's);
 * `pending` when Shopify could not be asked, so nothing was recorded and its app_subscriptions/update brings the
 * subscription in.
 */
export type ShopifyReturn =
  | { outcome: "ignored" }
  | { outcome: "pending" }
  | { outcome: "recorded"; status: AppSubscription["status"]; plan: PlanId | null; interval: Interval | null };

/**
 * Back from Shopify's approval page with `charge_id`: read the subscription and record it (approved or declined).
 * A forged or unknown id records nothing. While the Admin API is down the page still opens and says the plan will
 * show once Shopify confirms it: the merchant's decision is made at Shopify, and its webhook records it.
 */
export async function confirmShopifyReturn(
  admin: AdminGraphql,
  shop: Shop,
  chargeId: string | null,
  now: Date = new Date(),
): Promise<ShopifyReturn> {
  const id = ChargeId.safeParse(chargeId);
  if (!id.success) return { outcome: "ignored" };
  let sub: AppSubscription | null;
  try {
    sub = await callShopify(() => fetchShopifySubscription(admin, `gid://shopify/AppSubscription/${id.data}`));
  } catch (error) {
    if (!(error instanceof ShopifyUnavailable)) throw error;
    await audit({
      event: "billing_change",
      outcome: "failure",
      shopDomain: shop.domain,
      detail: { action: "approval_return", error: "shopify_unavailable", cause: causeOf(error) },
    });
    return { outcome: "pending" };
  }
  if (!sub) return { outcome: "ignored" };
  await recordShopifySubscription(shop, sub, now, { approved: sub.status !== "DECLINED" && sub.status !== "EXPIRED" });
  await audit({
    event: "billing_change",
    outcome: "success",
    shopDomain: shop.domain,
    detail: { action: "approval_return", status: sub.status, name: sub.name },
  });
  const terms = parseShopifyPlanName(sub.name);
  return { outcome: "recorded", status: sub.status, plan: terms?.plan ?? null, interval: terms?.interval ?? null };
}

/** The part of the admin context's `billing` used to cancel (Shopify rail). */
export interface ShopifyCancel {
  cancel(options: { subscriptionId: string; isTest: boolean; prorate: boolean }): Promise<unknown>;
}

type BillingContext = { shop: Shop; admin: AdminGraphql; billing: ShopifyBilling & ShopifyCancel; returnUrl: string };

/**
 * The form's action. Choosing a plan on the Shopify rail throws the redirect to Shopify's approval page. Bad input
 * answers field errors and changes nothing. A provider that does not answer (an outage, throttling, a timeout) answers
 * `shopify_unavailable` or `stripe_unavailable` for the page to show, with nothing recorded: the ledger only takes what
 * the provider confirmed (its answer or its webhook), so the same action can simply be tried again.
 */
export async function billingAction(ctx: BillingContext, form: FormData, now: Date = new Date()): Promise<BillingActionResult> {
  const parsed = BillingForm.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    const errors: Partial<Record<"plan" | "interval" | "coupon" | "reason" | "form", string>> = {};
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "form");
      errors[(["plan", "interval", "coupon", "reason"].includes(key) ? key : "form") as keyof typeof errors] = "invalid";
    }
    return { ok: false, errors };
  }
  const account = await ensureAccount(ctx.shop, now);
  try {
    return await applyBillingForm(ctx, account, parsed.data, now);
  } catch (error) {
    const failed = error instanceof ShopifyUnavailable ? "shopify_unavailable" : stripeUnavailable(error) ? "stripe_unavailable" : null;
    if (!failed) throw error;
    await audit({
      event: "billing_change",
      outcome: "failure",
      shopDomain: ctx.shop.domain,
      detail: { action: parsed.data.intent, rail: account.rail, error: failed, cause: causeOf(error) },
    });
    return { ok: false, errors: { form: failed } };
  }
}

async function applyBillingForm(ctx: BillingContext, account: BillingAccount, input: BillingForm, now: Date): Promise<BillingActionResult> {
  const { shop } = ctx;
  if (input.intent === "choose") {
    const coupon = input.coupon ? findCoupon(input.coupon, configuredCoupons(), now.toISOString().slice(0, 10)) : null;
    if (coupon && !coupon.ok) return { ok: false, errors: { coupon: coupon.reason } };
    const state = account.state;
    if (
      state?.plan === input.plan &&
      state.interval === input.interval &&
      (state.status === "active" || state.status === "trialing") &&
      state.subscriptionId
    )
      return { ok: true, message: "unchanged" };
    await audit({
      event: "billing_change",
      outcome: "success",
      shopDomain: shop.domain,
      detail: {
        action: "choose",
        plan: input.plan,
        interval: input.interval,
        rail: account.rail,
        coupon: coupon?.ok ? coupon.coupon.code : null,
      },
    });
    if (account.rail === "stripe") {
      // Stripe: Checkout (hosted) for a first subscription; the merchant types a promotion code there.
      const chosen = await chooseStripePlan(shop, account, { plan: input.plan, interval: input.interval, returnUrl: ctx.returnUrl }, now);
      return chosen.kind === "redirect" ? { ok: true, message: "redirect", redirectTo: chosen.url } : { ok: true, message: chosen.kind };
    }
    return requestShopifyPlan(
      ctx.billing,
      shop,
      { plan: input.plan, interval: input.interval, coupon: coupon?.ok ? coupon.coupon : null, returnUrl: ctx.returnUrl },
      now,
    );
  }
  if (input.intent !== "cancel") {
    if (account.rail !== "stripe") return { ok: false, errors: { form: "shopify_rail" } };
    if (input.intent === "portal") return { ok: true, message: "redirect", redirectTo: await portalUrl(account, ctx.returnUrl) };
    if (!account.state?.subscriptionId) return { ok: false, errors: { form: "no_subscription" } };
    await audit({ event: "billing_change", outcome: "success", shopDomain: shop.domain, detail: { action: input.intent, rail: "stripe" } });
    await stripeSubscriptionAction(account, input.intent);
    return { ok: true, message: input.intent === "pause" ? "paused" : input.intent === "resume" ? "resumed" : "cancel_withdrawn" };
  }
  // Cancel: the reason is kept in the audit trail (why merchants leave); the data stays (read-only) until uninstall.
  await audit({
    event: "billing_change",
    outcome: "success",
    shopDomain: shop.domain,
    detail: { action: "cancel", reason: input.reason, feedback: input.feedback.slice(0, 500) },
  });
  const subscriptionId = account.state?.subscriptionId;
  if (!subscriptionId || !canCancel(account.state)) return { ok: false, errors: { form: "no_subscription" } };
  if (account.rail === "stripe") {
    // At the end of the period the merchant paid for; Stripe's webhook records it.
    await stripeSubscriptionAction(account, "cancel");
    return { ok: true, message: "cancelled" };
  }
  await callShopify(() => ctx.billing.cancel({ subscriptionId, isTest: chargesAreTests(shop), prorate: true }));
  // Shopify has cancelled it: from here on the merchant is told so. The subscription is read back for the ledger; if
  // Shopify stops answering in between, the cancellation is recorded on its own (as its webhook would record it), so
  // the page does not show a plan that has ended, nor offer a cancel Shopify would now refuse.
  let sub: AppSubscription | null = null;
  try {
    sub = await callShopify(() => fetchShopifySubscription(ctx.admin, subscriptionId));
  } catch (error) {
    if (!(error instanceof ShopifyUnavailable)) throw error;
    await recordShopifyCancellation(shop, subscriptionId, now);
  }
  if (sub) await recordShopifySubscription(shop, sub, now);
  return { ok: true, message: "cancelled" };
}

/** Why a provider failed, for the audit trail: its answer's status or the error's message, never a token. */
function causeOf(error: unknown): string {
  const cause = error instanceof ShopifyUnavailable ? error.cause : error;
  return (cause instanceof Response ? `HTTP ${cause.status}` : cause instanceof Error ? cause.message : String(cause)).slice(0, 200);
}

/** The app's billing page inside the admin: where Shopify's approval page returns to. */
export function billingReturnUrl(shop: Shop): string {
  return `${fluxorAdminUrl(shop.domain)}/app/billing`;
}

export const USAGE_CSV_HEADER = ["day", "variants", "locations", "orders", "forecast_runs", "day_complete"] as const;

/**
 * The billing page's usage export: the metered days of the last 90 (the shop's local days, oldest first), then
 * today so far (`day_complete` false), as the page's chart shows them.
 */
export async function* usageCsv(shop: Shop, now: Date = new Date()): AsyncGenerator<string> {
  const db = pool();
  const today = (await localDay(db, shop.id, now)) ?? now.toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${today}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
  const history = (await usageHistory(shop.id, from, today)).filter((row) => row.day < today);
  const live = await countUsage(db, shop.id, today);
  yield csvLine(USAGE_CSV_HEADER);
  for (const row of history) yield csvLine([row.day, row.variants, row.locations, row.orders, row.forecastRuns, true]);
  yield csvLine([today, live.variants, live.locations, live.orders, live.forecastRuns, false]);
}

/** The most invoices the export reads from Stripe (over 800 years of a monthly plan). */
const INVOICE_EXPORT_LIMIT = 10_000;

/**
 * The billing page's invoices export, newest first, of the shop's own account only: on the Stripe rail Stripe's
 * invoices of its customer; on the Shopify rail the charges Fluxor recorded from Shopify (the ledger's paid periods;
 * Shopify's invoice is the shop's Shopify bill). Stripe is read before the first line, so that when it cannot be
 * reached this is null and the route answers 503 instead of a cut-off file.
 */
export async function invoicesCsv(shop: Shop, now: Date = new Date()): Promise<AsyncGenerator<string> | null> {
  const account = await ensureAccount(shop, now);
  let lines: string[];
  if (account.rail === "stripe") {
    let rows: InvoiceRow[];
    try {
      rows = await stripeInvoices(account, INVOICE_EXPORT_LIMIT);
    } catch {
      return null;
    }
    lines = [csvLine(STRIPE_INVOICES_CSV_HEADER), ...rows.map((row) => csvLine(stripeInvoiceCells(row, shop.timezone)))];
  } else {
    const charges = shopifyCharges(await ledgerOf(pool(), account.id));
    lines = [csvLine(SHOPIFY_CHARGES_CSV_HEADER), ...charges.map((charge) => csvLine(shopifyChargeCells(charge, shop.timezone)))];
  }
  return (async function* () {
    yield* lines;
  })();
}
