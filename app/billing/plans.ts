/**
 * The plans and every number of Fluxor's pricing in one typed catalogue (`CATALOGUE`), validated with zod when
 * this module loads: prices, limits, features, the trial, the grace period, the dunning days, the limit warning
 * and the usage-based overage of the Shopify rail. Decision 0044 says why these numbers.
 *
 * Charges are in USD on both rails (Shopify's Billing API and Stripe); `displayPrice` converts an amount to the
 * shop's currency for display only, from a rates table the caller passes in. Pure: no clock, no I/O.
 *
 * The catalogue's alert vocabulary (`ALERT_FREQUENCIES`, `BILLED_ALERT_TYPES`) mirrors `app/alerts/model.ts`
 * (a unit test keeps them equal): billing imports nothing from other folders, so every domain can import it.
 */
import { z } from "zod";
import { Cents, Instant, MS_PER_DAY, addDaysToInstant, mulDivHalfEven } from "./money";

/** Cheapest first: the index is the plan's rank. */
export const PLAN_IDS = ["starter", "pro", "enterprise"] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export const INTERVALS = ["monthly", "annual"] as const;
export type Interval = (typeof INTERVALS)[number];

/** The two payment rails: Shopify's Billing API (App Store installs) and Stripe (direct contracts). */
export const RAILS = ["shopify", "stripe"] as const;
export type Rail = (typeof RAILS)[number];

export const ALERT_FREQUENCIES = ["immediate", "daily", "weekly"] as const;
export type AlertFrequency = (typeof ALERT_FREQUENCIES)[number];

export const BILLED_ALERT_TYPES = [
  "out_of_stock",
  "stockout_predicted",
  "reorder_point",
  "low_stock",
  "dead_stock",
  "forecast_failed",
] as const;
export type BilledAlertType = (typeof BILLED_ALERT_TYPES)[number];

/** The dunning emails of a grace period, in order (their days are in the catalogue). */
export const DUNNING_STEPS = ["payment_failed", "reminder", "read_only"] as const;
export type DunningStepName = (typeof DUNNING_STEPS)[number];

const Count = z.int().positive();

export const Plan = z.object({
  id: z.enum(PLAN_IDS),
  /** USD cents per interval. */
  priceCents: z
    .object({ monthly: Cents.positive(), annual: Cents.positive() })
    .refine((p) => p.annual < 12 * p.monthly, { error: "The annual price must be below 12 monthly prices" }),
  /** Included: synced (not deleted) variants and active locations. */
  limits: z.object({ variants: Count, locations: Count }),
  features: z.object({
    alertFrequencies: z.array(z.enum(ALERT_FREQUENCIES)).min(1),
    alertTypes: z.array(z.enum(BILLED_ALERT_TYPES)).min(1),
    /** The read API of decision 0033 with an API key. */
    apiAccess: z.boolean(),
    csvExport: z.boolean(),
    /** Alert recipients besides the shop's own address (alert settings allow at most 20). */
    extraRecipients: z.int().min(0).max(20),
  }),
  /**
   * Shopify rail, monthly only (Shopify allows usage line items on 30-day subscriptions only): each started
   * block of `blockVariants` variants above the included ones costs `blockPriceCents` per 30-day cycle, up to
   * `maxBlocks` (the usage line item's capped amount). Beyond that the limit is enforced (limits.ts).
   */
  overage: z.object({ blockVariants: Count, blockPriceCents: Cents.positive(), maxBlocks: z.int().min(0) }),
});
export type Plan = z.infer<typeof Plan>;

