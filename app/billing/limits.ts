/**
 * Plan limits, enforced without breaking anything: nothing stops syncing and nothing is deleted. A shop over its
 * limit keeps every page and export; only the forecast run is narrowed to the variants that matter most (the top
 * of a ranked list, by revenue) and the first locations, so alerts keep flowing for those. Given the plan, the
 * usage and whether overage applies (Shopify rail, monthly: `overageApplies`), `checkLimits` says ok, warn
 * (≥ `CATALOGUE.warnAtPercent` of the included amount, or in paid overage) or over, with the banner to show.
 */
import { z } from "zod";
import { CATALOGUE, overageBlocks, variantAllowance, type PlanId } from "./plans";

export const LIMIT_STATUSES = ["ok", "warn", "over"] as const;
export type LimitStatus = (typeof LIMIT_STATUSES)[number];

/** i18n keys of the limit banner, most urgent first. */
export const LIMIT_BANNERS = [
  "billing.limits.over_variants",
  "billing.limits.over_locations",
  "billing.limits.overage",
  "billing.limits.near_variants",
  "billing.limits.near_locations",
] as const;
export type LimitBanner = (typeof LIMIT_BANNERS)[number];

const UsageCount = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** What the shop uses now: synced (not deleted) variants, active locations (UsageDay). */
export const Usage = z.object({ variants: UsageCount, locations: UsageCount });
export type Usage = z.infer<typeof Usage>;

export interface Meter {
  used: number;
  /** Included in the plan's price. */
  included: number;
  /** Served at all: included, plus the overage blocks when overage applies. */
  allowed: number;
  /** used / included, in whole percent (rounded down). */
  percent: number;
}

export interface LimitCheck {
  plan: PlanId;
  status: LimitStatus;
  variants: Meter;
  locations: Meter;
  /** Started blocks of paid overage (0 without overage). */
  overageBlocks: number;
  banner: LimitBanner | null;
}

function meter(used: number, included: number, allowed: number): Meter {
  return { used, included, allowed, percent: Math.floor((used * 100) / included) };
}

export function checkLimits(plan: PlanId, usage: Usage, options: { overage: boolean }): LimitCheck {
  const { variants, locations } = Usage.parse(usage);
  const limits = CATALOGUE.plans[plan].limits;
  const v = meter(variants, limits.variants, variantAllowance(plan, options.overage));
  const l = meter(locations, limits.locations, limits.locations);
  const near = (m: Meter) => m.used * 100 >= CATALOGUE.warnAtPercent * m.included && m.used <= m.included;
  const raised = new Set<LimitBanner>();
  if (v.used > v.allowed) raised.add("billing.limits.over_variants");
  if (l.used > l.allowed) raised.add("billing.limits.over_locations");
  if (v.used > v.included && v.used <= v.allowed) raised.add("billing.limits.overage");
  if (near(v)) raised.add("billing.limits.near_variants");
  if (near(l)) raised.add("billing.limits.near_locations");
  const banner = LIMIT_BANNERS.find((b) => raised.has(b)) ?? null;
  const over = raised.has("billing.limits.over_variants") || raised.has("billing.limits.over_locations");
  return {
    plan,
    status: over ? "over" : banner === null ? "ok" : "warn",
    variants: v,
    locations: l,
    overageBlocks: options.overage ? overageBlocks(plan, variants) : 0,
    banner,
  };
}

export interface ForecastScope {
  /** Forecast these (in rank order). */
  variantIds: string[];
  /** Synced and shown, not forecast while over the limit. */
  skippedVariantIds: string[];
  locationIds: string[];
  /** Left out of per-location forecasts while over the limit. */
  skippedLocationIds: string[];
}

function cut(ranked: readonly string[], allowed: number, what: string): [string[], string[]] {
  if (new Set(ranked).size !== ranked.length) throw new Error(`forecastScope: duplicate ${what} id`);
  return [ranked.slice(0, allowed), ranked.slice(allowed)];
}

/**
 * Which variants and locations the forecast run covers: all of them within the limits; over them, the first
 * `allowed` of each ranked list (the caller ranks variants by revenue, best first, and locations likewise).
 */
export function forecastScope(check: LimitCheck, ranked: { variantIds: readonly string[]; locationIds: readonly string[] }): ForecastScope {
  const [variantIds, skippedVariantIds] = cut(ranked.variantIds, check.variants.allowed, "variant");
  const [locationIds, skippedLocationIds] = cut(ranked.locationIds, check.locations.allowed, "location");
  return { variantIds, skippedVariantIds, locationIds, skippedLocationIds };
}