export const Catalogue = z
  .object({
    chargeCurrency: z.literal("USD"),
    plans: z.object({ starter: Plan, pro: Plan, enterprise: Plan }),
    /** Given once per shop, from the first install; its limits and features are those of `trial.plan`. */
    trial: z.object({ days: Count, plan: z.enum(PLAN_IDS) }),
    /** Full access after a failed payment (Stripe past_due, Shopify FROZEN), then read-only. */
    graceDays: Count,
    /** Day of each dunning email, counted from the failure; the last is the day read-only begins. */
    dunningDays: z.object({ payment_failed: z.int().min(0), reminder: z.int().min(0), read_only: z.int().min(0) }),
    /** Usage at or above this share of a limit warns. */
    warnAtPercent: z.int().min(1).max(100),
  })
  .superRefine((c, ctx) => {
    const issue = (message: string, path: (string | number)[]) => ctx.addIssue({ code: "custom", message, path });
    for (const id of PLAN_IDS) if (c.plans[id].id !== id) issue(`Plan under "${id}" has id "${c.plans[id].id}"`, ["plans", id, "id"]);
    PLAN_IDS.slice(1).forEach((id, i) => {
      const [lower, upper] = [c.plans[PLAN_IDS[i]!], c.plans[id]];
      const at = ["plans", id];
      if (upper.priceCents.monthly <= lower.priceCents.monthly || upper.priceCents.annual <= lower.priceCents.annual)
        issue("Prices must rise with the plan", [...at, "priceCents"]);
      if (upper.limits.variants <= lower.limits.variants || upper.limits.locations < lower.limits.locations)
        issue("Limits must rise with the plan", [...at, "limits"]);
      const f = [lower.features, upper.features] as const;
      if (
        !f[0].alertFrequencies.every((x) => f[1].alertFrequencies.includes(x)) ||
        !f[0].alertTypes.every((x) => f[1].alertTypes.includes(x)) ||
        (f[0].apiAccess && !f[1].apiAccess) ||
        (f[0].csvExport && !f[1].csvExport) ||
        f[1].extraRecipients < f[0].extraRecipients
      )
        issue("A plan must include every feature of the plans below it", [...at, "features"]);
      // Overage is a buffer for growth, never a cheaper way to the next plan.
      if (lower.priceCents.monthly + lower.overage.blockPriceCents * lower.overage.maxBlocks >= upper.priceCents.monthly)
        issue("The overage cap plus the price must stay below the next plan's price", ["plans", PLAN_IDS[i]!, "overage"]);
    });
    const d = c.dunningDays;
    if (d.payment_failed !== 0 || !(d.payment_failed < d.reminder && d.reminder < d.read_only) || d.read_only !== c.graceDays)
      issue("Dunning days must be 0 < reminder < read_only = graceDays", ["dunningDays"]);
  });
export type Catalogue = z.infer<typeof Catalogue>;

const ALL_TYPES = [...BILLED_ALERT_TYPES];

export const CATALOGUE: Catalogue = Catalogue.parse({
  chargeCurrency: "USD",
  plans: {
    starter: {
      id: "starter",
      priceCents: { monthly: 29_00, annual: 290_00 },
      limits: { variants: 1_000, locations: 2 },
      features: {
        alertFrequencies: ["daily", "weekly"],
        alertTypes: ["out_of_stock", "stockout_predicted", "reorder_point", "low_stock", "forecast_failed"],
        apiAccess: false,
        csvExport: true,
        extraRecipients: 1,
      },
      overage: { blockVariants: 1_000, blockPriceCents: 10_00, maxBlocks: 4 },
    },
    pro: {
      id: "pro",
      priceCents: { monthly: 79_00, annual: 790_00 },
      limits: { variants: 10_000, locations: 10 },
      features: { alertFrequencies: [...ALERT_FREQUENCIES], alertTypes: ALL_TYPES, apiAccess: true, csvExport: true, extraRecipients: 5 },
      overage: { blockVariants: 1_000, blockPriceCents: 6_00, maxBlocks: 15 },
    },
    enterprise: {
      id: "enterprise",
      priceCents: { monthly: 199_00, annual: 1_990_00 },
      limits: { variants: 100_000, locations: 200 },
      features: { alertFrequencies: [...ALERT_FREQUENCIES], alertTypes: ALL_TYPES, apiAccess: true, csvExport: true, extraRecipients: 20 },
      overage: { blockVariants: 1_000, blockPriceCents: 3_00, maxBlocks: 100 },
    },
  },
  trial: { days: 14, plan: "pro" },
  graceDays: 7,
  dunningDays: { payment_failed: 0, reminder: 3, read_only: 7 },
  warnAtPercent: 90,
});

export function planRank(id: PlanId): number {
  return PLAN_IDS.indexOf(id);
}

export function priceCents(id: PlanId, interval: Interval): number {
  return CATALOGUE.plans[id].priceCents[interval];
}

/** What a merchant needs, from the pricing calculator (every field optional: no requirement). */
export const PlanRequirements = z.object({
  alertFrequencies: z.array(z.enum(ALERT_FREQUENCIES)).default([]),
  alertTypes: z.array(z.enum(BILLED_ALERT_TYPES)).default([]),
  apiAccess: z.boolean().default(false),
  csvExport: z.boolean().default(false),
  extraRecipients: z.int().min(0).max(20).default(0),
});
export type PlanRequirements = z.input<typeof PlanRequirements>;

const UsageCount = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Whether the plan's included limits and features cover the usage and the requirements. */
export function planCovers(id: PlanId, variants: number, locations: number, requirements: PlanRequirements = {}): boolean {
  const p = CATALOGUE.plans[id];
  const need = PlanRequirements.parse(requirements);
  return (
    variants <= p.limits.variants &&
    locations <= p.limits.locations &&
    need.alertFrequencies.every((f) => p.features.alertFrequencies.includes(f)) &&
    need.alertTypes.every((t) => p.features.alertTypes.includes(t)) &&
    (!need.apiAccess || p.features.apiAccess) &&
    (!need.csvExport || p.features.csvExport) &&
    need.extraRecipients <= p.features.extraRecipients
  );
}

export interface PlanQuote {
  plan: PlanId;
  monthlyCents: number;
  annualCents: number;
  /** The annual price per month, rounded half-even ("$65.83/mo, billed annually"). */
  annualPerMonthCents: number;
  /** 12 monthly prices − the annual price. */
  annualSavingsCents: number;
}

/**
 * The pricing calculator: the cheapest plan whose included limits and features cover the shop, with its prices
 * (USD cents). Overage is not counted: it is a buffer for growth on the Shopify rail, not a tier. null when even
 * the largest plan does not fit (a direct contract on the Stripe rail).
 */
export function planFor(variants: number, locations: number, requirements: PlanRequirements = {}): PlanQuote | null {
  UsageCount.parse(variants);
  UsageCount.parse(locations);
  const id = PLAN_IDS.find((p) => planCovers(p, variants, locations, requirements));
  if (id === undefined) return null;
  const { monthly, annual } = CATALOGUE.plans[id].priceCents;
  return {
    plan: id,
    monthlyCents: monthly,
    annualCents: annual,
    annualPerMonthCents: mulDivHalfEven(annual, 1, 12),
    annualSavingsCents: 12 * monthly - annual,
  };
}

// ---- Trial -------------------------------------------------------------------------------------------------

export interface TrialWindow {
  startedAt: string;
  endsAt: string;
  /** Whole days left, rounded up (Shopify's `trialDays`), so the merchant is never charged for a trial day. */
  daysLeft: number;
}

/**
 * The shop's one trial: `CATALOGUE.trial.days` from its first install (`trialStartedAt`, kept per shop; null =
 * not started yet, so it starts `now`). A plan chosen during the trial passes `daysLeft` (Shopify) or `endsAt`
 * (Stripe `trial_end`); after it, 0 days.
 */
export function trialWindow(trialStartedAt: string | null, now: Date): TrialWindow {
  const startedAt = trialStartedAt === null ? now.toISOString() : Instant.parse(trialStartedAt);
  const endsAt = addDaysToInstant(startedAt, CATALOGUE.trial.days);
  const left = Date.parse(endsAt) - now.getTime();
  return { startedAt, endsAt, daysLeft: left <= 0 ? 0 : Math.ceil(left / MS_PER_DAY) };
}

// ---- Overage (Shopify rail, monthly) -----------------------------------------------------------------------

/** Usage charges exist only on the Shopify rail's 30-day subscriptions (not annual, not Stripe contracts). */
export function overageApplies(rail: Rail, interval: Interval): boolean {
  return rail === "shopify" && interval === "monthly";
}

/** The usage line item's `cappedAmount` per 30-day cycle. */
export function overageCapCents(id: PlanId): number {
  const o = CATALOGUE.plans[id].overage;
  return o.blockPriceCents * o.maxBlocks;
}

/** Started blocks of variants above the included ones, at most `maxBlocks`. */
export function overageBlocks(id: PlanId, variants: number): number {
  UsageCount.parse(variants);
  const p = CATALOGUE.plans[id];
  const extra = variants - p.limits.variants;
  return extra <= 0 ? 0 : Math.min(p.overage.maxBlocks, Math.ceil(extra / p.overage.blockVariants));
}

/** The variants a plan serves: included, plus the overage blocks when overage applies. */
export function variantAllowance(id: PlanId, withOverage: boolean): number {
  const p = CATALOGUE.plans[id];
  return p.limits.variants + (withOverage ? p.overage.blockVariants * p.overage.maxBlocks : 0);
}

export interface OverageCharge {
  /** Idempotency key: one charge per subscription, cycle and block, however often it is computed. */
  key: string;
  block: number;
  amountCents: number;
}

/**
 * The usage charges owed in one 30-day cycle once the shop reached `variants`: one per started block, each
 * keyed, so charging on every daily meter charges each block once (the cycle's peak) and never above the cap.
 */
export function overageCharges(id: PlanId, variants: number, cycle: { subscriptionId: string; periodStart: string }): OverageCharge[] {
  const periodStart = Instant.parse(cycle.periodStart);
  const price = CATALOGUE.plans[id].overage.blockPriceCents;
  return Array.from({ length: overageBlocks(id, variants) }, (_, i) => ({
    key: `overage:${cycle.subscriptionId}:${periodStart}:${i + 1}`,
    block: i + 1,
    amountCents: price,
  }));
}

// ---- Display in the shop's currency ------------------------------------------------------------------------

const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, { error: "Must be an ISO 4217 code" });

/** Units of each currency per 1 USD (e.g. EUR 0.92), from a rates provider, as of a time. */
export const ExchangeRates = z.object({
  base: z.literal("USD"),
  asOf: Instant,
  rates: z.record(CurrencyCode, z.number().positive().finite()),
});
export type ExchangeRates = z.infer<typeof ExchangeRates>;

export interface DisplayPrice {
  currency: string;
  /** Minor units of `currency` (JPY has none, KWD three). */
  amountMinor: number;
  fractionDigits: number;
  /** A conversion: shown as "≈", and the charge stays in USD. */
  approximate: boolean;
  /** The rates' time (null when no conversion was made). */
  ratesAsOf: string | null;
}

const RATE_SCALE = 1_000_000;

/**
 * An amount of USD cents in the shop's currency, for display only: rounded half-even to the currency's minor
 * unit. Shopify and Stripe charge USD (a bank or Shopify may convert at its own rate). Falls back to USD when the
 * rates table lacks the currency.
 */
export function displayPrice(usdCents: number, currency: string, rates: ExchangeRates): DisplayPrice {
  Cents.parse(usdCents);
  const code = CurrencyCode.parse(currency);
  const rate = code === "USD" ? undefined : rates.rates[code];
  if (rate === undefined) return { currency: "USD", amountMinor: usdCents, fractionDigits: 2, approximate: false, ratesAsOf: null };
  const digits = new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  const amountMinor = mulDivHalfEven(usdCents * 10 ** digits, Math.round(rate * RATE_SCALE), 100 * RATE_SCALE);
  return { currency: code, amountMinor, fractionDigits: digits, approximate: true, ratesAsOf: rates.asOf };
}
